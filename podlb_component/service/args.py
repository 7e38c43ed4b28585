"""PodDirectServiceArgs and its validation (pure: no resource is touched here)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, TypedDict

import pulumi

from ..errors import PodLbError, reject_unknown_args
from ..rule_model import check_cidr

if TYPE_CHECKING:
    from ..cluster.component import PodDirectCluster

BACKEND_TYPE_ANNOTATION = "service.beta.kubernetes.io/cce-load-balancer-backend-type"
INTERNAL_VPC_ANNOTATION = "service.beta.kubernetes.io/cce-load-balancer-internal-vpc"
LB_ID_ANNOTATION = "service.beta.kubernetes.io/cce-load-balancer-id"
CLUSTER_ID_ANNOTATION = "podlb.io/cce-cluster-id"


class ServicePortArgs(TypedDict, total=False):
    name: str
    """Port name; required when the Service has more than one port (Kubernetes rule)."""
    port: int
    """Port the load balancer listens on (1-65535)."""
    target_port: int
    """Container port the BLB sends traffic to, as a number: it is opened in the security
    group, and a named port can't be. Defaults to `port`."""
    protocol: Literal["TCP", "UDP"]
    """TCP (default) or UDP."""


class PodDirectServiceArgs(TypedDict, total=False):
    cluster: PodDirectCluster
    """The PodDirectCluster this Service runs in (required): supplies the network mode, the
    security groups, the VPC CIDR, the backend quota and the Kubernetes provider."""
    namespace: str
    """Namespace of the Service. Default: "default"."""
    service_name: str
    """metadata.name of the Service. Default: the resource name."""
    selector: Mapping[str, str]
    """Pod labels the Service selects (required, non-empty)."""
    labels: Mapping[str, str]
    """Extra labels on the Service."""
    annotations: Mapping[str, str]
    """Extra annotations, merged with podlb's. The backend-type annotation may only be "eni"."""
    ports: Sequence[ServicePortArgs]
    """The Service's ports (required, at least one)."""
    internal: bool
    """Internal (VPC-only) load balancer. Default: False (public)."""
    load_balancer_source_ranges: Sequence[pulumi.Input[str]]
    """CIDRs allowed to reach the Service; also the source of the security-group rules."""
    session_affinity: Literal["None", "ClientIP"]
    """Kubernetes session affinity. Default: "None"."""
    expected_backends: int
    """The most Pods that can be backends at once: replicas (or HPA max) plus rolling-update
    surge. Checked against the cluster's backend_quota at preview time."""


@dataclass(frozen=True)
class PortPlan:
    name: str | None
    port: int
    target_port: int
    protocol: str


@dataclass(frozen=True)
class ServicePlan:
    """Validated, defaulted Service inputs."""

    namespace: str
    service_name: str
    selector: dict[str, str]
    labels: dict[str, str]
    annotations: dict[str, str]
    ports: tuple[PortPlan, ...]
    internal: bool
    source_ranges: tuple[pulumi.Input[str], ...]
    session_affinity: str
    expected_backends: int | None


_DNS1123_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_DNS1035_LABEL = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")
_LABEL_NAME = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")
_LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")
_PORT_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_KNOWN_FIELDS = set(PodDirectServiceArgs.__annotations__)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_label_key(resource: str, field: str, key: object) -> None:
    ok = isinstance(key, str) and 0 < len(key) <= 317
    if ok:
        assert isinstance(key, str)
        prefix, _, name = key.rpartition("/")
        ok = (
            bool(_LABEL_NAME.match(name))
            and len(name) <= 63
            and (not prefix or (len(prefix) <= 253 and all(_DNS1123_LABEL.match(p) for p in prefix.split("."))))
        )
    if not ok:
        raise PodLbError(
            resource,
            field,
            f"{key!r} is not a valid Kubernetes label/annotation key",
            "use an optional DNS prefix and '/' followed by up to 63 letters, digits, '-', '_' "
            "or '.', starting and ending with a letter or digit",
        )


def _check_labels(resource: str, field: str, labels: object, *, required: bool = False) -> dict[str, str]:
    if labels is None and not required:
        return {}
    if not isinstance(labels, Mapping) or (required and not labels):
        raise PodLbError(
            resource,
            field,
            f"must be a non-empty mapping of label names to values, got {labels!r}",
            f"e.g. {field}={{'app': 'web'}}; without a selector the Service has no Pods to send traffic to"
            if required
            else "pass a mapping such as {'team': 'web'}",
        )
    for key, value in labels.items():
        _check_label_key(resource, field, key)
        if not isinstance(value, str) or len(value) > 63 or not _LABEL_VALUE.match(value):
            raise PodLbError(
                resource,
                f"{field}[{key!r}]",
                f"{value!r} is not a valid label value",
                "use up to 63 letters, digits, '-', '_' or '.', starting and ending with a "
                "letter or digit (quote numbers: '1', not 1)",
            )
    return dict(labels)


def _check_annotations(resource: str, annotations: object) -> dict[str, str]:
    if annotations is None:
        return {}
    if not isinstance(annotations, Mapping):
        raise PodLbError(
            resource,
            "annotations",
            f"must be a mapping, got {annotations!r}",
            "pass a mapping of annotation names to string values",
        )
    for key, value in annotations.items():
        _check_label_key(resource, "annotations", key)
        if not isinstance(value, str):
            raise PodLbError(
                resource,
                f"annotations[{key!r}]",
                f"annotation values must be strings, got {value!r}",
                f"quote it: {key!r}: {str(value).lower() if isinstance(value, bool) else value!s:.40}",
            )
    backend = annotations.get(BACKEND_TYPE_ANNOTATION)
    if backend is not None and backend != "eni":
        raise PodLbError(
            resource,
            f"annotations[{BACKEND_TYPE_ANNOTATION!r}]",
            f"is {backend!r}, but a pod-direct Service needs 'eni' (PodDirectService sets it)",
            "remove that annotation; for node backends use a plain kubernetes Service instead of PodDirectService",
        )
    return dict(annotations)


def _check_ports(resource: str, ports: object) -> tuple[PortPlan, ...]:
    if not isinstance(ports, Sequence) or isinstance(ports, (str, bytes)) or not ports:
        raise PodLbError(
            resource,
            "ports",
            f"must be a non-empty list of ports, got {ports!r}",
            "e.g. ports=[{'name': 'http', 'port': 80, 'target_port': 8080}]",
        )
    plans: list[PortPlan] = []
    for i, raw in enumerate(ports):
        where = f"ports[{i}]"
        if not isinstance(raw, Mapping):
            raise PodLbError(
                resource,
                where,
                f"must be a mapping, got {raw!r}",
                "write {'name': 'http', 'port': 80, 'target_port': 8080}",
            )
        unknown = set(raw) - {"name", "port", "target_port", "protocol"}
        if unknown:
            raise PodLbError(
                resource, where, f"unknown keys {sorted(unknown)}", "use only name, port, target_port and protocol"
            )
        port = raw.get("port")
        if not _is_int(port) or not 1 <= port <= 65535:  # type: ignore[operator]
            raise PodLbError(
                resource,
                f"{where}.port",
                f"must be a whole number 1-65535, got {port!r}",
                "set the port the load balancer listens on, e.g. 80",
            )
        target = raw.get("target_port", port)
        if isinstance(target, str):
            raise PodLbError(
                resource,
                f"{where}.target_port",
                f"is the named port {target!r}; a named port can't be opened in a security "
                "group, and pod-direct traffic reaches the Pod on the target port itself",
                "use the container port number, e.g. target_port=8080",
            )
        if not _is_int(target) or not 1 <= target <= 65535:
            raise PodLbError(
                resource,
                f"{where}.target_port",
                f"must be a whole number 1-65535, got {target!r}",
                "use the container port number, e.g. 8080",
            )
        protocol = raw.get("protocol", "TCP")
        if not isinstance(protocol, str) or protocol.upper() not in ("TCP", "UDP"):
            raise PodLbError(
                resource,
                f"{where}.protocol",
                f"must be TCP or UDP, got {protocol!r}",
                "use 'TCP' or 'UDP' (the BLB doesn't balance SCTP to Pods)",
            )
        name = raw.get("name")
        if name is not None and (not isinstance(name, str) or len(name) > 15 or not _PORT_NAME.match(name)):
            raise PodLbError(
                resource,
                f"{where}.name",
                f"{name!r} is not a valid port name",
                "use up to 15 lowercase letters, digits and '-', e.g. 'http'",
            )
        plans.append(PortPlan(name, port, target, protocol.upper()))  # type: ignore[arg-type]

    if len(plans) > 1 and any(p.name is None for p in plans):
        raise PodLbError(
            resource,
            "ports",
            "a Service with several ports needs a name on each",
            "add 'name' to every port, e.g. 'http' and 'https'",
        )
    seen_ports: set[tuple[int, str]] = set()
    seen_names: set[str] = set()
    for i, p in enumerate(plans):
        if (p.port, p.protocol) in seen_ports:
            raise PodLbError(
                resource, f"ports[{i}]", f"duplicate port {p.port}/{p.protocol}", "list each port/protocol once"
            )
        seen_ports.add((p.port, p.protocol))
        if p.name is not None:
            if p.name in seen_names:
                raise PodLbError(
                    resource, f"ports[{i}].name", f"duplicate port name {p.name!r}", "give each port its own name"
                )
            seen_names.add(p.name)
    return tuple(plans)


def validate_service_args(
    resource: str, args: Mapping[str, object], backend_quota: int, cluster_name: str
) -> ServicePlan:
    """Check and default every plain input; raise PodLbError naming the first bad one."""
    reject_unknown_args(resource, args, _KNOWN_FIELDS)
    namespace = args.get("namespace", "default")
    if not isinstance(namespace, str) or len(namespace) > 63 or not _DNS1123_LABEL.match(namespace):
        raise PodLbError(
            resource,
            "namespace",
            f"{namespace!r} is not a valid namespace name",
            "use up to 63 lowercase letters, digits and '-'",
        )
    service_name = args.get("service_name", resource)
    if not isinstance(service_name, str) or len(service_name) > 63 or not _DNS1035_LABEL.match(service_name):
        raise PodLbError(
            resource,
            "service_name",
            f"{service_name!r} is not a valid Service name",
            "use up to 63 lowercase letters, digits and '-', starting with a letter "
            "(set service_name when the resource name doesn't fit)",
        )
    selector = _check_labels(resource, "selector", args.get("selector"), required=True)
    labels = _check_labels(resource, "labels", args.get("labels"))
    annotations = _check_annotations(resource, args.get("annotations"))
    ports = _check_ports(resource, args.get("ports"))

    internal = args.get("internal", False)
    if not isinstance(internal, bool):
        raise PodLbError(
            resource,
            "internal",
            f"must be True or False, got {internal!r}",
            "internal=True for a VPC-only load balancer",
        )
    ranges = args.get("load_balancer_source_ranges") or ()
    if isinstance(ranges, pulumi.Output) or isinstance(ranges, (str, bytes)) or not isinstance(ranges, Sequence):
        raise PodLbError(
            resource,
            "load_balancer_source_ranges",
            "must be a list (its items may be Outputs): podlb creates one rule per range, so "
            "it must know how many there are at preview time",
            "pass e.g. ['10.0.0.0/16'] or [vpc.cidr]",
        )
    for i, cidr in enumerate(ranges):
        if isinstance(cidr, str):
            check_cidr(resource, f"load_balancer_source_ranges[{i}]", cidr)
        elif not isinstance(cidr, pulumi.Output):
            raise PodLbError(
                resource,
                f"load_balancer_source_ranges[{i}]",
                f"must be a CIDR string, got {cidr!r}",
                "write e.g. '10.0.0.0/16'",
            )
    affinity = args.get("session_affinity", "None")
    if affinity not in ("None", "ClientIP"):
        raise PodLbError(
            resource,
            "session_affinity",
            f"must be 'None' or 'ClientIP', got {affinity!r}",
            "use 'ClientIP' to pin clients to a Pod, else leave it unset",
        )

    expected = args.get("expected_backends")
    if expected is not None:
        if not _is_int(expected) or expected < 1:  # type: ignore[operator]
            raise PodLbError(
                resource,
                "expected_backends",
                f"must be a whole number >= 1, got {expected!r}",
                "set it to replicas (or HPA maxReplicas) plus the rolling-update maxSurge",
            )
        if expected > backend_quota:  # type: ignore[operator]
            raise PodLbError(
                resource,
                "expected_backends",
                f"{expected} Pods can be backends at once, but one application BLB takes at most "
                f"{backend_quota} (backend_quota of cluster {cluster_name!r}); "
                f"{expected} - {backend_quota} = {expected - backend_quota} Pods would get no traffic",  # type: ignore[operator]
                f"lower replicas/HPA max/maxSurge to fit {backend_quota}, or ask Baidu support to "
                "raise the appblb backend quota and set backend_quota on the PodDirectCluster",
            )
    return ServicePlan(
        namespace=namespace,
        service_name=service_name,
        selector=selector,
        labels=labels,
        annotations=annotations,
        ports=ports,
        internal=internal,
        source_ranges=tuple(ranges),
        session_affinity=affinity,
        expected_backends=expected,  # type: ignore[arg-type]
    )
