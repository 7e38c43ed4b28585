"""Running the real `pulumi` binary offline against the sandbox."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from podlb_component.sandbox import Sandbox

from . import processes

REPO = Path(__file__).resolve().parents[2]

HOMES: list[Path] = []
"""The PULUMI_HOME of every PulumiCli made in this process: what they started carries it in its
environment (tests/e2e/conftest.py checks at the end of the session that nothing does)."""


@dataclass
class Result:
    args: list[str]
    returncode: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr

    def ok(self) -> Result:
        assert self.returncode == 0, f"pulumi {' '.join(self.args)} exited {self.returncode}:\n{self.output[-6000:]}"
        return self


@dataclass
class PulumiCli:
    toolchain_bin: Path
    sandbox: Sandbox
    tmp: Path
    projects: list[tuple[Path, str]] = field(default_factory=list)
    env_overrides: dict[str, str | None] = field(default_factory=dict)
    """Variables to set (or, with None, remove) on top of the sandbox's, for every command."""
    venv_on_path: bool = True
    """Whether this interpreter's bin directory (its pulumi-resource-podlb) is on PATH."""

    def __post_init__(self) -> None:
        self.home = self.tmp / "pulumi-home"
        self.backend = self.tmp / "state"
        self.home.mkdir()
        self.backend.mkdir()
        HOMES.append(self.home)

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PULUMI_", "BCE_"))}
        env.update(self.sandbox.env())
        venv_bin = [str(Path(sys.executable).parent)] if self.venv_on_path else []
        path = [p for p in env.get("PATH", "").split(os.pathsep) if p and p != str(Path(sys.executable).parent)]
        env.update(
            PATH=os.pathsep.join([str(self.toolchain_bin), *venv_bin, *path]),
            PULUMI_HOME=str(self.home),
            PULUMI_BACKEND_URL=f"file://{self.backend}",
            PULUMI_CONFIG_PASSPHRASE="",
            PULUMI_SKIP_UPDATE_CHECK="true",
            PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION="true",
            PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK="true",
        )
        for key, value in self.env_overrides.items():
            if value is None:
                env.pop(key, None)
            else:
                env[key] = value
        return env

    def project(
        self, source: Path, stack: str = "dev", config: dict[str, Any] | None = None, virtualenv: Path | None = None
    ) -> Path:
        """A copy of a project (a Python one's virtualenv this interpreter's, or `virtualenv`), with
        stack `stack` created and its config (Pulumi.<stack>.yaml of the source, then `config`) set."""
        work = self.tmp / f"project-{len(self.projects)}"
        shutil.copytree(
            source,
            work,
            ignore=shutil.ignore_patterns(".venv", "venv", "__pycache__", "Pulumi.*.yaml", "node_modules", "sdks"),
        )
        project = yaml.safe_load((work / "Pulumi.yaml").read_text())
        project.setdefault("runtime", {"name": "python"})
        if isinstance(project["runtime"], str):
            project["runtime"] = {"name": project["runtime"]}
        if project["runtime"]["name"] == "python":
            project["runtime"].setdefault("options", {})["virtualenv"] = str(virtualenv or Path(sys.prefix))
        (work / "Pulumi.yaml").write_text(yaml.safe_dump(project, sort_keys=False))
        stack_config: dict[str, Any] = {}
        if (source / f"Pulumi.{stack}.yaml").is_file():
            stack_config = yaml.safe_load((source / f"Pulumi.{stack}.yaml").read_text()).get("config") or {}
        stack_config.update(config or {})
        self.projects.append((work, stack))
        self.set_config(work, stack_config, stack)
        self.run(work, "stack", "init", stack).ok()
        return work

    def use_virtualenv(self, project: Path, virtualenv: Path) -> None:
        """Point the project at another virtualenv (as a user re-creating theirs would)."""
        document = yaml.safe_load((project / "Pulumi.yaml").read_text())
        document["runtime"]["options"]["virtualenv"] = str(virtualenv)
        (project / "Pulumi.yaml").write_text(yaml.safe_dump(document, sort_keys=False))

    def set_config(self, project: Path, config: dict[str, Any], stack: str = "dev") -> None:
        """Replace the stack's config file (as a user editing Pulumi.<stack>.yaml would)."""
        (project / f"Pulumi.{stack}.yaml").write_text(yaml.safe_dump({"config": config}, sort_keys=False))

    def command(self, *args: str) -> list[str]:
        command = [str(self.toolchain_bin / "pulumi"), *args, "--non-interactive"]
        if args[0] in ("preview", "up", "refresh", "destroy"):
            command += ["--yes"] if args[0] != "preview" else []
            command += (
                ["--skip-preview"] if args[0] in ("up", "refresh", "destroy") and "--skip-preview" not in args else []
            )
        return command

    def run(self, project: Path, *args: str, timeout: float = 600) -> Result:
        """The CLI to its end. Past `timeout` (or on Ctrl-C) it is killed with its plugins."""
        with subprocess.Popen(
            self.command(*args),
            cwd=project,
            env=self.env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        ) as cli:
            try:
                stdout, stderr = cli.communicate(timeout=timeout)
            except BaseException:
                self.kill(cli)
                raise
        return Result(list(args), cli.returncode, stdout, stderr)

    def start(self, project: Path, *args: str) -> subprocess.Popen[str]:
        """The CLI in a process group of its own, for a test to end with `kill`. Its plugins are
        not in that group: pulumi starts each in a group of its own, so `os.killpg` on the CLI
        leaves them running (with parent 1)."""
        return subprocess.Popen(
            self.command(*args),
            cwd=project,
            env=self.env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )

    def started(self) -> list[int]:
        """The live processes started for this CLI: all carry its PULUMI_HOME in their environment."""
        return processes.processes_with_env("PULUMI_HOME", str(self.home))

    def kill(self, cli: subprocess.Popen[str]) -> list[str]:
        """SIGKILL a CLI (from `start`: with its group) and every process started for it (the
        language host, the program, each provider), by PID; return once none is alive, with
        the processes other than the CLI that it ended."""
        below: set[int] = set()
        if cli.poll() is None:  # not reaped, so its PID is still its own
            below = processes.descendants(cli.pid)  # now: once it is killed they are parent 1's
            if os.getpgid(cli.pid) == cli.pid:
                os.killpg(cli.pid, signal.SIGKILL)
            else:
                cli.kill()
        cli.wait(timeout=30)
        ended: list[str] = []
        for _ in range(5):  # again, for any process a plugin was starting as the scan ran
            left = {pid for pid in below if processes.alive(pid)} | set(self.started())
            if not left:
                return ended
            ended += [processes.describe(pid) for pid in sorted(left)]
            survivors = processes.kill_and_wait(left)
            assert not survivors, f"still alive after SIGKILL: {[processes.describe(p) for p in survivors]}"
            below = set()
        raise AssertionError(f"pulumi's processes keep appearing: {[processes.describe(p) for p in self.started()]}")

    def outputs(self, project: Path) -> dict[str, Any]:
        result: dict[str, Any] = json.loads(
            self.run(project, "stack", "output", "--json", "--show-secrets").ok().stdout
        )
        return result

    def export(self, project: Path) -> dict[str, Any]:
        result: dict[str, Any] = json.loads(self.run(project, "stack", "export").ok().stdout)
        return result

    def resources(self, project: Path) -> list[dict[str, Any]]:
        resources: list[dict[str, Any]] = self.export(project)["deployment"].get("resources") or []
        return resources

    def cleanup(self) -> None:
        """Destroy what a failed test left, so the shared sandbox stays clean."""
        for work, stack in reversed(self.projects):
            exported = self.run(work, "stack", "export", "--stack", stack)
            if exported.returncode == 0 and json.loads(exported.stdout)["deployment"].get("resources"):
                self.run(work, "destroy", "--continue-on-error", "--stack", stack)
