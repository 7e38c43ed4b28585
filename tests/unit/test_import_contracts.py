"""The package keeps its import contracts (pyproject.toml's [tool.importlinter]): layers,
no loop between top-level folders, no test tool imported. The contracts can fail: an upward import
inside a function of a copy of the package breaks the layers contract. And lint-imports sees every
module of the package, each with a layer."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import tomllib

REPO = Path(__file__).resolve().parents[2]
PYPROJECT = REPO / "pyproject.toml"
PACKAGE = "podlb_component"
LINT_IMPORTS = "import sys; from importlinter.cli import lint_imports_command; sys.exit(lint_imports_command())"


def lint_imports(cwd: Path) -> subprocess.CompletedProcess[str]:
    """`lint-imports` with the repo's contracts, on the podlb_component found in `cwd`."""
    return subprocess.run(
        [sys.executable, "-c", LINT_IMPORTS, "--no-cache", "--no-logo", str(PYPROJECT)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "COLUMNS": "200"},  # rich wraps at 80 without a terminal
    )


def importlinter_config() -> dict[str, object]:
    config: dict[str, object] = tomllib.loads(PYPROJECT.read_text())["tool"]["importlinter"]
    return config


def test_the_package_keeps_every_import_contract() -> None:
    done = lint_imports(REPO)
    assert done.returncode == 0, done.stdout + done.stderr
    contracts = importlinter_config()["contracts"]
    assert isinstance(contracts, list)
    assert f"Contracts: {len(contracts)} kept, 0 broken." in done.stdout


def test_an_upward_import_inside_a_function_breaks_the_layers_contract(tmp_path: Path) -> None:
    shutil.copytree(REPO / PACKAGE, tmp_path / PACKAGE, ignore=shutil.ignore_patterns("__pycache__"))
    values = tmp_path / PACKAGE / "values.py"  # the models layer, the lowest
    source = values.read_text()
    line = len(source.splitlines()) + 4
    values.write_text(source + "\n\ndef _upward() -> object:\n    from podlb_component import cli\n\n    return cli\n")

    done = lint_imports(tmp_path)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Layers: a module imports from its own layer and lower ones only BROKEN" in done.stdout
    assert "podlb_component.values is not allowed to import podlb_component.cli:" in done.stdout
    assert f"podlb_component.values -> podlb_component.cli (l.{line})" in done.stdout


def modules_lint_imports_misses(repo: Path) -> tuple[list[str], list[str]]:
    """The package's modules (from its .py files) that grimp doesn't read, and those with no layer."""
    import grimp

    config = importlinter_config()
    roots = config["root_packages"]
    assert isinstance(roots, list)
    graph = grimp.build_graph(*roots, cache_dir=None)
    files = {
        ".".join((PACKAGE, *path.relative_to(repo / PACKAGE).with_suffix("").parts)).removesuffix(".__init__")
        for path in (repo / PACKAGE).rglob("*.py")
    }
    contracts = config["contracts"]
    assert isinstance(contracts, list)
    (layers,) = (c for c in contracts if c["type"] == "layers")
    placed = {f"{PACKAGE}.{name.strip()}" for layer in layers["layers"] for name in layer.replace("|", ":").split(":")}
    alone = {PACKAGE, f"{PACKAGE}.testing"}  # the public API and the scaffolding layer: held by contracts of their own
    unplaced = {m for m in files - alone if not any(m == p or m.startswith(f"{p}.") for p in placed)}
    return sorted(files - graph.modules), sorted(unplaced)


def test_lint_imports_sees_every_module_and_each_has_a_layer() -> None:
    """What import-linter leaves unchecked: a .py file grimp doesn't read (in a folder without
    __init__.py, unless root_packages names it), or a module deeper than the layers contract's
    `exhaustive` looks (podlb_component's children only), e.g. a new module under testing/."""
    assert modules_lint_imports_misses(REPO) == ([], [])
