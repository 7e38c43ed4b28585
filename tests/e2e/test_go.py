"""podlb from a Go program (examples/go), through the real CLI and podlb's stand-in Go host
(toolchain/go-host): `pulumi package add` generates the Go SDK from the plugin's schema and links
it into go.mod, as a user does; the plugin constructs PodDirectCluster and PodDirectService, and
the stack does what its Python twin (examples/vpc-route-ipvlan) does: every rule the Python plan
lists, each once, nothing at preview, a foreign rule untouched, the Service annotated, the
ip-masq patch, nothing left after destroy. Bad input reaches the Go user as the Python user gets
it: the field and the fix, no Python traceback. (A plain input from another resource's output,
the YAML test's second case, can't be written in Go: the SDK types plain inputs as plain values.)"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import yaml

from podlb_component.provider.publishing import GO_MODULE, NAMESPACE, PACKAGE
from podlb_component.sandbox import Sandbox
from podlb_component.version import VERSION

from . import checks
from .cli import REPO, PulumiCli
from .release import Release, vendored_plugin
from .test_examples import seed_all
from .test_plugin_acquisition import teammates_clone
from .twin import GROUP, assert_lifecycle_like_the_twin, refused_at_preview

EXAMPLE = REPO / "examples" / "go"
SDK_MODULE = GO_MODULE
SDK_DIR = f"sdks/{NAMESPACE}-{PACKAGE}"  # where `pulumi package add` writes a namespaced package's SDK


def go_project(pulumi: PulumiCli, release: Release | None = None) -> Path:
    """A copy of examples/go with its stack, and the podlb SDK added as the README says: from the
    release's source plugin unpacked into the project, or (no `release`) from the plugin
    executable of a venv holding podlb (what `podlb install-plugin` users have)."""
    if release:
        # Installing a source plugin, the engine asks the Python host for the plugin's own required
        # packages, which it reads from the python3 on PATH (a plugin names no venv for that scan,
        # as with the real host): with this venv first it reports podlb and kubernetes, whose
        # downloads this machine can't make. A Go user's python3 holds neither.
        pulumi.venv_on_path = False
    project = pulumi.project(EXAMPLE)
    source = "./podlb-plugin" if release else str(Path(sys.executable).parent / "pulumi-resource-podlb")
    if release:
        vendored_plugin(release, project)
    added = pulumi.run(project, "package", "add", source, timeout=900).ok()
    assert f'"{SDK_MODULE}/podlb"' in added.output, added.output[-3000:]  # the import Link tells the user
    assert (project / SDK_DIR / "podlb" / "podDirectService.go").is_file()
    gomod = (project / "go.mod").read_text()
    assert f"replace {SDK_MODULE} => ./{SDK_DIR}" in gomod, gomod  # Link
    assert f"\t{SDK_MODULE} v0.0.0-00010101000000-000000000000" in gomod, gomod  # go mod tidy
    packages = yaml.safe_load((project / "Pulumi.yaml").read_text())["packages"]
    assert packages == {"podlb": source if release else f"podlb@{VERSION}"}, packages
    return project


def test_go_example_lifecycle_then_pulumi_install_in_a_fresh_clone(
    pulumi: PulumiCli, sandbox: Sandbox, release: Release, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Through the source plugin: the engine builds its venv and starts it with the Python host.
    Then a teammate's clone (no sdks/, no plugin venv, a fresh PULUMI_HOME): `pulumi install`
    regenerates the SDK that go.mod's replace names and builds the plugin's venv; preview works."""
    project = go_project(pulumi, release)
    assert (project / "podlb-plugin" / "venv" / "bin" / "python").is_file()
    assert_lifecycle_like_the_twin(pulumi, sandbox, project, language="go example")

    teammate, clone = teammates_clone(pulumi, project, EXAMPLE, tmp_path_factory.mktemp("go-teammate"))
    assert not (clone / SDK_DIR).exists()
    installed = teammate.run(clone, "install", timeout=900).ok()
    assert (clone / SDK_DIR / "podlb" / "podDirectService.go").is_file(), installed.output[-3000:]
    assert (clone / "podlb-plugin" / "venv" / "bin" / "python").is_file(), installed.output[-3000:]
    previewed = teammate.run(clone, "preview").ok()
    assert "podlb:index:PodDirectService" in previewed.output, previewed.output[-3000:]


def test_go_bad_input_names_the_field_and_the_fix(pulumi: PulumiCli, sandbox: Sandbox) -> None:
    seed_all(sandbox)
    project = go_project(pulumi)
    program = project / "main.go"
    source = program.read_text()
    assert source.count('pulumi.StringRef("vpc-route-ipvlan")') == 1
    program.write_text(source.replace('pulumi.StringRef("vpc-route-ipvlan")', 'pulumi.StringRef("vpc-route-ipvlen")'))
    output = refused_at_preview(pulumi, project)
    assert "networkMode" in output and "vpc-route-ipvlan" in output and "fix:" in output, output[-3000:]
    assert "network_mode" not in output  # named as the program names it
    assert "panic:" not in output and "goroutine " not in output, output[-3000:]
    assert checks.podlb_rules(sandbox, [GROUP]) == set()
