"""Pure: from a Service's needs to the security-group rules its cluster owns.

The BLB sends traffic straight to Pod IPs on the Service's targetPort, so that port must be
open, for the Service's clients, in the groups the network mode selects (node groups in
VPC-route/kubenet mode, ENI groups in VPC-CNI modes): one ingress rule per
(group x target port x protocol x source range).

The cluster owns every rule, so Services that need the same one share it (BCE refuses an exact
duplicate, and quota is scarce), and the program's graph is its reference count. A rule's key —
and so its logical name — depends only on what the rule is, never on which Service asked first
or in what order Services are declared:
- a plain group id or CIDR spells itself ("g-abc", "10-0-0-0-8", "any" for 0.0.0.0/0);
- a group id that is an Output is named by its place in the cluster's own group list ("sg0");
- the cluster's VPC CIDR (the default source of internal Services) is "vpc", even as an Output;
- any other Output source is named by the Service and its place in that Service's list
  ("web-src0"): podlb can't tell two unknown values apart at preview, so such a rule is the
  Service's own (on an enterprise group, two of them that resolve to the same CIDR collide at
  `up`: give a plain CIDR to share one).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import pulumi

from ..errors import PodLbError
from ..rules.value import OPEN_TO_WORLD, SecurityGroupRuleArgs
from .rule_budget import RuleBudget


@dataclass(frozen=True)
class PlannedRule:
    """One ingress rule the cluster owns: its SecurityGroupRule's inputs (less the remark, which
    names the resource) under a stable key."""

    key: str
    """Stable suffix of the resource's logical name (see above)."""
    inputs: SecurityGroupRuleArgs


@dataclass(frozen=True)
class SourceChoice:
    sources: list[pulumi.Input[str]]
    warning: str | None


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


def slug(value: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", value).strip("-").lower()


class RuleBook:
    """The cluster's rule book: names rules stably and keeps each group within its quota."""

    def __init__(
        self,
        group_ids: Sequence[pulumi.Input[str]],
        vpc_cidr: pulumi.Input[str] | None,
        budget: RuleBudget,
    ) -> None:
        self._groups = list(group_ids)
        self._vpc_cidr = vpc_cidr
        self.budget = budget

    def _group_part(self, index: int, group: pulumi.Input[str]) -> str:
        return slug(group) if isinstance(group, str) else f"sg{index}"

    def _source_part(self, service: str, index: int, source: pulumi.Input[str]) -> str:
        if source == OPEN_TO_WORLD:
            return "any"
        if isinstance(source, str):
            return slug(source)
        if self._vpc_cidr is not None and source is self._vpc_cidr:
            return "vpc"
        return f"{slug(service)}-src{index}"

    def rules_for(
        self, service: str, target_ports: Sequence[tuple[int, str]], sources: Sequence[pulumi.Input[str]]
    ) -> list[PlannedRule]:
        """The rules `service` needs, each once, in a stable order; raises PodLbError (before
        anything is registered) when a group would go over its rule quota."""
        ports = sorted({(port, proto.lower()) for port, proto in target_ports})
        rules: dict[str, PlannedRule] = {}
        for g, group in enumerate(self._groups):
            for port, proto in ports:
                for s, source in enumerate(sources):
                    key = "-".join(
                        (self._group_part(g, group), proto, str(port), self._source_part(service, s, source))
                    )
                    inputs: SecurityGroupRuleArgs = {
                        "security_group_id": group,
                        "protocol": proto,
                        "port_range": str(port),
                        "source_ip": source,
                    }
                    rules.setdefault(key, PlannedRule(key, inputs))
        self.budget.reserve(service, [(rule.key, rule.inputs["security_group_id"]) for rule in rules.values()])
        return list(rules.values())
