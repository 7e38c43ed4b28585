"""The package's structure, measured from its source (issue 25): read with `ast`, nothing imported.

    python -m tests.support.structure [--json] [--package DIR]

Reports, for podlb_component/:
1. upward arrows: imports from a lower layer to a higher one (LAYERS below; target 0);
2. folder-level import loops between top-level folders/modules (target 0);
3. the share of the package's lines that is test scaffolding (TESTING_MODULES below; target 0);
4. the longest functions;
and the modules that import pytest, hypothesis or anything from tests/ (target: none).

`targets_met(report)` lists the targets a report misses; an empty list means all are met.
Imports inside functions and under `if TYPE_CHECKING:` count as dependencies (they are listed
with where they sit). Imports made from strings (`importlib.import_module`) are not seen.
"""

from __future__ import annotations

import argparse
import ast
import json
import sys
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

PACKAGE_NAME = "podlb_component"
REPO = Path(__file__).resolve().parents[2]
ROOT_MODULE = "__init__"  # the package's own __init__.py, named like a top-level module

# Modules whose path podlb 0.2.0's state fixes (its pickled dynamic providers name them), re-exporting
# provider/legacy.py: they belong to the provider plugin and are counted there, in layer and folder.
FIXED_BY_OLD_STATE: Mapping[str, str] = {
    "bce.security_group_rule": "provider",
    "bce.cce_addon": "provider",
}

# Lowest layer first. A module's layer is the entry with the longest key equal to its dotted name
# (relative to the package) or a dotted prefix of it: "bce" covers bce/__init__.py and bce/*.
# Modules at the same layer may import each other; an import of a higher layer is an upward arrow.
LAYERS: tuple[tuple[str, tuple[str, ...], str], ...] = (
    (
        "models",
        ("errors", "values", "rule_model", "cce_annotations", "addon_model", "version", "plan_kind"),
        "pure: no Pulumi, no SDK, no I/O; everything else may use them",
    ),
    ("clients", ("bce", "kube_reads"), "talk to Baidu and to Kubernetes; the models only"),
    (
        "provider",
        ("provider", *FIXED_BY_OLD_STATE),
        "the podlb provider plugin: bce/, kube_reads and the models only",
    ),
    ("resources", ("resources",), "the provider's resources as a program registers them"),
    ("rollout", ("rollout",), "preStop/grace-period logic and its Deployment transform, used by service/"),
    ("cluster", ("cluster",), "PodDirectCluster"),
    ("service", ("service",), "PodDirectService: reads the cluster's contract"),
    ("api", (ROOT_MODULE,), "the public API: lazy names from cluster/, service/, resources, rollout"),
    (
        "plugin",
        ("component_host", "plugin"),
        "the plugin users run: the provider plus Construct for cluster/ and service/ (other languages)",
    ),
    (
        "preview_engine",
        ("preview_engine", "testing.mock_engine"),
        "the mock engine behind `podlb plan`, and its public name testing.mock_engine",
    ),
    ("program", ("program",), "the config-driven stack program"),
    ("doctor", ("doctor",), "`podlb doctor`: checks of what cluster/ and service/ decide"),
    (
        "sandbox",
        ("sandbox", "testing.fake_bce", "testing.fixtures"),
        "`podlb sandbox`, with its cloud (the fake BCE) and that cloud's pytest fixtures",
    ),
    ("policy_pack", ("policy_pack",), "a program of its own (cce_annotations by path); cli/ ships its files"),
    ("cli", ("cli", "__main__"), "the `podlb` command: every subcommand"),
    ("scaffolding", ("testing",), "our own test harness: drives everything, nothing may import it"),
)

# What under testing/ is product (ships for users) and what is our own test scaffolding. Keys are
# matched like LAYERS'. A module under testing/ that is not listed is product only if it is a thin
# re-export shim (docstring, imports, __all__); any module anywhere that imports pytest or
# hypothesis at module level is scaffolding.
TESTING_MODULES: Mapping[str, tuple[bool, str]] = {
    "testing.mock_engine": (True, "preview_engine re-exported by the name users' tests import"),
    "testing.fake_bce": (True, "the fake BCE: podlb sandbox's cloud"),
    "testing.provider_host": (False, "drives the provider plugin over gRPC for our tests"),
    "testing.lifecycle": (False, "up/refresh/destroy histories through the provider host"),
    "testing.fixtures": (True, "pytest fixtures for users' tests of the fake BCE (pytest optional)"),
    "testing.fake_kube": (False, "fake Kubernetes API for doctor's tests"),
    "testing.doctor_demo": (False, "the README's doctor run against both fakes"),
}
SCAFFOLDING_ROOT = "testing"
TEST_TOOLS = frozenset({"pytest", "_pytest", "hypothesis"})
TEST_PACKAGES = frozenset({"tests", "conftest"})
LONGEST = 10

MODULE_LEVEL = "module"
IN_FUNCTION = "function"
TYPE_CHECKING_ONLY = "type-checking"
OPTIONAL = "optional"  # in a `try:` whose handler takes ImportError: used only where installed


@dataclass(frozen=True)
class Import:
    """One import statement's dependency of `importer` on `imported` (dotted, package-relative)."""

    importer: str
    imported: str
    path: str
    line: int
    where: str  # MODULE_LEVEL, IN_FUNCTION, TYPE_CHECKING_ONLY or OPTIONAL


@dataclass(frozen=True)
class ExternalImport:
    importer: str
    name: str  # the top-level name imported, e.g. "pytest"
    path: str
    line: int
    where: str


@dataclass(frozen=True)
class Module:
    name: str  # "bce.clients"; a package's __init__.py is the package ("bce"); the root is ROOT_MODULE
    path: str  # relative to the package directory
    lines: int
    is_package: bool
    tree: ast.Module = field(compare=False, repr=False)


@dataclass(frozen=True)
class Arrow:
    importer: str
    importer_layer: str
    imported: str
    imported_layer: str
    at: list[str]  # "path:line (where)" of every import making this pair


@dataclass(frozen=True)
class Loop:
    nodes: list[str]
    edges: list[str]  # "a -> b: path:line imports module", one example per edge inside the loop


@dataclass(frozen=True)
class Scaffolding:
    path: str
    lines: int
    why: str


@dataclass(frozen=True)
class Function:
    name: str
    at: str
    lines: int


@dataclass(frozen=True)
class ToolImport:
    module: str
    at: str
    imports: str
    where: str


@dataclass(frozen=True)
class Report:
    package: str
    modules: int
    total_lines: int
    layers: list[str]
    unplaced: list[str]
    upward_arrows: list[Arrow]
    loops: list[Loop]
    scaffolding: list[Scaffolding]
    scaffolding_lines: int
    longest_functions: list[Function]
    tool_imports: list[ToolImport]

    @property
    def scaffolding_share(self) -> float:
        return self.scaffolding_lines / self.total_lines if self.total_lines else 0.0

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "scaffolding_share": round(self.scaffolding_share, 4)}


# --- reading the package -------------------------------------------------------------------------


def read_modules(package_dir: Path) -> dict[str, Module]:
    """Every .py file under `package_dir`, by package-relative dotted name."""
    modules: dict[str, Module] = {}
    for file in sorted(package_dir.rglob("*.py")):
        rel = file.relative_to(package_dir)
        parts = list(rel.with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        if is_package:
            parts.pop()
        name = ".".join(parts) if parts else ROOT_MODULE
        text = file.read_text(encoding="utf-8")
        modules[name] = Module(name, rel.as_posix(), len(text.splitlines()), is_package, ast.parse(text, str(file)))
    return modules


def _dotted(name: str) -> list[str]:
    return [] if name == ROOT_MODULE else name.split(".")


def _known(parts: Sequence[str], modules: Mapping[str, Module]) -> str | None:
    """The module named by `parts` (package-relative), or the nearest package above it that exists."""
    for end in range(len(parts), -1, -1):
        name = ".".join(parts[:end]) or ROOT_MODULE
        if name in modules:
            return name
    return None


def _walk(tree: ast.AST, where: str = MODULE_LEVEL) -> Iterator[tuple[ast.Import | ast.ImportFrom, str]]:
    """Every import statement with where it sits: inside a function wins over TYPE_CHECKING."""
    for child in ast.iter_child_nodes(tree):
        if isinstance(child, (ast.Import, ast.ImportFrom)):
            yield child, where
        elif isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            yield from _walk(child, IN_FUNCTION)
        elif isinstance(child, ast.Try) and _handles_import_error(child):
            for stmt in child.body:
                yield from _walk(ast.Module(body=[stmt], type_ignores=[]), OPTIONAL)
            for part in (*child.handlers, *child.orelse, *child.finalbody):
                yield from _walk(part, where)
        elif isinstance(child, ast.If) and where == MODULE_LEVEL and _is_type_checking(child.test):
            for stmt in child.body:
                yield from _walk(ast.Module(body=[stmt], type_ignores=[]), TYPE_CHECKING_ONLY)
            for stmt in child.orelse:
                yield from _walk(ast.Module(body=[stmt], type_ignores=[]), where)
        else:
            yield from _walk(child, where)


def _handles_import_error(node: ast.Try) -> bool:
    names = {"ImportError", "ModuleNotFoundError"}
    for handler in node.handlers:
        caught = handler.type
        kinds = caught.elts if isinstance(caught, ast.Tuple) else [caught]
        if any(isinstance(k, ast.Name) and k.id in names for k in kinds):
            return True
    return False


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def imports_of(
    module: Module, modules: Mapping[str, Module], package_name: str = PACKAGE_NAME
) -> tuple[list[Import], list[ExternalImport]]:
    """The package modules `module` imports (relative imports resolved; `from . import x` is the
    submodule x when there is one, else the package), and its imports from outside the package."""
    own = _dotted(module.name)
    package = own if module.is_package else own[:-1]
    internal: list[Import] = []
    external: list[ExternalImport] = []

    def add(parts: Sequence[str], node: ast.stmt, where: str) -> None:
        target = _known(parts, modules)
        if target is not None and target != module.name:
            internal.append(Import(module.name, target, module.path, node.lineno, where))

    for node, where in _walk(module.tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                top, *rest = alias.name.split(".")
                if top == package_name:
                    add(rest, node, where)
                else:
                    external.append(ExternalImport(module.name, top, module.path, node.lineno, where))
            continue
        if node.level == 0:
            top, *rest = (node.module or "").split(".")
            if top != package_name:
                external.append(ExternalImport(module.name, top, module.path, node.lineno, where))
                continue
            base = rest
        else:
            if node.level - 1 > len(package):
                continue  # beyond the package: not ours to resolve
            base = package[: len(package) - (node.level - 1)] + (node.module.split(".") if node.module else [])
        for alias in node.names:
            submodule = [*base, alias.name]
            add(submodule if ".".join(submodule) in modules else base, node, where)
    return internal, external


# --- the four measures ---------------------------------------------------------------------------


def layer_of(name: str, layers: Sequence[tuple[str, tuple[str, ...], str]] = LAYERS) -> tuple[int, str] | None:
    """(index, layer name) of the longest key matching `name`, or None if no key does."""
    best: tuple[int, int, str] | None = None
    for index, (layer, keys, _) in enumerate(layers):
        for key in keys:
            if name == key or name.startswith(key + "."):
                if best is None or len(key) > best[0]:
                    best = (len(key), index, layer)
    return None if best is None else (best[1], best[2])


def upward_arrows(
    imports: Iterable[Import], layers: Sequence[tuple[str, tuple[str, ...], str]] = LAYERS
) -> list[Arrow]:
    """Each (importer, imported) pair whose imported module sits in a higher layer."""
    pairs: dict[tuple[str, str], list[Import]] = {}
    for imp in imports:
        low, high = layer_of(imp.importer, layers), layer_of(imp.imported, layers)
        if low is not None and high is not None and high[0] > low[0]:
            pairs.setdefault((imp.importer, imp.imported), []).append(imp)
    return [
        Arrow(
            importer,
            _layer_name(importer, layers),
            imported,
            _layer_name(imported, layers),
            [f"{i.path}:{i.line} ({i.where})" for i in found],
        )
        for (importer, imported), found in sorted(pairs.items())
    ]


def _layer_name(name: str, layers: Sequence[tuple[str, tuple[str, ...], str]]) -> str:
    found = layer_of(name, layers)
    return "?" if found is None else found[1]


def folder_of(name: str) -> str:
    """The top-level folder or module a module belongs to: "bce.clients" -> "bce" (a module whose
    path old state fixes counts with the folder it re-exports from)."""
    return FIXED_BY_OLD_STATE.get(name) or name.split(".")[0]


def folder_loops(imports: Iterable[Import]) -> list[Loop]:
    """Strongly connected components (size > 1) of the graph between top-level folders/modules,
    each with an example import for every edge inside it."""
    examples: dict[tuple[str, str], Import] = {}
    for imp in sorted(imports, key=lambda i: (i.path, i.line)):
        edge = (folder_of(imp.importer), folder_of(imp.imported))
        if edge[0] != edge[1]:
            examples.setdefault(edge, imp)
    graph: dict[str, set[str]] = {}
    for a, b in examples:
        graph.setdefault(a, set()).add(b)
        graph.setdefault(b, set())
    loops = []
    for component in strongly_connected(graph):
        if len(component) < 2:
            continue
        nodes = sorted(component)
        edges = [
            f"{a} -> {b}: {imp.path}:{imp.line} imports {imp.imported} ({imp.where})"
            for (a, b), imp in sorted(examples.items())
            if a in component and b in component
        ]
        loops.append(Loop(nodes, edges))
    return sorted(loops, key=lambda loop: loop.nodes)


def strongly_connected(graph: Mapping[str, Iterable[str]]) -> list[set[str]]:
    """Tarjan's strongly connected components."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[set[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = set()
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.add(top)
                if top == node:
                    break
            components.append(component)

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return components


def is_reexport_shim(module: Module) -> bool:
    """Only a docstring, imports and `__all__`: a name for things that live elsewhere."""
    for stmt in module.tree.body:
        if isinstance(stmt, (ast.Import, ast.ImportFrom)):
            continue
        if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant) and isinstance(stmt.value.value, str):
            continue
        targets = (
            stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target] if isinstance(stmt, ast.AnnAssign) else []
        )
        if targets and all(isinstance(t, ast.Name) and t.id == "__all__" for t in targets):
            continue
        return False
    return True


def scaffolding(
    modules: Mapping[str, Module],
    externals: Mapping[str, list[ExternalImport]],
    table: Mapping[str, tuple[bool, str]] = TESTING_MODULES,
    root: str = SCAFFOLDING_ROOT,
) -> list[Scaffolding]:
    """The modules that are our test scaffolding, with why."""
    found = []
    for name, module in sorted(modules.items()):
        tools = sorted({e.name for e in externals.get(name, []) if e.name in TEST_TOOLS and e.where == MODULE_LEVEL})
        if tools:
            found.append(Scaffolding(module.path, module.lines, f"imports {', '.join(tools)} at module level"))
            continue
        if name != root and not name.startswith(root + "."):
            continue
        keys = [k for k in table if name == k or name.startswith(k + ".")]
        if keys:
            product, why = table[max(keys, key=len)]
            if not product:
                found.append(Scaffolding(module.path, module.lines, why))
        elif not is_reexport_shim(module):
            found.append(Scaffolding(module.path, module.lines, f"under {root}/, not listed as product"))
    return found


def longest_functions(modules: Mapping[str, Module], count: int = LONGEST) -> list[Function]:
    """The `count` longest functions and methods, by lines from `def` to their last line."""
    found: list[Function] = []

    def visit(node: ast.AST, prefix: str, path: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                name = f"{prefix}{child.name}"
                end = child.end_lineno if child.end_lineno is not None else child.lineno
                found.append(Function(name, f"{path}:{child.lineno}", end - child.lineno + 1))
                visit(child, f"{name}.", path)
            elif isinstance(child, ast.ClassDef):
                visit(child, f"{prefix}{child.name}.", path)
            else:
                visit(child, prefix, path)

    for module in modules.values():
        visit(module.tree, "", module.path)
    return sorted(found, key=lambda f: (-f.lines, f.at))[:count]


def tool_imports(externals: Iterable[ExternalImport]) -> list[ToolImport]:
    """Imports of pytest, hypothesis or our tests/ from inside the package, wherever they sit,
    except optional ones (ImportError handled: the module works without them)."""
    return [
        ToolImport(e.importer, f"{e.path}:{e.line}", e.name, e.where)
        for e in sorted(externals, key=lambda e: (e.path, e.line))
        if (e.name in TEST_TOOLS or e.name in TEST_PACKAGES) and e.where != OPTIONAL
    ]


def analyse(
    package_dir: Path,
    package_name: str = PACKAGE_NAME,
    layers: Sequence[tuple[str, tuple[str, ...], str]] = LAYERS,
    testing_table: Mapping[str, tuple[bool, str]] = TESTING_MODULES,
    scaffolding_root: str = SCAFFOLDING_ROOT,
) -> Report:
    modules = read_modules(package_dir)
    internal: list[Import] = []
    externals: dict[str, list[ExternalImport]] = {}
    for module in modules.values():
        found, outside = imports_of(module, modules, package_name)
        internal.extend(found)
        externals[module.name] = outside
    scaffold = scaffolding(modules, externals, testing_table, scaffolding_root)
    return Report(
        package=package_name,
        modules=len(modules),
        total_lines=sum(m.lines for m in modules.values()),
        layers=[f"{layer}: {', '.join(keys)}" for layer, keys, _ in layers],
        unplaced=sorted(name for name in modules if layer_of(name, layers) is None),
        upward_arrows=upward_arrows(internal, layers),
        loops=folder_loops(internal),
        scaffolding=scaffold,
        scaffolding_lines=sum(s.lines for s in scaffold),
        longest_functions=longest_functions(modules),
        tool_imports=tool_imports(e for found in externals.values() for e in found),
    )


def targets_met(report: Report) -> list[str]:
    """The targets `report` misses (empty: all met)."""
    unmet = []
    if report.unplaced:
        unmet.append(f"{len(report.unplaced)} module(s) have no layer in LAYERS: {', '.join(report.unplaced)}")
    if report.upward_arrows:
        unmet.append(f"{len(report.upward_arrows)} upward arrow(s), target 0")
    if report.loops:
        unmet.append(f"{len(report.loops)} folder import loop(s), target 0: {[loop.nodes for loop in report.loops]}")
    if report.scaffolding_lines:
        unmet.append(
            f"{report.scaffolding_lines} of {report.total_lines} lines are test scaffolding "
            f"({report.scaffolding_share:.1%}), target 0"
        )
    if report.tool_imports:
        modules = sorted({d.module for d in report.tool_imports})
        unmet.append(f"{len(modules)} module(s) import pytest/hypothesis/tests, target none: {', '.join(modules)}")
    return unmet


# --- output --------------------------------------------------------------------------------------


def render(report: Report) -> str:
    out = [f"{report.package}: {report.modules} modules, {report.total_lines} lines", ""]
    out.append("Layers, lowest first: " + " < ".join(line.split(":")[0] for line in report.layers))
    out.extend(f"  {line}" for line in report.layers)
    if report.unplaced:
        out.append(f"  NOT PLACED: {', '.join(report.unplaced)}")
    out += ["", f"1. Upward arrows (target 0): {len(report.upward_arrows)}"]
    for arrow in report.upward_arrows:
        out.append(
            f"  {arrow.importer} [{arrow.importer_layer}] -> {arrow.imported} [{arrow.imported_layer}]"
            f"  at {'; '.join(arrow.at)}"
        )
    out += ["", f"2. Folder import loops (target 0): {len(report.loops)}"]
    for loop in report.loops:
        out.append(f"  {{{', '.join(loop.nodes)}}}")
        out.extend(f"    {edge}" for edge in loop.edges)
    out += [
        "",
        f"3. Test scaffolding (target 0): {report.scaffolding_lines} / {report.total_lines} lines"
        f" = {report.scaffolding_share:.1%}",
    ]
    out.extend(f"  {s.path:<40} {s.lines:>5}  {s.why}" for s in report.scaffolding)
    out += ["", f"4. The {len(report.longest_functions)} longest functions (def to last line):"]
    out.extend(f"  {f.lines:>4}  {f.name:<45} {f.at}" for f in report.longest_functions)
    out += ["", f"Modules importing pytest/hypothesis/tests (target none): {len(report.tool_imports)}"]
    out.extend(f"  {d.module}: {d.imports} at {d.at} ({d.where})" for d in report.tool_imports)
    unmet = targets_met(report)
    out += ["", "Targets: all met" if not unmet else "Targets not met:"]
    out.extend(f"  - {line}" for line in unmet)
    return "\n".join(out)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tests.support.structure", description="The package's structure, measured from its source."
    )
    parser.add_argument("--json", action="store_true", help="the report as JSON")
    parser.add_argument("--package", type=Path, default=REPO / PACKAGE_NAME, help="the package directory")
    args = parser.parse_args(argv)
    report = analyse(args.package, args.package.name)
    if args.json:
        json.dump({**report.to_json(), "unmet_targets": targets_met(report)}, sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        print(render(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
