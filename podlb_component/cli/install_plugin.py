"""`podlb install-plugin`: put this environment's `pulumi-resource-podlb` into Pulumi's plugin
cache. Since 0.4.0 the engine fetches the plugin by itself (the package declares it: README,
"Installing podlb into your own stack"); this stays for a machine that can reach neither GitHub
nor a mirror. It runs `pulumi plugin install resource podlb <version> --file <this venv's
pulumi-resource-podlb>`; the cached plugin runs this venv's Python, so run the command again after
re-creating the venv or upgrading podlb."""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from ..version import VERSION

PLUGIN = "pulumi-resource-podlb"


NO_LONGER_NEEDED = (
    "(podlb install-plugin is no longer needed since 0.4.0: `pulumi install` or the first `pulumi preview` "
    'fetches the plugin by itself, from GitHub or your mirror; see the README, "Installing podlb into your '
    'own stack". Keep it for a machine that can reach neither.)'
)


def plugin_executable() -> Path | None:
    """The plugin script of the environment podlb runs in (beside its interpreter), else PATH's."""
    beside = Path(sys.executable).parent / PLUGIN
    if beside.is_file():
        return beside
    found = shutil.which(PLUGIN)
    return Path(found) if found else None


def install_command(pulumi: str, plugin: Path) -> list[str]:
    return [pulumi, "plugin", "install", "resource", "podlb", VERSION, "--file", str(plugin)]


def _run(args: argparse.Namespace) -> int:
    plugin = plugin_executable()
    if plugin is None:
        print(
            f"podlb install-plugin: no {PLUGIN} beside {sys.executable} or on PATH: reinstall podlb into this "
            "environment (from your wheel or git URL, see the README), then run this again",
            file=sys.stderr,
        )
        return 1
    pulumi = shutil.which(args.pulumi) if not Path(args.pulumi).is_file() else args.pulumi
    command = install_command(pulumi or args.pulumi, plugin)
    if args.dry_run:
        print(" ".join(command))
        return 0
    if pulumi is None:
        print(
            f"podlb install-plugin: the Pulumi CLI {args.pulumi!r} was not found: install it, or pass --pulumi PATH",
            file=sys.stderr,
        )
        return 1
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        print(f"podlb install-plugin: `{' '.join(command)}` failed:\n{done.stdout}{done.stderr}", file=sys.stderr)
        return 1
    print(f"installed resource plugin podlb {VERSION} from {plugin} into Pulumi's plugin cache")
    print(NO_LONGER_NEEDED)
    return 0


def add_parser(sub: Any) -> None:
    parser = sub.add_parser(
        "install-plugin",
        help="install this environment's podlb provider plugin into Pulumi's plugin cache",
        description=f"Run `pulumi plugin install resource podlb {VERSION} --file <{PLUGIN} of this "
        "environment>`, so that `pulumi up` finds the podlb provider when this virtualenv is not on PATH. "
        "Run it again after upgrading podlb or re-creating the virtualenv. Not needed since 0.4.0 where the "
        "engine can download the plugin (from GitHub or a mirror).",
    )
    parser.add_argument("--pulumi", default="pulumi", help="the Pulumi CLI to run (default: pulumi on PATH)")
    parser.add_argument("--dry-run", action="store_true", help="print the command instead of running it")
    parser.set_defaults(func=_run)
