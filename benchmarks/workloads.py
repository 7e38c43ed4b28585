"""The programs and API workloads the benchmarks (and their smoke test) run."""

from __future__ import annotations

import time
from collections import Counter
from typing import Any

import pulumi_kubernetes as k8s

from podlb_component import PodDirectCluster, PodDirectService, SecurityGroupRule
from podlb_component.cluster.ipmasq import CCE_DEFAULT_CONFIG, merge_ip_masq_config
from podlb_component.sandbox.fake_bce import FakeBce, FakeBceState
from podlb_component.service.args import validate_service_args
from podlb_component.service.manifest import service_manifest
from podlb_component.testing.mock_engine import run_program
from tests.support.lifecycle import Lifecycle

CLUSTER = {
    "cluster_id": "cce-bench001",
    "network_mode": "vpc-route-ipvlan",
    "node_security_group_ids": ["g-bench1"],
    "vpc_cidr": "10.0.0.0/16",
    "security_group_rule_limit": 500,
}  # a raised quota: 200 Services


def service_args(i: int) -> dict[str, Any]:
    # each Service its own target port, so each needs its own rule per group (nothing shared)
    return {
        "selector": {"app": f"app{i}"},
        "ports": [{"name": "http", "port": 80, "target_port": 8000 + i}],
        "internal": True,
        "expected_backends": 10,
    }


def component_program(n: int) -> None:
    cluster = PodDirectCluster("prod", CLUSTER)
    for i in range(n):
        PodDirectService(f"svc{i}", {"cluster": cluster, **service_args(i)})


def handwritten_program(n: int) -> None:
    """The same plain resources, registered directly: the reads, the patch, a rule and a Service each."""
    k8s.apps.v1.Deployment.get("lb-controller", "kube-system/cce-lb-controller")
    k8s.core.v1.ConfigMap.get("ip-masq-current", "kube-system/cce-ip-masq-agent")
    k8s.core.v1.ConfigMapPatch(
        "ip-masq",
        metadata={"name": "cce-ip-masq-agent", "namespace": "kube-system"},
        data={"config": merge_ip_masq_config(CCE_DEFAULT_CONFIG).config},
    )
    for i in range(n):
        plan = validate_service_args(f"svc{i}", service_args(i), 50, "prod")
        rule = SecurityGroupRule(
            f"svc{i}-rule",
            {
                "security_group_id": "g-bench1",
                "protocol": "tcp",
                "port_range": str(8000 + i),
                "source_ip": "10.0.0.0/16",
                "remark": f"podlb bench svc default/svc{i}",
            },
        )
        manifest = service_manifest(plan)
        k8s.core.v1.Service(
            f"svc{i}-service",
            metadata=manifest["metadata"],
            spec=manifest["spec"],
            opts=__import__("pulumi").ResourceOptions(depends_on=[rule]),
        )


def time_program(program: Any, n: int) -> float:
    start = time.perf_counter()
    run_program(lambda: program(n), preview=True)
    return time.perf_counter() - start


# -- BCE API calls ---------------------------------------------------------------------------
AK, SK = "AKIDbench", "SKbench"


def api_workload(services: int = 50) -> dict[str, Any]:
    """`up` of `services` Services on one cluster with two node groups, then a no-op `up`, a
    refresh and a destroy, each run as the engine runs it (tests/support/lifecycle.py: the podlb provider
    plugin, `python -m podlb_component.provider`, driven over gRPC) and counted in the fake's call log."""
    state = FakeBceState(credentials={AK: SK})
    state.add_cce_cluster("cce-bench001", "vpc-route-veth", node_security_groups=("g-bench1", "g-bench2"))
    with FakeBce(state) as fake:
        config = {"podlb:accessKeyId": AK, "podlb:secretAccessKey": SK, "podlb:endpoint": fake.endpoint}

        def program() -> None:
            cluster = PodDirectCluster("prod", {"cluster_id": "cce-bench001"})
            for i in range(services):
                PodDirectService(f"svc{i}", {"cluster": cluster, **service_args(i)})

        def counted(step: Any) -> tuple[Any, dict[str, int]]:
            before = len(fake.calls)
            log = step()
            return log, dict(Counter(c.route for c in fake.calls[before:]))

        life = Lifecycle(fake, config=config)
        up_log, up_calls = counted(lambda: life.up(program))
        rules = len(life.state)
        noop_log, noop_calls = counted(lambda: life.up(program))
        refresh_log, refresh_calls = counted(life.refresh)
        destroy_log, destroy_calls = counted(life.destroy)
    return {
        "services": services,
        "groups": 2,
        "rules": rules,
        "up": up_calls,
        "up_writes": up_log.writes,
        "noop_up": noop_calls,
        "noop_changed_rules": len(noop_log.updated + noop_log.replaced + noop_log.created + noop_log.deleted),
        "noop_mutating_calls": noop_log.writes,
        "refresh": refresh_calls,
        "refresh_missing_rules": len(refresh_log.deleted),
        "destroy": destroy_calls,
        "destroy_writes": destroy_log.writes,
        "destroy_left": sum(len(g.rules) for g in state.security_groups.groups.values()),
    }
