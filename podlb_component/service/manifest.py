"""Pure: the Kubernetes Service manifest of a pod-direct LoadBalancer Service."""

from __future__ import annotations

from typing import Any

import pulumi

from ..cce_annotations import BACKEND_TYPE, INTERNAL_VPC, PODLB_CLUSTER_ID
from .args import ServiceSpec

MANAGED_BY_LABEL = "app.kubernetes.io/managed-by"


def service_manifest(wanted: ServiceSpec, cluster_id: pulumi.Input[str] | None = None) -> dict[str, Any]:
    """apiVersion/kind/metadata/spec exactly as they are sent to the Kubernetes provider.

    Only fields podlb owns are set: with server-side apply, annotations the cce-lb-controller
    writes later (the BLB id and the like) belong to the controller's field manager and are
    never removed or overwritten by a later `pulumi up`.
    """
    annotations: dict[str, Any] = {**wanted.annotations, **wanted.load_balancer.annotations, BACKEND_TYPE: "eni"}
    if cluster_id is not None:  # lets policies and `podlb doctor` see which cluster it targets
        annotations[PODLB_CLUSTER_ID] = cluster_id
    if wanted.internal:
        annotations[INTERNAL_VPC] = "true"
    ports = []
    for p in wanted.ports:
        port: dict[str, Any] = {"port": p.port, "targetPort": p.target_port, "protocol": p.protocol}
        if p.name is not None:
            port["name"] = p.name
        ports.append(port)
    spec: dict[str, Any] = {
        "type": "LoadBalancer",
        "selector": dict(wanted.selector),
        "ports": ports,
        "sessionAffinity": wanted.session_affinity,
    }
    if wanted.source_ranges:
        spec["loadBalancerSourceRanges"] = list(wanted.source_ranges)
    if wanted.load_balancer.load_balancer_ip:  # an EIP you own: kept when the Service goes
        spec["loadBalancerIP"] = wanted.load_balancer.load_balancer_ip
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {
            "name": wanted.service_name,
            "namespace": wanted.namespace,
            "labels": {MANAGED_BY_LABEL: "podlb", **wanted.labels},
            "annotations": annotations,
        },
        "spec": spec,
    }
