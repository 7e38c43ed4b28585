"""Gather the live facts (BCE API through bce-python-sdk, Kubernetes through the official
client) and run the checks. Only reads; every failed read becomes a failed check naming it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from ..bce.clients import BceApiError
from ..bce.discovery import DiscoveredCluster, discover_cluster
from ..bce.facts import FACTS_FILE, FactsFileError, read_facts, stale_fields
from ..bce.security_groups import SecurityGroupApi
from ..bce.settings import BceSettings
from ..cluster.args import DEFAULT_BACKEND_QUOTA
from ..cluster.ipmasq import IP_MASQ_CONFIGMAP, IP_MASQ_NAMESPACE
from ..cluster.lb_controller import LB_CONTROLLER_DEPLOYMENT, LB_CONTROLLER_NAMESPACE, cluster_type_of
from . import checks
from .checks import Check

T = TypeVar("T")


@dataclass
class DoctorInputs:
    cluster_id: str
    settings: BceSettings
    kubeconfig: str | None = None
    service: str | None = None
    """NAMESPACE/NAME of a Service to check."""
    nic_type: str | None = None
    backend_quota: int = DEFAULT_BACKEND_QUOTA
    facts: str | None = None
    """A facts file (podlb discover) to compare with the live cluster; None: ./podlb.facts.yaml if it lists it."""
    kubeconfig_from: str = "--kubeconfig"
    """Where the kubeconfig came from (--kubeconfig, $KUBECONFIG, ~/.kube/config), or why none."""


class _Kube:
    """The few reads doctor makes, as camelCase dicts (None for 404)."""

    def __init__(self, kubeconfig: str) -> None:
        from kubernetes import client, config

        self._api = config.new_client_from_config(config_file=kubeconfig)  # type: ignore[no-untyped-call]
        self._core = client.CoreV1Api(self._api)
        self._apps = client.AppsV1Api(self._api)

    def _read(self, fn: Callable[[], Any]) -> dict[str, Any] | None:
        from kubernetes.client.exceptions import ApiException

        try:
            found: dict[str, Any] = self._api.sanitize_for_serialization(fn())
            return found
        except ApiException as exc:
            if exc.status == 404:
                return None
            raise

    def deployment(self, ns: str, name: str) -> dict[str, Any] | None:
        return self._read(lambda: self._apps.read_namespaced_deployment(name, ns))

    def configmap(self, ns: str, name: str) -> dict[str, Any] | None:
        return self._read(lambda: self._core.read_namespaced_config_map(name, ns))

    def service(self, ns: str, name: str) -> dict[str, Any] | None:
        return self._read(lambda: self._core.read_namespaced_service(name, ns))

    def pods(self, ns: str, selector: dict[str, str]) -> list[dict[str, Any]]:
        label_selector = ",".join(f"{k}={v}" for k, v in selector.items())
        result = self._read(lambda: self._core.list_namespaced_pod(ns, label_selector=label_selector))
        return list((result or {}).get("items") or [])


def _try(name: str, fn: Callable[[], T], out: list[Check]) -> T | None:
    try:
        return fn()
    except BceApiError as exc:
        out.append(Check(name, "fail", str(exc), "check credentials, region/endpoint and the id"))
    except Exception as exc:  # a Kubernetes or network error: say which read failed
        out.append(
            Check(
                name,
                "fail",
                f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}",
                "check --kubeconfig and that the API server is reachable",
            )
        )
    return None


def _facts_check(inputs: DoctorInputs, live: DiscoveredCluster) -> Check | None:
    """Does the facts file offline `podlb plan` reads still describe the live cluster?"""
    name = "cluster facts file"
    path = Path(inputs.facts) if inputs.facts else Path(FACTS_FILE)
    if not path.exists():
        return (
            Check(name, "fail", f"{path}: no such file", "pass the file podlb discover wrote") if inputs.facts else None
        )
    try:
        recorded = read_facts(path).get(inputs.cluster_id)
    except FactsFileError as exc:
        return Check(
            name, "fail", str(exc).split("\n")[0], f"podlb discover --cluster-id {inputs.cluster_id} --file {path}"
        )
    if recorded is None:
        if not inputs.facts:
            return None
        return Check(
            name,
            "warn",
            f"{path} has no entry for {inputs.cluster_id}",
            f"podlb discover --cluster-id {inputs.cluster_id} --file {path}",
        )
    changes = stale_fields(recorded.cluster, live)
    if changes:
        return Check(
            name,
            "warn",
            f"{path} (discovered {recorded.discovered_at}) is stale: " + "; ".join(changes),
            f"podlb discover --cluster-id {inputs.cluster_id} --file {path}, and commit it: podlb plan reads it",
        )
    return Check(name, "pass", f"{path} (discovered {recorded.discovered_at}) matches the live cluster")


def run_doctor(inputs: DoctorInputs) -> list[Check]:
    results: list[Check] = [checks.generation(inputs.cluster_id)]
    if results[0].status == "fail":
        return results
    found = _try("CCE cluster", lambda: discover_cluster(inputs.settings, inputs.cluster_id), results)
    if found is None:
        return results
    facts_check = _facts_check(inputs, found)
    if facts_check is not None:
        results.append(facts_check)
    network_check, profile = checks.network(found.network_mode, inputs.nic_type)
    results.append(network_check)
    if profile is not None:
        scope = profile.scope
        scoped = scope.pick(found.node_security_group_ids, found.eni_security_group_ids)
        results.append(checks.security_groups(scope, scoped, found.group_origins))
    results += [checks.master_type(found.master_type), checks.addon_api(found.addons)]
    kubeconfig = inputs.kubeconfig
    kube = _try("Kubernetes API", lambda: _Kube(kubeconfig), results) if kubeconfig else None
    no_kube = (
        "not run: no kubeconfig (no --kubeconfig, $KUBECONFIG or ~/.kube/config)"
        if not inputs.kubeconfig
        else f"not run: the Kubernetes API of the kubeconfig from {inputs.kubeconfig_from} is unreachable"
    )
    kube_fix = "pass --kubeconfig PATH"
    # only a standalone cluster runs the controller in its own kube-system
    if cluster_type_of(found.master_type) == "standalone":
        if kube is None:
            results.append(checks.skipped("cce-lb-controller Deployment", no_kube, kube_fix))
        else:
            deployment = _try(
                "cce-lb-controller Deployment",
                lambda: kube.deployment(LB_CONTROLLER_NAMESPACE, LB_CONTROLLER_DEPLOYMENT),
                results,
            )
            results.append(checks.addon_deployment(deployment))
    if profile is None:
        results.append(checks.skipped("ip-masq agent", "not run: the network mode is not known", "pass --nic-type"))
    elif kube is None:
        results.append(checks.skipped("ip-masq agent", no_kube, kube_fix))
    else:
        cm = _try("ip-masq ConfigMap", lambda: kube.configmap(IP_MASQ_NAMESPACE, IP_MASQ_CONFIGMAP), results)
        results.append(checks.ip_masq(profile, cm))
    service_checks = ("backend type", "target-port rules", "backend quota", "graceful shutdown")
    if not inputs.service:
        results += [checks.skipped(n, "not run: no --service", "pass --service NAMESPACE/NAME") for n in service_checks]
    elif kube is None or profile is None:
        reason = no_kube if kube is None else "not run: the network mode is not known"
        results += [checks.skipped(n, reason, kube_fix if kube is None else "pass --nic-type") for n in service_checks]
    else:
        namespace, _, name = inputs.service.rpartition("/")
        namespace = namespace or "default"
        service = _try("Service", lambda: kube.service(namespace, name), results)
        shape, targets = checks.service_shape(f"{namespace}/{name}", service)
        results += shape
        scope = profile.scope
        group_ids = scope.pick(found.node_security_group_ids, found.eni_security_group_ids)
        api = SecurityGroupApi(inputs.settings)
        groups = {g: _try(f"security group {g}", partial(api.group_rules, g), results) for g in group_ids}
        results += checks.rules(targets, groups, scope)
        selector = ((service or {}).get("spec") or {}).get("selector") or {}
        if selector:
            pods = _try("Pods", lambda: kube.pods(namespace, selector), results) or []
            results += [checks.backends(pods, inputs.backend_quota), checks.graceful(pods)]
    return results
