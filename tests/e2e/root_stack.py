"""The root project configured with N plain Services on a cluster of its own, for the fault
and scale tests: its config, its seed in the sandbox, and counts of the rules it owns."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from podlb_component.sandbox import Sandbox

from . import checks


@dataclass(frozen=True)
class RootStack:
    cluster_id: str
    groups: Sequence[str]
    namespace: str
    network_mode: str = "vpc-route-veth"

    def config(self, services: int) -> dict[str, Any]:
        return {
            "podlb:cluster": {
                "cluster_id": self.cluster_id,
                "network_mode": self.network_mode,
                "node_security_group_ids": list(self.groups),
                "lb_controller": "validate",
            },
            "podlb:services": [
                {
                    "name": f"svc{i}",
                    "namespace": self.namespace,
                    "selector": {"app": f"svc{i}"},
                    "ports": [{"name": "http", "port": 80, "target_port": 7000 + i}],
                    "load_balancer_source_ranges": ["203.0.113.0/24"],
                    "expected_backends": 2,
                }
                for i in range(services)
            ],
        }

    def seed(self, sandbox: Sandbox) -> None:
        state = sandbox.fake.state  # type: ignore[union-attr]
        if self.cluster_id not in state.cce.clusters:
            state.add_cce_cluster(
                self.cluster_id,
                self.network_mode,
                vpc_cidr="10.20.0.0/16",
                node_security_groups=tuple(self.groups),
                lb_controller="1.3.13",
            )
        checks.ensure_namespace(sandbox, self.namespace)

    def rule_counts(self, sandbox: Sandbox) -> Counter[tuple[str, str, str, str]]:
        return checks.podlb_rule_counts(sandbox, self.groups)

    def assert_exactly_planned(self, sandbox: Sandbox, expected: set[tuple[str, str, str, str]]) -> None:
        counts = self.rule_counts(sandbox)
        assert set(counts) == expected, f"orphan: {set(counts) - expected}, missing: {expected - set(counts)}"
        assert set(counts.values()) == {1}, f"duplicate rules: {counts}"


def wait_for(condition: Callable[[], object], timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)
