"""PodDirectCluster discovery through the CCE API, and rules from the component graph
created on the fake by the provider: end to end without a cloud or an engine."""

import pytest

from podlb_component import PodDirectCluster, PodDirectService, PodLbError
from podlb_component.cli import main as podlb
from podlb_component.provider.resource import LEGACY_KEYS
from podlb_component.rules.ownership import owner_remark
from podlb_component.testing.fixtures import ACCESS_KEY_ID, SECRET_ACCESS_KEY
from podlb_component.testing.mock_engine import RULE_TYPE, run_program
from tests.support.provider_host import InProcessProvider

SERVICE = {
    "selector": {"app": "web"},
    "ports": [{"name": "http", "port": 80, "target_port": 8080}],
    "expected_backends": 4,
    "internal": True,
}


def each_own_port(i: int) -> dict:
    return {**SERVICE, "ports": [{"name": "http", "port": 80, "target_port": 8000 + i}]}


def seed(fake, mode="vpc-route-veth", addon=True):
    fake.state.add_cce_cluster(
        "cce-disc01",
        mode,
        vpc_cidr="10.8.0.0/16",
        eni_security_groups=("esg-eni",),
        lb_controller="1.0.0" if addon else None,
    )


def config(fake):
    return {
        "podlb:accessKeyId": ACCESS_KEY_ID,
        "podlb:secretAccessKey": SECRET_ACCESS_KEY,
        "podlb:endpoint": fake.endpoint,
    }


def run(fake, cluster_args=None, services=1, preview=False, own_ports=False):
    def program():
        cluster = PodDirectCluster("prod", {"cluster_id": "cce-disc01", **(cluster_args or {})})
        for i in range(services):
            PodDirectService(f"svc{i}", {"cluster": cluster, **(each_own_port(i) if own_ports else SERVICE)})
        return {
            "mode": cluster.plan.profile.mode,
            "groups": list(cluster.plan.rule_group_ids),
            "lb": cluster.lb_controller_status,
        }

    return run_program(program, preview=preview, config=config(fake), secret_keys=["podlb:secretAccessKey"])


def test_discovery_fills_inputs_once_per_cluster(fake_bce):
    seed(fake_bce)
    result = run(fake_bce, services=5)
    assert result.value["mode"] == "vpc-route-veth" and result.value["groups"] == ["g-node"]
    assert result.value["lb"] == "cce-lb-controller 1.0.0 Running (CCE add-on API)"
    assert fake_bce.count("cce.getCluster") == 1 and fake_bce.count("cce.listAddons") == 1
    assert fake_bce.count(mutating=True) == 0  # discovery only reads
    rules = result.mocks.rules()
    # five internal Services on one target port share one rule from the discovered VPC CIDR
    assert len(rules) == 1 and rules[0].inputs["source_ip"] == "10.8.0.0/16"
    # no Deployment read when the add-on API already answered
    assert not [r for r in result.mocks.registrations if r.read_id == "kube-system/cce-lb-controller"]


def test_cluster_says_where_each_group_came_from(fake_bce):
    seed(fake_bce)
    result = run(fake_bce, cluster_args={"eni_security_group_ids": ["esg-mine"]})
    (cluster,) = result.mocks.of_type("podlb:index:PodDirectCluster")
    assert cluster.outputs["security_groups"] == [
        {"id": "g-node", "role": "node", "gets_rules": True, "from": "cluster nodeDefaultSecurityGroups"},
        {"id": "esg-mine", "role": "eni", "gets_rules": False, "from": "input eni_security_group_ids"},
    ]


def test_explicit_inputs_win_and_contradictions_warn(fake_bce):
    seed(fake_bce)
    fake_bce.state.security_groups.add_group("g-mine", "vpc-1")
    result = run(fake_bce, {"network_mode": "kubenet", "node_security_group_ids": ["g-mine"]})
    assert result.value["mode"] == "kubenet" and result.value["groups"] == ["g-mine"]
    assert any("network_mode is set to 'kubenet'" in w and "vpc-route-veth" in w for w in result.warnings)
    assert any("node_security_group_ids" in w for w in result.warnings)


def test_missing_addon_fails_before_anything_is_registered(fake_bce):
    seed(fake_bce, addon=False)
    with pytest.raises(PodLbError) as err:
        run(fake_bce)
    assert "not installed" in err.value.problem and "CCE console" in err.value.fix and "'ensure'" in err.value.fix


def test_discovery_errors_name_the_call(fake_bce):
    seed(fake_bce)
    fake_bce.fail_next("cce.getCluster", "503", times=10)
    with pytest.raises(PodLbError) as err:
        run(fake_bce)
    assert err.value.field == "discover" and "GET /api/cce/service/v2/cluster/cce-disc01 failed" in err.value.problem


def test_discover_false_makes_no_call(fake_bce):
    seed(fake_bce)
    run(
        fake_bce,
        {
            "discover": False,
            "network_mode": "vpc-route-veth",
            "node_security_group_ids": ["g-node"],
            "vpc_cidr": "10.8.0.0/16",
        },
    )
    assert fake_bce.calls == []


def test_discover_true_without_credentials_is_an_error():
    with pytest.raises(PodLbError, match="no BCE credentials"):
        run_program(lambda: PodDirectCluster("prod", {"cluster_id": "cce-x1", "discover": True}))


@pytest.mark.parametrize(("mode", "group"), [("vpc-route-veth", "g-node"), ("vpc-secondary-ip-veth", "esg-eni")])
def test_rules_reach_the_groups_the_mode_selects(fake_bce, bce_settings, mode, group):
    seed(fake_bce, mode=mode)
    result = run(fake_bce)
    provider = InProcessProvider(bce_settings)
    for registration in result.mocks.rules():  # what the engine would hand the podlb provider
        inputs, failures = provider.check(RULE_TYPE, {}, registration.inputs)
        assert failures == []
        provider.create(inputs)
    node_rules = fake_bce.state.security_groups.get("g-node").rules
    eni_rules = fake_bce.state.enterprise_security_groups.get("esg-eni").rules
    landed = node_rules if group == "g-node" else eni_rules
    other = eni_rules if group == "g-node" else node_rules
    assert [(r["portRange"], r["sourceIp"]) for r in landed] == [("8080", "10.8.0.0/16")] and other == []
    assert landed[0]["remark"] == owner_remark("project", "stack", f"prod-rule-{group}-tcp-8080-10-8-0-0-16")


def test_podlb_plan_never_calls_the_cloud(fake_bce, monkeypatch, capsys, tmp_path):
    seed(fake_bce)
    monkeypatch.setenv("BCE_ACCESS_KEY_ID", ACCESS_KEY_ID)
    monkeypatch.setenv("BCE_SECRET_ACCESS_KEY", SECRET_ACCESS_KEY)
    monkeypatch.setenv("BCE_ENDPOINT", fake_bce.endpoint)
    (tmp_path / "Pulumi.yaml").write_text("name: t\nruntime: python\n")
    (tmp_path / "__main__.py").write_text(
        "from podlb_component import PodDirectCluster\n"
        "PodDirectCluster('c', {'cluster_id': 'cce-disc01', 'network_mode': 'kubenet',"
        " 'node_security_group_ids': ['g-node']})\n"
    )
    assert podlb(["plan", str(tmp_path)]) == 0
    assert fake_bce.calls == []


def test_secret_key_appears_only_as_a_secret(fake_bce):
    """The credentials are the provider's configuration: no registration carries the secret key,
    not even marked secret, and no rule has a credentials input at all."""
    seed(fake_bce)
    result = run(fake_bce, services=2)
    for registration in result.mocks.registrations:
        assert SECRET_ACCESS_KEY not in repr(registration.inputs), registration.name
    rules = result.mocks.rules()
    assert rules and all(not set(LEGACY_KEYS) & set(r.inputs) for r in rules)
    assert SECRET_ACCESS_KEY not in repr(result.warnings) + repr(result.errors)


def test_rule_quota_counts_foreign_rules_but_not_our_own(fake_bce):
    seed(fake_bce)
    group = fake_bce.state.security_groups
    for n in range(93):
        group.authorize(
            "g-node",
            {
                "direction": "ingress",
                "protocol": "tcp",
                "portRange": str(1000 + n),
                "sourceIp": "0.0.0.0/0",
                "remark": "hand-made",
            },
        )
    for n in range(5):  # rules this stack made on an earlier `up`: not counted twice
        group.authorize(
            "g-node",
            {
                "direction": "ingress",
                "protocol": "tcp",
                "portRange": str(2000 + n),
                "sourceIp": "0.0.0.0/0",
                "remark": "podlb project/stack cluster prod",
            },
        )
    assert len(run(fake_bce, services=7, own_ports=True).mocks.rules()) == 7  # 93 + 7 = 100: at the quota
    with pytest.raises(PodLbError) as err:
        run(fake_bce, services=8, own_ports=True)
    assert "g-node would hold 101 ingress rules (93 already there" in err.value.problem
