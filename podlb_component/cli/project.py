"""Find a Pulumi project and its stack config the way the Pulumi CLI would, offline."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

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


def load_project(target: str | None = None, stack: str | None = None) -> Project:
    """`target` is a project directory (default: the current one, else the built-in demo)."""
    if target is None:
        directory = Path.cwd() if (Path.cwd() / "Pulumi.yaml").exists() else DEMO_DIR
    else:
        directory = Path(target).resolve()
        if directory.is_file() and directory.suffix in (".yaml", ".yml") and directory.name != "Pulumi.yaml":
            return load_plan_file(directory)
        if directory.is_file():
            directory = directory.parent
    manifest = directory / "Pulumi.yaml"
    if not manifest.exists():
        plan_files = sorted(p.name for p in (*directory.glob("*.yaml"), *directory.glob("*.yml")))
        if plan_files:
            raise ProjectError(
                f"no Pulumi.yaml in {directory}; to plan a plan file, pass the file itself, e.g. "
                f"`podlb plan {directory / plan_files[0]}`"
            )
        raise ProjectError(f"no Pulumi.yaml in {directory}: pass a Pulumi project directory or a plan file")
    meta = yaml.safe_load(manifest.read_text()) or {}
    name = meta.get("name")
    runtime = meta.get("runtime")
    runtime_name = runtime.get("name") if isinstance(runtime, dict) else runtime
    if not name or runtime_name != "python":
        raise ProjectError(f"{manifest}: podlb plan runs Python Pulumi projects (name + runtime: python)")
    main = directory / str(meta.get("main", "."))
    if main.is_dir():
        main = main / "__main__.py"
    if not main.exists():
        raise ProjectError(f"{manifest}: program {main} not found")

    stacks = sorted(p.name[len("Pulumi.") : -len(".yaml")] for p in directory.glob("Pulumi.*.yaml"))
    if stack is None:
        if len(stacks) > 1 and "dev" not in stacks:
            raise ProjectError(f"{directory} has stacks {', '.join(stacks)}: choose one with --stack")
        stack = "dev" if "dev" in stacks or not stacks else stacks[0]
    stack_file = directory / f"Pulumi.{stack}.yaml"
    if not stack_file.exists() and stacks:
        raise ProjectError(f"no {stack_file.name} in {directory} (stacks: {', '.join(stacks)})")
    raw = (yaml.safe_load(stack_file.read_text()) or {}).get("config", {}) if stack_file.exists() else {}
    config: dict[str, str] = {}
    secret_keys: list[str] = []
    undecryptable: list[str] = []
    for key, value in (raw or {}).items():
        full = key if ":" in key else f"{name}:{key}"
        text, secure = _config_value(value)
        config[full] = text
        if secure:
            secret_keys.append(full)
            undecryptable.append(full)
    python, python_from = project_python(directory, runtime)
    return Project(
        directory, name, main, stack, config, secret_keys, undecryptable, python=python, python_from=python_from
    )


def load_plan_file(path: Path) -> Project:
    """A YAML file declaring `clusters:` and `services:` (no Pulumi project needed)."""
    try:
        document = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as exc:
        raise ProjectError(f"{path} is not valid YAML: {exc}") from None
    if not isinstance(document, dict):
        raise ProjectError(f"{path} must be a mapping with `clusters:` and `services:`")
    return Project(path.parent, "podlb-plan", None, path.stem, {}, [], [], document)
