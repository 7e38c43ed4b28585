"""All services' state in one place, and loading it from a seed document (YAML or dict):

credentials: {AKID: SECRET}
security_groups: [{id: g-…, vpc_id: vpc-…, name: …, instance_ids: […], rules: [{direction: ingress, …}]}]
enterprise_security_groups: [{id: esg-…, name: …, instance_ids: […], rules: […]}]
enis: [{eni_id: eni-…, vpc_id: vpc-…, security_group_ids: […], enterprise_security_group_ids: […]}]
clusters: [{cluster_id: cce-…, network_mode: …, vpc_id: …, vpc_cidr: …,
            node_security_groups: […], eni_security_groups: […],
            addons: {cce-lb-controller: {version: 1.0.0, phase: Running}}}]
rule_limits: {normal: 100, enterprise: 150}   # optional; None: unlimited
rewrite_values: true   # optional: answer x/32 as x, "" as all, … (see rule_checks.rewrite_like_bce)

Groups can also be created and deleted through the API (bcc_security_groups.py, esg.py); a group
is not deleted while something holds it (`holders_of`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .bcc_security_groups import SecurityGroupBackend
from .cce import CceBackend, Cluster
from .eni import Eni, EniBackend
from .esg import EnterpriseSecurityGroupBackend


@dataclass
class FakeBceState:
    credentials: dict[str, str] = field(default_factory=dict)
    security_groups: SecurityGroupBackend = field(default_factory=SecurityGroupBackend)
    enterprise_security_groups: EnterpriseSecurityGroupBackend = field(default_factory=EnterpriseSecurityGroupBackend)
    enis: EniBackend = field(default_factory=EniBackend)
    cce: CceBackend = field(default_factory=CceBackend)

    def __post_init__(self) -> None:
        self.security_groups.bound_to = self.holders_of
        self.enterprise_security_groups.bound_to = self.holders_of

    def holders_of(self, group_id: str) -> list[str]:
        """What holds a security group besides the instances it lists itself: ENIs that carry it,
        and CCE clusters that carry it as a default for their nodes or ENIs or on a node. Baidu
        refuses to delete a group bound to an instance (409, VPC API "Delete Security Group" and
        "Delete enterprise security group"); an ENI or a cluster's default counting as a binding is
        the fake's stricter reading (a cluster's next node would carry the group)."""
        holders = [
            eni.eni_id
            for eni in self.enis.enis.values()
            if group_id in (*eni.security_group_ids, *eni.enterprise_security_group_ids)
        ]
        for cluster in self.cce.clusters.values():
            carried = (
                *cluster.node_security_groups,
                *cluster.eni_security_groups,
                *_instance_groups(cluster.instances),
            )
            if group_id in carried:
                holders.append(cluster.cluster_id)
        return holders

    def add_cce_cluster(
        self,
        cluster_id: str,
        network_mode: str = "vpc-route-veth",
        *,
        vpc_id: str = "vpc-1",
        vpc_cidr: str = "10.0.0.0/16",
        node_security_groups: tuple[str, ...] = ("g-node",),
        eni_security_groups: tuple[str, ...] = (),
        lb_controller: str | None = "1.0.0",
        **extra: Any,
    ) -> Cluster:
        """A CCE cluster whose security groups exist (made empty when missing: the cluster's
        and those its `instances` carry) and whose cce-lb-controller add-on runs at
        `lb_controller` (None: not installed)."""
        instance_groups = _instance_groups(extra.get("instances") or [])
        for group in (*node_security_groups, *eni_security_groups, *instance_groups):
            if group.startswith("esg-") and group not in self.enterprise_security_groups.groups:
                self.enterprise_security_groups.add_group(group)
            elif group.startswith("g-") and group not in self.security_groups.groups:
                self.security_groups.add_group(group, vpc_id)
        addons = {"cce-lb-controller": {"version": lb_controller, "phase": "Running"}} if lb_controller else {}
        return self.cce.add(
            Cluster(
                cluster_id=cluster_id,
                network_mode=network_mode,
                vpc_id=vpc_id,
                vpc_cidr=vpc_cidr,
                node_security_groups=list(node_security_groups),
                eni_security_groups=list(eni_security_groups),
                addons=addons,
                **extra,
            )
        )

    def set_rewrite_values(self, on: bool = True) -> None:
        """Answer rules in the forms the API may rewrite them to (x/32 -> x, "" -> all, …)."""
        self.security_groups.rewrite_values = on
        self.enterprise_security_groups.rewrite_values = on

    def set_rule_limits(self, normal: int | None, enterprise: int | None) -> None:
        self.security_groups.rule_limit = normal
        self.enterprise_security_groups.rule_limit = enterprise

    @classmethod
    def from_seed(cls, seed: dict[str, Any] | str | Path) -> FakeBceState:
        if isinstance(seed, (str, Path)):
            seed = yaml.safe_load(Path(seed).read_text()) or {}
        assert isinstance(seed, dict)
        state = cls(credentials=dict(seed.get("credentials") or {}))
        limits = seed.get("rule_limits") or {}
        state.set_rule_limits(
            limits.get("normal", state.security_groups.rule_limit),
            limits.get("enterprise", state.enterprise_security_groups.rule_limit),
        )
        state.set_rewrite_values(bool(seed.get("rewrite_values")))
        for g in seed.get("security_groups") or []:
            state.security_groups.add_group(
                g["id"], g.get("vpc_id", "vpc-fake"), g.get("name", ""), g.get("instance_ids"), g.get("rules")
            )
        for g in seed.get("enterprise_security_groups") or []:
            state.enterprise_security_groups.add_group(
                g["id"], g.get("name", ""), g.get("instance_ids"), g.get("rules")
            )
        for e in seed.get("enis") or []:
            state.enis.add(Eni(**e))
        for c in seed.get("clusters") or []:
            state.cce.add(Cluster(**c))
        return state


def _instance_groups(instances: list[dict[str, Any]]) -> list[str]:
    """The security groups CCE nodes carry of their own (`spec.vpcConfig`, see cce.node_instance)."""
    return [
        g
        for i in instances
        for vpc in [i.get("spec", {}).get("vpcConfig") or {}]
        for g in [vpc.get("securityGroupID"), *[x.get("id") for x in vpc.get("securityGroups") or []]]
        if g
    ]
