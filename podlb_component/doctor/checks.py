"""Pure checks of a live cluster's facts: each returns pass / warn / fail with the fix."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import yaml

from ..addon_model import find_addon
from ..cce_annotations import BACKEND_TYPE
from ..cluster.ipmasq import MASQ_KEYS
from ..cluster.lb_controller import (
    ADDON_NAMES,
    CONSOLE_HINT,
    DEFAULT_MIN_VERSION,
    cluster_type_of,
    judge_addon,
    lb_controller_problem,
)
from ..cluster.network import NETWORK_MODES, GroupScope, NetworkProfile, check_cluster_id, network_profile
from ..errors import PodLbError
from ..pod_direct import named_target_port, shutdown_of
from ..rules.value import FIELD, letting_in

Status = Literal["pass", "warn", "fail", "skip"]
SEVERITY = {"skip": 0, "pass": 0, "warn": 1, "fail": 2}
"""A check that didn't run (SKIP, with the reason) doesn't change the exit status."""


@dataclass(frozen=True)
class Check:
    name: str
    status: Status
    detail: str
    fix: str = ""


def worst(checks: Iterable[Check]) -> Status:
    status: Status = max((c.status for c in checks), key=SEVERITY.__getitem__, default="pass")
    return "pass" if status == "skip" else status


def skipped(name: str, reason: str, how: str = "") -> Check:
    return Check(name, "skip", reason, how)


def summary(checks: Iterable[Check]) -> dict[str, int]:
    listed = list(checks)
    return {k: sum(1 for c in listed if c.status == k) for k in ("pass", "warn", "fail", "skip")}


def generation(cluster_id: str) -> Check:
    try:
        check_cluster_id("doctor", cluster_id)
    except PodLbError as exc:
        return Check("cluster generation", "fail", exc.problem, exc.fix)
    return Check("cluster generation", "pass", f"{cluster_id} is a new-generation cluster")


def network(mode: str | None, nic_type: str | None) -> tuple[Check, NetworkProfile | None]:
    if mode not in NETWORK_MODES:
        return Check(
            "network mode",
            "fail",
            f"CCE reports network mode {mode!r}, which podlb doesn't know",
            "check the cluster in the CCE console",
        ), None
    try:
        profile = network_profile("doctor", mode, nic_type)
    except PodLbError as exc:
        return Check("network mode", "warn", f"{mode}: {exc.problem}", "pass --nic-type veth|ipvlan|kubenet"), None
    return Check(
        "network mode",
        "pass",
        f"{mode}, NIC type {profile.nic_type}: rules belong on the {profile.scope.label} security groups",
    ), profile


def security_groups(scope: GroupScope, group_ids: Sequence[str], origins: Mapping[str, Sequence[str]]) -> Check:
    """Which groups the targetPort rules belong in, and where the CCE API lists each."""
    where = scope.label
    if not group_ids:
        return Check(
            "security groups",
            "fail",
            f"CCE reports no {where} security groups for this cluster",
            f"bind a security group to the {where}s and open the target ports in it",
        )
    listed = ", ".join(f"{g} ({'; '.join(origins.get(g, ())) or 'CCE API'})" for g in group_ids)
    return Check("security groups", "pass", f"{where} groups: {listed}")


def master_type(value: str | None) -> Check:
    kind = cluster_type_of(value)
    if kind is None:
        return Check(
            "master type", "warn", f"CCE reports masterType {value!r}, which podlb doesn't know", "check the cluster"
        )
    where = "on Baidu's side (managed component)" if kind == "managed" else "in kube-system on the cluster's nodes"
    label = value if value == kind else f"{value} ({kind})"
    return Check("master type", "pass", f"{label}: the LB controller runs {where}")


def addon_api(addons: Sequence[Mapping[str, Any]], min_version: str = DEFAULT_MIN_VERSION) -> Check:
    state, listed = find_addon(addons, ADDON_NAMES)
    verdict = judge_addon(state, listed, ADDON_NAMES, min_version)
    if verdict.problem:
        return Check("cce-lb-controller add-on", "fail", verdict.problem, CONSOLE_HINT)
    assert state is not None
    detail = f"{state.name} version {state.installed_version}, phase {state.phase}"
    if verdict.warning:
        return Check("cce-lb-controller add-on", "warn", f"{detail}: {verdict.warning}", CONSOLE_HINT)
    return Check("cce-lb-controller add-on", "pass", detail)


def addon_deployment(deployment: Mapping[str, Any] | None) -> Check:
    problem = lb_controller_problem(deployment)
    if problem:
        return Check("cce-lb-controller Deployment", "fail", problem, CONSOLE_HINT)
    status = (deployment or {}).get("status") or {}
    return Check(
        "cce-lb-controller Deployment", "pass", f"{status.get('availableReplicas')} available replica(s) in kube-system"
    )


def ip_masq(profile: NetworkProfile, configmap: Mapping[str, Any] | None) -> Check:
    name = "ip-masq agent"
    if not profile.is_ipvlan:
        return Check(name, "pass", f"NIC type {profile.nic_type}: no change needed")
    fix = (
        "set masqOutBound: false and masqOutBoundIPv6: false in the `config` key of ConfigMap "
        "kube-system/cce-ip-masq-agent (podlb's PodDirectCluster does this with ip_masq='auto')"
    )
    if configmap is None:
        return Check(name, "fail", "ConfigMap kube-system/cce-ip-masq-agent not found", fix)
    try:
        config = yaml.safe_load(((configmap.get("data") or {}).get("config")) or "") or {}
    except yaml.YAMLError:
        return Check(name, "fail", "the `config` document is not valid YAML", fix)
    wrong = [k for k in MASQ_KEYS if not isinstance(config, dict) or config.get(k) is not False]
    if wrong:
        return Check(
            name,
            "fail",
            f"IPVLAN cluster with {', '.join(wrong)} not false: replies from Pods are "
            "masqueraded and pod-direct traffic breaks",
            fix,
        )
    return Check(name, "pass", "masqOutBound and masqOutBoundIPv6 are false")


def service_shape(ref: str, service: Mapping[str, Any] | None) -> tuple[list[Check], list[tuple[int, str]]]:
    """Checks of the Service object; also returns its (target port, protocol) pairs."""
    if service is None:
        return [Check("service", "fail", f"Service {ref} not found", "check --service NAMESPACE/NAME")], []
    checks = []
    spec = service.get("spec") or {}
    annotations = (service.get("metadata") or {}).get("annotations") or {}
    if spec.get("type") != "LoadBalancer":
        checks.append(Check("service type", "fail", f"type is {spec.get('type')}", "set spec.type: LoadBalancer"))
    backend = annotations.get(BACKEND_TYPE)
    if backend != "eni":
        checks.append(
            Check(
                "backend type",
                "fail",
                f"{BACKEND_TYPE} is {backend!r}",
                f'annotate the Service with {BACKEND_TYPE}: "eni"',
            )
        )
    else:
        checks.append(Check("backend type", "pass", "pod-direct (eni)"))
    targets: list[tuple[int, str]] = []
    for port in spec.get("ports") or []:
        named = named_target_port(port)
        if named is not None:
            checks.append(
                Check(
                    "target ports",
                    "fail",
                    f"port {port.get('port')} targets the named port {named!r}",
                    "use the container port number as targetPort",
                )
            )
        else:
            targets.append((int(port.get("targetPort", port.get("port"))), str(port.get("protocol") or "TCP").lower()))
    return checks, targets


def rules(
    targets: list[tuple[int, str]], groups: Mapping[str, list[dict[str, Any]] | None], scope: GroupScope
) -> list[Check]:
    checks = []
    if not groups:
        return [
            Check(
                "security groups",
                "fail",
                f"CCE reports no {scope.label} security groups for this cluster",
                f"bind a security group to {scope.holders} and open the target ports in it",
            )
        ]
    for port, protocol in targets:
        missing = []
        sources = set()
        for group_id, group_rules in groups.items():
            covering = letting_in(group_rules or [], port, protocol)
            if not covering:
                missing.append(group_id)
            sources |= {r.get(str(FIELD["source_ip"].api)) or r.get("sourceGroupId") or "?" for r in covering}
        name = f"rule {protocol}/{port}"
        if missing:
            checks.append(
                Check(
                    name,
                    "fail",
                    f"not open in {scope.label} group(s) {', '.join(missing)}: packets never reach the Pods",
                    f"allow ingress {protocol}/{port} in {', '.join(missing)} (PodDirectService does this)",
                )
            )
        else:
            checks.append(Check(name, "pass", f"open in {', '.join(groups)} from {', '.join(sorted(sources))}"))
    return checks


def _ready(pod: Mapping[str, Any]) -> bool:
    conditions = (pod.get("status") or {}).get("conditions") or []
    return any(c.get("type") == "Ready" and c.get("status") == "True" for c in conditions)


def backends(pods: Sequence[Mapping[str, Any]], quota: int) -> Check:
    ready = sum(1 for p in pods if _ready(p))
    detail = f"{len(pods)} Pod(s) selected, {ready} ready; the appblb quota is {quota}"
    if len(pods) > quota:
        return Check(
            "backend quota",
            "fail",
            detail + f": {len(pods) - quota} Pod(s) get no traffic",
            "lower replicas/maxSurge, or ask Baidu support to raise the appblb backend quota",
        )
    if len(pods) > 0.8 * quota:
        return Check(
            "backend quota",
            "warn",
            detail + ": a rolling update's surge may exceed it",
            "keep replicas + maxSurge within the quota",
        )
    return Check("backend quota", "pass", detail)


def graceful(pods: Sequence[Mapping[str, Any]]) -> Check:
    problems = []
    for pod in pods:
        spec = pod.get("spec") or {}
        for container in spec.get("containers") or []:
            shutdown = shutdown_of(spec, container)
            where = f"{(pod.get('metadata') or {}).get('name')}/{container.get('name')}"
            if shutdown.sleep is None:
                problems.append(f"{where} has no preStop sleep")
            elif shutdown.grace_too_short:
                problems.append(f"{where} sleeps {shutdown.sleep}s but the grace period is {shutdown.grace}s")
    if not pods:
        return Check("graceful shutdown", "warn", "no Pods selected", "check the Service's selector")
    if problems:
        return Check(
            "graceful shutdown",
            "fail",
            "; ".join(sorted(set(problems))[:5]),
            'add lifecycle.preStop.exec.command: ["sleep", "30"] and terminationGracePeriodSeconds > 30 '
            "(podlb: graceful_shutdown_transform)",
        )
    return Check("graceful shutdown", "pass", f"{len(pods)} Pod(s) sleep in preStop within their grace period")
