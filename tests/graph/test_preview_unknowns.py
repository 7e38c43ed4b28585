"""A preview where cluster facts come from other resources (unknown until they exist)."""

from typing import Any

import pulumi
import pytest

from podlb_component import PodDirectCluster, PodDirectService
from podlb_component.testing.mock_engine import NOT_RESOLVED, is_unknown, run_program


class Network(pulumi.CustomResource):
    """Stands for resources made in the same stack (VPC, security group, cluster)."""

    cidr: pulumi.Output[str]
    group_id: pulumi.Output[str]
    cluster_id: pulumi.Output[str]
    kubeconfig: pulumi.Output[str]

    def __init__(self, name: str) -> None:
        super().__init__(
            "test:index:Network", name, {"cidr": None, "group_id": None, "cluster_id": None, "kubeconfig": None}
        )


def program(network_mode: str = "vpc-route-ipvlan") -> Any:
    net = Network("net")
    cluster = PodDirectCluster(
        "prod",
        {
            "cluster_id": net.cluster_id,
            "network_mode": network_mode,
            "node_security_group_ids": [net.group_id, "g-static"],
            "vpc_cidr": net.cidr,
            "kubeconfig": pulumi.Output.secret(net.kubeconfig),
        },
    )
    service = PodDirectService(
        "web",
        {
            "cluster": cluster,
            "selector": {"app": "web"},
            "internal": True,
            "expected_backends": 5,
            "ports": [{"name": "http", "port": 80, "target_port": 8080}],
        },
    )
    return service.address


def test_unknown_cluster_values_at_preview_leave_the_rules_that_use_them_unknown():
    run = run_program(program, preview=True)
    rules = run.mocks.rules()
    assert len(rules) == 2
    # The rule on the unknown group has an unknown group id and an unknown source (the VPC CIDR).
    by_key = {r.name: r for r in rules}
    unknown_rule = by_key["prod-rule-sg0-tcp-8080-vpc"]
    assert is_unknown(unknown_rule.inputs["security_group_id"])
    assert is_unknown(unknown_rule.inputs["source_ip"])
    assert by_key["prod-rule-g-static-tcp-8080-vpc"].inputs["security_group_id"] == "g-static"
    # Everything hangs off the component's own provider, whose kubeconfig is unknown.
    provider = run.mocks.by_name("prod-k8s")
    assert provider.type == "pulumi:providers:kubernetes"
    assert run.value is NOT_RESOLVED


def test_unknown_old_generation_cluster_id_fails_once_known():
    def with_old_id():
        cluster = PodDirectCluster(
            "prod",
            {
                "cluster_id": pulumi.Output.from_input("c-legacy"),
                "network_mode": "kubenet",
                "node_security_group_ids": ["g-1"],
            },
        )
        return cluster.cluster_id

    with pytest.raises(Exception, match="old-generation"):
        run_program(with_old_id, preview=False)


def _service_program(**service_args):
    def run():
        cluster = PodDirectCluster(
            "prod", {"cluster_id": "cce-abc123de", "network_mode": "vpc-route-veth", "node_security_group_ids": ["g-1"]}
        )
        svc = PodDirectService(
            "web",
            {
                "cluster": cluster,
                "selector": {"app": "web"},
                "ports": [{"port": 80, "target_port": 8080}],
                "expected_backends": 2,
                **service_args,
            },
        )
        return {"name": svc.service_name, "namespace": svc.namespace}

    return run


def test_values_that_only_flow_into_the_service_may_be_outputs():
    out = pulumi.Output.from_input
    run = run_program(
        _service_program(
            namespace=out("shop"),
            service_name=out("storefront"),
            labels={"team": out("web")},
            annotations={"example.com/owner": out("web-team")},
            session_affinity=out("ClientIP"),
        ),
        preview=False,
    )
    assert run.value == {"name": "storefront", "namespace": "shop"}
    (service,) = run.mocks.of_type("kubernetes:core/v1:Service")
    meta, spec = service.inputs["metadata"], service.inputs["spec"]
    assert meta["namespace"] == "shop" and meta["labels"]["team"] == "web" and spec["sessionAffinity"] == "ClientIP"
    assert meta["annotations"]["example.com/owner"] == "web-team"


def test_an_output_that_turns_out_invalid_fails_once_known():
    with pytest.raises(Exception, match="namespace: 'Not_A_Namespace' is not a valid namespace name"):
        run_program(_service_program(namespace=pulumi.Output.from_input("Not_A_Namespace")), preview=False)


@pytest.mark.parametrize(
    ("args", "field"),
    [
        ({"ports": pulumi.Output.from_input([{"port": 80}])}, "ports"),
        ({"ports": [{"port": 80, "target_port": pulumi.Output.from_input(8080)}]}, "ports[0].target_port"),
        ({"selector": {"app": pulumi.Output.from_input("web")}}, "selector['app']"),
        ({"internal": pulumi.Output.from_input(True)}, "internal"),
    ],
)
def test_outputs_that_decide_the_graph_get_one_clear_error(args, field):
    with pytest.raises(Exception) as err:
        run_program(_service_program(**args))
    assert f"podlb web: {field}: is an Output, but it decides" in str(err.value)
    assert "<pulumi.output.Output" not in str(err.value)


def test_an_output_network_mode_gets_one_clear_error():
    def run():
        PodDirectCluster(
            "prod",
            {
                "cluster_id": "cce-abc123de",
                "network_mode": pulumi.Output.from_input("vpc-route-veth"),
                "node_security_group_ids": ["g-1"],
            },
        )

    with pytest.raises(Exception, match="network_mode: is an Output, but it decides which resources"):
        run_program(run)
