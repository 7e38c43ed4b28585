"""Fault campaign: every BCE call the rule provider and discovery make, under every fault the
fake can inject, transient (once) and persistent (more than the SDK retries). After each run the
fake's state must match what the provider reported (no duplicate, no orphan rule), and a
failure must name the call and its cause. Creates and deletes run both in this process and
through the podlb provider plugin (`python -m podlb_component.plugin`, over gRPC, as the
engine runs it)."""

import pytest

from podlb_component.addon_model import find_addon
from podlb_component.bce.clients import BceApiError
from podlb_component.bce.discovery import discover_cluster
from podlb_component.bce.security_groups import READ_CACHE
from podlb_component.bce.settings import BceSettings
from podlb_component.rules.ownership import owner_remark
from podlb_component.testing.fixtures import ACCESS_KEY_ID, SECRET_ACCESS_KEY
from podlb_component.testing.mock_engine import ADDON_TYPE, RULE_TYPE
from tests.support.provider_host import InProcessProvider, ProviderHost, ProviderHostError

KINDS = ["500", "503", "429", "RequestExpired", "502", "504", "hang", "drop"]
AFTER = ["500-after", "hang-after", "drop-after"]  # the change is made, then the answer is lost
REMARK = owner_remark("proj", "dev", "prod-rule-x-tcp-8080-10-0-0-0-16")
PERSISTENT = 10  # more than the SDK's 3 retries
FAILED = (BceApiError, ProviderHostError)


@pytest.fixture
def fake(fake_bce):
    fake_bce.hang_seconds = 0.4
    fake_bce.state.add_cce_cluster("cce-fault1", eni_security_groups=("esg-eni",))
    READ_CACHE.clear()
    return fake_bce


def settings(fake):
    """The fake's credentials, with a client timeout shorter than its hangs: the provider's configuration."""
    return BceSettings(
        ACCESS_KEY_ID, SECRET_ACCESS_KEY, endpoint=fake.endpoint, timeout_ms=250, retry_base_ms=10, gather_ms=0
    )


@pytest.fixture(params=["in-process", "host"])
def drive(request, fake):
    driver = InProcessProvider(settings(fake)) if request.param == "in-process" else ProviderHost(settings(fake))
    yield driver
    driver.close()


def props(fake, group, drive=None):
    """Checked inputs, as the engine hands them to Create (through `drive` when given)."""
    drive = drive or InProcessProvider(settings(fake))
    inputs, failures = drive.check(
        RULE_TYPE,
        {},
        {
            "security_group_id": group,
            "protocol": "tcp",
            "port_range": "8080",
            "source_ip": "10.0.0.0/16",
            "remark": REMARK,
        },
    )
    assert failures == []
    return inputs


def live(fake, group):
    backend = fake.state.enterprise_security_groups if group.startswith("esg-") else fake.state.security_groups
    return [r for r in backend.get(group).rules if r["portRange"] == "8080"]


def rule_id(rule):
    return rule.get("id") or rule.get("enterpriseSecurityGroupRuleId")


def assert_names_call_and_cause(err: Exception, path_part: str, kind: str) -> None:
    text = str(err)
    assert path_part in text, text
    causes = {
        "500": ("HTTP 500",),
        "503": ("HTTP 503",),
        "429": ("HTTP 429",),
        "RequestExpired": ("RequestExpired",),
        "502": ("HTTP 502",),
        "504": ("HTTP 504",),
        "hang": ("timed out",),
        "drop": ("RemoteDisconnected", "ConnectionResetError", "BrokenPipeError"),
    }
    assert any(cause in text for cause in causes[kind.removesuffix("-after")]), text


CREATE_ROUTES = [
    ("g-node", "bcc.authorizeRule", "authorizeRule"),
    ("g-node", "bcc.getSecurityGroup", "/v2/securityGroup/"),
    ("esg-eni", "esg.authorizeRule", "authorizeRule"),
    ("esg-eni", "esg.list", "/v1/enterprise/security"),
]
# '-after' faults only mean something for the calls that change state
CREATE_CASES = [(g, r, p, k) for g, r, p in CREATE_ROUTES for k in KINDS + (AFTER if "authorize" in r else [])]


@pytest.mark.parametrize(("group", "route", "path", "kind"), CREATE_CASES)
@pytest.mark.parametrize("persistent", [False, True])
def test_create(fake, drive, group, route, path, kind, persistent):
    fake.fail_next(route, kind, times=PERSISTENT if persistent else 1)
    try:
        created_id, _ = drive.create(props(fake, group, drive))
    except FAILED as err:
        assert persistent, f"a single {kind} should be retried away: {err}"
        assert_names_call_and_cause(err, path, kind)
        # failed create: Pulumi records nothing. Nothing is left behind, or (enterprise group:
        # made, then unconfirmable, and no id to delete it by) the retried create adopts it.
        left = live(fake, group)
        if left:
            assert group.startswith("esg-") and [r["remark"] for r in left] == [REMARK]
            fake.clear_faults()
            READ_CACHE.clear()
            retried_id, _ = InProcessProvider(settings(fake)).create(props(fake, group))
            assert [rule_id(r) for r in live(fake, group)] == [retried_id]
        return
    (rule,) = live(fake, group)  # exactly one: no duplicate
    assert rule_id(rule) == created_id and rule["remark"] == REMARK  # state matches the fake


@pytest.mark.parametrize("group", ["g-node", "esg-eni"])
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("persistent", [False, True])
def test_read(fake, drive, group, kind, persistent):
    created_id, outs = drive.create(props(fake, group, drive))
    READ_CACHE.clear()
    route = "esg.list" if group.startswith("esg-") else "bcc.getSecurityGroup"
    fake.fail_next(route, kind, times=PERSISTENT if persistent else 1)
    reader = drive if isinstance(drive, InProcessProvider) else ProviderHost(settings(fake))  # a refresh: a new process
    try:
        read_id, _ = reader.read(created_id, outs)
    except FAILED as err:
        assert persistent
        assert_names_call_and_cause(err, "enterprise/security" if group.startswith("esg-") else "securityGroup", kind)
        return
    finally:
        if reader is not drive:
            reader.close()
    assert read_id == created_id  # a failed read is never mistaken for "deleted"


DELETE_ROUTES = [
    ("g-node", "bcc.deleteRule", "/v2/securityGroup/rule/", True),
    ("esg-eni", "esg.deleteRule", "/rule/", True),
    # the ownership check before a delete reads the group
    ("g-node", "bcc.getSecurityGroup", "/v2/securityGroup/g-node", False),
    ("esg-eni", "esg.list", "/v1/enterprise/security", False),
]


DELETE_CASES = [(g, r, p, k) for g, r, p, writes in DELETE_ROUTES for k in KINDS + (AFTER if writes else [])]


@pytest.mark.parametrize(("group", "route", "path", "kind"), DELETE_CASES)
@pytest.mark.parametrize("persistent", [False, True])
def test_delete(fake, drive, group, route, path, kind, persistent):
    created_id, outs = drive.create(props(fake, group, drive))
    READ_CACHE.clear()
    fake.fail_next(route, kind, times=PERSISTENT if persistent else 1)
    try:
        drive.delete(created_id, outs)
    except FAILED as err:
        assert persistent and not kind.endswith("-after")
        assert_names_call_and_cause(err, path, kind)
        # the delete failed, so Pulumi keeps the rule in its state: it must still exist
        assert [rule_id(r) for r in live(fake, group)] == [created_id]
        return
    assert live(fake, group) == []


UPDATE_ROUTES = [("g-node", "bcc.updateRule"), ("esg-eni", "esg.updateRule")]


@pytest.mark.parametrize(("group", "route"), UPDATE_ROUTES)
@pytest.mark.parametrize("kind", [*KINDS, "500-after"])
@pytest.mark.parametrize("persistent", [False, True])
def test_update_remark(fake, drive, group, route, kind, persistent):
    created_id, outs = drive.create(props(fake, group, drive))
    new = {**outs, "remark": REMARK + " v2"}
    fake.fail_next(route, kind, times=PERSISTENT if persistent else 1)
    try:
        drive.update(created_id, outs, new)
    except FAILED as err:
        assert persistent
        assert_names_call_and_cause(err, "rule", kind)
        (rule,) = live(fake, group)
        assert rule_id(rule) == created_id  # still one rule, the same one
        return
    (rule,) = live(fake, group)
    assert rule["remark"] == REMARK + " v2"


DISCOVERY_ROUTES = ["cce.getCluster", "cce.listInstances", "cce.listAddons", "bcc.getSecurityGroup", "esg.list"]


@pytest.mark.parametrize("route", DISCOVERY_ROUTES)
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("persistent", [False, True])
def test_discovery(fake, route, kind, persistent):
    fake.fail_next(route, kind, times=PERSISTENT if persistent else 1)
    try:
        found = discover_cluster(settings(fake), "cce-fault1")
    except BceApiError as err:
        assert persistent
        assert_names_call_and_cause(
            err,
            {
                "cce.getCluster": "/cluster/cce-fault1",
                "cce.listInstances": "/cluster/cce-fault1/instances",
                "cce.listAddons": "/addon",
                "bcc.getSecurityGroup": "/v2/securityGroup/g-node",
                "esg.list": "/v1/enterprise/security",
            }[route],
            kind,
        )
        assert fake.count(mutating=True) == 0
        return
    assert found.network_mode == "vpc-route-veth" and found.master_type == "managed"
    state, _ = find_addon(found.addons, ["cce-lb-controller"])
    assert state is not None and state.installed_version == "1.0.0"
    assert fake.count(mutating=True) == 0


# -- lb_controller="ensure": the add-on calls ---------------------------------------------------
ADDON_ROUTES = [
    ("missing", "cce.listAddons", "/addon"),
    ("missing", "cce.installAddon", "POST /api/cce/service/v2/cluster/cce-fault1/addon"),
    ("old", "cce.upgradeAddon", "/addon/upgrade"),
]
ADDON_CASES = [(s, r, p, k) for s, r, p in ADDON_ROUTES for k in KINDS + (AFTER if r != "cce.listAddons" else [])]


def addon_props(fake):
    return {
        "cluster_id": "cce-fault1",
        "addon_names": ["cce-lb-controller"],
        "min_version": "1.3.6",
        "timeout_seconds": 10,
        "poll_seconds": 0.01,
    }


@pytest.mark.parametrize(("start", "route", "path", "kind"), ADDON_CASES)
@pytest.mark.parametrize("persistent", [False, True])
def test_ensure_addon(fake, start, route, path, kind, persistent):
    """Whatever fails, the add-on is installed (or upgraded) at most once, never removed, and a
    failure names the call; a retry after a failure finishes the job."""
    addons = fake.state.cce.get("cce-fault1").addons
    if start == "missing":
        addons.clear()
    else:
        addons["cce-lb-controller"] = {"version": "1.0.0", "phase": "Running"}
    fake.fail_next(route, kind, times=PERSISTENT if persistent else 1)
    provider = InProcessProvider(settings(fake))
    try:
        _, outs = provider.create(addon_props(fake), type_=ADDON_TYPE)
    except FAILED as err:
        assert persistent, f"a single {kind} should be retried away: {err}"
        assert_names_call_and_cause(err, path, kind)
        fake.clear_faults()
        _, outs = provider.create(addon_props(fake), type_=ADDON_TYPE)  # the next `pulumi up`
    assert outs["installed_version"] == "1.3.13" and outs["phase"] == "Running"
    # exactly one install or upgrade took effect (answered 200, or made before its answer was lost);
    # every other try met the one under way (409) or never reached the model
    took_effect = [
        c
        for c in fake.calls
        if c.route in ("cce.installAddon", "cce.upgradeAddon")
        and c.status != 409
        and (c.status == 200 or (c.fault or "").endswith("-after"))
    ]
    assert len(took_effect) == 1, took_effect
    assert fake.count("cce.uninstallAddon") == 0
