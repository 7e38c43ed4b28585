"""Build stacks under podlb's mock engine (Pulumi's real mock runtime) for the graph tests."""

from __future__ import annotations

from typing import Any

from podlb_component import PodDirectCluster, PodDirectService
from podlb_component.testing.mock_engine import NOT_RESOLVED, FakeCluster, ProgramRun, run_program

CLUSTER_ARGS: dict[str, Any] = {
    "cluster_id": "cce-abc123de",
    "network_mode": "vpc-route-veth",
    "node_security_group_ids": ["g-node1"],
    "eni_security_group_ids": ["esg-eni1"],
    "vpc_cidr": "192.168.0.0/16",
}
SERVICE_ARGS: dict[str, Any] = {
    "selector": {"app": "web"},
    "ports": [{"name": "http", "port": 80, "target_port": 8080}],
    "expected_backends": 10,
}


def build(
    cluster: dict[str, Any] | None = None,
    service: dict[str, Any] | None = None,
    *,
    preview: bool = True,
    fake: FakeCluster | None = None,
    **kwargs: Any,
) -> ProgramRun:
    """One PodDirectCluster ("prod") and, unless service is {}, one PodDirectService ("web")."""

    def program() -> Any:
        c = PodDirectCluster("prod", {**CLUSTER_ARGS, **(cluster or {})})
        if service == {}:
            return {"cluster_id": c.cluster_id}
        s = PodDirectService("web", {"cluster": c, **SERVICE_ARGS, **(service or {})})
        return {
            "address": s.address,
            "blb_id": s.blb_id,
            "rule_ids": s.security_group_rule_ids,
            "ip_masq_config": c.ip_masq_config,
            "cluster_id": c.cluster_id,
        }

    return run_program(program, preview=preview, cluster=fake, **kwargs)


def resolved(run: ProgramRun) -> Any:
    assert run.value is not NOT_RESOLVED, "the program's outputs never resolved"
    return run.value
