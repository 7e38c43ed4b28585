"""Edits a platform team makes to a live stack, through the real `pulumi` CLI, on ENI groups
(one enterprise, one normal): every step leaves exactly the rules `podlb plan` derives, no
orphan, foreign rules untouched, and the controller's writes in place."""

from __future__ import annotations

import copy
from typing import Any

from podlb_component.cce_annotations import LOAD_BALANCER_ID
from podlb_component.sandbox import Sandbox

from . import checks
from .cli import REPO, PulumiCli
from .test_root_project import plan_of

CLUSTER = "cce-enie2e001"
GROUPS = ["esg-e2eeni01", "g-e2eeni002"]
FOREIGN = {"remark": "ops: bastion ssh", "protocol": "tcp", "portRange": "22", "sourceIp": "198.51.100.7/32"}


def service(name: str, port: int, target: int, source: str) -> dict[str, Any]:
    return {
        "name": name,
        "namespace": "edits",
        "selector": {"app": name},
        "ports": [{"name": "http", "port": port, "target_port": target}],
        "load_balancer_source_ranges": [source],
        "expected_backends": 4,
    }


def stack_config(services: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "podlb:cluster": {
            "cluster_id": CLUSTER,
            "network_mode": "vpc-secondary-ip-veth",
            "eni_security_group_ids": GROUPS,
            "lb_controller": "validate",
        },
        "podlb:services": services,
    }


def seed(sandbox: Sandbox) -> None:
    state = sandbox.fake.state  # type: ignore[union-attr]
    state.add_cce_cluster(CLUSTER, "vpc-secondary-ip-veth", vpc_cidr="10.8.0.0/16", node_security_groups=(),
                          eni_security_groups=tuple(GROUPS), lb_controller="1.3.13")  # fmt: skip
    state.security_groups.authorize(GROUPS[1], {**FOREIGN, "direction": "ingress", "ethertype": "IPv4"})
    state.enterprise_security_groups.authorize(
        GROUPS[0], [{**FOREIGN, "direction": "ingress", "ethertype": "IPv4", "action": "allow", "priority": 100}]
    )
    checks.ensure_namespace(sandbox, "edits")


def foreign_rules(sandbox: Sandbox) -> list[dict[str, Any]]:
    return [r for g in GROUPS for r in checks.group_rules(sandbox, g) if r.get("remark") == FOREIGN["remark"]]


def test_edits_converge_to_the_planned_rules(pulumi: PulumiCli, sandbox: Sandbox) -> None:
    seed(sandbox)
    before = copy.deepcopy(foreign_rules(sandbox))
    assert len(before) == 2
    services = [service("web", 80, 8080, "203.0.113.0/24"), service("api", 81, 8081, "203.0.113.0/24")]
    project = pulumi.project(REPO, config=stack_config(services))

    def converge(step: str) -> None:
        pulumi.run(project, "up").ok()
        expected = checks.planned_rules(plan_of(project))
        assert checks.podlb_rules(sandbox, GROUPS) == expected, step
        assert foreign_rules(sandbox) == before, f"{step}: a foreign rule changed"
        pulumi.run(project, "up", "--expect-no-changes").ok()

    converge("first up")
    blb = checks.service(sandbox, "edits", "web").metadata.annotations[LOAD_BALANCER_ID]

    edits = [
        ("add a Service ahead of another", [service("admin", 82, 8082, "203.0.113.0/24"), *services]),
        ("change a port", [service("admin", 82, 9082, "203.0.113.0/24"), *services]),
        ("change a source", [service("admin", 82, 9082, "198.51.100.0/24"), *services]),
        (
            "rename a Service",
            [service("admin", 82, 9082, "198.51.100.0/24"), services[0], service("api2", 81, 8081, "203.0.113.0/24")],
        ),
        ("remove a Service", [service("admin", 82, 9082, "198.51.100.0/24"), services[0]]),
    ]
    for step, services_now in edits:
        pulumi.set_config(project, stack_config(services_now))
        converge(step)
        live = {s["name"] for s in services_now}
        for name in ("web", "api", "admin", "api2"):
            assert checks.service_exists(sandbox, "edits", name) == (name in live), f"{step}: Service {name}"

    assert checks.service(sandbox, "edits", "web").metadata.annotations[LOAD_BALANCER_ID] == blb
    pulumi.run(project, "destroy").ok()
    assert checks.podlb_rules(sandbox, GROUPS) == set()
    assert foreign_rules(sandbox) == before
