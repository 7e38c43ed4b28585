"""Pure: keep every security group within its rule quota, counted at preview time.

A group that would exceed Baidu's per-direction rule quota fails half-way through `pulumi up`
(some rules made, the rest refused). The cluster keeps a budget per group: rules already in the
group that this stack doesn't own (from discovery; 0 offline) plus the rules each Service plans;
a Service that would overflow a group is refused before anything is registered."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from ..bce.limits import default_rule_limit
from ..errors import PodLbError


@dataclass
class RuleBudget:
    limit_override: int | None = None
    existing: Mapping[str, int] = field(default_factory=dict)
    """Ingress rules already in each group that are not this stack's."""
    planned: dict[str, int] = field(default_factory=dict)
    _keys: set[str] = field(default_factory=set)

    def limit(self, group_id: str) -> int:
        return self.limit_override if self.limit_override is not None else default_rule_limit(group_id)

    def reserve(self, resource: str, rules: Iterable[tuple[str, object]]) -> None:
        """Count the (rule key, group id) pairs not planned yet (known group ids only), or raise.
        A rule another Service already planned is shared, so it isn't counted twice."""
        new = {key: group for key, group in rules if key not in self._keys}
        wanted: dict[str, int] = {}
        for group in new.values():
            if isinstance(group, str):
                wanted[group] = wanted.get(group, 0) + 1
        for group, count in wanted.items():
            existing, before = self.existing.get(group, 0), self.planned.get(group, 0)
            total = existing + before + count
            if total > self.limit(group):
                raise PodLbError(
                    resource,
                    "security group rules",
                    f"group {group} would hold {total} ingress rules ({existing} already there + {before} for "
                    f"other Services of this stack + {count} for this one), over its quota of {self.limit(group)}",
                    "use fewer load_balancer_source_ranges or ports, spread Services over more groups, or raise "
                    "the quota in Baidu's Quota Center and set security_group_rule_limit on the PodDirectCluster",
                )
        for group, count in wanted.items():
            self.planned[group] = self.planned.get(group, 0) + count
        self._keys |= set(new)

    def totals(self) -> dict[str, int]:
        groups = set(self.existing) | set(self.planned)
        return {g: self.existing.get(g, 0) + self.planned.get(g, 0) for g in sorted(groups)}
