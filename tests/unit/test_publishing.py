"""podlb's published names are set once (podlb_component/provider/publishing.py) and everything
that states them agrees: pyproject.toml, the schema the SDKs are generated from, the Python
package's pulumi-plugin.json, and the release tarball's files. The licence and the install
hints say only what is true."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
import tomllib

from podlb_component.provider import publishing
from podlb_component.provider.schema import committed
from tests.support import schema_gen as generator

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def release_script():
    spec = importlib.util.spec_from_file_location("podlb_release", REPO / ".ci" / "release.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["podlb_release"] = module
    spec.loader.exec_module(module)
    return module


def test_pyproject_names_the_distribution_publishing_names():
    project = tomllib.loads((REPO / "pyproject.toml").read_text())
    assert project["project"]["name"] == publishing.PYTHON_DISTRIBUTION
    assert publishing.PYTHON_DISTRIBUTION in project["tool"]["setuptools"]["packages"]["find"]["include"]
    assert project["tool"]["setuptools"]["package-data"][publishing.PYTHON_DISTRIBUTION] == ["pulumi-plugin.json"]


def test_every_generated_file_is_committed_as_generated():
    stale = [str(p) for p, text in generator.generated_files().items() if p.read_text(encoding="utf-8") != text]
    assert not stale, f"stale: {stale}: run `{generator.REGENERATE}` and commit"


def test_the_schema_carries_the_names_generated_sdks_use():
    schema = json.loads(committed())
    assert schema["pluginDownloadURL"] == publishing.PLUGIN_DOWNLOAD_URL
    assert schema["publisher"] == publishing.PUBLISHER and schema["namespace"] == publishing.NAMESPACE
    assert schema["repository"] == publishing.REPOSITORY
    assert schema["language"]["python"]["packageName"] == publishing.PYTHON_SDK
    assert schema["language"]["nodejs"]["packageName"] == publishing.NPM_PACKAGE
    assert schema["language"]["go"]["importBasePath"] == publishing.GO_IMPORT_BASE_PATH
    assert all(spec["respectSchemaVersion"] for spec in schema["language"].values())  # no ${VERSION} placeholder


@pytest.mark.parametrize(
    "name",
    [publishing.NPM_PACKAGE, publishing.GO_IMPORT_BASE_PATH, publishing.REPOSITORY, publishing.PYTHON_SDK],
)
def test_no_name_is_pulumis_own_scope_or_codegens_default(name):
    assert not name.startswith("@pulumi/") and "example.com" not in name


def test_the_python_package_declares_the_plugin_where_the_language_host_looks():
    # The host takes the distribution's name, `-` as `_`, and looks in that top-level package.
    spec = importlib.util.find_spec(publishing.PYTHON_DISTRIBUTION.replace("-", "_"))
    assert spec is not None and spec.submodule_search_locations
    declared = json.loads((Path(next(iter(spec.submodule_search_locations))) / "pulumi-plugin.json").read_text())
    assert declared == {"resource": True, "name": publishing.PACKAGE, "server": publishing.PLUGIN_DOWNLOAD_URL}
    assert "version" not in declared  # the distribution's version is the plugin's: one number, never two


def test_the_plugin_tarball_is_the_source_plugin_with_the_wheel(release_script, tmp_path):
    wheel = tmp_path / "podlb-9.9.9-py3-none-any.whl"
    wheel.write_bytes(b"not really a wheel")
    out = tmp_path / "out"
    out.mkdir()
    paths = release_script.plugin_tarballs(wheel, "9.9.9", out)
    assert [p.name for p in paths] == [
        f"pulumi-resource-podlb-v9.9.9-{platform}.tar.gz" for platform in release_script.PLATFORMS
    ]
    assert len({p.read_bytes() for p in paths}) == 1  # the same bytes for every platform
    again = release_script.plugin_tarballs(wheel, "9.9.9", tmp_path / "again")
    assert again[0].read_bytes() == paths[0].read_bytes()  # and run after run (no timestamps)
    with tarfile.open(paths[0]) as tar:
        assert sorted(tar.getnames()) == sorted(["PulumiPlugin.yaml", "__main__.py", "requirements.txt", wheel.name])
        requirements = tar.extractfile("requirements.txt").read().decode()  # type: ignore[union-attr]
        main = tar.extractfile("__main__.py").read()  # type: ignore[union-attr]
    # pip runs in the plugin's folder; the pins are those CI tests with
    pins = [line for line in (REPO / "toolchain" / "constraints.txt").read_text().splitlines() if "==" in line]
    assert requirements.splitlines() == [f"./{wheel.name}", *pins] and pins
    assert main == (REPO / publishing.PLUGIN_SOURCE_DIR / "__main__.py").read_bytes()


def test_checksums_list_every_artifact(release_script, tmp_path):
    (tmp_path / "a.tar.gz").write_bytes(b"a")
    (tmp_path / "sdk").mkdir()
    (tmp_path / "sdk" / "b.tgz").write_bytes(b"b")
    lines = release_script.checksums(tmp_path).read_text().splitlines()
    assert [line.split("  ")[1] for line in lines] == ["a.tar.gz", "b.tgz"]  # as the release lists its assets
    assert lines[0].split()[0] == "ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb"  # sha256("a")


def test_license_readme_and_install_hints_say_only_what_is_true():
    license_text = (REPO / "LICENSE").read_text()
    assert "Apache License" in license_text and "Version 2.0, January 2004" in license_text
    pyproject = (REPO / "pyproject.toml").read_text()
    assert 'license = "Apache-2.0"' in pyproject
    readme = (REPO / "README.md").read_text()
    tags = subprocess.run(["git", "tag"], cwd=REPO, capture_output=True, text=True, check=False).stdout.split()
    if not tags:
        assert "tagged `v<version>`" not in readme
    for source in (REPO / "podlb_component").rglob("*.py"):
        assert "pip install podlb" not in source.read_text(), f"{source} tells users to pip install podlb from PyPI"
