"""PodDirectServiceArgs and its validation (pure: no resource is touched here)."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any, Literal, TypedDict

import pulumi
from typing_extensions import Required

from .. import cce_annotations
from ..errors import ErrorCollector, PodLbError, misspelt_fields, reject_unknown_args
from ..rules.value import check_cidr
from ..values import is_whole_number
from .load_balancer import LoadBalancerArgs, LoadBalancerSpec, validate_load_balancer

if TYPE_CHECKING:
    from ..cluster.component import PodDirectCluster


class ServicePortArgs(TypedDict, total=False):
    """One port of the Service: where the BLB listens and the container port it sends to."""

    name: str
    """Port name; required when the Service has more than one port (Kubernetes rule)."""
    port: Required[int]
    """Port the load balancer listens on (1-65535)."""
    target_port: int
    """Container port the BLB sends traffic to, as a number: it is opened in the security
    group, and a named port can't be. Defaults to `port`."""
    protocol: Literal["TCP", "UDP"]
    """TCP (default) or UDP."""


class PodDirectServiceArgs(TypedDict, total=False):
    cluster: Required[PodDirectCluster]
    """The PodDirectCluster this Service runs in (required): supplies the network mode, the
    security groups, the VPC CIDR, the backend quota and the Kubernetes provider. Other languages
    pass the cluster resource itself (YAML: `${cluster}`), made through the same podlb provider."""
    namespace: pulumi.Input[str]
    """Namespace of the Service. Default: "default". May be an Output (checked once known)."""
    service_name: pulumi.Input[str]
    """metadata.name of the Service. Default: the resource name. May be an Output."""
    selector: Required[Mapping[str, str]]
    """Pod labels the Service selects (required, non-empty; plain: it decides which Pods the
    Service and its rollout transform select)."""
    labels: Mapping[str, pulumi.Input[str]]
    """Extra labels on the Service (values may be Outputs)."""
    annotations: Mapping[str, pulumi.Input[str]]
    """Extra annotations, merged with podlb's (values may be Outputs). The backend-type
    annotation may only be "eni"."""
    ports: Required[Sequence[ServicePortArgs]]
    """The Service's ports (required, at least one; plain: they decide the security-group rules)."""
    internal: bool
    """Internal (VPC-only) load balancer. Default: False (public)."""
    load_balancer_source_ranges: Sequence[pulumi.Input[str]]
    """CIDRs allowed to reach the Service; also the source of the security-group rules."""
    session_affinity: pulumi.Input[Literal["None", "ClientIP"]]
    """Kubernetes session affinity. Default: "None"."""
    load_balancer: LoadBalancerArgs
    """Typed BLB and EIP options: reuse a BLB, keep a public IP, size the EIP (checked at preview)."""
    expected_backends: int
    """The most Pods that can be backends at once: replicas (or HPA max) plus rolling-update
    surge. Checked against the cluster's backend_quota at preview time."""


@dataclass(frozen=True)
class PortSpec:
    name: str | None
    port: int
    target_port: int
    protocol: str


@dataclass(frozen=True)
class ServiceSpec:
    """Validated, defaulted Service inputs."""

    namespace: pulumi.Input[str]
    service_name: pulumi.Input[str]
    selector: dict[str, str]
    labels: dict[str, pulumi.Input[str]]
    annotations: dict[str, pulumi.Input[str]]
    ports: tuple[PortSpec, ...]
    internal: bool
    source_ranges: tuple[pulumi.Input[str], ...]
    session_affinity: pulumi.Input[str]
    expected_backends: int | None
    load_balancer: LoadBalancerSpec


_DNS1123_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_DNS1035_LABEL = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")
_LABEL_NAME = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")
_LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")
_PORT_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_KNOWN_FIELDS = set(PodDirectServiceArgs.__annotations__)


def _known_at_preview(resource: str, field: str, value: object, decides: str) -> None:
    """Inputs that decide the shape of the graph can't wait for another resource."""
    if isinstance(value, pulumi.Output):
        raise PodLbError(
            resource,
            field,
            f"is an Output, but it decides {decides}, which must be known at preview time",
            "pass a plain value (a literal, or stack config read with pulumi.Config)",
        )


def _checked_when_known(value: object, check: Callable[[object], None]) -> pulumi.Input[str]:
    """A value that only flows into the Service: plain values are checked now, an Output once
    it is known (the check raises then, failing the `up` with the same message)."""
    if isinstance(value, pulumi.Output):

        def known(v: object) -> Any:
            check(v)
            return v

        return value.apply(known)
    check(value)
    return value  # type: ignore[return-value]


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


def _check_labels(resource: str, field: str, labels: object, *, required: bool = False) -> dict[str, Any]:
    """Labels (or the selector, `required`): every entry checked, each on its own."""
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
    found = ErrorCollector()
    checked = {key: found.check(_check_label, resource, field, key, value, required) for key, value in labels.items()}
    found.raise_errors()
    return checked


def _check_label(resource: str, field: str, key: object, value: object, selector: bool) -> pulumi.Input[str]:
    """One label: its key, and its value (now, or once known when it is an Output)."""
    _check_label_key(resource, field, key)
    if selector:  # the selector matches Pods (also in the rollout transform): plain values
        _known_at_preview(resource, f"{field}[{key!r}]", value, "which Pods the Service and its transform select")

    def check(v: object) -> None:
        if not isinstance(v, str) or len(v) > 63 or not _LABEL_VALUE.match(v):
            raise PodLbError(
                resource,
                f"{field}[{key!r}]",
                f"{v!r} is not a valid label value",
                "use up to 63 letters, digits, '-', '_' or '.', starting and ending with a "
                "letter or digit (quote numbers: '1', not 1)",
            )

    return _checked_when_known(value, check)


def _check_annotations(resource: str, annotations: object) -> dict[str, Any]:
    """Every annotation checked, each on its own; the backend-type one may only say 'eni'."""
    if annotations is None:
        return {}
    if not isinstance(annotations, Mapping):
        raise PodLbError(
            resource,
            "annotations",
            f"must be a mapping, got {annotations!r}",
            "pass a mapping of annotation names to string values",
        )
    found = ErrorCollector()
    checked = {key: found.check(_check_annotation, resource, key, value) for key, value in annotations.items()}
    backend = annotations.get(cce_annotations.BACKEND_TYPE)
    field = f"annotations[{cce_annotations.BACKEND_TYPE!r}]"
    # an Output or a non-string there was refused above: saying it isn't 'eni' would repeat that
    if backend is not None and backend != "eni" and not found.failed(field):
        found.errors.append(
            PodLbError(
                resource,
                field,
                f"is {backend!r}, but a pod-direct Service needs 'eni' (PodDirectService sets it)",
                "remove that annotation; for node backends use a plain kubernetes Service instead of PodDirectService",
            )
        )
    found.raise_errors()
    return checked


def _check_annotation(resource: str, key: object, value: object) -> pulumi.Input[str]:
    """One annotation: its key, and a string value (now, or once known when it is an Output)."""
    _check_label_key(resource, "annotations", key)
    if key == cce_annotations.BACKEND_TYPE:
        _known_at_preview(resource, f"annotations[{key!r}]", value, "whether this is a pod-direct Service")

    def check(v: object) -> None:
        if not isinstance(v, str):
            raise PodLbError(
                resource,
                f"annotations[{key!r}]",
                f"annotation values must be strings, got {v!r}",
                f"quote it: {key!r}: {str(v).lower() if isinstance(v, bool) else v!s:.40}",
            )

    return _checked_when_known(value, check)


def _check_ports(resource: str, ports: object) -> tuple[PortSpec, ...]:
    """The Service's ports: every entry checked on its own, then (when all are good) names and
    duplicates across them."""
    _known_at_preview(resource, "ports", ports, "the security-group rules and the Service's ports")
    if not isinstance(ports, Sequence) or isinstance(ports, (str, bytes)) or not ports:
        raise PodLbError(
            resource,
            "ports",
            f"must be a non-empty list of ports, got {ports!r}",
            "e.g. ports=[{'name': 'http', 'port': 80, 'target_port': 8080}]",
        )
    found = ErrorCollector()
    checked = [found.check(_check_port, resource, f"ports[{i}]", raw) for i, raw in enumerate(ports)]
    found.raise_errors()
    plans = tuple(plan for plan in checked if plan is not None)
    _check_port_names_and_duplicates(resource, plans)
    return plans


def _check_port(resource: str, where: str, raw: object) -> PortSpec:
    """One entry of `ports`, key by key, each on its own: port, target_port, protocol, name."""
    entry = _port_entry(resource, where, raw)
    found = ErrorCollector()
    unknown = set(entry) - {"name", "port", "target_port", "protocol"}
    if unknown:
        found.errors.append(
            PodLbError(
                resource, where, f"unknown keys {sorted(unknown)}", "use only name, port, target_port and protocol"
            )
        )
    port = found.check(_port_number, resource, where, entry.get("port"))
    # target_port defaults to the port: when that is missing or bad, its error says it all
    target = (
        found.check(_target_port, resource, where, entry.get("target_port", port))
        if "target_port" in entry or port is not None
        else None
    )
    protocol = found.check(_port_protocol, resource, where, entry.get("protocol", "TCP"))
    name = found.check(_port_name, resource, where, entry.get("name"))
    found.raise_errors()
    assert port is not None and target is not None and protocol is not None  # no error: each was checked
    return PortSpec(name, port, target, protocol)


def _port_entry(resource: str, where: str, raw: object) -> Mapping[str, object]:
    """A mapping; its keys are checked one by one (_check_port)."""
    if not isinstance(raw, Mapping):
        raise PodLbError(
            resource,
            where,
            f"must be a mapping, got {raw!r}",
            "write {'name': 'http', 'port': 80, 'target_port': 8080}",
        )
    return raw


def _port_number(resource: str, where: str, port: object) -> int:
    _known_at_preview(resource, f"{where}.port", port, "which port the security-group rules open")
    if not is_whole_number(port) or not 1 <= port <= 65535:
        raise PodLbError(
            resource,
            f"{where}.port",
            f"must be a whole number 1-65535, got {port!r}",
            "set the port the load balancer listens on, e.g. 80",
        )
    return port


def _target_port(resource: str, where: str, target: object) -> int:
    """A container port number: a named port can't be opened in a security group."""
    _known_at_preview(resource, f"{where}.target_port", target, "which port the security-group rules open")
    if isinstance(target, str):
        raise PodLbError(
            resource,
            f"{where}.target_port",
            f"is the named port {target!r}; a named port can't be opened in a security "
            "group, and pod-direct traffic reaches the Pod on the target port itself",
            "use the container port number, e.g. target_port=8080",
        )
    if not is_whole_number(target) or not 1 <= target <= 65535:
        raise PodLbError(
            resource,
            f"{where}.target_port",
            f"must be a whole number 1-65535, got {target!r}",
            "use the container port number, e.g. 8080",
        )
    return target


def _port_protocol(resource: str, where: str, protocol: object) -> str:
    """TCP or UDP, in any case; returned upper-case."""
    _known_at_preview(resource, f"{where}.protocol", protocol, "which port the security-group rules open")
    if not isinstance(protocol, str) or protocol.upper() not in ("TCP", "UDP"):
        raise PodLbError(
            resource,
            f"{where}.protocol",
            f"must be TCP or UDP, got {protocol!r}",
            "use 'TCP' or 'UDP' (the BLB doesn't balance SCTP to Pods)",
        )
    return protocol.upper()


def _port_name(resource: str, where: str, name: object) -> str | None:
    if name is not None and (not isinstance(name, str) or len(name) > 15 or not _PORT_NAME.match(name)):
        raise PodLbError(
            resource,
            f"{where}.name",
            f"{name!r} is not a valid port name",
            "use up to 15 lowercase letters, digits and '-', e.g. 'http'",
        )
    return name


def _check_port_names_and_duplicates(resource: str, plans: tuple[PortSpec, ...]) -> None:
    """Several ports each need a name; no port/protocol pair and no name may appear twice."""
    errors = []
    if len(plans) > 1 and any(p.name is None for p in plans):
        errors.append(
            PodLbError(
                resource,
                "ports",
                "a Service with several ports needs a name on each",
                "add 'name' to every port, e.g. 'http' and 'https'",
            )
        )
    seen_ports: set[tuple[int, str]] = set()
    seen_names: set[str] = set()
    for i, p in enumerate(plans):
        if (p.port, p.protocol) in seen_ports:
            errors.append(
                PodLbError(
                    resource, f"ports[{i}]", f"duplicate port {p.port}/{p.protocol}", "list each port/protocol once"
                )
            )
        seen_ports.add((p.port, p.protocol))
        if p.name is not None:
            if p.name in seen_names:
                errors.append(
                    PodLbError(
                        resource, f"ports[{i}].name", f"duplicate port name {p.name!r}", "give each port its own name"
                    )
                )
            seen_names.add(p.name)
    if errors:
        raise PodLbError.of(errors)


def validate_service_args(
    resource: str, args: Mapping[str, object], backend_quota: int, cluster_name: str
) -> ServiceSpec:
    """Check and default every plain input, each on its own, so a bad one doesn't hide the next;
    raise PodLbError naming every bad one (PodLbErrors when several), in the order below (the
    first is the one earlier podlb named alone, which the error tests rely on)."""
    found = ErrorCollector()
    found.check(reject_unknown_args, resource, args, _KNOWN_FIELDS)
    misspelt = misspelt_fields(args, _KNOWN_FIELDS)

    def required(field: str) -> bool:
        # a required field missing because it was misspelt is reported once: as the unknown one
        return field in args or field not in misspelt

    namespace = found.check(_checked_when_known, args.get("namespace", "default"), partial(_check_namespace, resource))
    service_name = found.check(
        _checked_when_known, args.get("service_name", resource), partial(_check_service_name, resource)
    )
    selector = (
        found.check(_check_labels, resource, "selector", args.get("selector"), required=True)
        if required("selector")
        else None
    )
    labels = found.check(_check_labels, resource, "labels", args.get("labels"))
    annotations = found.check(_check_annotations, resource, args.get("annotations"))
    ports = found.check(_check_ports, resource, args.get("ports")) if required("ports") else None
    internal = found.check(_check_internal, resource, args.get("internal", False))
    source_ranges = found.check(_check_source_ranges, resource, args.get("load_balancer_source_ranges") or ())
    affinity = found.check(
        _checked_when_known, args.get("session_affinity", "None"), partial(_check_affinity, resource)
    )
    expected = found.check(
        _check_expected_backends, resource, args.get("expected_backends"), backend_quota, cluster_name
    )
    # The load balancer's checks also read `internal` and the annotations. When those are bad,
    # check it as if they asked for nothing: it then only fails for reasons of its own.
    load_balancer = found.check(
        validate_load_balancer, resource, args.get("load_balancer"), internal is True, annotations or {}
    )
    found.raise_errors()
    # no error: every check returned its value
    assert namespace is not None and service_name is not None and affinity is not None
    assert selector is not None and labels is not None and annotations is not None and ports is not None
    assert internal is not None and source_ranges is not None and load_balancer is not None
    return ServiceSpec(
        namespace=namespace,
        service_name=service_name,
        selector=selector,
        labels=labels,
        annotations=annotations,
        ports=ports,
        internal=internal,
        source_ranges=source_ranges,
        session_affinity=affinity,
        load_balancer=load_balancer,
        expected_backends=expected,
    )


def _check_namespace(resource: str, value: object) -> None:
    if not isinstance(value, str) or len(value) > 63 or not _DNS1123_LABEL.match(value):
        raise PodLbError(
            resource,
            "namespace",
            f"{value!r} is not a valid namespace name",
            "use up to 63 lowercase letters, digits and '-'",
        )


def _check_service_name(resource: str, value: object) -> None:
    if not isinstance(value, str) or len(value) > 63 or not _DNS1035_LABEL.match(value):
        raise PodLbError(
            resource,
            "service_name",
            f"{value!r} is not a valid Service name",
            "use up to 63 lowercase letters, digits and '-', starting with a letter "
            "(set service_name when the resource name doesn't fit)",
        )


def _check_internal(resource: str, internal: object) -> bool:
    _known_at_preview(resource, "internal", internal, "the rules' default source (the VPC) and the annotation")
    if not isinstance(internal, bool):
        raise PodLbError(
            resource,
            "internal",
            f"must be True or False, got {internal!r}",
            "internal=True for a VPC-only load balancer",
        )
    return internal


def _check_source_ranges(resource: str, ranges: object) -> tuple[pulumi.Input[str], ...]:
    """A plain list (podlb makes one rule per range) of CIDR strings or Outputs, each checked."""
    if isinstance(ranges, pulumi.Output) or isinstance(ranges, (str, bytes)) or not isinstance(ranges, Sequence):
        raise PodLbError(
            resource,
            "load_balancer_source_ranges",
            "must be a list (its items may be Outputs): podlb creates one rule per range, so "
            "it must know how many there are at preview time",
            "pass e.g. ['10.0.0.0/16'] or [vpc.cidr]",
        )
    found = ErrorCollector()
    for i, cidr in enumerate(ranges):
        found.check(_check_source_range, resource, f"load_balancer_source_ranges[{i}]", cidr)
    found.raise_errors()
    return tuple(ranges)


def _check_source_range(resource: str, field: str, cidr: object) -> None:
    if isinstance(cidr, str):
        check_cidr(resource, field, cidr)
    elif not isinstance(cidr, pulumi.Output):
        raise PodLbError(resource, field, f"must be a CIDR string, got {cidr!r}", "write e.g. '10.0.0.0/16'")


def _check_affinity(resource: str, value: object) -> None:
    if value not in ("None", "ClientIP"):
        raise PodLbError(
            resource,
            "session_affinity",
            f"must be 'None' or 'ClientIP', got {value!r}",
            "use 'ClientIP' to pin clients to a Pod, else leave it unset",
        )


def _check_expected_backends(resource: str, expected: object, backend_quota: int, cluster_name: str) -> int | None:
    """A plain whole number >= 1 that fits the cluster's backend quota, or None (unchecked)."""
    _known_at_preview(resource, "expected_backends", expected, "whether the Service fits the backend quota")
    if expected is None:
        return None
    if not is_whole_number(expected) or expected < 1:
        raise PodLbError(
            resource,
            "expected_backends",
            f"must be a whole number >= 1, got {expected!r}",
            "set it to replicas (or HPA maxReplicas) plus the rolling-update maxSurge",
        )
    if expected > backend_quota:
        raise PodLbError(
            resource,
            "expected_backends",
            f"{expected} Pods can be backends at once, but one application BLB takes at most "
            f"{backend_quota} (backend_quota of cluster {cluster_name!r}); "
            f"{expected} - {backend_quota} = {expected - backend_quota} Pods would get no traffic",
            f"lower replicas/HPA max/maxSurge to fit {backend_quota}, or ask Baidu support to "
            "raise the appblb backend quota and set backend_quota on the PodDirectCluster",
        )
    return expected
