"""Every shipped example through the real `pulumi` CLI, and `podlb plan` against it: the
resources plan prints (types and names) are exactly those the real preview registers, and
where the engine refuses a program plan refuses it too."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from podlb_component.cce_annotations import LOAD_BALANCER_ID
from podlb_component.sandbox import Sandbox

from . import checks
from .cli import REPO, PulumiCli
from .test_root_project import plan_of, run_plan

# The clusters the examples' Pulumi.dev.yaml name, as the fake BCE reports them.
CLUSTERS: dict[str, dict[str, Any]] = {
    "cce-demo1a2b": {
        "network_mode": "vpc-route-ipvlan",
        "vpc_cidr": "192.168.0.0/16",
        "node_security_groups": ("g-node4demo",),
    },
    "cce-ipvl4n01": {
        "network_mode": "vpc-route-ipvlan",
        "vpc_cidr": "172.16.0.0/16",
        "node_security_groups": ("g-nodes0001",),
    },
    "cce-vpccni001": {
        "network_mode": "vpc-secondary-ip-veth",
        "vpc_cidr": "10.20.0.0/16",
        "node_security_groups": (),
        "eni_security_groups": ("esg-eni00001", "g-eni000002"),
    },
    "cce-app00001": {
        "network_mode": "vpc-route-veth",
        "vpc_cidr": "10.30.0.0/16",
        "node_security_groups": ("g-appnodes1",),
    },
}


def _runtime(project: Path) -> object:
    runtime = yaml.safe_load((project / "Pulumi.yaml").read_text()).get("runtime")
    return runtime.get("name") if isinstance(runtime, dict) else runtime


PROJECTS = {
    "root": REPO,
    **{
        p.name: p
        for p in sorted((REPO / "examples").iterdir())
        if (p / "Pulumi.yaml").is_file() and _runtime(p) == "python"
    },
}
"""The Python projects (`podlb plan` plans them; the YAML, TypeScript and Go examples have their
own tests, test_yaml.py, test_typescript.py and test_go.py)."""


def seed_all(sandbox: Sandbox) -> None:
    state = sandbox.fake.state  # type: ignore[union-attr]
    for cluster_id, spec in CLUSTERS.items():
        if cluster_id not in state.cce.clusters:
            state.add_cce_cluster(cluster_id, lb_controller="1.3.13", **spec)
    for namespace in ("shop", "default"):
        checks.ensure_namespace(sandbox, namespace)


def registered(preview_json: str) -> set[tuple[str, str]]:
    steps = json.loads(preview_json).get("steps") or []
    found = set()
    for step in steps:
        urn = step["urn"]
        type_, name = urn.split("::")[2].rsplit("$", 1)[-1], urn.rsplit("::", 1)[-1]
        if not type_.startswith("pulumi:"):
            found.add((type_, name))
    return found


def planned(plan: dict[str, Any]) -> set[tuple[str, str]]:
    return {(r["type"], r["name"]) for r in plan["resources"]}


@pytest.mark.parametrize("name", sorted(PROJECTS))
def test_plan_lists_what_the_real_preview_registers(name: str, pulumi: PulumiCli, sandbox: Sandbox) -> None:
    seed_all(sandbox)
    project = pulumi.project(PROJECTS[name])
    preview = pulumi.run(project, "preview", "--json")
    plan = run_plan(project)
    if preview.returncode != 0:
        assert plan.returncode != 0, f"the engine refused {name} but plan passed it:\n{preview.output[-3000:]}"
        return
    assert plan.returncode == 0, f"the engine accepted {name} but plan refused it:\n{plan.stderr}"
    assert planned(json.loads(plan.stdout)) == registered(preview.stdout)


def test_vpc_route_ipvlan_example_lifecycle(pulumi: PulumiCli, sandbox: Sandbox) -> None:
    seed_all(sandbox)
    project = pulumi.project(PROJECTS["vpc-route-ipvlan"])
    expected = checks.planned_rules(plan_of(project))
    pulumi.run(project, "up").ok()
    assert checks.podlb_rules(sandbox, ["g-nodes0001"]) == expected
    checks.assert_ip_masq_patched(sandbox)
    outputs = pulumi.outputs(project)
    live = checks.service(sandbox, "shop", "shop")
    assert outputs["shop_blb_id"] == live.metadata.annotations[LOAD_BALANCER_ID]
    assert outputs["shop_address"] == live.status.load_balancer.ingress[0].ip
    pulumi.run(project, "up", "--expect-no-changes").ok()
    pulumi.run(project, "destroy").ok()
    assert checks.podlb_rules(sandbox, ["g-nodes0001"]) == set()
    checks.assert_ip_masq_patched(sandbox)


def test_examples_are_found() -> None:
    assert {"root", "vpc-route-ipvlan", "vpc-cni", "app-stack", "broken-project"} <= set(PROJECTS)
    assert all(isinstance(p, Path) for p in PROJECTS.values())
