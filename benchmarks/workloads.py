"""The programs and API workloads the benchmarks (and their smoke test) run."""

from __future__ import annotations

import time
from collections import Counter
from typing import Any

import pulumi_kubernetes as k8s

from podlb_component import PodDirectCluster, PodDirectService, SecurityGroupRule
from podlb_component.bce.security_group_rule import SecurityGroupRuleProvider
from podlb_component.bce.security_groups import READ_CACHE
from podlb_component.cluster.ipmasq import CCE_DEFAULT_CONFIG, merge_ip_masq_config
from podlb_component.service.args import validate_service_args
from podlb_component.service.manifest import service_manifest
from podlb_component.testing.fake_bce import FakeBce, FakeBceState
from podlb_component.testing.fake_bce.cce import Cluster
from podlb_component.testing.mock_engine import run_program

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
    """`up` of `services` Services on one cluster with two node groups, then a no-op `up`, then a
    refresh, each counted in the fake's call log. The engine's part (calling the dynamic
    provider's check/create/diff/read with the registered inputs) is done here by hand."""
    state = FakeBceState(credentials={AK: SK})
    state.security_groups.add_group("g-bench1", "vpc-1")
    state.security_groups.add_group("g-bench2", "vpc-1")
    state.cce.add(
        Cluster(
            cluster_id="cce-bench001",
            network_mode="vpc-route-veth",
            vpc_id="vpc-1",
            vpc_cidr="10.0.0.0/16",
            node_security_groups=["g-bench1", "g-bench2"],
            addons={"cce-lb-controller": {"version": "1.0.0", "phase": "Running"}},
        )
    )
    with FakeBce(state) as fake:
        config = {"bce:accessKeyId": AK, "bce:secretAccessKey": SK, "bce:endpoint": fake.endpoint}

        def program() -> None:
            cluster = PodDirectCluster("prod", {"cluster_id": "cce-bench001"})
            for i in range(services):
                PodDirectService(f"svc{i}", {"cluster": cluster, **service_args(i)})

        def phase() -> Counter[str]:
            before = len(fake.calls)
            return lambda: Counter(c.route for c in fake.calls[before:])  # type: ignore[return-value]

        provider = SecurityGroupRuleProvider()
        up = phase()
        run = run_program(program, preview=False, config=config, secret_keys=["bce:secretAccessKey"])
        state_by_name: dict[str, tuple[str, dict[str, Any]]] = {}
        for reg in run.mocks.rules():
            checked = provider.check({}, reg.inputs).inputs
            created = provider.create(checked)
            state_by_name[reg.name] = (created.id, created.outs)
        up_calls = up()

        noop = phase()
        again = run_program(program, preview=False, config=config, secret_keys=["bce:secretAccessKey"])
        changed = 0
        for reg in again.mocks.rules():
            rule_id, outs = state_by_name[reg.name]
            diff = provider.diff(rule_id, outs, provider.check(outs, reg.inputs).inputs)
            changed += bool(diff.changes)
        noop_calls = noop()

        READ_CACHE.clear()  # a refresh runs in a fresh provider process
        refresh = phase()
        gone = sum(provider.read(rule_id, outs).id is None for rule_id, outs in state_by_name.values())
        refresh_calls = refresh()
        mutating = {r.name for r in fake._routes if r.mutating}
    return {
        "services": services,
        "groups": 2,
        "rules": len(state_by_name),
        "up": dict(up_calls),
        "noop_up": dict(noop_calls),
        "noop_changed_rules": changed,
        "noop_mutating_calls": sum(n for route, n in noop_calls.items() if route in mutating),
        "refresh": dict(refresh_calls),
        "refresh_missing_rules": gone,
    }
