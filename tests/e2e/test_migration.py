"""Upgrading a stack made by podlb 0.2.0 (dynamic resources) to the podlb provider, through the
real CLI: a plain `pulumi up` with the new podlb retypes every rule in the state with no cloud
write — no rule created, revoked, deleted or re-created, each keeping its id — and no replace
step; then `up --expect-no-changes` passes and destroy leaves no rule. Also with a refresh
before the upgrading `up`, and with a Service removed in that same `up` (its rule is deleted
through the old state's dynamic provider, whose class podlb keeps importable). The plain
upgrade runs on an IPVLAN cluster: 0.2.0's read of the ip-masq ConfigMap (a `ConfigMap.get`
kept in state) is dropped from the state without a call, the patch is unchanged, and the
refresh right after the upgrade finds nothing changed.

podlb 0.2.0 is this repository at old_release.OLD_COMMIT, installed from `git archive` into a
virtualenv of its own; the new podlb is this interpreter's."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from podlb_component.sandbox import Sandbox

from . import checks
from .cli import REPO, PulumiCli
from .old_release import install_old_podlb
from .root_stack import RootStack

REPLACING_OPS = {"replace", "create-replacement", "delete-replaced", "discard-replaced"}


@pytest.fixture(scope="module")
def old_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A virtualenv with podlb 0.2.0 (and the same Pulumi SDKs as this one)."""
    return install_old_podlb(tmp_path_factory.mktemp("podlb-0.2.0"))


def program(tmp: Path) -> Path:
    """The root project's program alone (no podlb source beside it: podlb comes from the venv)."""
    source = tmp / "migration-program"
    source.mkdir()
    for name in ("Pulumi.yaml", "__main__.py"):
        (source / name).write_text((REPO / name).read_text())
    return source


def rule_ids(sandbox: Sandbox, groups: tuple[str, ...]) -> dict[tuple[str, str, str, str], str]:
    listed = checks.podlb_rules_listed(sandbox, groups)
    assert len({key for key, _ in listed}) == len(listed), f"duplicate rules: {listed}"
    return dict(listed)


def steps(preview_json: str) -> list[tuple[str, str]]:
    return [(s["op"], s["urn"].rsplit("::", 1)[-1]) for s in json.loads(preview_json).get("steps") or []]


def upgrade(
    pulumi: PulumiCli,
    sandbox: Sandbox,
    old_venv: Path,
    tmp: Path,
    *,
    refresh_first: bool,
    remove: int,
    ipvlan: bool = False,
) -> None:
    stack = RootStack(
        cluster_id=f"cce-migr{int(refresh_first)}{remove}000",
        groups=(f"g-migr{int(refresh_first)}{remove}a", f"esg-migr{int(refresh_first)}{remove}b"),
        namespace=f"migrate-{int(refresh_first)}-{remove}",
        network_mode="vpc-route-ipvlan" if ipvlan else "vpc-route-veth",
    )
    stack.seed(sandbox)
    fake = sandbox.fake
    assert fake is not None
    services = 3
    project = pulumi.project(program(tmp), config=stack.config(services), virtualenv=old_venv)
    pulumi.run(project, "up").ok()
    old_types = {r["type"] for r in pulumi.resources(project)}
    assert "pulumi-python:dynamic:Resource" in old_types and "podlb:bce:SecurityGroupRule" not in old_types
    assert ("kubernetes:core/v1:ConfigMap" in old_types) == ipvlan  # 0.2.0 kept its ip-masq read in state
    ip_masq_before = checks.ip_masq_document(sandbox) if ipvlan else None
    before = rule_ids(sandbox, stack.groups)
    assert len(before) == 2 * services

    # the upgrade: the same stack, its venv now with the new podlb
    pulumi.use_virtualenv(project, Path(sys.prefix))
    kept_config: dict[str, Any] = stack.config(services - remove)
    pulumi.set_config(project, kept_config)
    calls = len(fake.calls)
    if refresh_first:
        pulumi.run(project, "refresh").ok()
    preview = pulumi.run(project, "preview", "--json").ok()
    planned_steps = steps(preview.stdout)
    assert not [s for s in planned_steps if s[0] in REPLACING_OPS], planned_steps
    rule_steps = {name: op for op, name in planned_steps if "-rule-" in name}
    removed = {name for name, op in rule_steps.items() if op == "delete"}
    assert len(removed) == 2 * remove, rule_steps
    assert all(op in ("update", "same", "delete") for op in rule_steps.values()), rule_steps
    if ipvlan:
        ops = dict((name, op) for op, name in planned_steps)
        assert ops.get("cluster-ip-masq-agent-current") in ("discard", "read-discard"), planned_steps
        assert ops.get("cluster-ip-masq-agent", "same") == "same", planned_steps  # the patch is unchanged

    up = pulumi.run(project, "up").ok()
    assert "replace" not in up.stdout.lower(), up.stdout
    writes = [c.route for c in fake.calls[calls:] if c.mutating]
    after = rule_ids(sandbox, stack.groups)
    assert len(writes) == 2 * remove and all("delete" in w.lower() for w in writes), writes
    assert after == {k: v for k, v in before.items() if k in after} and len(after) == 2 * (services - remove)

    resources = pulumi.resources(project)
    assert "pulumi-python:dynamic:Resource" not in {r["type"] for r in resources}
    rules = [r for r in resources if r["type"] == "podlb:bce:SecurityGroupRule"]
    assert len(rules) == 2 * (services - remove)
    assert not [r for r in rules if "__provider" in r.get("outputs", {}) or "bce_credentials" in r["inputs"]]
    if ipvlan:
        assert "kubernetes:core/v1:ConfigMap" not in {r["type"] for r in resources}
        assert checks.ip_masq_document(sandbox) == ip_masq_before
        pulumi.run(project, "refresh", "--expect-no-changes").ok()
    pulumi.run(project, "up", "--expect-no-changes").ok()
    pulumi.run(project, "destroy").ok()
    assert rule_ids(sandbox, stack.groups) == {}


def test_upgrade_from_0_2_0_writes_nothing(pulumi: PulumiCli, sandbox: Sandbox, old_venv: Path, tmp_path: Path) -> None:
    upgrade(pulumi, sandbox, old_venv, tmp_path, refresh_first=False, remove=0, ipvlan=True)


def test_upgrade_after_a_refresh(pulumi: PulumiCli, sandbox: Sandbox, old_venv: Path, tmp_path: Path) -> None:
    upgrade(pulumi, sandbox, old_venv, tmp_path, refresh_first=True, remove=0)


def test_upgrade_that_removes_a_service(pulumi: PulumiCli, sandbox: Sandbox, old_venv: Path, tmp_path: Path) -> None:
    upgrade(pulumi, sandbox, old_venv, tmp_path, refresh_first=False, remove=1)
