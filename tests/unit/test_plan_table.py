"""`podlb plan`'s table: one entry per type token, each defined beside the code that registers
its resource, and nothing below the CLI imports the CLI to define one."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

from podlb_component.cli.plan_table import PLAN_TABLE, kind_of
from podlb_component.plan_kind import PlanKind

PACKAGE = Path(__file__).resolve().parents[2] / "podlb_component"
BELOW_THE_CLI = ["resources.py", "plan_kind.py", "rollout.py", "provider", "bce", "cluster", "service"]


def _imported_modules(text: str, package: list[str]) -> list[str]:
    """Absolute names of the modules a file of `package` imports (relative imports resolved)."""
    found: list[str] = []
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            found.append(".".join([*base, *(node.module or "").split(".")]).rstrip("."))
    return found


def _imports_of(source: Path) -> list[str]:
    return _imported_modules(source.read_text(), ["podlb_component", *source.relative_to(PACKAGE).parent.parts])


def _sources(*names: str) -> list[Path]:
    paths = [PACKAGE / name for name in names]
    return [p for path in paths for p in ([path] if path.is_file() else sorted(path.rglob("*.py")))]


def test_each_entry_is_keyed_by_its_type_token_and_defined_outside_the_cli() -> None:
    assert len(PLAN_TABLE) == 8
    for token, kind in PLAN_TABLE.items():
        assert kind.type == token
        homes = [
            name
            for name, module in list(sys.modules.items())
            if name.startswith("podlb_component.")
            and not name.startswith("podlb_component.cli")
            and any(value is kind for value in vars(module).values())
        ]
        assert homes, f"{token}: entry defined in the CLI"


def test_a_type_without_an_entry_gets_the_plain_default() -> None:
    assert kind_of("kubernetes:core/v1:Secret") == PlanKind("kubernetes:core/v1:Secret")


def test_nothing_below_the_cli_imports_it() -> None:
    sources = _sources(*BELOW_THE_CLI)
    assert len(sources) > 20  # the walk found the folders
    for source in sources:
        for module in _imports_of(source):
            assert not module.startswith("podlb_component.cli"), f"{source.relative_to(PACKAGE)} imports {module}"


def test_the_entry_type_imports_nothing_of_podlb() -> None:
    (source,) = _sources("plan_kind.py")
    assert [m for m in _imports_of(source) if m.startswith("podlb_component")] == []


def test_the_resolver_sees_relative_imports_of_the_cli() -> None:
    """Guard for the tests above: relative imports resolve against the file's own package."""
    text = "from ..cli.plan import Plan\nfrom .contract import ClusterContract\nfrom . import args\nimport os\n"
    assert _imported_modules(text, ["podlb_component", "cluster"]) == [
        "podlb_component.cli.plan",
        "podlb_component.cluster.contract",
        "podlb_component.cluster",
        "os",
    ]
