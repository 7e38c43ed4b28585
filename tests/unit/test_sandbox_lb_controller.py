"""The LB-controller stand-in's decisions, without an API server."""

from __future__ import annotations

import ipaddress
from typing import Any

import pytest

from podlb_component.cce_annotations import BACKEND_TYPE, INTERNAL_VPC, LOAD_BALANCER_ID
from podlb_component.sandbox import ClusterSeed
from podlb_component.sandbox.lb_controller import PUBLIC_RANGE, address_for, blb_for, wanted_writes


def svc(annotations: dict[str, str], type_: str = "LoadBalancer", ingress: Any = None) -> dict[str, Any]:
    return {
        "metadata": {"name": "web", "namespace": "shop", "uid": "u-1", "annotations": annotations},
        "spec": {"type": type_},
        "status": {"loadBalancer": {"ingress": ingress}} if ingress else {},
    }


def test_pod_direct_service_gets_an_id_and_a_public_address() -> None:
    writes = wanted_writes(svc({BACKEND_TYPE: "eni"}), "10.0.0.0/16")
    assert writes is not None
    annotations, ingress = writes
    assert annotations == {LOAD_BALANCER_ID: blb_for("u-1")}
    assert ipaddress.ip_address(ingress[0]["ip"]) in PUBLIC_RANGE


def test_internal_service_gets_a_vpc_address_and_a_reused_blb_keeps_its_id() -> None:
    writes = wanted_writes(
        svc({BACKEND_TYPE: "eni", INTERNAL_VPC: "true", LOAD_BALANCER_ID: "lb-0000abcd"}), "10.1.0.0/16"
    )
    assert writes is not None
    annotations, ingress = writes
    assert annotations == {LOAD_BALANCER_ID: "lb-0000abcd"}
    assert ipaddress.ip_address(ingress[0]["ip"]) in ipaddress.ip_network("10.1.0.0/16")


@pytest.mark.parametrize(
    "service",
    [
        svc({}),  # not pod-direct: the real controller's business, not the stand-in's
        svc({BACKEND_TYPE: "eni"}, type_="ClusterIP"),
        svc(
            {BACKEND_TYPE: "eni", LOAD_BALANCER_ID: "lb-0000abcd"},
            ingress=[{"ip": address_for("lb-0000abcd", False, "10.0.0.0/16")}],
        ),
    ],
)
def test_nothing_to_write(service: dict[str, Any]) -> None:
    assert wanted_writes(service, "10.0.0.0/16") is None


def test_cluster_seed_rejects_unknown_keys() -> None:
    assert ClusterSeed.from_mapping({"cluster_id": "cce-x", "node_security_groups": ["g-a"]}).node_security_groups == (
        "g-a",
    )
    with pytest.raises(ValueError, match="clusterid"):
        ClusterSeed.from_mapping({"clusterid": "cce-x"})
