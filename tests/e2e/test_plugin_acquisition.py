"""The plugin reaches the engine by itself, from what ships (`.ci/release.py`'s wheel and plugin
tarball), on a fresh PULUMI_HOME, with automatic plugin acquisition on and
PULUMI_PLUGIN_DOWNLOAD_URL_OVERRIDES pointing podlb's release downloads at a mirror on 127.0.0.1:

- Python: a new stack whose requirements.txt holds podlb's wheel and whose venv is named in
  Pulumi.yaml, never activated: `pulumi install` makes the venv; the Python language host finds
  podlb's pulumi-plugin.json in it, the engine downloads the plugin tarball from the mirror,
  builds the plugin's own venv and starts it through the host's RunPlugin; preview, up, refresh
  and destroy then do what every other example does. No `podlb install-plugin`, nothing on PATH.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from podlb_component.provider import publishing
from podlb_component.provider.publishing import NPM_PACKAGE
from podlb_component.sandbox import Sandbox
from podlb_component.version import VERSION

from .cli import REPO, PulumiCli
from .release import Mirror, Release, serve, tarball_name, vendored_plugin
from .test_examples import seed_all
from .twin import assert_lifecycle_like_the_twin

EXAMPLE = REPO / "examples" / "vpc-route-ipvlan"
YAML_EXAMPLE = REPO / "examples" / "yaml"
TYPESCRIPT_EXAMPLE = REPO / "examples" / "typescript"
KUBERNETES_PIN = next(
    line.strip()
    for line in (REPO / "toolchain" / "constraints.txt").read_text().splitlines()
    if line.startswith("pulumi-kubernetes==")
)
"""The Python SDK matching the toolchain's Kubernetes provider (the README tells users the same)."""


def user_cli(pulumi: PulumiCli, mirror: Mirror) -> PulumiCli:
    """The CLI as a new user has it: no podlb on PATH, automatic plugin acquisition on, podlb's
    downloads sent to the mirror. The Kubernetes provider is put in the plugin cache as the
    engine would download it from get.pulumi.com, which this machine can't reach (the engine
    installs a program's required plugins into the cache even when one is on PATH)."""
    pulumi.venv_on_path = False
    pulumi.env_overrides.update(
        PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=None,
        PULUMI_PLUGIN_DOWNLOAD_URL_OVERRIDES=mirror.override(),
    )
    kubernetes = pulumi.toolchain_bin / "pulumi-resource-kubernetes"
    version = KUBERNETES_PIN.split("==")[1]
    pulumi.run(pulumi.tmp, "plugin", "install", "resource", "kubernetes", version, "--file", str(kubernetes)).ok()
    assert shutil.which("pulumi-resource-podlb", path=pulumi.env()["PATH"]) is None
    return pulumi


def new_python_stack(pulumi: PulumiCli, release: Release) -> Path:
    """A stack of the user's own, outside the clone: the example's program and config, podlb from
    the built wheel in requirements.txt, `virtualenv: venv` (relative) in Pulumi.yaml."""
    work = pulumi.tmp / "my-stack"
    work.mkdir()
    shutil.copy(EXAMPLE / "__main__.py", work / "__main__.py")
    project = yaml.safe_load((EXAMPLE / "Pulumi.yaml").read_text())
    project["runtime"]["options"]["virtualenv"] = "venv"
    (work / "Pulumi.yaml").write_text(yaml.safe_dump(project, sort_keys=False))
    (work / "requirements.txt").write_text(f"{release.wheel}\n{KUBERNETES_PIN}\n")
    pulumi.projects.append((work, "mine"))  # not "dev": the twin's plan runs in a stack of that name
    pulumi.set_config(work, yaml.safe_load((EXAMPLE / "Pulumi.dev.yaml").read_text())["config"], "mine")
    pulumi.run(work, "stack", "init", "mine").ok()
    return work


def test_a_python_stack_gets_the_plugin_from_its_venv_with_no_other_step(
    pulumi: PulumiCli, sandbox: Sandbox, release: Release, mirror: Mirror
) -> None:
    cli = user_cli(pulumi, mirror)
    project = new_python_stack(cli, release)

    installed = cli.run(project, "install", timeout=900).ok()
    assert (project / "venv" / "bin" / "pulumi-resource-podlb").is_file(), installed.output[-3000:]
    tarball = f"/{release.plugin_tarball().name}"
    assert mirror.requested == [tarball], (mirror.requested, installed.output[-3000:])
    plugin = cli.home / "plugins" / f"resource-{publishing.PACKAGE}-v{VERSION}"
    assert (plugin / "PulumiPlugin.yaml").is_file() and (plugin / "venv" / "bin" / "python").is_file()

    assert_lifecycle_like_the_twin(cli, sandbox, project, language="python from the wheel", converge=False)
    assert mirror.requested == [tarball]  # downloaded once, then found in the plugin cache


def yaml_project(cli: PulumiCli, version: str = VERSION) -> Path:
    """examples/yaml with podlb's version and download URL in each podlb resource's options."""
    project = cli.project(YAML_EXAMPLE)
    document = yaml.safe_load((project / "Pulumi.yaml").read_text())
    for resource in document["resources"].values():
        resource["options"] = {"version": version, "pluginDownloadURL": publishing.PLUGIN_DOWNLOAD_URL}
    (project / "Pulumi.yaml").write_text(yaml.safe_dump(document, sort_keys=False))
    return project


def test_a_yaml_program_gets_the_plugin_with_zero_steps(pulumi: PulumiCli, sandbox: Sandbox, mirror: Mirror) -> None:
    """No podlb installed anywhere: the program names podlb's version and download URL in its
    resource options (README, "YAML"), and the engine fetches the plugin from the mirror."""
    cli = user_cli(pulumi, mirror)
    project = yaml_project(cli)
    assert not (cli.home / "plugins" / f"resource-{publishing.PACKAGE}-v{VERSION}").exists()

    assert_lifecycle_like_the_twin(cli, sandbox, project, language="yaml with zero steps", converge=False)
    assert mirror.requested == [f"/{tarball_name()}"]


def teammates_clone(cli: PulumiCli, project: Path, example: Path, tmp: Path) -> tuple[PulumiCli, Path]:
    """A teammate's clone of `project`: what git holds (no node_modules, generated sdks, plugin
    venv or stack config), on a CLI of their own with a fresh PULUMI_HOME, the example's stack
    created. npm settings (the offline cache) carry over."""
    teammate = PulumiCli(cli.toolchain_bin, cli.sandbox, tmp, venv_on_path=cli.venv_on_path)
    teammate.env_overrides.update({k: v for k, v in cli.env_overrides.items() if k.startswith("npm_")})
    clone = teammate.tmp / "clone"
    shutil.copytree(project, clone, ignore=shutil.ignore_patterns("node_modules", "sdks", "venv", "Pulumi.*.yaml"))
    teammate.projects.append((clone, "dev"))
    teammate.set_config(clone, yaml.safe_load((example / "Pulumi.dev.yaml").read_text())["config"])
    teammate.run(clone, "stack", "init", "dev").ok()
    return teammate, clone


def test_typescript_package_add_on_the_source_plugin_then_pulumi_install_in_a_fresh_clone(
    npm: PulumiCli, sandbox: Sandbox, release: Release, mirror: Mirror, tmp_path_factory: pytest.TempPathFactory
) -> None:
    seed_all(sandbox)
    cli = user_cli(npm, mirror)
    project = cli.project(TYPESCRIPT_EXAMPLE)
    plugin = vendored_plugin(release, project)

    added = cli.run(project, "package", "add", "./podlb-plugin", timeout=900).ok()
    assert (plugin / "venv" / "bin" / "python").is_file(), added.output[-3000:]  # the Python host's venv
    assert (project / "node_modules" / NPM_PACKAGE / "bin" / "index.js").is_file(), added.output[-3000:]
    packages = yaml.safe_load((project / "Pulumi.yaml").read_text())["packages"]
    assert packages == {publishing.PACKAGE: "./podlb-plugin"}, packages
    # Construct and the rules' CRUD through the source plugin: proven by `up` in the Python and
    # YAML tests above; here the preview (Construct, by the plugin the package names) will do.
    previewed = cli.run(project, "preview").ok()
    assert "podlb:bce:SecurityGroupRule" in previewed.output, previewed.output[-3000:]

    teammate, clone = teammates_clone(cli, project, TYPESCRIPT_EXAMPLE, tmp_path_factory.mktemp("teammate"))
    teammate = user_cli(teammate, mirror)
    installed = teammate.run(clone, "install", timeout=900).ok()
    assert (clone / "podlb-plugin" / "venv" / "bin" / "python").is_file(), installed.output[-3000:]
    assert (clone / "node_modules" / NPM_PACKAGE / "bin" / "index.js").is_file(), installed.output[-3000:]
    previewed = teammate.run(clone, "preview").ok()
    assert "podlb:index:PodDirectService" in previewed.output, previewed.output[-3000:]
    assert mirror.requested == []  # the vendored plugin, nothing downloaded


def test_a_typescript_program_with_the_published_sdk_gets_the_plugin_with_no_other_step(
    npm: PulumiCli, sandbox: Sandbox, release: Release, mirror: Mirror
) -> None:
    """`npm install pulumi-podlb` (here the release's npm tarball) is all: the SDK declares
    podlb's plugin and where to download it, so the first preview fetches it from the mirror."""
    cli = user_cli(npm, mirror)
    project = cli.project(TYPESCRIPT_EXAMPLE)
    installed = subprocess.run(
        ["npm", "install", str(release.npm_package)], cwd=project, env=cli.env(), capture_output=True, text=True
    )
    assert installed.returncode == 0, installed.stdout + installed.stderr

    def one_podlb_provider() -> None:  # the components' and the rules' (examples' TypeScript test)
        providers = [r["urn"] for r in cli.resources(project) if r["type"] == f"pulumi:providers:{publishing.PACKAGE}"]
        assert len(providers) == 1, providers

    assert_lifecycle_like_the_twin(
        cli, sandbox, project, language="typescript from npm", after_up=one_podlb_provider, converge=False
    )
    assert mirror.requested == [f"/{release.plugin_tarball().name}"]


# What goes wrong on the way: each fails in one run with the engine's message, naming what to fix,
# with no hang and no Python traceback, and leaves no half-installed plugin behind.


def installed(cli: PulumiCli, version: str = VERSION) -> bool:
    """Whether the plugin cache holds podlb `version` as installed: its folder without the
    `.partial` mark the engine leaves on an install that failed (and retries next time)."""
    folder = cli.home / "plugins" / f"resource-{publishing.PACKAGE}-v{version}"
    return folder.is_dir() and not folder.with_name(folder.name + ".partial").exists()


def failed_preview(cli: PulumiCli, project: Path) -> str:
    failed = cli.run(project, "preview", timeout=300)
    assert failed.returncode != 0, failed.output[-3000:]
    assert "Traceback" not in failed.output and "panic:" not in failed.output, failed.output[-3000:]
    return failed.output


def test_a_version_the_mirror_lacks_names_the_url_it_tried(pulumi: PulumiCli, mirror: Mirror) -> None:
    """An SDK (here YAML's options) asking for a podlb the mirror doesn't hold: a 404, with the URL."""
    cli = user_cli(pulumi, mirror)
    output = failed_preview(cli, yaml_project(cli, version="9.9.9"))
    assert f"{mirror.url}/{tarball_name('9.9.9')}" in output, output[-3000:]
    assert "404" in output, output[-3000:]
    assert not installed(cli, "9.9.9")


def test_a_corrupt_tarball_is_refused(pulumi: PulumiCli, release: Release, tmp_path: Path) -> None:
    """A mirror serving something else under the tarball's name (an HTML error page, a cut-off upload)."""
    folder = tmp_path / "broken-mirror"
    folder.mkdir()
    (folder / release.plugin_tarball().name).write_bytes(release.plugin_tarball().read_bytes()[:4096])
    with serve(folder) as broken:
        cli = user_cli(pulumi, broken)
        output = failed_preview(cli, yaml_project(cli))
        assert broken.requested and set(broken.requested) == {f"/{release.plugin_tarball().name}"}
    assert "untarring" in output and "unexpected EOF" in output, output[-3000:]
    assert not installed(cli)  # nothing a later run would take for the plugin


def test_no_python_on_the_machine_says_so(pulumi: PulumiCli, mirror: Mirror) -> None:
    """A YAML (or TypeScript) user without Python: the plugin can't get its venv, and the message
    says Python is what's missing."""
    cli = user_cli(pulumi, mirror)
    project = yaml_project(cli)
    cli.env_overrides["PATH"] = str(cli.toolchain_bin)  # the CLI and its hosts, no python3 anywhere
    assert shutil.which("python3", path=str(cli.toolchain_bin)) is None
    output = failed_preview(cli, project)
    assert mirror.requested and set(mirror.requested) == {f"/{tarball_name()}"}  # it got that far
    assert 'failed to locate any of ["python3" "python"] on your PATH' in output, output[-3000:]
    assert not installed(cli)
