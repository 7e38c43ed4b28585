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


def owner_remark(project: str, stack: str, namespace: str, service: str) -> str:
    """The rule's remark: says which stack and Service own it, so nobody mistakes it for a
    hand-made rule and podlb can recognise (and adopt) its own rules."""
    remark = f"podlb {project}/{stack} svc {namespace}/{service}"
    if len(remark) > REMARK_MAX:
        digest = hashlib.sha256(remark.encode()).hexdigest()[:10]
        remark = remark[: REMARK_MAX - 11] + "~" + digest
    return remark


def _name_part(value: pulumi.Input[str], fallback: str) -> str:
    if value == OPEN_TO_WORLD:
        return "any"
    if isinstance(value, str):
        return re.sub(r"[^A-Za-z0-9]+", "-", value).strip("-").lower()
    return fallback


def derive_rules(
    group_ids: Sequence[pulumi.Input[str]],
    target_ports: Sequence[tuple[int, str]],
    sources: Sequence[pulumi.Input[str]],
    remark: str,
) -> list[RuleSpec]:
    """The rule set: every (group, (port, protocol), source) once, in a stable order."""
    unique_ports = sorted(set((port, proto.lower()) for port, proto in target_ports))
    rules: list[RuleSpec] = []
    seen: set[str] = set()
    for gi, group in enumerate(group_ids):
        for port, proto in unique_ports:
            for si, source in enumerate(sources):
                key = "-".join((_name_part(group, f"sg{gi}"), proto, str(port), _name_part(source, f"src{si}")))
                if key in seen:  # the same group or source listed twice
                    continue
                seen.add(key)
                rules.append(RuleSpec(key, group, proto, port, source, remark))
    return rules
