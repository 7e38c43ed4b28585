"""Faults through the real `pulumi` CLI (issue 14 §3): the CLI killed with SIGKILL while it
creates rules, then what the CLI tells a user to do (`pulumi cancel`, `up`, `refresh
--clear-pending-creates`); and a burst of BCE 429/5xx during `up`. Each ends with exactly the
planned rules: no duplicate, no orphan, and destroy leaves none."""

from __future__ import annotations

import os
import signal
import time
from collections import Counter
from typing import Any

from podlb_component.sandbox import Sandbox

from . import checks
from .cli import REPO, PulumiCli
from .test_root_project import plan_of

CLUSTER = "cce-faulte2e1"
GROUP = "g-faulte2e01"
AUTHORIZE = "bcc.authorizeRule"


def stack_config(services: int) -> dict[str, Any]:
    return {
        "podlb:cluster": {
            "cluster_id": CLUSTER,
            "network_mode": "vpc-route-veth",
            "node_security_group_ids": [GROUP],
            "lb_controller": "validate",
        },
        "podlb:services": [
            {
                "name": f"svc{i}",
                "namespace": "faults",
                "selector": {"app": f"svc{i}"},
                "ports": [{"name": "http", "port": 80, "target_port": 7000 + i}],
                "load_balancer_source_ranges": ["203.0.113.0/24"],
                "expected_backends": 2,
            }
            for i in range(services)
        ],
    }


def seed(sandbox: Sandbox) -> None:
    if CLUSTER not in sandbox.fake.state.cce.clusters:  # type: ignore[union-attr]
        sandbox.fake.state.add_cce_cluster(  # type: ignore[union-attr]
            CLUSTER, "vpc-route-veth", vpc_cidr="10.20.0.0/16", node_security_groups=(GROUP,), lb_controller="1.3.13"
        )
    checks.ensure_namespace(sandbox, "faults")


def rule_counts(sandbox: Sandbox) -> Counter[tuple[str, str, str]]:
    """How many times each podlb rule is in the group (a duplicate counts twice)."""
    return Counter(
        (r.get("protocol", ""), str(r.get("portRange", "")), r.get("sourceIp", ""))
        for r in checks.group_rules(sandbox, GROUP)
        if (r.get("remark") or "").startswith(checks.PODLB_REMARK)
    )


def assert_exactly_planned(sandbox: Sandbox, expected: set[tuple[str, str, str, str]]) -> None:
    counts = rule_counts(sandbox)
    assert {(GROUP, *k) for k in counts} == expected, "orphan or missing rule"
    assert set(counts.values()) == {1}, f"duplicate rules: {counts}"


def wait_for(condition: Any, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_sigkill_during_up_then_refresh_and_up_converge(pulumi: PulumiCli, sandbox: Sandbox) -> None:
    seed(sandbox)
    fake = sandbox.fake
    assert fake is not None
    project = pulumi.project(REPO, config=stack_config(4))
    expected = checks.planned_rules(plan_of(project))
    assert len(expected) == 4

    # the first rule is made, then its answer hangs: the CLI is killed with that create pending
    saved_hang, fake.hang_seconds = fake.hang_seconds, 60
    fake.fail_next(AUTHORIZE, "hang-after")
    before = len(fake.calls)
    try:
        up = pulumi.start(project, "up")
        wait_for(lambda: any(c.fault == "hang-after" for c in fake.calls[before:]))
        time.sleep(1)  # the pending create is in the checkpoint before the call is made
        os.killpg(up.pid, signal.SIGKILL)
        up.wait(timeout=30)
    finally:
        fake.clear_faults()
        fake.hang_seconds = saved_hang
    assert up.returncode == -signal.SIGKILL
    pending = pulumi.export(project)["deployment"].get("pending_operations") or []
    assert any(op["type"] == "creating" and "-rule-" in op["resource"]["urn"] for op in pending), pending
    assert sum(rule_counts(sandbox).values()) >= 1  # the cloud has a rule the state doesn't

    # what the CLI tells a user, step by step. The killed run left its lock: `pulumi cancel`
    # removes it on a file backend. Then `up` runs with the pending create (the CLI warns and
    # goes on) and creates that rule again: the provider adopts the rule the killed run made
    # (its owner remark), so the group holds it once.
    locked = pulumi.run(project, "up")
    assert locked.returncode != 0 and "pulumi cancel" in locked.output, locked.output[-3000:]
    pulumi.run(project, "cancel", "--yes").ok()
    resumed = pulumi.run(project, "up").ok()
    assert "pending operations" in resumed.output and "interrupted while creating" in resumed.output
    assert_exactly_planned(sandbox, expected)
    # `up` carries the pending creates over (backend/journal.go keeps them); the resources are
    # in the state again, so refresh may drop them (non-interactive: --clear-pending-creates)
    assert pulumi.export(project)["deployment"].get("pending_operations")
    pulumi.run(project, "refresh", "--clear-pending-creates").ok()
    assert not pulumi.export(project)["deployment"].get("pending_operations")
    pulumi.run(project, "up", "--expect-no-changes").ok()
    assert_exactly_planned(sandbox, expected)

    pulumi.run(project, "destroy").ok()
    assert rule_counts(sandbox) == Counter(), "destroy left a rule (an orphan of the killed run?)"


def test_a_burst_of_429_and_5xx_during_up(pulumi: PulumiCli, sandbox: Sandbox) -> None:
    seed(sandbox)
    fake = sandbox.fake
    assert fake is not None
    project = pulumi.project(REPO, config=stack_config(3))
    expected = checks.planned_rules(plan_of(project))
    for kind in ("429", "503", "500", "502", "504"):
        fake.fail_next(AUTHORIZE, kind)
    fake.fail_next(AUTHORIZE, "503-after")  # made, then the answer lost: the retry must not duplicate
    fake.fail_next("bcc.getSecurityGroup", "429", times=2)
    before = len(fake.calls)
    try:
        pulumi.run(project, "up").ok()
    finally:
        fake.clear_faults()
    faulted = [c for c in fake.calls[before:] if c.fault]
    assert len(faulted) >= 8, faulted  # every injected fault was met
    assert_exactly_planned(sandbox, expected)
    pulumi.run(project, "up", "--expect-no-changes").ok()
    pulumi.run(project, "destroy").ok()
    assert rule_counts(sandbox) == Counter()
