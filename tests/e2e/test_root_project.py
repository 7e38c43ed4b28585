"""The root project (stack config → cluster and Services) through the real `pulumi` CLI:
preview, up, a no-change up, refresh, destroy — checked against the API server and the fake
BCE after each step."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from podlb_component.cce_annotations import BACKEND_TYPE, LOAD_BALANCER_ID
from podlb_component.sandbox import Sandbox
from podlb_component.sandbox.lb_controller import FIELD_MANAGER

from . import checks
from .cli import REPO, PulumiCli

GROUP = "g-node4demo"


def run_plan(project: Path) -> subprocess.CompletedProcess[str]:
    """`podlb plan -o json` on a project, in this interpreter (the project's virtualenv)."""
    return subprocess.run(
        [sys.executable, "-m", "podlb_component", "plan", str(project), "-o", "json", "--in-this-process"],
        capture_output=True,
        text=True,
        check=False,
    )


def plan_of(project: Path) -> dict:  # type: ignore[type-arg]
    done = run_plan(project)
    assert done.returncode == 0, done.stderr
    plan: dict = json.loads(done.stdout)  # type: ignore[type-arg]
    return plan


def test_root_project_lifecycle(pulumi: PulumiCli, sandbox: Sandbox) -> None:
    sandbox.fake.state.add_cce_cluster(  # type: ignore[union-attr]
        "cce-demo1a2b", "vpc-route-ipvlan", vpc_cidr="192.168.0.0/16", node_security_groups=(GROUP,),
        lb_controller="1.3.13",
    )  # fmt: skip
    checks.ensure_namespace(sandbox, "shop")
    project = pulumi.project(REPO, config={})
    plan = plan_of(project)
    expected = checks.planned_rules(plan)
    assert len(expected) == 3

    preview = pulumi.run(project, "preview", "--diff").ok()
    assert checks.podlb_rules(sandbox, [GROUP]) == set(), "preview opened a rule"
    assert not checks.service_exists(sandbox, "shop", "web")
    for name in ("web-service", "api-internal-service", "cluster-rule-g-node4demo-tcp-8080-203-0-113-0-24"):
        assert name in preview.stdout

    pulumi.run(project, "up").ok()
    assert checks.podlb_rules(sandbox, [GROUP]) == expected
    checks.assert_ip_masq_patched(sandbox)
    web = checks.service(sandbox, "shop", "web")
    assert web.metadata.annotations[BACKEND_TYPE] == "eni"
    blb = web.metadata.annotations[LOAD_BALANCER_ID]
    assert blb.startswith("lb-") and web.status.load_balancer.ingress
    owners = {m.manager for m in web.metadata.managed_fields}
    assert FIELD_MANAGER in owners and len(owners) >= 2

    # what the engine registered is the provider's resources, not dynamic ones
    types = [r["type"] for r in pulumi.resources(project)]
    assert "pulumi-python:dynamic:Resource" not in types
    assert types.count("podlb:bce:SecurityGroupRule") == len(expected)
    assert types.count("pulumi:providers:podlb") == 1

    pulumi.run(project, "up", "--expect-no-changes").ok()
    # The ip-masq document is read by an invoke, not kept in state: the first refresh after the
    # first up finds nothing changed (docs/real-engine.md, finding 1).
    assert not [r for r in types if r == "kubernetes:core/v1:ConfigMap"], "a ConfigMap read is kept in state"
    pulumi.run(project, "refresh", "--expect-no-changes").ok()
    pulumi.run(project, "up", "--expect-no-changes").ok()
    web = checks.service(sandbox, "shop", "web")
    assert web.metadata.annotations[LOAD_BALANCER_ID] == blb, "a later up removed the controller's annotation"
    assert web.status.load_balancer.ingress

    state = json.dumps(pulumi.export(project))
    assert sandbox.secret_access_key not in state
    for raw in pulumi.backend.rglob("*.json"):
        assert sandbox.secret_access_key not in raw.read_text()

    services = [("shop", "web"), ("shop", "api-internal")]
    with checks.Watch(sandbox, services, [GROUP]) as watch:
        pulumi.run(project, "destroy").ok()
    services_gone = watch.first(lambda alive, rules: not alive)
    first_rule_closed = watch.first(lambda alive, rules: rules != expected)
    assert len(watch.samples) > 5 and services_gone < len(watch.samples)
    assert services_gone <= first_rule_closed, "a rule closed while its Service still existed"
    assert checks.podlb_rules(sandbox, [GROUP]) == set()
    assert not checks.service_exists(sandbox, "shop", "web")
    checks.assert_ip_masq_patched(sandbox)  # the patch is kept: Pods keep their replies unmasqueraded
