"""Pure: is the cce-lb-controller add-on there and able to serve pod-direct Services?

Where it runs depends on the cluster (CCE "CCE LB Controller 说明", cloud.baidu.com/doc/CCE/s/
ilugll8z1, 2026-01; intl fm0w1xzkq): it is a system component installed when the cluster is
created; in *managed* clusters it is a managed component on Baidu's side (no Deployment in the
cluster's kube-system), in *standalone* clusters it runs on the cluster's own nodes as Deployment
kube-system/cce-lb-controller (the seed guide's check). The CCE add-on API reports it either way.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from ..addon_model import (
    IN_PROGRESS,
    RUNNING,
    AddonState,
    find_addon,
    version_at_least,
)
from ..names import either_spelling

LB_CONTROLLER_NAMESPACE = "kube-system"
LB_CONTROLLER_DEPLOYMENT = "cce-lb-controller"
LB_CONTROLLER_ID = f"{LB_CONTROLLER_NAMESPACE}/{LB_CONTROLLER_DEPLOYMENT}"

ADDON_NAMES: tuple[str, ...] = ("cce-lb-controller",)
"""Names the add-on may have in the CCE add-on API, tried in order. Undocumented: the 2023
add-on API page lists 15 names, none of them the LB controller; `cce-lb-controller` is the
chart's name in the seed guide. Overridable with `lb_controller_addon_names`."""
DEFAULT_MIN_VERSION = "1.0.0"  # the version the seed guide installs
ClusterType = Literal["managed", "standalone"]
MANAGED_MASTER_TYPES = ("managed", "managedPro", "serverless")
STANDALONE_MASTER_TYPES = ("custom", "containerizedCustom")
"""`spec.masterConfig.masterType` values (bce-sdk-go services/cce/v2/types/cluster.go)."""

CONSOLE_HINT = (
    "install or repair it in the CCE console (your cluster -> 组件管理 / Add-ons -> CCE LB Controller), "
    "or set lb_controller='ensure' to let podlb install or upgrade it through the CCE add-on API"
)


def cluster_type_of(master_type: str | None) -> ClusterType | None:
    if master_type in MANAGED_MASTER_TYPES:
        return "managed"
    if master_type in STANDALONE_MASTER_TYPES:
        return "standalone"
    return None


@dataclass(frozen=True)
class AddonVerdict:
    problem: str | None
    """Why pod-direct Services can't work (an error at preview), or None."""
    warning: str | None
    summary: str


def judge_addon(
    state: AddonState | None, listed: Sequence[str], names: Sequence[str], min_version: str
) -> AddonVerdict:
    """Is the add-on, as the CCE add-on API reports it, usable for pod-direct Services?"""
    if state is None:
        return AddonVerdict(
            f"the CCE add-on API lists no add-on named {', '.join(map(repr, names))} for this cluster "
            f"(it lists: {', '.join(listed) or 'nothing'})",
            None,
            "not listed",
        )
    if state.installed_version is None:
        return AddonVerdict(f"the add-on {state.name!r} is not installed on this cluster", None, "not installed")
    summary = f"{state.name} {state.installed_version} {state.phase or 'phase unknown'} (CCE add-on API)"
    if state.phase in IN_PROGRESS:
        return AddonVerdict(None, f"the add-on {state.name!r} is {state.phase}; it should be Running shortly", summary)
    if state.phase != RUNNING:
        return AddonVerdict(
            f"the add-on {state.name!r} ({state.installed_version}) is in phase {state.phase!r}, not 'Running'",
            None,
            summary,
        )
    enough = version_at_least(state.installed_version, min_version)
    if enough is False:
        return AddonVerdict(
            f"the add-on {state.name!r} is at version {state.installed_version}, below lb_controller_min_version "
            f"{min_version}",
            None,
            summary,
        )
    if enough is None:
        return AddonVerdict(
            None,
            f"can't compare the add-on's version {state.installed_version!r} with lb_controller_min_version "
            f"{min_version!r} (a date-style version from an older install?); check it in the CCE console",
            summary,
        )
    return AddonVerdict(None, None, summary)


def lb_controller_problem(deployment: Mapping[str, Any] | None) -> str | None:
    """Why the Deployment read from a standalone cluster can't serve pod-direct Services, or None.

    `deployment` holds the read object's metadata/spec/status (camelCase or the snake_case the
    Pulumi SDK gives); None or an object without metadata means it isn't there.
    """
    if not deployment or not deployment.get("metadata"):
        return f"Deployment {LB_CONTROLLER_ID} (the cce-lb-controller add-on) was not found"
    spec = deployment.get("spec") or {}
    status = deployment.get("status") or {}
    wanted = spec.get("replicas", 1)
    available = either_spelling(status, "availableReplicas") or 0
    if wanted == 0:
        return f"Deployment {LB_CONTROLLER_ID} is scaled to 0 replicas"
    if available < 1:
        return (
            f"Deployment {LB_CONTROLLER_ID} has no available replica (0 of {wanted}); "
            "pod-direct Services get no BLB backends until it runs"
        )
    return None


# -- what `lb_controller` does for this cluster ------------------------------------------------
@dataclass(frozen=True)
class ControllerCheck:
    """How the add-on is checked (or installed) for one cluster, decided at preview."""

    mode: str
    cluster_type: ClusterType
    cluster_type_from: str
    source: str
    """What the check reads (or what installs the add-on), in words for `podlb plan`."""
    problem: str | None
    warnings: tuple[str, ...]
    read_deployment: bool
    """Read Deployment kube-system/cce-lb-controller (standalone clusters only)."""
    summary: str | None
    """The add-on's state when the CCE API was read."""


def controller_check(
    mode: str,
    given_type: ClusterType | None,
    master_type: str | None,
    addons: Sequence[Mapping[str, Any]] | None,
    names: Sequence[str],
    min_version: str,
    offline: bool = False,
) -> ControllerCheck:
    """`addons` is the CCE add-on listing (None without discovery: no credentials, or `offline`
    — `podlb plan`, which never reads the cloud and says what it assumed instead of warning)."""
    warnings: list[str] = []
    reported = cluster_type_of(master_type)
    if given_type is not None:
        cluster_type, origin = given_type, "input cluster_type"
        if reported is not None and reported != given_type:
            warnings.append(
                f"cluster_type is {given_type!r}, but the CCE API reports masterType {master_type!r} "
                f"({reported}); using {given_type!r} as given"
            )
    elif reported is not None:
        cluster_type, origin = reported, f"CCE API masterType {master_type!r}"
    else:
        cluster_type, origin = "managed", "default (CCE API not read)"
    deployment = f"Deployment {LB_CONTROLLER_ID}"

    def result(
        source: str, problem: str | None = None, read: bool = False, summary: str | None = None
    ) -> ControllerCheck:
        return ControllerCheck(mode, cluster_type, origin, source, problem, tuple(warnings), read, summary)

    if mode == "skip":
        return result("not checked (lb_controller='skip')")
    if mode == "helm":
        if cluster_type == "managed":
            warnings.append(
                "lb_controller='helm' on a managed cluster: there the controller is a managed component on "
                "Baidu's side, and a second copy in kube-system would compete with it; use 'validate' or 'ensure'"
            )
        return result("Helm release of chart cce-lb-controller (lb_controller='helm')")
    state, listed = find_addon(addons or (), names)
    if mode == "ensure":
        if addons is not None and state is None:
            verdict = judge_addon(state, listed, names, min_version)
            return result("CCE add-on API (ensure)", verdict.problem)
        summary = judge_addon(state, listed, names, min_version).summary if addons is not None else None
        return result(
            "CCE add-on API: installed or upgraded at `up` when needed (lb_controller='ensure'); never uninstalled",
            summary=summary,
        )
    # validate
    if addons is not None:
        verdict = judge_addon(state, listed, names, min_version)
        if verdict.warning:
            warnings.append(verdict.warning)
        standalone = cluster_type == "standalone"
        return result(
            "CCE add-on API" + (f" and {deployment} (standalone cluster)" if standalone else ""),
            verdict.problem,
            standalone,
            verdict.summary,
        )
    if cluster_type == "standalone":
        return result(f"{deployment} (standalone cluster; CCE API not read)", read=True)
    if offline:
        return result(
            "assumed installed and Running (offline); `pulumi preview` with BCE credentials checks it "
            "through the CCE add-on API"
        )
    warnings.append(
        "lb_controller='validate' can't check the add-on here: on a managed cluster it runs on Baidu's side, "
        "not in kube-system, and only the CCE add-on API reports it. Configure BCE credentials (podlb:accessKeyId, "
        "podlb:secretAccessKey) so `pulumi preview` checks it, set cluster_type='standalone' if this cluster runs "
        "it in kube-system, or lb_controller='ensure' to have podlb install it"
    )
    return result("not checked: managed cluster and the CCE API was not read")
