"""Upgrading a stack made by podlb 0.3.0, whose plugin was put in the cache by `podlb
install-plugin`, to this release, through the real CLI with automatic plugin acquisition on:
the user upgrades podlb in the stack's venv (in place with pip, or by re-creating the venv from
requirements, the old one gone) and runs `pulumi up`. The engine downloads this version's plugin
from the mirror (the package now declares it), every rule moves from the old default provider
(`default_0_3_0`) to the new one (`default_<version>_github_…`) with no cloud write and no
replace, each keeping its id; then `up --expect-no-changes` passes and destroy leaves no rule.
`podlb install-plugin` still works after the upgrade, and says it is no longer needed."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from podlb_component.provider import publishing
from podlb_component.sandbox import Sandbox
from podlb_component.version import VERSION

from .cli import PulumiCli
from .old_release import install_release
from .release import Mirror, Release
from .root_stack import RootStack
from .test_migration import REPLACING_OPS, rule_ids, steps
from .test_plugin_acquisition import user_cli

PROVIDER_TYPE = f"pulumi:providers:{publishing.PACKAGE}"


def providers(cli: PulumiCli, project: Path) -> set[str]:
    return {r["urn"].rsplit("::", 1)[-1] for r in cli.resources(project) if r["type"] == PROVIDER_TYPE}


def pip_install(venv: Path, *args: str) -> None:
    done = subprocess.run([str(venv / "bin" / "pip"), "install", "-q", *args], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-3000:]


def install_plugin(cli: PulumiCli, venv: Path) -> subprocess.CompletedProcess[str]:
    """`podlb install-plugin` as the 0.3.0 README had users run it, the stack's venv not activated."""
    return subprocess.run(
        [str(venv / "bin" / "podlb"), "install-plugin", "--pulumi", str(cli.toolchain_bin / "pulumi")],
        env=cli.env(), capture_output=True, text=True, check=False,
    )  # fmt: skip


@pytest.mark.parametrize("how", ["pip install -U in place", "a new venv, the old one gone"])
def test_a_0_3_0_stack_set_up_with_install_plugin_upgrades_with_no_cloud_write(
    pulumi: PulumiCli, sandbox: Sandbox, release: Release, mirror: Mirror, tmp_path: Path, how: str
) -> None:
    old_root = tmp_path / "podlb-0.3.0"
    old_root.mkdir()
    old_venv = install_release(old_root, "0.3.0")
    cli = user_cli(pulumi, mirror)
    done = install_plugin(cli, old_venv)
    assert done.returncode == 0, done.stdout + done.stderr
    assert (cli.home / "plugins" / f"resource-{publishing.PACKAGE}-v0.3.0").is_dir()

    in_place = how.startswith("pip")
    stack = RootStack(
        cluster_id=f"cce-upgr{int(in_place)}030",
        groups=(f"g-upgr{int(in_place)}a", f"esg-upgr{int(in_place)}b"),
        namespace=f"upgrade-0-3-{int(in_place)}",
    )
    stack.seed(sandbox)
    fake = sandbox.fake
    assert fake is not None
    program = tmp_path / "program"  # 0.3.0's root project, its program alone: podlb comes from the venv
    program.mkdir()
    for name in ("Pulumi.yaml", "__main__.py"):
        shutil.copy(old_root / "src" / name, program / name)
    project = cli.project(program, config=stack.config(3), virtualenv=old_venv)
    cli.run(project, "up").ok()
    assert providers(cli, project) == {"default_0_3_0"}
    before = rule_ids(sandbox, stack.groups)
    assert len(before) == 6 and mirror.requested == []

    # the upgrade, as a user does it
    if in_place:
        pip_install(old_venv, str(release.wheel), "-c", str(old_root / "pins.txt"))
        venv = old_venv
    else:
        venv = tmp_path / "new-venv"
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        pip_install(venv, str(release.wheel), "-c", str(old_root / "pins.txt"))
        shutil.rmtree(old_root)
        cli.use_virtualenv(project, venv)
    calls = len(fake.calls)
    preview = cli.run(project, "preview", "--json").ok()
    planned = steps(preview.stdout)
    assert not [s for s in planned if s[0] in REPLACING_OPS], planned
    rule_ops = {op for op, name in planned if "-rule-" in name}
    assert rule_ops <= {"update", "same"}, planned
    assert mirror.requested == [f"/{release.plugin_tarball().name}"]  # this version's plugin, by itself

    up = cli.run(project, "up").ok()
    assert "replace" not in up.stdout.lower(), up.stdout
    assert [c.route for c in fake.calls[calls:] if c.mutating] == []
    assert rule_ids(sandbox, stack.groups) == before
    (provider,) = providers(cli, project)  # the old default provider is gone, one new one
    assert provider.startswith(f"default_{VERSION.replace('.', '_')}_github_"), provider
    cli.run(project, "up", "--expect-no-changes").ok()

    # `podlb install-plugin` keeps working, and says what replaced it
    again = install_plugin(cli, venv)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "no longer needed" in again.stdout and "README" in again.stdout, again.stdout

    cli.run(project, "destroy").ok()
    assert rule_ids(sandbox, stack.groups) == {}
