"""The podlb provider's `podlb:bce:SecurityGroupRule` CRUD against the fake through the real SDK,
driven both ways: called in this process, and through `python -m podlb_component.provider` over
gRPC as the engine runs it (configured with the fake's credentials, as `podlb:*` config)."""

import base64
import dataclasses
import logging
import pickle

import pytest

from podlb_component.bce.clients import BceApiError
from podlb_component.bce.security_group_rule import SecurityGroupRuleProvider
from podlb_component.bce.security_groups import READ_CACHE
from podlb_component.provider.resource import LEGACY_KEYS
from podlb_component.rules.ownership import owner_remark
from podlb_component.sandbox.fake_bce.bcc_security_groups import RULE_ID_KEYS
from podlb_component.testing.fixtures import SECRET_ACCESS_KEY
from podlb_component.testing.mock_engine import RULE_TYPE
from tests.support.provider_host import InProcessProvider, ProviderHost, ProviderHostError

REMARK = owner_remark("proj", "dev", "prod-rule-g-node-tcp-8080-10-0-0-0-8")
FAILED = (BceApiError, ProviderHostError)
DRIVERS = ["in-process", "host"]


def make_driver(kind, settings):
    return InProcessProvider(settings) if kind == "in-process" else ProviderHost(settings)


@pytest.fixture(params=DRIVERS)
def drive(request, bce_settings):
    driver = make_driver(request.param, bce_settings)
    yield driver
    driver.close()


@pytest.fixture
def next_run(drive, bce_settings):
    """The provider of the next `pulumi` run (refresh, destroy, the next `up`): a new plugin
    process, whose read cache starts empty (in this process: the cache emptied)."""
    started = []

    def start():
        if isinstance(drive, InProcessProvider):
            READ_CACHE.clear()
            return drive
        started.append(ProviderHost(bce_settings))
        return started[-1]

    yield start
    for host in started:
        host.close()


@pytest.fixture
def groups(fake_bce):
    fake_bce.state.security_groups.add_group("g-node", "vpc-1")
    fake_bce.state.enterprise_security_groups.add_group("esg-eni")
    return fake_bce


def raw(group="g-node", port="8080", source="10.0.0.0/8", remark=REMARK):
    """A rule's inputs as the program registers them: no credentials (the provider has them)."""
    return {
        "security_group_id": group,
        "protocol": "tcp",
        "port_range": port,
        "source_ip": source,
        "remark": remark,
    }


def checked(drive, **kwargs):
    inputs, failures = drive.check(RULE_TYPE, {}, raw(**kwargs))
    assert failures == []
    return inputs


def live_rules(fake, group):
    if group.startswith("esg-"):
        return fake.state.enterprise_security_groups.get(group).rules
    return fake.state.security_groups.get(group).rules


def rule_id(rule):
    return rule.get("id") or rule.get("enterpriseSecurityGroupRuleId")


@pytest.mark.parametrize("group", ["g-node", "esg-eni"])
def test_crud_round_trip(drive, groups, group, capfd):
    inputs = checked(drive, group=group)
    created_id, outs = drive.create(inputs)
    (live,) = live_rules(groups, group)
    assert created_id == rule_id(live) and outs["rule_id"] == created_id
    assert live["remark"] == REMARK and live["portRange"] == "8080" and live["sourceIp"] == "10.0.0.0/8"

    read_id, read_outs = drive.read(created_id, outs)
    assert read_id == created_id and read_outs["remark"] == REMARK

    new = {**inputs, "remark": REMARK + " (renamed)"}
    diff = drive.diff(created_id, outs, new)
    assert diff.changes and not diff.replaces
    drive.update(created_id, outs, new)
    assert live_rules(groups, group)[0]["remark"] == REMARK + " (renamed)"

    drive.delete(created_id, {**outs, "remark": REMARK + " (renamed)"})
    assert live_rules(groups, group) == []
    drive.delete(created_id, outs)  # already gone: still success
    assert capfd.readouterr().out == ""  # nothing printed (the plugin's stdout is the engine's: its port)


def test_diff_replaces_on_identity_change(drive):
    old = checked(drive)
    for field, kwarg, value in [
        ("port_range", "port", "9090"),
        ("source_ip", "source", "192.168.0.0/16"),
        ("security_group_id", "group", "g-other"),
    ]:
        diff = drive.diff("r-1", old, checked(drive, **{kwarg: value}))
        assert field in diff.replaces and diff.changes and not diff.delete_before_replace
    assert drive.diff("r-1", old, dict(old)).changes is False


def test_check_rejects_bad_inputs_before_any_call(drive, groups):
    _, failures = drive.check(
        RULE_TYPE,
        {},
        {
            "security_group_id": "sg-1",
            "protocol": "icmp",
            "port_range": "0",
            "source_ip": "10.0.0.0/33",
            "remark": "x" * 200,
        },
    )
    assert {prop for prop, _ in failures} == {"security_group_id", "protocol", "port_range", "source_ip", "remark"}
    assert groups.calls == []


def test_ipv6_source_sets_ethertype(drive):
    assert checked(drive, source="2001:db8::/32")["ethertype"] == "IPv6"


def test_refresh_of_a_rule_deleted_out_of_band_reports_it_gone(groups, bce_settings):
    """Through the host: a Read of a gone rule must cross the wire as an empty id (the engine's
    "gone"), not as an error or a crash of the plugin."""
    with ProviderHost(bce_settings) as host:
        created_id, outs = host.create(checked(host))
    groups.state.security_groups.delete_rule(created_id)
    with ProviderHost(bce_settings) as refresh:  # a `pulumi refresh` is a new provider process
        assert refresh.read(created_id, outs)[0] == ""


def test_group_deleted_out_of_band_reads_as_gone(drive, groups):
    created_id, outs = drive.create(checked(drive))
    del groups.state.security_groups.groups["g-node"]
    assert drive.read(created_id, outs)[0] == ""


@pytest.mark.parametrize("same_process", [True, False], ids=["same-process", "next-run"])
def test_relabelled_rule_is_no_longer_podlbs(drive, groups, next_run, same_process):
    """Someone changed the remark: the rule is theirs now. Refresh lets it go, delete leaves it,
    and an update refuses to touch it — in the process that made the rule (its create's listing
    is never what a read or delete uses) and in the next run."""
    created_id, outs = drive.create(checked(drive))
    groups.state.security_groups.find_rule(created_id)[1]["remark"] = "ops: mine now"
    later = drive if same_process else next_run()
    assert later.read(created_id, outs)[0] == ""
    later.delete(created_id, outs)
    assert [r["remark"] for r in live_rules(groups, "g-node")] == ["ops: mine now"]
    with pytest.raises(FAILED) as err:
        later.update(created_id, outs, {**outs, "remark": REMARK + " v2"})
    assert "won't change a rule it doesn't own" in str(err.value)
    assert [r["remark"] for r in live_rules(groups, "g-node")] == ["ops: mine now"]


def test_preview_creates_and_updates_nothing(groups, bce_settings):
    """The plugin handshakes, so the engine calls Create and Update in `pulumi preview` too,
    with preview=true: nothing reaches BCE, and the outputs are the inputs."""
    with ProviderHost(bce_settings) as host:
        inputs = checked(host)
        rule_id, outs = host.create(inputs, preview=True)
        assert rule_id == "" and outs == inputs
        assert (
            host.update("r-1", {**inputs, "rule_id": "r-1"}, {**inputs, "remark": "x"}, preview=True)["remark"] == "x"
        )
    assert groups.calls == [] and live_rules(groups, "g-node") == []


def test_lost_response_is_retried_with_the_same_client_token(drive, groups):
    """The create succeeds on the server but the answer is lost; the SDK retries with the same
    clientToken, and the fake (like BCE) doesn't make a second rule."""
    groups.fail_next("bcc.authorizeRule", "500-after")
    created_id, _ = drive.create(checked(drive))
    assert [rule_id(r) for r in live_rules(groups, "g-node")] == [created_id]
    assert groups.count("bcc.authorizeRule") == 2
    tokens = {c.query["clientToken"] for c in groups.calls if c.route == "bcc.authorizeRule"}
    assert len(tokens) == 1


@pytest.mark.parametrize("group", ["g-node", "esg-eni"])
def test_retried_create_after_a_crash_adopts_its_own_rule(drive, groups, group):
    """State lost after the rule was made: the next create meets its own rule (same owner
    token) and adopts it; no duplicate, even though the clientToken is new."""
    first_id, _ = drive.create(checked(drive, group=group))
    again_id, _ = drive.create(checked(drive, group=group))
    assert again_id == first_id and len(live_rules(groups, group)) == 1


def test_delete_and_recreate_the_same_rule(drive, groups):
    """The fake remembers clientTokens forever (Baidu doesn't say for how long): a token reused
    for the re-create would be a silent no-op. podlb's tokens are new per create."""
    inputs = checked(drive)
    first_id, outs = drive.create(inputs)
    drive.delete(first_id, outs)
    second_id, _ = drive.create(inputs)
    assert [rule_id(r) for r in live_rules(groups, "g-node")] == [second_id] and second_id != first_id


def test_hand_made_rule_with_the_same_fields_is_left_alone_on_a_normal_group(drive, groups):
    """BCC counts the remark in a rule's identity: podlb's rule is a second rule, and neither
    its create nor its delete touches the hand-made one."""
    hand = {
        "direction": "ingress",
        "protocol": "tcp",
        "portRange": "8080",
        "sourceIp": "10.0.0.0/8",
        "remark": "ops: keep",
    }
    groups.state.security_groups.authorize("g-node", hand)
    created_id, outs = drive.create(checked(drive))
    assert sorted(r["remark"] for r in live_rules(groups, "g-node")) == sorted(["ops: keep", REMARK])
    drive.delete(created_id, outs)
    assert [r["remark"] for r in live_rules(groups, "g-node")] == ["ops: keep"]


def test_hand_made_identical_rule_is_not_adopted_on_an_enterprise_group(drive, groups):
    """Enterprise groups (strict reading: the remark doesn't count) refuse podlb's rule; podlb
    says whose it is and neither adopts nor changes it."""
    groups.state.enterprise_security_groups.authorize(
        "esg-eni",
        [
            {
                "direction": "ingress",
                "protocol": "tcp",
                "portRange": "8080",
                "sourceIp": "10.0.0.0/8",
                "remark": "ops: keep",
                "action": "allow",
                "priority": 10,
            }
        ],
    )
    with pytest.raises(FAILED) as err:
        drive.create(checked(drive, group="esg-eni"))
    assert "did not create" in str(err.value) and "'ops: keep'" in str(err.value)
    assert [r["remark"] for r in live_rules(groups, "esg-eni")] == ["ops: keep"]


@pytest.mark.parametrize("group", ["g-node", "esg-eni"])
def test_rules_answered_in_rewritten_forms_are_still_found(drive, groups, group):
    """The API may answer x/32 as x (terraform-provider-baiducloud matches that way): podlb finds
    its rule, reads it without a spurious change, and deletes it."""
    groups.state.set_rewrite_values(True)
    inputs = checked(drive, group=group, source="203.0.113.7/32")
    created_id, outs = drive.create(inputs)
    assert live_rules(groups, group)[0]["sourceIp"] == "203.0.113.7"
    assert drive.read(created_id, outs)[1]["source_ip"] == "203.0.113.7/32"
    assert drive.diff(created_id, outs, inputs).changes is False
    drive.delete(created_id, outs)
    assert live_rules(groups, group) == []


def test_delete_without_an_id_revokes_with_the_remark(drive, groups):
    inputs = checked(drive)
    _created_id, outs = drive.create(inputs)
    drive.delete("", outs)
    assert live_rules(groups, "g-node") == []
    assert groups.count("bcc.revokeRule") == 1 and groups.count("bcc.deleteRule") == 0


def test_revoke_404_while_the_rule_is_listed_is_not_success(drive, groups):
    """The fake stores the rewritten form and compares a revoke as sent, so the revoke of
    x/32 answers 404 though the rule is there: podlb then deletes it by its listed id."""
    groups.state.set_rewrite_values(True)
    _, outs = drive.create(checked(drive, source="203.0.113.7/32"))
    drive.delete("", outs)
    assert live_rules(groups, "g-node") == []
    assert [c.status for c in groups.calls if c.route == "bcc.revokeRule"] == [404]


def test_permanent_error_is_clear_and_leaves_nothing(drive, groups):
    with pytest.raises(FAILED) as err:
        drive.create(checked(drive, group="g-missing"))
    assert "PUT /v2/securityGroup/g-missing?authorizeRule failed" in str(err.value) and "HTTP 404" in str(err.value)
    assert all(g.rules == [] for g in groups.state.security_groups.groups.values())


@pytest.mark.parametrize("kind", DRIVERS)
def test_bad_signature_names_the_credentials(kind, groups, bce_settings):
    """A provider configured with the wrong secret: the 403 names the config keys to fix."""
    wrong = dataclasses.replace(bce_settings, secret_access_key="wrong-secret")
    drive = make_driver(kind, wrong)
    try:
        inputs = checked(drive)
        with pytest.raises(FAILED) as err:
            drive.create(inputs)
    finally:
        drive.close()
    assert "HTTP 403" in str(err.value) and "podlb:secretAccessKey" in str(err.value)
    assert "wrong-secret" not in str(err.value)


def test_credentials_from_environment(groups, bce_settings, monkeypatch):
    monkeypatch.setenv("BCE_ACCESS_KEY_ID", bce_settings.access_key_id)
    monkeypatch.setenv("BCE_SECRET_ACCESS_KEY", bce_settings.secret_access_key)
    monkeypatch.setenv("BCE_ENDPOINT", bce_settings.endpoint)
    with ProviderHost() as host:  # no podlb:* config: the plugin inherits the engine's environment
        created_id, outs = host.create(checked(host))
    assert created_id.startswith("r-") and "bce_credentials" not in outs


def test_secret_never_in_outputs_errors_or_logs(groups, bce_settings, caplog):
    caplog.set_level(logging.DEBUG)
    drive = InProcessProvider(bce_settings)
    inputs = checked(drive)
    created_id, outs = drive.create(inputs)
    groups.fail_next("bcc.getSecurityGroup", "503", times=10)
    READ_CACHE.clear()
    with pytest.raises(BceApiError) as err:
        drive.read(created_id, outs)
    assert SECRET_ACCESS_KEY not in str(err.value)
    assert SECRET_ACCESS_KEY not in caplog.text
    # the credentials are the provider's configuration: no rule's inputs or outputs carry them
    assert not set(LEGACY_KEYS) & (set(inputs) | set(outs))
    assert SECRET_ACCESS_KEY not in str(inputs) + str(outs)


# -- state written by podlb 0.2.0 (dynamic resources) -------------------------------------------
LEGACY_PICKLE = b"cpodlb_component.bce.security_group_rule\nSecurityGroupRuleProvider\n)\x81."
"""A pickle of 0.2.0's rule provider, by reference to the module 0.2.0 defined it in, as its
`__provider` input holds it (an instance without state)."""


def legacy_props(outs, bce_settings):
    """A rule as podlb 0.2.0 recorded it: its fields and id, the pickled provider, and the
    credentials every resource carried."""
    return {
        **outs,
        "__provider": base64.b64encode(LEGACY_PICKLE).decode(),
        "bce_credentials": {
            "access_key_id": bce_settings.access_key_id,
            "secret_access_key": bce_settings.secret_access_key,
            "endpoint": bce_settings.endpoint,
            "timeout_ms": 500,
            "retry_base_ms": 10,
        },
    }


@pytest.mark.parametrize("group", ["g-node", "esg-eni"])
def test_state_from_podlb_020_is_updated_in_place_without_a_write(drive, groups, bce_settings, group):
    """The first `up` after the upgrade diffs 0.2.0's outputs (with `__provider` and
    `bce_credentials`) against the new inputs: a change (so the state is rewritten without them),
    never a replace (which would delete the very rule); the update then calls no BCE write."""
    inputs = checked(drive, group=group)
    rule_id_, outs = drive.create(inputs)
    olds = legacy_props(outs, bce_settings)
    diff = drive.diff(rule_id_, olds, inputs)
    assert diff.changes is True and diff.replaces == () and not diff.delete_before_replace
    writes = groups.count(mutating=True)
    updated = drive.update(rule_id_, olds, inputs)
    assert groups.count(mutating=True) == writes
    assert not set(LEGACY_KEYS) & set(updated)
    assert updated["rule_id"] == rule_id_ and updated["remark"] == REMARK
    assert SECRET_ACCESS_KEY not in str(updated)
    assert [rule_id(r) for r in live_rules(groups, group)] == [rule_id_]


def test_podlb_020_dynamic_provider_still_reads_and_deletes_but_makes_nothing(groups, bce_settings):
    """A refresh or a removal before the upgrading `up` still runs 0.2.0's pickled provider:
    it reads and deletes with the credentials in the old state; anything else says what to do."""
    legacy = pickle.loads(LEGACY_PICKLE)
    assert isinstance(legacy, SecurityGroupRuleProvider)
    drive = InProcessProvider(bce_settings)
    rule_id_, outs = drive.create(checked(drive))
    props = legacy_props(outs, bce_settings)

    found = legacy.read(rule_id_, props)
    assert found.id == rule_id_ and found.outs["rule_id"] == rule_id_ and found.outs["remark"] == REMARK
    for refused in (
        lambda: legacy.create(props),
        lambda: legacy.check({}, props),
        lambda: legacy.update(rule_id_, props, props),
    ):
        with pytest.raises(RuntimeError) as err:
            refused()
        assert "run `pulumi up` with the new podlb" in str(err.value)
    assert [rule_id(r) for r in live_rules(groups, "g-node")] == [rule_id_]

    legacy.delete(rule_id_, props)
    assert live_rules(groups, "g-node") == []
    READ_CACHE.clear()
    assert legacy.read(rule_id_, props).id == ""


# -- the two spellings of a listed rule's id ------------------------------------------------------
@pytest.mark.parametrize("id_key", RULE_ID_KEYS)
def test_a_listed_rule_id_is_found_in_either_spelling(drive, groups, id_key):
    """bce-sdk-go's model lists a rule's id as `securityGroupRuleId`, Baidu's 查看安全组详情
    example as `id`: create (which confirms its rule in the listing), read and delete work with both."""
    groups.state.security_groups.rule_id_key = id_key
    created_id, outs = drive.create(checked(drive))
    (listed,) = groups.state.security_groups.get("g-node").detail(id_key)["rules"]
    assert listed[id_key] == created_id and not (set(RULE_ID_KEYS) - {id_key}) & set(listed)
    READ_CACHE.clear()
    read_id, read_outs = drive.read(created_id, outs)
    assert read_id == created_id and read_outs["rule_id"] == created_id
    drive.delete(created_id, outs)
    assert live_rules(groups, "g-node") == []


def test_a_secret_input_stays_secret_in_every_answer(groups, bce_settings):
    """The plugin accepts secrets (the engine constructs components only on such a plugin), so the
    engine sends a secret input wrapped and no longer marks outputs itself: Check, Create, Read and
    Update must answer it secret again, while BCE gets the plain value."""
    from pulumi.runtime import rpc

    def secret(value):
        return rpc.wrap_rpc_secret(value)

    with ProviderHost(bce_settings) as host:
        inputs, failures = host.check(RULE_TYPE, {}, {**raw(), "source_ip": secret("10.0.0.0/8")})
        assert failures == [] and inputs["source_ip"] == secret("10.0.0.0/8")
        assert inputs["port_range"] == "8080"  # what wasn't secret stays plain
        created_id, outs = host.create(inputs)
        assert outs["source_ip"] == secret("10.0.0.0/8") and not rpc.is_rpc_secret(outs["rule_id"])
        (live,) = live_rules(groups, "g-node")
        assert live["sourceIp"] == "10.0.0.0/8"  # BCE gets the value itself
        _, read_outs = host.read(created_id, outs)
        assert read_outs["source_ip"] == secret("10.0.0.0/8")
        renamed = {**inputs, "remark": secret(REMARK + " (renamed)")}
        updated = host.update(created_id, outs, renamed)
        assert updated["remark"] == secret(REMARK + " (renamed)") and updated["source_ip"] == secret("10.0.0.0/8")
        host.delete(created_id, updated)
    assert live_rules(groups, "g-node") == []
