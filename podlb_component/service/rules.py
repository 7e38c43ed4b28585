"""Pure: which security-group rules a pod-direct Service needs.

The BLB sends traffic straight to Pod IPs on the Service's targetPort, so that port must be
open, for the Service's clients, in the groups the network mode selects (node groups in
VPC-route/kubenet mode, ENI groups in VPC-CNI modes). One ingress rule per
(group x target port x protocol x source range).
"""

from __future__ import annotations

import hashlib
import ipaddress
import re
from collections.abc import Sequence
from dataclasses import dataclass

import pulumi

from ..errors import PodLbError

OPEN_TO_WORLD = "0.0.0.0/0"
REMARK_MAX = 128  # stricter than BCC needs; see testing/fake_bce for the enforced limit


@dataclass(frozen=True)
class RuleSpec:
    """One ingress rule: everything the SecurityGroupRule resource needs."""

    key: str
    """Stable suffix for the resource's logical name (changes only when identity changes)."""
    security_group_id: pulumi.Input[str]
    protocol: str
    """'tcp' or 'udp', as the BCC API spells it."""
    port: int
    source_cidr: pulumi.Input[str]
    remark: str


@dataclass(frozen=True)
class SourceChoice:
    sources: list[pulumi.Input[str]]
    warning: str | None


def check_cidr(resource: str, field: str, cidr: str) -> str:
    try:
        ipaddress.ip_network(cidr, strict=False)
    except ValueError:
        raise PodLbError(
            resource,
            field,
            f"{cidr!r} is not a CIDR block",
            "write an address range such as '10.0.0.0/16' or '203.0.113.7/32'",
        ) from None
    return cidr


def choose_sources(
    resource: str,
    source_ranges: Sequence[pulumi.Input[str]] | None,
    internal: bool,
    vpc_cidr: pulumi.Input[str] | None,
) -> SourceChoice:
    """Who may reach the Pods: explicit ranges, else the VPC for internal LBs, else everyone."""
    if source_ranges:
        return SourceChoice(list(source_ranges), None)
    if internal:
        if vpc_cidr is None:
            raise PodLbError(
                resource,
                "internal",
                "an internal load balancer needs a source range for its security-group "
                "rules, and neither load_balancer_source_ranges nor the cluster's vpc_cidr is set",
                "set vpc_cidr on the PodDirectCluster, or load_balancer_source_ranges here",
            )
        return SourceChoice([vpc_cidr], None)
    return SourceChoice(
        [OPEN_TO_WORLD],
        f"targetPort rules are open to {OPEN_TO_WORLD}: any address can reach the Pods "
        "directly; set load_balancer_source_ranges (or internal=True) to narrow them",
    )


def owner_remark(project: str, stack: str, cluster: str) -> str:
    """The rule's remark: says which stack (and which of its clusters) owns it, so nobody
    mistakes it for a hand-made rule and podlb recognises (and may adopt) its own rules.

    Rules are owned by the cluster, not by one Service: two Services with the same target port
    and sources need the same rule, and BCE refuses a duplicate, so they share it."""
    remark = f"podlb {project}/{stack} cluster {cluster}"
    if len(remark) > REMARK_MAX:
        digest = hashlib.sha256(remark.encode()).hexdigest()[:10]
        remark = remark[: REMARK_MAX - 11] + "~" + digest
    return remark


class ValueNames:
    """Stable name parts for rule keys: plain values spell themselves ("g-abc", "10-0-0-0-8",
    "any"); an Output gets a number per distinct Output object, so the same Output (e.g. the
    cluster's VPC CIDR) used by several Services names the same rule."""

    def __init__(self) -> None:
        self._numbers: dict[tuple[str, int], int] = {}
        self._keep: list[object] = []  # keep Outputs alive so their ids stay unique

    def __call__(self, value: pulumi.Input[str], prefix: str) -> str:
        if value == OPEN_TO_WORLD:
            return "any"
        if isinstance(value, str):
            return re.sub(r"[^A-Za-z0-9]+", "-", value).strip("-").lower()
        key = (prefix, id(value))
        if key not in self._numbers:
            self._numbers[key] = sum(1 for p, _ in self._numbers if p == prefix)
            self._keep.append(value)
        return f"{prefix}{self._numbers[key]}"


def derive_rules(
    group_ids: Sequence[pulumi.Input[str]],
    target_ports: Sequence[tuple[int, str]],
    sources: Sequence[pulumi.Input[str]],
    remark: str,
    names: ValueNames | None = None,
) -> list[RuleSpec]:
    """The rule set: every (group, (port, protocol), source) once, in a stable order."""
    names = names or ValueNames()
    unique_ports = sorted(set((port, proto.lower()) for port, proto in target_ports))
    rules: list[RuleSpec] = []
    seen: set[str] = set()
    for group in group_ids:
        for port, proto in unique_ports:
            for source in sources:
                key = "-".join((names(group, "sg"), proto, str(port), names(source, "src")))
                if key in seen:  # the same group or source listed twice
                    continue
                seen.add(key)
                rules.append(RuleSpec(key, group, proto, port, source, remark))
    return rules
