"""SecurityGroupRuleProvider's CRUD, called directly (as the engine's dynamic-provider host
would) against the fake, through the real SDK."""

import logging

import pytest

from podlb_component.bce.clients import BceApiError
from podlb_component.bce.security_group_rule import SecurityGroupRuleProvider, client_token
from podlb_component.testing.fixtures import SECRET_ACCESS_KEY

REMARK = "podlb proj/dev svc default/web"


@pytest.fixture
def groups(fake_bce):
    fake_bce.state.security_groups.add_group("g-node", "vpc-1")
    fake_bce.state.enterprise_security_groups.add_group("esg-eni")
    return fake_bce


def props(bce_settings, group="g-node", port="8080", source="10.0.0.0/8", remark=REMARK):
    provider = SecurityGroupRuleProvider()
    raw = {
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
    checked = provider.check({}, raw)
    assert checked.failures == []
    return checked.inputs


def live_rules(fake, group):
    if group.startswith("esg-"):
        return fake.state.enterprise_security_groups.get(group).rules
    return fake.state.security_groups.get(group).rules


@pytest.mark.parametrize("group", ["g-node", "esg-eni"])
def test_crud_round_trip(groups, bce_settings, group, capfd):
    provider = SecurityGroupRuleProvider()
    inputs = props(bce_settings, group)
    created = provider.create(inputs)
    (live,) = live_rules(groups, group)
    live_id = live.get("id") or live.get("enterpriseSecurityGroupRuleId")
    assert created.id == live_id and created.outs["rule_id"] == live_id
    assert live["remark"] == REMARK and live["portRange"] == "8080" and live["sourceIp"] == "10.0.0.0/8"

    read = provider.read(created.id, created.outs)
    assert read.id == created.id and read.outs["remark"] == REMARK

    new = {**inputs, "remark": REMARK + " (renamed)"}
    diff = provider.diff(created.id, created.outs, new)
    assert diff.changes and not diff.replaces
    provider.update(created.id, created.outs, new)
    assert live_rules(groups, group)[0]["remark"] == REMARK + " (renamed)"

    provider.delete(created.id, created.outs)
    assert live_rules(groups, group) == []
    provider.delete(created.id, created.outs)  # already gone: still success
    assert capfd.readouterr().out == ""  # nothing printed (the dynamic provider host owns stdout)


def test_diff_replaces_on_identity_change(bce_settings):
    provider = SecurityGroupRuleProvider()
    old = props(bce_settings)
    for field, value in [("port_range", "9090"), ("source_ip", "192.168.0.0/16"), ("security_group_id", "g-other")]:
        diff = provider.diff(
            "r-1",
            old,
            props(
                bce_settings,
                **{{"port_range": "port", "source_ip": "source", "security_group_id": "group"}[field]: value},
            ),
        )
        assert diff.replaces == [field] if field != "source_ip" else field in diff.replaces
    assert not provider.diff("r-1", old, dict(old)).changes


def test_check_rejects_bad_inputs_before_any_call(groups, bce_settings):
    provider = SecurityGroupRuleProvider()
    checked = provider.check(
        {},
        {
            "security_group_id": "sg-1",
            "protocol": "icmp",
            "port_range": "0",
            "source_ip": "10.0.0.0/33",
            "remark": "x" * 200,
        },
    )
    assert {f.property for f in checked.failures} == {
        "security_group_id",
        "protocol",
        "port_range",
        "source_ip",
        "remark",
    }
    assert groups.calls == []


def test_ipv6_source_sets_ethertype(bce_settings):
    assert props(bce_settings, source="2001:db8::/32")["ethertype"] == "IPv6"


def test_out_of_band_deletion_reads_as_gone(groups, bce_settings):
    provider = SecurityGroupRuleProvider()
    created = provider.create(props(bce_settings))
    groups.state.security_groups.delete_rule(created.id)
    assert provider.read(created.id, created.outs).id is None


def test_group_deleted_out_of_band_reads_as_gone(groups, bce_settings):
    provider = SecurityGroupRuleProvider()
    created = provider.create(props(bce_settings))
    del groups.state.security_groups.groups["g-node"]
    assert provider.read(created.id, created.outs).id is None


def test_lost_response_is_retried_with_the_same_client_token(groups, bce_settings):
    """The create succeeds on the server but the answer is lost; the SDK retries with the same
    clientToken, and the fake (like BCE) doesn't make a second rule."""
    groups.fail_next("bcc.authorizeRule", "500-after")
    provider = SecurityGroupRuleProvider()
    created = provider.create(props(bce_settings))
    assert len(live_rules(groups, "g-node")) == 1 and created.id == live_rules(groups, "g-node")[0]["id"]
    assert groups.count("bcc.authorizeRule") == 2


def test_retried_create_after_a_crash_adopts_our_rule(groups, bce_settings):
    provider = SecurityGroupRuleProvider()
    first = provider.create(props(bce_settings))
    again = SecurityGroupRuleProvider().create({**props(bce_settings)})  # e.g. state lost after a crash
    assert again.id == first.id and len(live_rules(groups, "g-node")) == 1


def test_hand_made_identical_rule_is_not_adopted(groups, bce_settings):
    groups.state.security_groups.authorize(
        "g-node",
        {
            "direction": "ingress",
            "protocol": "tcp",
            "portRange": "8080",
            "sourceIp": "10.0.0.0/8",
            "remark": "ops: keep",
        },
    )
    with pytest.raises(BceApiError) as err:
        SecurityGroupRuleProvider().create(props(bce_settings))
    assert "did not create" in str(err.value) and "'ops: keep'" in str(err.value)
    assert [r["remark"] for r in live_rules(groups, "g-node")] == ["ops: keep"]


def test_permanent_error_is_clear_and_leaves_nothing(groups, bce_settings):
    with pytest.raises(BceApiError) as err:
        SecurityGroupRuleProvider().create(props(bce_settings, group="g-missing"))
    assert "PUT /v2/securityGroup/g-missing?authorizeRule failed" in str(err.value) and err.value.status == 404
    assert all(g.rules == [] for g in groups.state.security_groups.groups.values())


def test_bad_signature_names_the_credentials(groups, bce_settings):
    inputs = props(bce_settings)
    inputs["bce_credentials"] = {**inputs["bce_credentials"], "secret_access_key": "wrong-secret"}
    with pytest.raises(BceApiError) as err:
        SecurityGroupRuleProvider().create(inputs)
    assert err.value.status == 403 and "bce:secretAccessKey" in str(err.value)
    assert "wrong-secret" not in str(err.value)


def test_credentials_from_environment(groups, bce_settings, monkeypatch):
    monkeypatch.setenv("BCE_ACCESS_KEY_ID", bce_settings.access_key_id)
    monkeypatch.setenv("BCE_SECRET_ACCESS_KEY", bce_settings.secret_access_key)
    monkeypatch.setenv("BCE_ENDPOINT", bce_settings.endpoint)
    inputs = {k: v for k, v in props(bce_settings).items() if k != "bce_credentials"}
    created = SecurityGroupRuleProvider().create(inputs)
    assert created.id.startswith("r-") and "bce_credentials" not in created.outs


def test_secret_never_in_outputs_errors_or_logs(groups, bce_settings, caplog):
    caplog.set_level(logging.DEBUG)
    provider = SecurityGroupRuleProvider()
    created = provider.create(props(bce_settings))
    groups.fail_next("bcc.getSecurityGroup", "503", times=10)
    with pytest.raises(BceApiError) as err:
        provider.read(created.id, created.outs)
    assert SECRET_ACCESS_KEY not in str(err.value)
    assert SECRET_ACCESS_KEY not in caplog.text
    assert SECRET_ACCESS_KEY not in repr(provider)
    # the outputs hold the credentials input, which the resource marks secret (graph tests check that)
    assert SECRET_ACCESS_KEY not in str({k: v for k, v in created.outs.items() if k != "bce_credentials"})


def test_client_token_is_stable_and_short(bce_settings):
    a = client_token(props(bce_settings))
    assert a == client_token(props(bce_settings)) and len(a) < 64 and a.isascii()
    assert a != client_token(props(bce_settings, port="9090"))
