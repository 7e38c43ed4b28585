"""Faults through the real `pulumi` CLI (issue 14 §3): the CLI killed with SIGKILL while it
creates rules, then what the CLI tells a user to do (`pulumi cancel`, `up`, `refresh
--clear-pending-creates`); kube-apiserver restarted in the middle of an `up`; and a burst of
BCE 429/5xx during `up`. Each ends with exactly the
planned rules: no duplicate, no orphan, and destroy leaves none."""

from __future__ import annotations

import signal
import subprocess
import time
from collections import Counter
from pathlib import Path

from podlb_component.sandbox import Sandbox
from podlb_component.sandbox.control_plane import ControlPlane
from podlb_component.sandbox.fake_bce import FakeBce

from . import checks
from .cli import REPO, PulumiCli
from .root_stack import RootStack, wait_for
from .test_root_project import plan_of

STACK = RootStack(cluster_id="cce-faulte2e1", groups=("g-faulte2e01",), namespace="faults")
AUTHORIZE = "bcc.authorizeRule"


def prepare(pulumi: PulumiCli, sandbox: Sandbox, services: int) -> tuple[FakeBce, Path, set[tuple[str, str, str, str]]]:
    """The seeded sandbox's fake, a project of `services` Services, and the rules plan expects."""
    STACK.seed(sandbox)
    assert sandbox.fake is not None
    project = pulumi.project(REPO, config=STACK.config(services))
    expected = checks.planned_rules(plan_of(project))
    assert len(expected) == services
    return sandbox.fake, project, expected


def test_sigkill_during_up_then_refresh_and_up_converge(pulumi: PulumiCli, sandbox: Sandbox) -> None:
    fake, project, expected = prepare(pulumi, sandbox, 4)

    # the first rule is made, then its answer hangs: the CLI is killed with that create pending
    saved_hang, fake.hang_seconds = fake.hang_seconds, 60
    fake.fail_next(AUTHORIZE, "hang-after")
    before = len(fake.calls)
    ended: list[str] = []
    try:
        up = pulumi.start(project, "up")
        try:
            wait_for(lambda: any(c.fault == "hang-after" for c in fake.calls[before:]))
            time.sleep(1)  # the pending create is in the checkpoint before the call is made
        finally:
            ended = pulumi.kill(up)  # the CLI and, by PID, its plugins (which are not in its group)
    finally:
        fake.clear_faults()
        fake.hang_seconds = saved_hang
    assert up.returncode == -signal.SIGKILL
    assert ended, "the killed up's plugins (language host, providers) were not found"
    pending = pulumi.export(project)["deployment"].get("pending_operations") or []
    assert any(op["type"] == "creating" and "-rule-" in op["resource"]["urn"] for op in pending), pending
    assert sum(STACK.rule_counts(sandbox).values()) >= 1  # the cloud has a rule the state doesn't

    # what the CLI tells a user, step by step. The killed run left its lock: `pulumi cancel`
    # removes it on a file backend. Then `up` runs with the pending create (the CLI warns and
    # goes on) and creates that rule again: the provider adopts the rule the killed run made
    # (its owner remark), so the group holds it once.
    locked = pulumi.run(project, "up")
    assert locked.returncode != 0 and "pulumi cancel" in locked.output, locked.output[-3000:]
    pulumi.run(project, "cancel", "--yes").ok()
    resumed = pulumi.run(project, "up").ok()
    assert "pending operations" in resumed.output and "interrupted while creating" in resumed.output
    STACK.assert_exactly_planned(sandbox, expected)
    # `up` carries the pending creates over (backend/journal.go keeps them); the resources are
    # in the state again, so refresh may drop them (non-interactive: --clear-pending-creates)
    assert pulumi.export(project)["deployment"].get("pending_operations")
    pulumi.run(project, "refresh", "--clear-pending-creates").ok()
    assert not pulumi.export(project)["deployment"].get("pending_operations")
    pulumi.run(project, "up", "--expect-no-changes").ok()
    STACK.assert_exactly_planned(sandbox, expected)

    pulumi.run(project, "destroy").ok()
    assert STACK.rule_counts(sandbox) == Counter(), "destroy left a rule (an orphan of the killed run?)"


def test_a_burst_of_429_and_5xx_during_up(pulumi: PulumiCli, sandbox: Sandbox) -> None:
    fake, project, expected = prepare(pulumi, sandbox, 3)
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
    STACK.assert_exactly_planned(sandbox, expected)
    pulumi.run(project, "up", "--expect-no-changes").ok()
    pulumi.run(project, "destroy").ok()
    assert STACK.rule_counts(sandbox) == Counter()


def test_api_server_restarted_during_up(pulumi: PulumiCli, sandbox: Sandbox) -> None:
    _, project, expected = prepare(pulumi, sandbox, 6)
    assert sandbox.control_plane is not None
    api = checks.core(sandbox)

    def services_made() -> int:
        return len(api.list_namespaced_service(STACK.namespace).items)

    up = pulumi.start(project, "up")
    try:
        # the first Service is in the API server while the others are still being created
        wait_for(lambda: up.poll() is not None or services_made() >= 1)
        assert up.poll() is None, "up ended before the API server could be restarted"
        restart_apiserver(sandbox.control_plane)
        first, _ = up.communicate(timeout=600)
    finally:
        if up.poll() is None:
            pulumi.kill(up)
    # The provider may ride out the restart or fail the Services it was awaiting; either way
    # the engine's state is consistent, and what a user does next is `up` again.
    if up.returncode != 0:
        assert "error" in first.lower() and "Traceback" not in first, first[-4000:]
    pulumi.run(project, "up").ok()
    STACK.assert_exactly_planned(sandbox, expected)
    assert services_made() == 6
    for item in api.list_namespaced_service(STACK.namespace).items:
        assert item.status.load_balancer.ingress, f"{item.metadata.name} has no ingress"
    pulumi.run(project, "up", "--expect-no-changes").ok()
    pulumi.run(project, "destroy").ok()
    assert STACK.rule_counts(sandbox) == Counter()
    assert services_made() == 0


def restart_apiserver(control_plane: ControlPlane, timeout: float = 90.0) -> None:
    """Stop the sandbox's API server and start it again on the same port. SIGTERM first; it stops
    listening at once but can wait on open watches for minutes, so after 10 s it is killed."""
    api = next(p for p in control_plane.processes if Path(str(p.args[0])).name == "kube-apiserver")  # type: ignore[index]
    api.terminate()
    try:
        api.wait(10)
    except subprocess.TimeoutExpired:
        api.kill()
        api.wait(10)
    control_plane.processes.remove(api)
    control_plane.start_apiserver(*control_plane.apiserver_ports)
    control_plane.wait_ready(timeout)
