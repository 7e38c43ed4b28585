"""Find a Pulumi project and its stack config the way the Pulumi CLI would, offline."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .yaml_files import YamlFileError, describe_type, load_strict

DEMO_DIR = Path(__file__).parent / "demo"
SECRET_PLACEHOLDER = "[secret]"


class ProjectError(RuntimeError):
    pass


@dataclass
class Project:
    dir: Path
    name: str
    main: Path | None
    """The program file; None for a plan file (`document`)."""
    stack: str
    config: dict[str, str]
    """Config as the engine hands it to programs: namespaced keys, string values (objects as JSON)."""
    secret_keys: list[str]
    undecryptable: list[str]
    """Secure values plan can't decrypt (it never asks for a passphrase or a backend)."""
    document: dict[str, Any] | None = None
    """A plan file's clusters and services (see podlb_component.program.from_document)."""
    python: Path | None = None
    """The interpreter `pulumi preview` would run the program with (None: this one)."""
    python_from: str = "the interpreter podlb runs in"
    """Why that interpreter: which Pulumi.yaml option or directory chose it."""
    notes: list[str] = field(default_factory=list)
    """What plan could not take into account (e.g. ESC environments), said in its output."""
    stack_file: Path | None = None
    """The stack settings file (or the plan file) the config came from."""
    facts: Path | None = None
    """The cluster facts file (podlb discover) discovery is answered from, if any."""


def _bin_python(venv: Path) -> Path:
    return venv / ("Scripts/python.exe" if sys.platform == "win32" else "bin/python")


def project_python(directory: Path, runtime: object) -> tuple[Path | None, str]:
    """The stack's own Python environment, as the Pulumi CLI picks it: Pulumi.yaml
    `runtime.options.virtualenv` (for the pip and uv toolchains), poetry's environment for
    `toolchain: poetry`, else a `venv/` or `.venv/` beside Pulumi.yaml, else this interpreter."""
    options = (runtime.get("options") or {}) if isinstance(runtime, dict) else {}
    toolchain = options.get("toolchain", "pip")
    notes: list[str] = []
    if toolchain == "poetry":
        poetry = shutil.which("poetry")
        if poetry is None:
            raise ProjectError(f"{directory}/Pulumi.yaml uses toolchain: poetry, but `poetry` is not on PATH")
        found = subprocess.run(
            [poetry, "env", "info", "--executable"], cwd=directory, capture_output=True, text=True, check=False
        )
        if found.returncode == 0 and found.stdout.strip():
            return Path(found.stdout.strip()), "poetry's environment (runtime.options.toolchain: poetry)"
        notes.append("poetry has no environment for it yet")
    virtualenv = options.get("virtualenv")
    if virtualenv:
        python = _bin_python(directory / str(virtualenv))
        if python.exists():
            return python, f"runtime.options.virtualenv '{virtualenv}' of Pulumi.yaml"
        notes.append(f"runtime.options.virtualenv '{virtualenv}' doesn't exist yet (`pulumi install` makes it)")
    for name in ("venv", ".venv"):
        python = _bin_python(directory / name)
        if python.exists():
            return python, f"the {name}/ beside Pulumi.yaml"
    return None, "; ".join(["the interpreter podlb runs in", *notes])


def _config_value(value: Any) -> tuple[str, bool]:
    if isinstance(value, dict) and set(value) == {"secure"}:
        return SECRET_PLACEHOLDER, True
    if isinstance(value, str):
        return value, False
    return json.dumps(value) if isinstance(value, (dict, list)) else json.dumps(value).strip('"'), False


_CONFIG_TYPES = ("string", "integer", "boolean", "array", "object")


def _matches_type(type_name: str, value: Any) -> bool:
    """The Pulumi CLI's check of a stack value against a project config type
    (sdk/go/common/workspace/project.go ValidateConfigValue; YAML numbers and strings that spell
    one are both accepted where the CLI accepts them)."""
    if type_name == "string":
        return isinstance(value, str)
    if type_name == "integer":
        if isinstance(value, bool):
            return False
        if isinstance(value, int) or (isinstance(value, float) and value.is_integer()):
            return True
        return isinstance(value, str) and value.lstrip("+-").isdigit()
    if type_name == "boolean":
        return isinstance(value, bool) or value in ("true", "false")
    if type_name == "array":
        return isinstance(value, list)
    return isinstance(value, dict)


def _project_config(manifest: Path, name: str, declared: Any) -> dict[str, dict[str, Any]]:
    """Pulumi.yaml's `config:` block as type definitions; a plain value is shorthand for a
    default (project keys) or a value (other namespaces), as the CLI reads it
    (workspace.RewriteShorthandConfigValues)."""
    if declared is None:
        return {}
    if not isinstance(declared, dict):
        raise ProjectError(
            f"{manifest}: config: is {describe_type(declared)}; it must be a mapping of keys to "
            "{type, default, description, secret} (or to a plain default value)"
        )
    types: dict[str, dict[str, Any]] = {}
    for key, spec in declared.items():
        if not isinstance(key, str) or not key:
            raise ProjectError(f"{manifest}: config: key {key!r} must be a non-empty string")
        own = ":" not in key or key.startswith(f"{name}:")
        if not isinstance(spec, dict):
            spec = {"default" if own else "value": spec}
        type_name = spec.get("type")
        if type_name is not None and type_name not in _CONFIG_TYPES:
            raise ProjectError(f"{manifest}: config.{key}.type is {type_name!r}; use one of {', '.join(_CONFIG_TYPES)}")
        types[key if ":" in key else f"{name}:{key}"] = spec
    return types


def _apply_project_config(
    stack: str,
    stack_file: Path,
    manifest: Path,
    types: dict[str, dict[str, Any]],
    raw: dict[str, Any],
    name: str,
    notes: list[str],
) -> dict[str, Any]:
    """Stack values, then project defaults for keys the stack doesn't set; the CLI's errors for
    a missing required key and a value of the wrong type (pkg/workspace/config.go mergeConfig)."""
    merged = dict(raw)
    missing: list[str] = []
    for key, spec in sorted(types.items()):
        short = key.removeprefix(f"{name}:")
        if key not in merged:
            if "default" in spec or "value" in spec:
                merged[key] = spec["default"] if "default" in spec else spec["value"]
            elif key.startswith(f"{name}:"):
                missing.append(short)
            continue
        value = merged[key]
        secure = isinstance(value, dict) and set(value) == {"secure"}
        if spec.get("secret") and not secure:
            raise ProjectError(
                f"Stack '{stack}' with configuration key '{short}' must be encrypted as it's secret "
                f"(Pulumi.yaml declares it secret)\n  fix: pulumi config set --secret {short} …"
            )
        if spec.get("type") and not secure and not _matches_type(spec["type"], value):
            raise ProjectError(
                f"Stack '{stack}' with configuration key '{short}' must be of type '{spec['type']}' "
                f"({stack_file.name} gives {describe_type(value)}; the type is declared in {manifest.name})"
            )
    listed = ", ".join(f"'{k}'" for k in missing)
    if missing and notes:  # an ESC environment may provide them: plan can't tell
        notes.append(
            f"required config {listed} is set neither in {stack_file.name} nor by a default; it is "
            "expected from the ESC environment, so the program sees it unset here"
        )
    elif missing:
        raise ProjectError(
            f"Stack '{stack}' is missing configuration value{'s' if len(missing) > 1 else ''} {listed} "
            f"(required by the config: block of {manifest}, which gives no default)\n"
            f"  fix: set {'them' if len(missing) > 1 else 'it'} in {stack_file.name} "
            f"(pulumi config set {missing[0]} …) or give a default in Pulumi.yaml"
        )
    return merged


def _read_mapping(path: Path, what: str) -> dict[Any, Any]:
    try:
        document = load_strict(path)
    except YamlFileError as exc:
        raise ProjectError(str(exc)) from None
    if document is None:
        return {}
    if not isinstance(document, dict):
        raise ProjectError(f"{path}: is {describe_type(document)}; {what} must be a mapping")
    return document


def load_project(target: str | None = None, stack: str | None = None, *, demo: bool = False) -> Project:
    """`target` is a project directory or a plan file (default: the current directory);
    `demo` plans the built-in demo project instead."""
    path = _target_path(target, demo)
    if _is_plan_file(path):
        return load_plan_file(path)
    directory = path.parent if path.is_file() else path
    manifest = _read_manifest(directory)
    stack, stack_file = _choose_stack(directory, manifest.config_dir, stack)
    stack_values, notes = _stack_config(stack_file, manifest.name)
    merged = _apply_project_config(
        stack, stack_file, manifest.path, manifest.config_types, stack_values, manifest.name, notes
    )
    config, secret_keys, undecryptable = _engine_config(merged, manifest.config_types)
    python, python_from = project_python(directory, manifest.runtime)
    return Project(
        directory,
        manifest.name,
        manifest.main,
        stack,
        config,
        secret_keys,
        undecryptable,
        python=python,
        python_from=python_from,
        notes=notes,
        stack_file=stack_file,
    )


def _target_path(target: str | None, demo: bool) -> Path:
    """The demo, the current directory (which must hold a Pulumi.yaml) or `target`, which must exist."""
    if demo:
        return DEMO_DIR
    if target is None:
        directory = Path.cwd()
        if not (directory / "Pulumi.yaml").exists():
            raise ProjectError(
                f"no Pulumi.yaml in the current directory ({directory}): run plan inside a Pulumi project, "
                "or pass one (`podlb plan path/to/project`) or a plan file; `podlb plan --demo` plans the "
                "built-in demo"
            )
        return directory
    path = Path(target).resolve()
    if not path.exists():
        raise ProjectError(f"{target}: no such file or directory; pass a Pulumi project directory or a plan file")
    return path


def _is_plan_file(path: Path) -> bool:
    """A YAML file other than Pulumi.yaml (any other file stands for the directory it is in)."""
    return path.is_file() and path.suffix in (".yaml", ".yml") and path.name != "Pulumi.yaml"


@dataclass(frozen=True)
class _Manifest:
    """What plan reads from a project's Pulumi.yaml."""

    path: Path
    name: str
    runtime: object
    main: Path
    config_types: dict[str, dict[str, Any]]
    config_dir: Path


def _read_manifest(directory: Path) -> _Manifest:
    """Pulumi.yaml of a Python project: its name, runtime, program, config types and stack config dir."""
    manifest = directory / "Pulumi.yaml"
    if not manifest.exists():
        plan_files = sorted(p.name for p in (*directory.glob("*.yaml"), *directory.glob("*.yml")))
        if plan_files:
            raise ProjectError(
                f"no Pulumi.yaml in {directory}; to plan a plan file, pass the file itself, e.g. "
                f"`podlb plan {directory / plan_files[0]}`"
            )
        raise ProjectError(f"no Pulumi.yaml in {directory}: pass a Pulumi project directory or a plan file")
    meta = _read_mapping(manifest, "a Pulumi.yaml")
    name = meta.get("name")
    runtime = meta.get("runtime")
    runtime_name = runtime.get("name") if isinstance(runtime, dict) else runtime
    if not isinstance(name, str) or not name:
        raise ProjectError(f"{manifest}: no project name: podlb plan runs Pulumi projects (name + runtime: python)")
    if runtime_name != "python":
        # The plan runs the program under Pulumi's Python mocks, in this interpreter; other
        # languages' programs reach podlb's components through the plugin (Construct).
        raise ProjectError(
            f"{manifest}: podlb plan runs Python programs, and this one's runtime is {runtime_name!r}; run "
            "`pulumi preview` instead: the podlb plugin checks the components' inputs there as the plan would, "
            "before anything is created (README, 'Using podlb from TypeScript, Go and YAML')"
        )
    main = directory / str(meta.get("main", "."))
    if main.is_dir():
        main = main / "__main__.py"
    if not main.exists():
        raise ProjectError(f"{manifest}: program {main} not found")
    types = _project_config(manifest, name, meta.get("config"))
    config_dir = directory / str(meta.get("stackConfigDir") or ".")
    return _Manifest(manifest, name, runtime, main, types, config_dir)


def _choose_stack(directory: Path, config_dir: Path, stack: str | None) -> tuple[str, Path]:
    """The stack asked for, else "dev" or the only one there is; and its settings file."""
    stacks = sorted(p.name[len("Pulumi.") : -len(".yaml")] for p in config_dir.glob("Pulumi.*.yaml"))
    if stack is None:
        if len(stacks) > 1 and "dev" not in stacks:
            raise ProjectError(f"{directory} has stacks {', '.join(stacks)}: choose one with --stack")
        stack = "dev" if "dev" in stacks or not stacks else stacks[0]
    stack_file = config_dir / f"Pulumi.{stack}.yaml"
    if not stack_file.exists() and stacks:
        raise ProjectError(f"no {stack_file.name} in {config_dir} (stacks: {', '.join(stacks)})")
    return stack, stack_file


def _stack_config(stack_file: Path, name: str) -> tuple[dict[str, Any], list[str]]:
    """The stack file's config with namespaced keys, and a note for each thing plan can't evaluate."""
    settings = _read_mapping(stack_file, "a stack settings file") if stack_file.exists() else {}
    raw = settings.get("config")
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ProjectError(f"{stack_file}: config: is {describe_type(raw)}; it must be a mapping of keys to values")
    notes: list[str] = []
    environments = settings.get("environment")
    if environments:
        listed = environments.get("imports", environments) if isinstance(environments, dict) else environments
        names = ", ".join(map(str, listed)) if isinstance(listed, list) else str(listed)
        notes.append(
            f"ESC environment(s) imported by {stack_file.name} were not evaluated (plan is offline): {names}; "
            "config values they provide are missing from this plan"
        )
    stack_values: dict[str, Any] = {}
    for key, value in raw.items():
        if not isinstance(key, str) or not key:
            raise ProjectError(f"{stack_file}: config key {key!r} must be a non-empty string such as podlb:cluster")
        stack_values[key if ":" in key else f"{name}:{key}"] = value
    return stack_values, notes


def _engine_config(
    merged: dict[str, Any], types: dict[str, dict[str, Any]]
) -> tuple[dict[str, str], list[str], list[str]]:
    """Config as the engine hands it to programs, the secret keys, and the secure values plan can't decrypt."""
    config: dict[str, str] = {}
    secret_keys: list[str] = []
    undecryptable: list[str] = []
    for full, value in merged.items():
        text, secure = _config_value(value)
        config[full] = text
        if secure:
            secret_keys.append(full)
            undecryptable.append(full)
        elif types.get(full, {}).get("secret"):
            secret_keys.append(full)
    return config, secret_keys, undecryptable


_PLAN_FILE_KEYS = ("clusters", "services")
_PLAN_FILE_FIX = (
    "a plan file is a mapping with `clusters:` (name -> PodDirectCluster args) and `services:` "
    "(name -> PodDirectService args); see examples/plan-file/shop.yaml"
)


def load_plan_file(path: Path) -> Project:
    """A YAML file declaring `clusters:` and `services:` (no Pulumi project needed); its shape
    is checked here, each entry's arguments by the components."""
    try:
        document = load_strict(path)
    except YamlFileError as exc:
        raise ProjectError(str(exc)) from None
    if not isinstance(document, dict):
        raise ProjectError(f"{path}: is {describe_type(document)}, not a plan file\n  fix: {_PLAN_FILE_FIX}")
    # YAML 1.1 reads an unquoted `on:` (as in a GitHub workflow) as the key true
    unknown = ["'on' (read as true)" if k is True else repr(str(k)) for k in document if k not in _PLAN_FILE_KEYS]
    if unknown:
        raise ProjectError(
            f"{path}: unknown top-level key(s) {', '.join(unknown)}; is this a plan file?\n  fix: {_PLAN_FILE_FIX}"
        )
    for section in _PLAN_FILE_KEYS:
        entries = document.get(section)
        if entries is None:
            continue
        if not isinstance(entries, dict):
            raise ProjectError(
                f"{path}: {section}: is {describe_type(entries)}, not a mapping\n  fix: {_PLAN_FILE_FIX}"
            )
        for key, args in entries.items():
            if not isinstance(key, str) or not key:
                raise ProjectError(f"{path}: {section}: the name {key!r} must be a non-empty string")
            if not isinstance(args, dict):
                raise ProjectError(
                    f"{path}: {section}.{key}: is {describe_type(args)}; it must be a mapping of arguments\n"
                    f"  fix: {_PLAN_FILE_FIX}"
                )
            bad = [k for k in args if not isinstance(k, str)]
            if bad:
                raise ProjectError(f"{path}: {section}.{key}: argument name {bad[0]!r} must be a string")
    return Project(path.parent, "podlb-plan", None, path.stem, {}, [], [], document, stack_file=path)
