"""Each network mode puts rules on the right groups; only IPVLAN clusters get the ip-masq patch."""

from collections import Counter

import pytest
import yaml
from stacks import build, resolved

from podlb_component.provider.resource import LEGACY_KEYS
from podlb_component.rules.ownership import owner_remark, remark_owner
from podlb_component.testing.mock_engine import FakeCluster

PATCH = "kubernetes:core/v1:ConfigMapPatch"
CUSTOM_DOC = (
    "nonMasqueradeCIDRs:\n  - 10.0.0.0/8\n  - 100.64.0.0/10\nmasqOutBound: true\nmasqOutBoundIPv6: true\n"
    "masqLinkLocal: true\nresyncInterval: 15s\n"
)
GROUPS = {"node_security_group_ids": ["g-node1", "g-node2"], "eni_security_group_ids": ["esg-eni1"]}
PORTS = {"ports": [{"name": "http", "port": 80, "target_port": 8080}, {"name": "dns", "port": 53, "protocol": "UDP"}]}


@pytest.mark.parametrize(
    ("mode", "groups", "ipvlan"),
    [
        ("vpc-route-veth", {"g-node1", "g-node2"}, False),
        ("vpc-route-ipvlan", {"g-node1", "g-node2"}, True),
        ("kubenet", {"g-node1", "g-node2"}, False),
        ("vpc-eni", {"esg-eni1"}, False),
        ("vpc-secondary-ip-ipvlan", {"esg-eni1"}, True),
    ],
)
@pytest.mark.parametrize("preview", [True, False])
def test_rules_and_patch_per_mode(mode, groups, ipvlan, preview):
    run = build(
        {"network_mode": mode, **GROUPS},
        PORTS,
        preview=preview,
        fake=FakeCluster.cce_default(ip_masq_config=CUSTOM_DOC),
    )
    rules = run.mocks.rules()
    assert {r.inputs["security_group_id"] for r in rules} == groups
    assert {(r.inputs["protocol"], r.inputs["port_range"]) for r in rules} == {("tcp", "8080"), ("udp", "53")}
    assert len(rules) == len(groups) * 2
    patches = run.mocks.of_type(PATCH)
    assert len(patches) == (1 if ipvlan else 0)
    if ipvlan:
        patch = patches[0]
        assert patch.inputs["metadata"]["name"] == "cce-ip-masq-agent"
        assert patch.inputs["metadata"]["namespace"] == "kube-system"
        assert patch.inputs["metadata"]["annotations"]["pulumi.com/patchFieldManager"] == "podlb-ip-masq"
        after = yaml.safe_load(patch.inputs["data"]["config"])
        before = yaml.safe_load(CUSTOM_DOC)
        assert after == {**before, "masqOutBound": False, "masqOutBoundIPv6": False}
        assert patch.retain_on_delete, "removing podlb must not delete the agent's config"
        if not preview:
            assert resolved(run)["ip_masq_config"] == patch.inputs["data"]["config"]
    else:
        assert not run.mocks.of_type("kubernetes:core/v1:ConfigMap") or all(
            r.is_read is False for r in run.mocks.of_type("kubernetes:core/v1:ConfigMap")
        )
        assert not [r for r in run.mocks.registrations if r.read_id == "kube-system/cce-ip-masq-agent"]


def test_ip_masq_skip_on_ipvlan():
    run = build({"network_mode": "vpc-route-ipvlan", "ip_masq": "skip"})
    assert run.mocks.of_type(PATCH) == []


def test_unreadable_ip_masq_document_falls_back_to_default_with_warning():
    fake = FakeCluster.cce_default(ip_masq_config=None)
    fake.put(
        "kubernetes:core/v1:ConfigMap",
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "cce-ip-masq-agent", "namespace": "kube-system"},
            "data": {},
        },
    )
    run = build({"network_mode": "vpc-route-ipvlan"}, fake=fake)
    config = yaml.safe_load(run.mocks.of_type(PATCH)[0].inputs["data"]["config"])
    assert config["masqOutBound"] is False and config["nonMasqueradeCIDRs"][0] == "10.0.0.0/8"
    assert any("could not read the 'config' document" in w for w in run.warnings)


def test_broken_ip_masq_document_is_an_error_not_an_overwrite():
    with pytest.raises(Exception) as err:  # raised in a callback, so Pulumi wraps it
        build({"network_mode": "vpc-route-ipvlan"}, fake=FakeCluster.cce_default(ip_masq_config="- not\n- a map\n"))
    assert "podlb prod: ip_masq: ConfigMap kube-system/cce-ip-masq-agent" in str(err.value)
    assert "ip_masq='skip'" in str(err.value)


def test_service_waits_for_rules_and_prerequisites():
    run = build({"network_mode": "vpc-route-ipvlan", "cluster_type": "standalone"}, preview=False)
    service = run.mocks.by_name("web-service")
    needed = {r.urn for r in run.mocks.rules()} | {
        run.mocks.by_name("prod-ip-masq-agent").urn,
        run.mocks.by_name("prod-lb-controller").urn,
    }
    assert needed <= set(service.dependencies)


def test_children_are_parented_and_named_after_component():
    run = build({"cluster_type": "standalone"})
    cluster_urn = run.mocks.by_name("prod").urn
    service_urn = run.mocks.by_name("web").urn
    assert run.mocks.by_name("prod-lb-controller").parent == cluster_urn
    assert run.mocks.by_name("web-service").parent == service_urn
    # rules belong to the cluster (Services that need the same rule share it)
    assert all(r.parent == cluster_urn and r.name.startswith("prod-rule-") for r in run.mocks.rules())


def test_each_rule_carries_its_own_owner_token():
    run = build(
        project="shop",
        stack="prod",
        service={
            "ports": [{"name": "a", "port": 80, "target_port": 8080}, {"name": "b", "port": 443, "target_port": 8443}]
        },
    )
    remarks = {r.name: r.inputs["remark"] for r in run.mocks.rules()}
    assert remarks == {name: owner_remark("shop", "prod", name) for name in remarks} and len(set(remarks.values())) == 2
    assert all(remark_owner(r) for r in remarks.values())


def test_outputs_after_update():
    out = resolved(build(preview=False))
    assert out["address"] == "180.76.0.10" and out["blb_id"] == "lb-0a1b2c3d"
    assert len(out["rule_ids"]) == 1 and out["rule_ids"][0].startswith("r-")


def test_outputs_unknown_in_preview():
    from podlb_component.testing.mock_engine import NOT_RESOLVED

    assert build(preview=True).value is NOT_RESOLVED  # address/ids only exist after `up`


def test_sources():
    internal = build(service={"internal": True}).mocks.rules()
    assert [r.inputs["source_ip"] for r in internal] == ["192.168.0.0/16"]
    ranges = build(service={"load_balancer_source_ranges": ["1.2.3.0/24", "5.6.7.8/32"]})
    assert sorted(r.inputs["source_ip"] for r in ranges.mocks.rules()) == ["1.2.3.0/24", "5.6.7.8/32"]
    assert not any("0.0.0.0/0" in w for w in ranges.warnings)
    public = build()
    assert [r.inputs["source_ip"] for r in public.mocks.rules()] == ["0.0.0.0/0"]
    assert any("open to 0.0.0.0/0" in w for w in public.warnings)


def test_credentials_from_config_reach_no_rule():
    """podlb:* config configures the podlb provider (the engine hands it over); a rule is
    registered with its own fields only, under the default provider, and the secret is nowhere."""
    run = build(
        {"discover": False},
        config={"podlb:accessKeyId": "AKID", "podlb:secretAccessKey": "SECRETKEY"},
        secret_keys=["podlb:secretAccessKey"],
        preview=False,
    )
    rules = run.mocks.rules()
    assert rules
    for rule in rules:
        assert not set(LEGACY_KEYS) & set(rule.inputs) and rule.secret_paths == ()
        assert rule.provider == ""  # the default podlb provider, configured from the stack's config
    assert "SECRETKEY" not in repr([r.inputs for r in run.mocks.registrations])


def test_missing_expected_backends_warns():
    service = {"selector": {"app": "web"}, "ports": [{"port": 80}]}
    run = run_without_expected(service)
    assert any("expected_backends is not set" in w for w in run.warnings)


def run_without_expected(service):
    from podlb_component import PodDirectCluster, PodDirectService
    from podlb_component.testing.mock_engine import run_program

    def program():
        c = PodDirectCluster(
            "prod", {"cluster_id": "cce-a1", "network_mode": "kubenet", "node_security_group_ids": ["g-1"]}
        )
        PodDirectService("web", {"cluster": c, **service})

    return run_program(program)


def test_services_needing_the_same_rule_share_it():
    from stacks import CLUSTER_ARGS

    from podlb_component import PodDirectCluster, PodDirectService
    from podlb_component.testing.mock_engine import run_program

    def program():
        cluster = PodDirectCluster("prod", {**CLUSTER_ARGS, "node_security_group_ids": ["g-a", "g-b"]})
        for name in ("web", "api"):
            PodDirectService(
                name,
                {
                    "cluster": cluster,
                    "selector": {"app": name},
                    "internal": True,
                    "ports": [{"name": "http", "port": 80, "target_port": 8080}],
                    "expected_backends": 2,
                },
            )
        PodDirectService(
            "admin",
            {
                "cluster": cluster,
                "selector": {"app": "admin"},
                "internal": True,
                "ports": [{"name": "http", "port": 80, "target_port": 9000}],
                "expected_backends": 2,
            },
        )

    run = run_program(program, preview=False)
    rules = {r.name: r for r in run.mocks.rules()}
    vpc = "192-168-0-0-16"  # the cluster's VPC CIDR: the source of internal Services' rules
    assert sorted(rules) == [f"prod-rule-{g}-tcp-{port}-{vpc}" for g in ("g-a", "g-b") for port in (8080, 9000)]
    shared = {rules[f"prod-rule-g-a-tcp-8080-{vpc}"].urn, rules[f"prod-rule-g-b-tcp-8080-{vpc}"].urn}
    for name in ("web", "api"):
        assert shared <= set(run.mocks.by_name(f"{name}-service").dependencies)
    assert Counter(r.inputs["security_group_id"] for r in run.mocks.rules()) == {"g-a": 2, "g-b": 2}
