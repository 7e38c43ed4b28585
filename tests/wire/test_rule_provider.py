"""SecurityGroupRuleProvider's CRUD against the fake through the real SDK, driven both ways:
called in this process, and through `python -m pulumi.dynamic` over gRPC as the engine runs it."""

import logging

import pytest

from podlb_component.bce.clients import BceApiError
from podlb_component.bce.security_group_rule import SecurityGroupRuleProvider
from podlb_component.rule_model import owner_remark
from podlb_component.testing.fixtures import SECRET_ACCESS_KEY
from podlb_component.testing.provider_host import InProcessProvider, ProviderHost, ProviderHostError

REMARK = owner_remark("proj", "dev", "prod-rule-g-node-tcp-8080-10-0-0-0-8")
FAILED = (BceApiError, ProviderHostError)


@pytest.fixture(params=["in-process", "host"])
def drive(request):
    driver = InProcessProvider(SecurityGroupRuleProvider()) if request.param == "in-process" else ProviderHost()
    yield driver
    driver.close()


@pytest.fixture
def groups(fake_bce):
    fake_bce.state.security_groups.add_group("g-node", "vpc-1")
    fake_bce.state.enterprise_security_groups.add_group("esg-eni")
    return fake_bce


def raw(bce_settings, group="g-node", port="8080", source="10.0.0.0/8", remark=REMARK):
    return {
        "security_group_id": group,
        "protocol": "tcp",
        "port_range": port,
        "source_ip": source,
        "remark": remark,
        "bce_credentials": {
            "access_key_id": bce_settings.access_key_id,
            "secret_access_key": bce_settings.secret_access_key,
            "endpoint": bce_settings.endpoint,
            "timeout_ms": 500,
            "retry_base_ms": 10,
        },
    }


def checked(drive, bce_settings, **kwargs):
    inputs, failures = drive.check(SecurityGroupRuleProvider(), {}, raw(bce_settings, **kwargs))
    assert failures == []
    return inputs


def live_rules(fake, group):
    if group.startswith("esg-"):
        return fake.state.enterprise_security_groups.get(group).rules
    return fake.state.security_groups.get(group).rules


def rule_id(rule):
    return rule.get("id") or rule.get("enterpriseSecurityGroupRuleId")


@pytest.mark.parametrize("group", ["g-node", "esg-eni"])
def test_crud_round_trip(drive, groups, bce_settings, group, capfd):
    inputs = checked(drive, bce_settings, group=group)
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
    assert capfd.readouterr().out == ""  # nothing printed (the dynamic provider host owns stdout)


def test_diff_replaces_on_identity_change(drive, bce_settings):
    old = checked(drive, bce_settings)
    for field, kwarg, value in [
        ("port_range", "port", "9090"),
        ("source_ip", "source", "192.168.0.0/16"),
        ("security_group_id", "group", "g-other"),
    ]:
        diff = drive.diff("r-1", old, checked(drive, bce_settings, **{kwarg: value}))
        assert field in diff.replaces and diff.changes and not diff.delete_before_replace
    assert drive.diff("r-1", old, dict(old)).changes is False


def test_check_rejects_bad_inputs_before_any_call(drive, groups):
    _, failures = drive.check(
        SecurityGroupRuleProvider(),
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


def test_ipv6_source_sets_ethertype(drive, bce_settings):
    assert checked(drive, bce_settings, source="2001:db8::/32")["ethertype"] == "IPv6"


def test_refresh_of_a_rule_deleted_out_of_band_reports_it_gone(groups, bce_settings):
    """Through the host: `ReadResult(None, None)` crashed `python -m pulumi.dynamic` (it writes
    the provider key into the outputs); an empty id is the engine's "gone"."""
    with ProviderHost() as host:
        created_id, outs = host.create(checked(host, bce_settings))
    groups.state.security_groups.delete_rule(created_id)
    with ProviderHost() as refresh:  # a `pulumi refresh` is a new provider process
        assert refresh.read(created_id, outs)[0] == ""


def test_group_deleted_out_of_band_reads_as_gone(drive, groups, bce_settings):
    created_id, outs = drive.create(checked(drive, bce_settings))
    del groups.state.security_groups.groups["g-node"]
    assert drive.read(created_id, outs)[0] == ""


def test_relabelled_rule_is_no_longer_podlbs(drive, groups, bce_settings):
    """Someone changed the remark: the rule is theirs now. Refresh lets it go, delete leaves it."""
    created_id, outs = drive.create(checked(drive, bce_settings))
    groups.state.security_groups.find_rule(created_id)[1]["remark"] = "ops: mine now"
    assert drive.read(created_id, outs)[0] == ""
    drive.delete(created_id, outs)
    assert [r["remark"] for r in live_rules(groups, "g-node")] == ["ops: mine now"]
    with pytest.raises(FAILED) as err:
        drive.update(created_id, outs, {**outs, "remark": REMARK + " v2"})
    assert "won't change a rule it doesn't own" in str(err.value)


def test_lost_response_is_retried_with_the_same_client_token(drive, groups, bce_settings):
    """The create succeeds on the server but the answer is lost; the SDK retries with the same
    clientToken, and the fake (like BCE) doesn't make a second rule."""
    groups.fail_next("bcc.authorizeRule", "500-after")
    created_id, _ = drive.create(checked(drive, bce_settings))
    assert [rule_id(r) for r in live_rules(groups, "g-node")] == [created_id]
    assert groups.count("bcc.authorizeRule") == 2
    tokens = {c.query["clientToken"] for c in groups.calls if c.route == "bcc.authorizeRule"}
    assert len(tokens) == 1


@pytest.mark.parametrize("group", ["g-node", "esg-eni"])
def test_retried_create_after_a_crash_adopts_its_own_rule(drive, groups, bce_settings, group):
    """State lost after the rule was made: the next create meets its own rule (same owner
    token) and adopts it; no duplicate, even though the clientToken is new."""
    first_id, _ = drive.create(checked(drive, bce_settings, group=group))
    again_id, _ = drive.create(checked(drive, bce_settings, group=group))
    assert again_id == first_id and len(live_rules(groups, group)) == 1


def test_delete_and_recreate_the_same_rule(drive, groups, bce_settings):
    """The fake remembers clientTokens forever (Baidu doesn't say for how long): a token reused
    for the re-create would be a silent no-op. podlb's tokens are new per create."""
    inputs = checked(drive, bce_settings)
    first_id, outs = drive.create(inputs)
    drive.delete(first_id, outs)
    second_id, _ = drive.create(inputs)
    assert [rule_id(r) for r in live_rules(groups, "g-node")] == [second_id] and second_id != first_id


def test_hand_made_rule_with_the_same_fields_is_left_alone_on_a_normal_group(drive, groups, bce_settings):
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
    created_id, outs = drive.create(checked(drive, bce_settings))
    assert sorted(r["remark"] for r in live_rules(groups, "g-node")) == sorted(["ops: keep", REMARK])
    drive.delete(created_id, outs)
    assert [r["remark"] for r in live_rules(groups, "g-node")] == ["ops: keep"]


def test_hand_made_identical_rule_is_not_adopted_on_an_enterprise_group(drive, groups, bce_settings):
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
        drive.create(checked(drive, bce_settings, group="esg-eni"))
    assert "did not create" in str(err.value) and "'ops: keep'" in str(err.value)
    assert [r["remark"] for r in live_rules(groups, "esg-eni")] == ["ops: keep"]


@pytest.mark.parametrize("group", ["g-node", "esg-eni"])
def test_rules_answered_in_rewritten_forms_are_still_found(drive, groups, bce_settings, group):
    """The API may answer x/32 as x (terraform-provider-baiducloud matches that way): podlb finds
    its rule, reads it without a spurious change, and deletes it."""
    groups.state.set_rewrite_values(True)
    inputs = checked(drive, bce_settings, group=group, source="203.0.113.7/32")
    created_id, outs = drive.create(inputs)
    assert live_rules(groups, group)[0]["sourceIp"] == "203.0.113.7"
    assert drive.read(created_id, outs)[1]["source_ip"] == "203.0.113.7/32"
    assert drive.diff(created_id, outs, inputs).changes is False
    drive.delete(created_id, outs)
    assert live_rules(groups, group) == []


def test_delete_without_an_id_revokes_with_the_remark(drive, groups, bce_settings):
    inputs = checked(drive, bce_settings)
    _created_id, outs = drive.create(inputs)
    drive.delete("", outs)
    assert live_rules(groups, "g-node") == []
    assert groups.count("bcc.revokeRule") == 1 and groups.count("bcc.deleteRule") == 0


def test_revoke_404_while_the_rule_is_listed_is_not_success(drive, groups, bce_settings):
    """The fake stores the rewritten form and compares a revoke as sent, so the revoke of
    x/32 answers 404 though the rule is there: podlb then deletes it by its listed id."""
    groups.state.set_rewrite_values(True)
    _, outs = drive.create(checked(drive, bce_settings, source="203.0.113.7/32"))
    drive.delete("", outs)
    assert live_rules(groups, "g-node") == []
    assert [c.status for c in groups.calls if c.route == "bcc.revokeRule"] == [404]


def test_permanent_error_is_clear_and_leaves_nothing(drive, groups, bce_settings):
    with pytest.raises(FAILED) as err:
        drive.create(checked(drive, bce_settings, group="g-missing"))
    assert "PUT /v2/securityGroup/g-missing?authorizeRule failed" in str(err.value) and "HTTP 404" in str(err.value)
    assert all(g.rules == [] for g in groups.state.security_groups.groups.values())


def test_bad_signature_names_the_credentials(drive, groups, bce_settings):
    inputs = checked(drive, bce_settings)
    inputs["bce_credentials"] = {**inputs["bce_credentials"], "secret_access_key": "wrong-secret"}
    with pytest.raises(FAILED) as err:
        drive.create(inputs)
    assert "HTTP 403" in str(err.value) and "bce:secretAccessKey" in str(err.value)
    assert "wrong-secret" not in str(err.value)


def test_credentials_from_environment(groups, bce_settings, monkeypatch):
    monkeypatch.setenv("BCE_ACCESS_KEY_ID", bce_settings.access_key_id)
    monkeypatch.setenv("BCE_SECRET_ACCESS_KEY", bce_settings.secret_access_key)
    monkeypatch.setenv("BCE_ENDPOINT", bce_settings.endpoint)
    with ProviderHost() as host:  # the host inherits the engine's environment
        inputs = {k: v for k, v in checked(host, bce_settings).items() if k != "bce_credentials"}
        created_id, outs = host.create(inputs)
    assert created_id.startswith("r-") and "bce_credentials" not in outs


def test_secret_never_in_outputs_errors_or_logs(groups, bce_settings, caplog):
    caplog.set_level(logging.DEBUG)
    drive = InProcessProvider(SecurityGroupRuleProvider())
    created_id, outs = drive.create(checked(drive, bce_settings))
    groups.fail_next("bcc.getSecurityGroup", "503", times=10)
    from podlb_component.bce.security_groups import READ_CACHE

    READ_CACHE.clear()
    with pytest.raises(BceApiError) as err:
        drive.read(created_id, outs)
    assert SECRET_ACCESS_KEY not in str(err.value)
    assert SECRET_ACCESS_KEY not in caplog.text
    # the outputs hold the credentials input, which the resource marks secret (graph tests check that)
    assert SECRET_ACCESS_KEY not in str({k: v for k, v in outs.items() if k != "bce_credentials"})
