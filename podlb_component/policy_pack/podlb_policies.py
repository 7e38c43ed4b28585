"""CrossGuard policies for pod-direct LoadBalancer Services on Baidu CCE.

They check any stack's Kubernetes resources (made with podlb or not), using the property
shapes the engine sends (camelCase). Enforcement levels:
- mandatory: what makes a pod-direct Service not work at all or drop traffic (old-generation
  cluster, named target ports, a backend-type other than "eni", Pods without a preStop sleep);
- advisory: what is a choice with a risk (a public Service open to every address).
Only pulumi-policy is needed: the pack runs in its own virtualenv, without podlb (export it
with `podlb policy-pack DIR`, which puts podlb's annotation list beside it).
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from types import ModuleType
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)

SERVICE = "kubernetes:core/v1:Service"
DEPLOYMENT = "kubernetes:apps/v1:Deployment"
CLUSTER_ID_KEYS = {"clusterId", "cluster_id", "clusterID"}


SHARED = ("cce_annotations.py", "pod_direct.py")
"""podlb's modules this pack uses (standard library only): the one list of cce-lb-controller
annotations, and the pod-direct rules podlb doctor and the components decide with too."""


def _load_shared(name: str) -> ModuleType:
    """One of SHARED: `podlb policy-pack DIR` copies them beside this file; inside the installed
    package they are one directory up. Without them the pack refuses to start rather than check
    nothing."""
    here = Path(__file__).resolve().parent
    for path in (here / name, here.parent / name):
        if path.exists():
            spec = importlib.util.spec_from_file_location(f"podlb_{path.stem}", path)
            assert spec is not None and spec.loader is not None
            module = importlib.util.module_from_spec(spec)
            sys.modules[spec.name] = module  # before it runs: its dataclasses look themselves up there
            spec.loader.exec_module(module)
            return module
    raise ImportError(
        f"the podlb policy pack in {here} has no {name} beside it or above it: export the pack "
        "with `podlb policy-pack DIR` (it copies the file) instead of copying the directory by hand"
    )


CCE_ANNOTATIONS = _load_shared("cce_annotations.py")
POD_DIRECT = _load_shared("pod_direct.py")
BACKEND_TYPE, INTERNAL_VPC = CCE_ANNOTATIONS.BACKEND_TYPE, CCE_ANNOTATIONS.INTERNAL_VPC
CLUSTER_ID_ANNOTATION = CCE_ANNOTATIONS.PODLB_CLUSTER_ID  # the names this pack's tests and users read


def _annotations(props: Mapping[str, Any]) -> Mapping[str, Any]:
    return ((props.get("metadata") or {}).get("annotations")) or {}


def is_pod_direct(props: Mapping[str, Any]) -> bool:
    spec = props.get("spec") or {}
    return spec.get("type") == "LoadBalancer" and _annotations(props).get(BACKEND_TYPE) == "eni"


# -- checks (pure: props in, messages out) ---------------------------------------------------
def named_target_ports(props: Mapping[str, Any]) -> list[str]:
    if not is_pod_direct(props):
        return []
    problems = []
    for port in (props.get("spec") or {}).get("ports") or []:
        target = POD_DIRECT.named_target_port(port)
        if target is not None:
            problems.append(
                f"port {port.get('name') or port.get('port')} targets the named port {target!r}: pod-direct "
                "traffic reaches the Pod on targetPort itself and a named port can't be opened in a "
                "security group; use the container port number"
            )
    return problems


def wrong_backend_type(props: Mapping[str, Any]) -> list[str]:
    value = _annotations(props).get(BACKEND_TYPE)
    if value is None or value == "eni":
        return []
    return [
        f'{BACKEND_TYPE} is {value!r}; the only pod-direct value is "eni" (anything else silently '
        "leaves the Service in classic node-backend mode)"
    ]


def open_to_everyone(props: Mapping[str, Any]) -> list[str]:
    if not is_pod_direct(props) or _annotations(props).get(INTERNAL_VPC) == "true":
        return []
    ranges = (props.get("spec") or {}).get("loadBalancerSourceRanges") or []
    if ranges and "0.0.0.0/0" not in ranges:
        return []
    return [
        "this public pod-direct Service has no loadBalancerSourceRanges (or allows 0.0.0.0/0): every "
        "address reaches the Pods directly; list the client ranges or make it internal"
    ]


def old_cluster_annotation(props: Mapping[str, Any]) -> list[str]:
    cluster_id = _annotations(props).get(CLUSTER_ID_ANNOTATION)
    if is_pod_direct(props) and isinstance(cluster_id, str) and POD_DIRECT.OLD_GENERATION_ID.match(cluster_id):
        return [
            f"cluster {cluster_id} is an old-generation CCE cluster ('c-'), which doesn't support "
            "pod-direct Services; use a 'cce-' cluster or a classic LoadBalancer Service"
        ]
    return []


def _walk_cluster_ids(value: Any) -> Iterator[str]:
    if isinstance(value, Mapping):
        for k, v in value.items():
            if k in CLUSTER_ID_KEYS and isinstance(v, str):
                yield v
            yield from _walk_cluster_ids(v)
    elif isinstance(value, list):
        for item in value:
            yield from _walk_cluster_ids(item)


def old_clusters_in_stack(resources: list[Any]) -> list[str]:
    """Pod-direct Services in a stack whose resources name an old-generation cluster."""
    if not any(r.resource_type == SERVICE and is_pod_direct(r.props) for r in resources):
        return []
    old = sorted(
        {cid for r in resources for cid in _walk_cluster_ids(r.props) if POD_DIRECT.OLD_GENERATION_ID.match(cid)}
    )
    return [
        f"this stack has pod-direct Services and refers to old-generation cluster {cid} ('c-'), "
        "which doesn't support them"
        for cid in old
    ]


def _matches(selector: Mapping[str, Any], labels: Mapping[str, Any]) -> bool:
    return bool(selector) and all(labels.get(k) == v for k, v in selector.items())


def ungraceful_deployments(resources: list[Any]) -> list[tuple[str, str]]:
    """(urn, message) for Deployments behind pod-direct Services whose Pods stop before the
    BLB has dropped them: no preStop sleep, or a grace period not longer than the sleep."""
    services = [r for r in resources if r.resource_type == SERVICE and is_pod_direct(r.props)]
    found = []
    for deployment in (r for r in resources if r.resource_type == DEPLOYMENT):
        namespace = (deployment.props.get("metadata") or {}).get("namespace") or "default"
        template = (deployment.props.get("spec") or {}).get("template") or {}
        labels = (template.get("metadata") or {}).get("labels") or {}
        behind = [
            s
            for s in services
            if ((s.props.get("metadata") or {}).get("namespace") or "default") == namespace
            and _matches((s.props.get("spec") or {}).get("selector") or {}, labels)
        ]
        if not behind:
            continue
        pod = template.get("spec") or {}
        for container in pod.get("containers") or []:
            shutdown = POD_DIRECT.shutdown_of(pod, container)
            sleep, grace = shutdown.sleep, shutdown.grace
            name = container.get("name", "?")
            if sleep is None:
                found.append(
                    (
                        deployment.urn,
                        f"container {name!r} has no preStop sleep: during rolling updates "
                        "the BLB still sends it traffic after it stopped; add lifecycle.preStop.exec."
                        'command: ["sleep", "30"] (podlb: graceful_shutdown_transform)',
                    )
                )
            elif shutdown.grace_too_short:
                found.append(
                    (
                        deployment.urn,
                        f"terminationGracePeriodSeconds {grace} must be longer than "
                        f"container {name!r}'s preStop sleep of {sleep}s, or the kubelet kills it mid-sleep",
                    )
                )
    return found


def unknown_cce_annotations(props: Mapping[str, Any]) -> Iterator[str]:
    """Annotations that look like cce-lb-controller's but aren't a key it reads (typos are
    ignored silently by the controller)."""
    for key in _annotations(props):
        warning = CCE_ANNOTATIONS.unknown_cce_key(str(key))
        if warning:
            yield warning


# -- policies --------------------------------------------------------------------------------
def _resource_policy(name: str, description: str, check: Any, level: EnforcementLevel) -> ResourceValidationPolicy:
    def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
        if args.resource_type != SERVICE:
            return
        for message in check(args.props):
            report_violation(message, None)

    return ResourceValidationPolicy(name=name, description=description, validate=validate, enforcement_level=level)


def _old_clusters(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    for message in old_clusters_in_stack(list(args.resources)):
        report_violation(message, None)


def _graceful(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    for urn, message in ungraceful_deployments(list(args.resources)):
        report_violation(message, urn)


NUMERIC_TARGET_PORTS = _resource_policy(
    "pod-direct-numeric-target-ports",
    "Pod-direct Services use numeric target ports.",
    named_target_ports,
    EnforcementLevel.MANDATORY,
)
BACKEND_TYPE_IS_ENI = _resource_policy(
    "pod-direct-backend-type-is-eni",
    f'{BACKEND_TYPE} may only be "eni".',
    wrong_backend_type,
    EnforcementLevel.MANDATORY,
)
SOURCE_RANGES = _resource_policy(
    "pod-direct-source-ranges",
    "Public pod-direct Services list their client source ranges.",
    open_to_everyone,
    EnforcementLevel.ADVISORY,
)
KNOWN_CCE_ANNOTATIONS = _resource_policy(
    "cce-annotations-are-known",
    "service.beta.kubernetes.io/cce-… annotations are keys cce-lb-controller reads (no typos).",
    unknown_cce_annotations,
    EnforcementLevel.ADVISORY,
)
NEW_GENERATION_CLUSTER = _resource_policy(
    "pod-direct-new-generation-cluster",
    "Pod-direct Services run on new-generation ('cce-') clusters.",
    old_cluster_annotation,
    EnforcementLevel.MANDATORY,
)
NO_OLD_CLUSTERS_IN_STACK = StackValidationPolicy(
    name="pod-direct-no-old-generation-cluster-in-stack",
    description="Stacks with pod-direct Services don't target old-generation ('c-') clusters.",
    validate=_old_clusters,
    enforcement_level=EnforcementLevel.MANDATORY,
)
GRACEFUL_SHUTDOWN = StackValidationPolicy(
    name="pod-direct-graceful-shutdown",
    description="Pods behind pod-direct Services sleep in preStop, with a longer grace period.",
    validate=_graceful,
    enforcement_level=EnforcementLevel.MANDATORY,
)

ALL_POLICIES = [
    NUMERIC_TARGET_PORTS,
    BACKEND_TYPE_IS_ENI,
    SOURCE_RANGES,
    KNOWN_CCE_ANNOTATIONS,
    NEW_GENERATION_CLUSTER,
    NO_OLD_CLUSTERS_IN_STACK,
    GRACEFUL_SHUTDOWN,
]
