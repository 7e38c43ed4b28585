"""The real bce-python-sdk, over real HTTP, against the fake: every route, signature checks,
paging, error bodies and the test controls."""

import http.client
import json
import time

import pytest
from baidubce.auth import bce_v1_signer
from baidubce.auth.bce_credentials import BceCredentials
from baidubce.services.bcc.bcc_client import BccClient
from baidubce.services.bcc.bcc_model import SecurityGroupRuleModel
from baidubce.services.eni.eni_client import EniClient
from baidubce.services.esg.esg_client import EsgClient
from baidubce.services.esg.esg_model import EnterpriseSecurityGroupRuleModel

from podlb_component.addon_model import find_addon
from podlb_component.bce.cce import CceClient
from podlb_component.bce.clients import BceApiError, RetryPolicy, call_bce, client_config
from podlb_component.bce.discovery import discover_cluster
from podlb_component.bce.settings import BceSettings
from podlb_component.sandbox.fake_bce.eni import Eni
from podlb_component.testing.fixtures import ACCESS_KEY_ID, SECRET_ACCESS_KEY


def body(response) -> dict:
    return json.loads(response.raw_data)


def rule(port="8080", source="10.0.0.0/8", remark="r"):
    return SecurityGroupRuleModel(
        remark=remark, direction="ingress", ethertype="IPv4", portRange=port, protocol="tcp", sourceIp=source
    )


@pytest.fixture
def bcc(bce_settings):
    return BccClient(client_config(bce_settings, "bcc"))


@pytest.fixture
def seeded(fake_bce):
    fake_bce.state.security_groups.add_group("g-a", "vpc-1", instance_ids=["i-1"])
    fake_bce.state.security_groups.add_group("g-b", "vpc-1")
    fake_bce.state.security_groups.add_group("g-c", "vpc-2")
    return fake_bce


def test_list_security_groups_filters_and_paging(seeded, bcc):
    names = lambda r: [g["id"] for g in body(r)["securityGroups"]]  # noqa: E731
    assert names(bcc.list_security_groups(vpc_id="vpc-1")) == ["g-a", "g-b"]
    assert names(bcc.list_security_groups(instance_id="i-1")) == ["g-a"]
    assert names(bcc.list_security_groups(security_group_id="g-c")) == ["g-c"]
    assert names(bcc.list_security_groups(security_group_ids="g-a,g-c")) == ["g-a", "g-c"]
    first = body(bcc.list_security_groups(max_keys=2))
    assert [g["id"] for g in first["securityGroups"]] == ["g-a", "g-b"]
    assert first["isTruncated"] is True and first["nextMarker"] == "g-c"
    second = body(bcc.list_security_groups(marker=first["nextMarker"], max_keys=2))
    assert [g["id"] for g in second["securityGroups"]] == ["g-c"] and second["isTruncated"] is False


def test_authorize_detail_revoke_delete(seeded, bcc):
    bcc.authorize_security_group_rule("g-a", rule(), client_token="t1")
    detail = body(bcc.get_security_group_detail("g-a"))
    assert detail["sgVersion"] == 2
    (r,) = detail["rules"]
    assert {k: r[k] for k in ("direction", "protocol", "portRange", "sourceIp", "ethertype", "remark")} == {
        "direction": "ingress",
        "protocol": "tcp",
        "portRange": "8080",
        "sourceIp": "10.0.0.0/8",
        "ethertype": "IPv4",
        "remark": "r",
    }
    assert r["securityGroupRuleId"].startswith("r-")
    bcc.revoke_security_group_rule("g-a", rule())
    assert body(bcc.get_security_group_detail("g-a"))["rules"] == []
    bcc.authorize_security_group_rule("g-a", rule(port="9090"))
    rule_id = body(bcc.get_security_group_detail("g-a"))["rules"][0]["securityGroupRuleId"]
    bcc.update_security_group_rule(rule_id, remark="new")
    assert body(bcc.get_security_group_detail("g-a"))["rules"][0]["remark"] == "new"
    bcc.delete_security_group_rule(rule_id)
    assert body(bcc.get_security_group_detail("g-a"))["rules"] == []


def api_error(fn) -> BceApiError:
    with pytest.raises(BceApiError) as err:
        call_bce("call", fn)
    return err.value


def test_duplicate_missing_and_idempotent(seeded, bcc):
    bcc.authorize_security_group_rule("g-a", rule(), client_token="same")
    bcc.authorize_security_group_rule("g-a", rule(), client_token="same")  # replay: no second rule
    assert len(body(bcc.get_security_group_detail("g-a"))["rules"]) == 1
    dup = api_error(lambda: bcc.authorize_security_group_rule("g-a", rule(), client_token="other"))
    assert dup.status == 409
    mismatch = api_error(lambda: bcc.authorize_security_group_rule("g-a", rule(port="1"), client_token="same"))
    assert mismatch.status == 409 and mismatch.code == "IdempotentParameterMismatch"
    gone = api_error(lambda: bcc.revoke_security_group_rule("g-a", rule(port="7")))
    assert (gone.status, gone.code) == (404, "SecurityGroup.RuleNotExist") and gone.request_id
    assert api_error(lambda: bcc.delete_security_group_rule("r-nope")).status == 404
    assert api_error(lambda: bcc.get_security_group_detail("g-nope")).status == 404


@pytest.mark.parametrize(
    "bad",
    [
        dict(portRange="0"),
        dict(portRange="9-1"),
        dict(protocol="sctp"),
        dict(sourceIp="300.1.1.1/8"),
        dict(sourceIp="fc00::/7"),
        dict(direction="inward"),
        dict(remark="x" * 129),
    ],
)
def test_rule_validation(seeded, bcc, bad):
    fields = dict(
        remark="r", direction="ingress", ethertype="IPv4", portRange="80", protocol="tcp", sourceIp="1.2.3.4/32"
    )
    err = api_error(lambda: bcc.authorize_security_group_rule("g-a", SecurityGroupRuleModel(**{**fields, **bad})))
    assert err.status == 400


def test_enterprise_groups(fake_bce, bce_settings):
    fake_bce.state.enterprise_security_groups.add_group("esg-1", instance_ids=["i-9"])
    esg = EsgClient(client_config(bce_settings, "bcc"))
    model = EnterpriseSecurityGroupRuleModel(
        remark="r",
        direction="ingress",
        ethertype="IPv4",
        portRange="8080",
        protocol="tcp",
        sourceIp="10.0.0.0/8",
        action="allow",
        priority=1000,
    )
    esg.authorize_enterprise_security_group_rule("esg-1", [model], client_token="t")
    esg.authorize_enterprise_security_group_rule("esg-1", [model], client_token="t")
    listing = body(esg.list_enterprise_security_groups(instance_id="i-9"))
    (group,) = listing["enterpriseSecurityGroups"]
    (r,) = group["rules"]
    assert r["action"] == "allow" and r["priority"] == 1000 and r["enterpriseSecurityGroupRuleId"].startswith("esgr-")
    assert api_error(lambda: esg.authorize_enterprise_security_group_rule("esg-1", [model])).status == 409
    esg.delete_enterprise_security_group_rule(r["enterpriseSecurityGroupRuleId"])
    assert body(esg.list_enterprise_security_groups())["enterpriseSecurityGroups"][0]["rules"] == []
    assert api_error(lambda: esg.delete_enterprise_security_group_rule("esgr-gone")).status == 404
    no_priority = EnterpriseSecurityGroupRuleModel(direction="ingress", protocol="tcp", portRange="1", action="allow")
    assert api_error(lambda: esg.authorize_enterprise_security_group_rule("esg-1", [no_priority])).status == 400


def test_enis(fake_bce, bce_settings):
    fake_bce.state.enis.add(
        Eni("eni-1", "vpc-1", instance_id="i-1", security_group_ids=["g-a"], enterprise_security_group_ids=["esg-1"])
    )
    fake_bce.state.enis.add(Eni("eni-2", "vpc-2"))
    client = EniClient(client_config(bce_settings, "bcc"))
    listing = body(client.list_eni("vpc-1"))
    assert [e["eniId"] for e in listing["enis"]] == ["eni-1"]
    detail = body(client.get_eni_details("eni-1"))
    assert detail["securityGroupIds"] == ["g-a"] and detail["enterpriseSecurityGroupIds"] == ["esg-1"]
    assert api_error(lambda: client.get_eni_details("eni-404")).status == 404


def seed_cluster(fake, **kw):
    instances = [{"spec": {"cceInstanceID": f"cce-abc1-{i}"}, "status": {"instancePhase": "running"}} for i in range(3)]
    options = {"eni_security_groups": ("esg-eni",), "instances": instances, **kw}
    return fake.state.add_cce_cluster("cce-abc1", "vpc-secondary-ip-veth", **options)


def test_cce_routes_both_prefixes(fake_bce, bce_settings):
    seed_cluster(fake_bce)
    client = CceClient(client_config(bce_settings, "cce"))
    cluster = client.get_cluster("cce-abc1")["cluster"]
    assert cluster["spec"]["containerNetworkConfig"]["mode"] == "vpc-secondary-ip-veth"
    assert cluster["spec"]["containerNetworkConfig"]["eniSecurityGroupID"] == "esg-eni"
    assert cluster["spec"]["nodeDefaultSecurityGroups"] == [{"id": "g-node", "name": "g-node", "type": "normal"}]
    assert cluster["status"]["clusterPhase"] == "running"
    assert len(client.list_instances("cce-abc1", page_size=2)) == 3
    (addon,) = client.list_addons("cce-abc1", ["cce-lb-controller"])
    assert addon["instance"]["installedVersion"] == "1.0.0" and addon["instance"]["status"]["phase"] == "Running"
    bare = BccClient(client_config(bce_settings, "cce"))._send_request(b"GET", b"/cluster/cce-abc1", prefix=b"/v2")
    assert body(bare)["cluster"]["spec"]["clusterID"] == "cce-abc1"
    assert fake_bce.count("cce.getCluster.bare") == 1
    assert api_error(lambda: client.get_cluster("cce-nope")).status == 404


def test_discovery(fake_bce, bce_settings):
    seed_cluster(fake_bce, lb_controller=None)
    found = discover_cluster(bce_settings, "cce-abc1")
    assert found.network_mode == "vpc-secondary-ip-veth" and found.vpc_cidr == "10.0.0.0/16"
    assert found.node_security_group_ids == ("g-node",) and found.eni_security_group_ids == ("esg-eni",)
    assert found.master_type == "managed"
    state, listed = find_addon(found.addons, ["cce-lb-controller"])
    assert state is not None and state.installed_version is None and "cce-lb-controller" in listed
    # one cluster read, one node listing, one add-on read, and the groups' rules once (for the quota)
    assert [c.route for c in fake_bce.calls] == [
        "cce.getCluster",
        "cce.listInstances",
        "cce.listAddons",
        "esg.list",
        "bcc.getSecurityGroup",
    ]
    assert found.ingress_rules == {"g-node": [], "esg-eni": []}  # the groups exist, empty


def test_discovery_covers_the_groups_nodes_and_enis_really_use(fake_bce, bce_settings):
    """A node bound only to custom groups gets rules there; a node that also carries a default
    group adds nothing (its custom group may be shared outside the cluster). ENI groups are the
    defaults plus containerNetworkConfig.eniSecurityGroupID."""
    from podlb_component.sandbox.fake_bce.cce import node_instance

    fake_bce.state.add_cce_cluster(
        "cce-nodes1",
        node_security_groups=("g-node",),
        eni_security_groups=("esg-eni",),
        instances=[
            node_instance("i-default", "g-node"),
            node_instance("i-both", "g-node", ("g-extra",)),
            node_instance("i-custom", "", ("g-custom", "esg-custom")),
        ],
    )
    fake_bce.state.cce.get("cce-nodes1").eni_security_groups.append("esg-eni2")  # the first is eniSecurityGroupID
    found = discover_cluster(bce_settings, "cce-nodes1")
    assert found.node_security_group_ids == ("g-node", "g-custom", "esg-custom")
    assert found.group_origins["g-node"] == ("cluster nodeDefaultSecurityGroups",)
    assert found.group_origins["g-custom"] == ("node i-custom vpcConfig (it carries no default group)",)
    assert "g-extra" not in found.group_origins
    assert found.eni_security_group_ids == ("esg-eni", "esg-eni2")
    assert found.group_origins["esg-eni"] == (
        "cluster eniDefaultSecurityGroups",
        "containerNetworkConfig.eniSecurityGroupID",
    )


def test_cce_errors_spell_request_id_as_cce_does_and_podlb_keeps_the_status(fake_bce, bce_settings):
    """CCE v2 bodies say `requestID`; the SDK's own parser raises KeyError on that (losing the
    HTTP status). podlb's parser keeps it."""
    from podlb_component.bce.cce import CceClient

    client = CceClient(client_config(bce_settings, "cce"))
    err = api_error(lambda: client.get_cluster("cce-nope"))
    assert err.status == 404 and err.code == "ClusterNotFound" and err.request_id
    assert '"requestID"' in _raw_error_body(fake_bce, "/api/cce/service/v2/cluster/cce-nope")


def _raw_error_body(fake_bce, path):
    import http.client
    from urllib.parse import urlsplit

    # unsigned: the signature check answers first, in the route's own error shape
    parts = urlsplit(fake_bce.endpoint)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=5)
    conn.request("GET", path)
    return conn.getresponse().read().decode()


@pytest.mark.parametrize("kind", ["502", "504"])
def test_gateway_errors_keep_their_status_and_are_retried(fake_bce, bce_settings, kind):
    """The SDK retries neither 502 nor 504, and a gateway's HTML page makes its parser raise
    ValueError; podlb's parser and retry policy turn both into a retried, named failure."""
    from podlb_component.bce.security_groups import SecurityGroupApi

    fake_bce.state.security_groups.add_group("g-gw", "vpc-1")
    fake_bce.fail_next("bcc.getSecurityGroup", kind, times=1)
    assert SecurityGroupApi(bce_settings).group_rules("g-gw") == []  # retried away
    fake_bce.fail_next("bcc.getSecurityGroup", kind, times=10)
    with pytest.raises(BceApiError) as err:
        SecurityGroupApi(bce_settings).group_rules("g-gw")
    assert err.value.status == int(kind)
    if kind == "504":
        assert "not BCE JSON" in str(err.value)


# -- signatures ------------------------------------------------------------------------------
def test_wrong_secret_is_rejected_with_a_credential_hint(seeded, fake_bce):
    wrong = BceSettings(ACCESS_KEY_ID, "not-the-secret", endpoint=fake_bce.endpoint)
    bcc = BccClient(client_config(wrong, "bcc"))
    err = api_error(lambda: bcc.get_security_group_detail("g-a"))
    assert (err.status, err.code) == (403, "SignatureDoesNotMatch")
    assert "podlb:secretAccessKey" in str(err) and "not-the-secret" not in str(err)
    unknown = BccClient(client_config(BceSettings("AKIDother", SECRET_ACCESS_KEY, endpoint=fake_bce.endpoint), "bcc"))
    assert api_error(lambda: unknown.get_security_group_detail("g-a")).code == "InvalidAccessKeyId"


def raw_request(fake, method, path, query, signed_path=None, signed_query=None, timestamp=0):
    """Sign one request with the SDK's signer, then (maybe) tamper with what is sent."""
    host = fake.endpoint.removeprefix("http://")
    headers = {b"host": host.encode(), b"x-bce-date": b"2026-01-01T00:00:00Z"}
    auth = bce_v1_signer.sign(
        BceCredentials(ACCESS_KEY_ID, SECRET_ACCESS_KEY),
        b"GET",
        (signed_path or path).encode(),
        headers,
        signed_query if signed_query is not None else query,
        timestamp=timestamp,
    )
    conn = http.client.HTTPConnection(host, timeout=5)
    qs = "&".join(f"{k}={v}" for k, v in query.items())
    conn.request(
        method,
        path + (f"?{qs}" if qs else ""),
        headers={"Host": host, "x-bce-date": "2026-01-01T00:00:00Z", "Authorization": auth.decode()},
    )
    response = conn.getresponse()
    return response.status, json.loads(response.read() or b"{}")


def test_signature_covers_path_query_and_time(seeded):
    assert raw_request(seeded, "GET", "/v2/securityGroup/g-a", {})[0] == 200
    status, err = raw_request(seeded, "GET", "/v2/securityGroup/g-b", {}, signed_path="/v2/securityGroup/g-a")
    assert (status, err["code"]) == (403, "SignatureDoesNotMatch") and set(err) == {"code", "message", "requestId"}
    status, err = raw_request(seeded, "GET", "/v2/securityGroup", {"vpcId": "vpc-2"}, signed_query={"vpcId": "vpc-1"})
    assert (status, err["code"]) == (403, "SignatureDoesNotMatch")
    status, err = raw_request(seeded, "GET", "/v2/securityGroup/g-a", {}, timestamp=int(time.time()) - 3600)
    assert (status, err["code"]) == (403, "RequestExpired")


# -- faults and retries --------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["500", "503", "RequestExpired", "429", "hang", "drop"])
def test_transient_faults_are_retried_then_succeed(seeded, bcc, kind):
    seeded.fail_next("bcc.getSecurityGroup", kind, times=2)
    assert body(bcc.get_security_group_detail("g-a"))["id"] == "g-a"
    calls = [c for c in seeded.calls if c.route == "bcc.getSecurityGroup"]
    assert [c.fault for c in calls] == [kind, kind, None] and calls[-1].status == 200


def test_persistent_fault_gives_a_named_error(seeded, bcc):
    seeded.fail_next("bcc.getSecurityGroup", "503", times=10)
    err = api_error(lambda: bcc.get_security_group_detail("g-a"))
    assert err.status == 503 and seeded.count("bcc.getSecurityGroup") == 4  # 1 + 3 retries


def test_client_errors_are_not_retried(seeded, bcc):
    api_error(lambda: bcc.get_security_group_detail("g-missing"))
    assert seeded.count("bcc.getSecurityGroup") == 1


def test_throttling_backs_off_exponentially():
    from baidubce.exception import BceServerError

    policy = RetryPolicy(max_error_retry=4, base_interval_in_millis=100)
    throttled = BceServerError("slow down", code="RequestRateLimitExceeded")
    throttled.status_code = 429
    assert all(policy.should_retry(throttled, n) for n in range(4)) and not policy.should_retry(throttled, 4)
    assert [policy.get_delay_before_next_retry_in_millis(throttled, n) for n in range(4)] == [100, 200, 400, 800]
    expired = BceServerError("expired", code="RequestExpired")
    expired.status_code = 403
    assert policy.should_retry(expired, 0)
    forbidden = BceServerError("no", code="SignatureDoesNotMatch")
    forbidden.status_code = 403
    assert not policy.should_retry(forbidden, 0)


def test_fault_controls_validate_their_arguments(fake_bce):
    with pytest.raises(ValueError):
        fake_bce.fail_next("bcc.nope", "500")
    with pytest.raises(ValueError):
        fake_bce.fail_next("bcc.getSecurityGroup", "418")


def test_rule_quota_per_direction(fake_bce, bce_settings):
    fake_bce.state.security_groups.add_group("g-full", "vpc-1")
    fake_bce.state.enterprise_security_groups.add_group("esg-full")
    bcc = BccClient(client_config(bce_settings, "bcc"))
    for n in range(100):
        fake_bce.state.security_groups.authorize(
            "g-full", {"direction": "ingress", "protocol": "tcp", "portRange": str(n + 1), "sourceIp": "10.0.0.0/8"}
        )
    err = api_error(lambda: bcc.authorize_security_group_rule("g-full", rule(port="9999")))
    assert (err.status, err.code) == (400, "SecurityGroup.RuleQuotaExceeded") and "limit 100" in str(err)
    egress = SecurityGroupRuleModel(direction="egress", protocol="tcp", portRange="80", destIp="10.0.0.0/8")
    bcc.authorize_security_group_rule("g-full", egress)  # the other direction has its own quota
    esg = EsgClient(client_config(bce_settings, "bcc"))
    models = [
        EnterpriseSecurityGroupRuleModel(
            direction="ingress",
            protocol="tcp",
            portRange=str(n + 1),
            sourceIp="10.0.0.0/8",
            action="allow",
            priority=1000,
        )
        for n in range(151)
    ]
    assert api_error(lambda: esg.authorize_enterprise_security_group_rule("esg-full", models)).status == 400
    esg.authorize_enterprise_security_group_rule("esg-full", models[:150])


def test_fake_runs_alone_from_a_seed_file(tmp_path):
    """`python -m podlb_component.sandbox.fake_bce --port N --state seed.yaml`, reached by the SDK."""
    import socket
    import subprocess
    import sys

    import yaml

    seed = tmp_path / "seed.yaml"
    seed.write_text(
        yaml.safe_dump(
            {"credentials": {"AKIDalone": "SKalone"}, "security_groups": [{"id": "g-seeded", "vpc_id": "vpc-9"}]}
        )
    )
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [sys.executable, "-m", "podlb_component.sandbox.fake_bce", "--port", str(port), "--state", str(seed)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout.readline().strip() == f"fake BCE listening on http://127.0.0.1:{port}"
        settings = BceSettings("AKIDalone", "SKalone", endpoint=f"http://127.0.0.1:{port}")
        detail = body(BccClient(client_config(settings, "bcc")).get_security_group_detail("g-seeded"))
        assert detail["vpcId"] == "vpc-9"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_discovery_counts_a_rule_listed_without_a_direction_as_ingress(fake_bce, bce_settings, monkeypatch):
    """The quota count reads a listed rule as podlb does everywhere (rules/value.canonical_direction)."""
    from podlb_component.bce.security_groups import SecurityGroupApi

    seed_cluster(fake_bce, lb_controller=None)
    listed = {"g-node": [{"remark": "no direction"}, {"remark": "out", "direction": "egress"}], "esg-eni": None}
    monkeypatch.setattr(SecurityGroupApi, "rules_of", lambda self, groups: listed)
    found = discover_cluster(bce_settings, "cce-abc1")
    assert found.ingress_rules == {"g-node": ["no direction"], "esg-eni": []}
