"""The `podlb` command (also `python -m podlb_component`): one module per subcommand, each with
`add_parser(sub)` and the function it runs."""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import sys
from collections.abc import Sequence
from importlib import metadata

from . import discover, doctor, install_plugin, plan, policy_pack, sandbox
from .exit_status import EXIT_OK

SUBCOMMANDS = (plan, doctor, discover, install_plugin, policy_pack, sandbox)
"""In the order `podlb --help` lists them."""


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="podlb", description="Pod-direct LoadBalancer Services on Baidu CCE.")
    root.add_argument("--version", action="version", version=f"podlb {package_version()}")
    sub = root.add_subparsers(dest="command", required=True)
    for subcommand in SUBCOMMANDS:
        subcommand.add_parser(sub)
    return root


def package_version() -> str:
    try:
        return metadata.version("podlb")
    except metadata.PackageNotFoundError:  # run from a source tree that isn't installed
        return "unknown"


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return int(args.func(args))
    except BrokenPipeError:  # `podlb plan | head`: the reader left; that's not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK


def entry() -> None:
    """The console script: run, then close what Pulumi's mock runtime left open, and exit."""
    code = main()
    _close_event_loop()
    sys.exit(code)


def _close_event_loop() -> None:
    """Close every event loop Pulumi's mock runtime left open — in this thread and in the worker
    threads it ran callbacks on. A loop that is still open at exit is closed by the garbage
    collector after its self-pipe socket, which prints "Exception ignored in BaseEventLoop.__del__
    … Invalid file descriptor: -1" on stderr (seen intermittently on 3.11 and 3.13)."""
    for obj in gc.get_objects():
        if isinstance(obj, asyncio.AbstractEventLoop) and not obj.is_running() and not obj.is_closed():
            obj.close()
