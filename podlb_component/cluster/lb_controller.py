"""Pure: is the cce-lb-controller add-on there and able to serve pod-direct Services?"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

LB_CONTROLLER_NAMESPACE = "kube-system"
LB_CONTROLLER_DEPLOYMENT = "cce-lb-controller"
LB_CONTROLLER_ID = f"{LB_CONTROLLER_NAMESPACE}/{LB_CONTROLLER_DEPLOYMENT}"

INSTALL_HINT = (
    "install the add-on: CCE console -> your cluster -> Helm -> templates (Baidu Cloud "
    "templates) -> cce-lb-controller, version 1.0.0, into kube-system; or set "
    "lb_controller='install' with lb_controller_chart={'repository': …} to let podlb install it"
)


def lb_controller_problem(deployment: Mapping[str, Any] | None) -> str | None:
    """Why the Deployment read from the cluster can't serve pod-direct Services, or None.

    `deployment` holds the read object's metadata/spec/status (camelCase or the snake_case the
    Pulumi SDK gives); None or an object without metadata means it isn't there.
    """
    if not deployment or not deployment.get("metadata"):
        return f"Deployment {LB_CONTROLLER_ID} (the cce-lb-controller add-on) was not found"
    spec = deployment.get("spec") or {}
    status = deployment.get("status") or {}
    wanted = spec.get("replicas", 1)
    available = status.get("availableReplicas", status.get("available_replicas")) or 0
    if wanted == 0:
        return f"Deployment {LB_CONTROLLER_ID} is scaled to 0 replicas"
    if available < 1:
        return (
            f"Deployment {LB_CONTROLLER_ID} has no available replica (0 of {wanted}); "
            "pod-direct Services get no BLB backends until it runs"
        )
    return None


def addon_problem(version: str | None, phase: str | None) -> str | None:
    """Why the add-on, as the CCE add-on API reports it, can't serve pod-direct Services."""
    if version is None:
        return "the CCE add-on API reports that cce-lb-controller is not installed on this cluster"
    if phase is not None and phase != "Running":
        return f"the cce-lb-controller add-on ({version}) is in phase {phase!r}, not 'Running'"
    return None
