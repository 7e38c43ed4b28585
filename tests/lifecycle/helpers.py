"""A stack described as data, the program it stands for, and the invariants every step keeps."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pulumi

from podlb_component import PodDirectCluster, PodDirectService
from podlb_component.rules.ownership import owned_by_stack
from podlb_component.rules.value import OPEN_TO_WORLD, Rule
from tests.support.lifecycle import Lifecycle

CLUSTER_ID = "cce-life0001"
GROUPS = ("g-node", "esg-node")  # the rules go to a normal and an enterprise group
VPC_CIDR = "10.0.0.0/16"
PROJECT, STACK = "shop", "prod"


@dataclass(frozen=True)
class Svc:
    name: str
    ports: tuple[int, ...] = (8080,)
    sources: tuple[str, ...] = ()
    """CIDRs; empty: internal (the VPC) when `internal`, else the whole Internet."""
    output_sources: bool = False
    """Pass the sources as Outputs (known at `up`, unknown at preview)."""
    internal: bool = False

    def cidrs(self) -> tuple[str, ...]:
        if self.sources:
            return self.sources
        return (VPC_CIDR,) if self.internal else (OPEN_TO_WORLD,)


@dataclass
class Spec:
    services: list[Svc] = field(default_factory=list)

    def program(self) -> Any:
        services = list(self.services)

        def run() -> Any:
            cluster = PodDirectCluster("prod", {"cluster_id": CLUSTER_ID, "lb_controller": "skip"})
            for svc in services:
                sources = [pulumi.Output.from_input(c) if svc.output_sources else c for c in svc.sources]
                PodDirectService(
                    svc.name,
                    {
                        "cluster": cluster,
                        "selector": {"app": svc.name},
                        "ports": [{"name": f"p{p}", "port": p, "target_port": p} for p in svc.ports],
                        "load_balancer_source_ranges": sources,
                        "internal": svc.internal,
                        "expected_backends": 3,
                    },
                )
            return {}

        return run


def seed(fake: Any) -> None:
    fake.state.add_cce_cluster(CLUSTER_ID, "vpc-route-veth", vpc_cidr=VPC_CIDR, node_security_groups=GROUPS)


def cloud_rules(fake: Any) -> list[tuple[str, dict[str, Any]]]:
    normal = [(g.id, r) for g in fake.state.security_groups.groups.values() for r in g.rules]
    enterprise = [(g.id, r) for g in fake.state.enterprise_security_groups.groups.values() for r in g.rules]
    return normal + enterprise


def rule_id(rule: dict[str, Any]) -> str:
    return str(rule.get("id") or rule.get("enterpriseSecurityGroupRuleId"))


def foreign(fake: Any) -> dict[str, dict[str, Any]]:
    """Rules podlb doesn't own (hand-made, other stacks'), by id, as they are now."""
    return {
        rule_id(r): dict(r) for _, r in cloud_rules(fake) if not owned_by_stack(r.get("remark") or "", PROJECT, STACK)
    }


def audit(life: Lifecycle, spec: Spec, foreign_before: dict[str, dict[str, Any]]) -> None:
    """The invariants every step keeps: each cloud rule held once and alive, nothing of this
    stack orphaned, nothing foreign touched, every port each Service needs open."""
    fake = life.fake
    rules = cloud_rules(fake)
    ids = life.ids()
    # no cloud rule is held by two resources, and every id in the state is a live rule
    assert len(ids) == len(set(ids)), f"a rule id is held twice: {ids}"
    live_ids = {rule_id(r) for _, r in rules}
    assert set(ids) <= live_ids, f"state holds rules that are gone: {set(ids) - live_ids}"
    # nothing orphaned: every rule with this stack's remark is in the state
    ours = {rule_id(r) for _, r in rules if owned_by_stack(r.get("remark") or "", PROJECT, STACK)}
    assert ours == set(ids), f"orphans {ours - set(ids)}; missing {set(ids) - ours}"
    # nothing foreign touched
    assert foreign(fake) == foreign_before
    # every port each Service needs is open, on every group, by a rule the state holds
    for svc in spec.services:
        for group in GROUPS:
            for port in svc.ports:
                for cidr in svc.cidrs():
                    fields = Rule(group, "ingress", "tcp", str(port), cidr, "IPv4")
                    assert any(g == group and fields.matches(r) and rule_id(r) in ids for g, r in rules), (
                        f"{svc.name}: tcp/{port} from {cidr} is not open in {group}"
                    )


def rules_of(life: Lifecycle, svc: str) -> dict[str, str]:
    """name -> cloud id of the rules Service `svc` depends on, in the last program run."""
    run = life.last_run
    assert run is not None
    service = run.mocks.by_name(f"{svc}-service")
    by_urn = {r.urn: r.name for r in run.mocks.rules()}
    return {by_urn[d]: life.state[by_urn[d]].id for d in service.dependencies if d in by_urn}
