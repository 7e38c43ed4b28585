import pulumi
import pytest

from podlb_component.cluster.args import validate_cluster_args
from podlb_component.errors import PodLbError

BASE = {"cluster_id": "cce-abc123", "network_mode": "vpc-route-veth", "node_security_group_ids": ["g-node"]}


def validate(**overrides):
    return validate_cluster_args("prod", {**BASE, **overrides})


def error(**overrides) -> PodLbError:
    with pytest.raises(PodLbError) as err:
        validate(**overrides)
    return err.value


def test_defaults():
    plan = validate()
    assert plan.lb_controller == "validate" and plan.backend_quota == 50
    assert plan.rule_group_ids == ("g-node",) and not plan.manage_ip_masq
    assert plan.chart == {"version": "1.0.0"}


def test_ipvlan_manages_ip_masq_unless_skipped():
    assert validate(network_mode="vpc-route-ipvlan").manage_ip_masq
    assert not validate(network_mode="vpc-route-ipvlan", ip_masq="skip").manage_ip_masq


def test_eni_modes_use_eni_groups():
    plan = validate(network_mode="vpc-eni", eni_security_group_ids=["esg-eni"])
    assert plan.rule_group_ids == ("esg-eni",)


def test_selected_group_set_must_not_be_empty():
    err = error(network_mode="vpc-secondary-ip-veth")
    assert err.field == "eni_security_group_ids" and "ENIs" in err.problem
    assert error(node_security_group_ids=[]).field == "node_security_group_ids"


def test_group_list_must_be_plain_list():
    assert "preview time" in error(node_security_group_ids=pulumi.Output.from_input(["g-a"])).problem
    assert error(node_security_group_ids="g-a").field == "node_security_group_ids"
    assert error(node_security_group_ids=["sg-1"]).field == "node_security_group_ids[0]"


def test_install_needs_repository_and_defaults_version():
    err = error(lb_controller="install")
    assert err.field == "lb_controller_chart.repository"
    plan = validate(lb_controller="install", lb_controller_chart={"repository": "https://charts.example/cce"})
    assert plan.chart["version"] == "1.0.0"
    assert (
        validate(lb_controller="install", lb_controller_chart={"repository": "r", "version": "1.0.1"}).chart["version"]
        == "1.0.1"
    )


def test_release_options_are_release_args_fields_podlb_does_not_set():
    chart = {"repository": "https://charts.example/cce"}
    options = {"skip_await": True, "max_history": 3, "timeout": 600}
    plan = validate(lb_controller="helm", lb_controller_chart={**chart, "release_options": options})
    assert plan.chart["release_options"] == options
    err = error(lb_controller="helm", lb_controller_chart={**chart, "release_options": {"skipAwait": True}})
    assert err.field == "lb_controller_chart.release_options" and "skipAwait: not a field" in err.problem
    assert "skip_await" in err.fix
    err = error(lb_controller="helm", lb_controller_chart={**chart, "release_options": {"version": "2", "name": "x"}})
    assert "name, version: podlb sets them itself" in err.problem and "lb_controller_chart.version" in err.fix
    assert error(lb_controller_chart={"release_options": ["atomic"]}).field == "lb_controller_chart.release_options"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("lb_controller", "check"),
        ("lb_controller_chart", {"repo": "x"}),
        ("ip_masq", "on"),
        ("backend_quota", 0),
        ("backend_quota", "50"),
        ("vpc_cidr", "10.0.0.0/40"),
        ("cluster_id", "c-old1"),
    ],
)
def test_bad_inputs(field, value):
    assert error(**{field: value}).field.startswith(field)


def test_network_mode_required():
    with pytest.raises(PodLbError, match="network_mode"):
        validate_cluster_args("prod", {"cluster_id": "cce-a1", "node_security_group_ids": ["g-a"]})


def test_unknown_argument():
    assert "nodeSecurityGroupIds" in error(nodeSecurityGroupIds=["g-a"]).field


def test_output_cluster_id_is_deferred():
    plan = validate(cluster_id=pulumi.Output.from_input("c-old"))
    assert isinstance(plan.cluster_id, pulumi.Output)


def test_near_misses_get_a_did_you_mean():
    import pytest as _pytest

    from podlb_component.cluster.args import validate_cluster_args
    from podlb_component.errors import PodLbError

    base = {"cluster_id": "cce-abc123de", "node_security_group_ids": ["g-1"]}
    with _pytest.raises(PodLbError) as err:
        validate_cluster_args("prod", {**base, "network_mode": "vpc-route-ipvlen"})
    assert "did you mean 'vpc-route-ipvlan'?" in err.value.problem
    with _pytest.raises(PodLbError) as err:
        validate_cluster_args("prod", {**base, "network_mode": "kubenet", "vpc_cdir": "10.0.0.0/16"})
    assert err.value.field == "vpc_cdir" and "did you mean 'vpc_cidr'?" in err.value.problem
