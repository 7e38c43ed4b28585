"""Finding and ending the processes a test's `pulumi` CLI started, through /proc (Linux).

The CLI starts each plugin (language host, resource providers, the dynamic provider's
`python -m pulumi.dynamic`) in a process group of its own, so killing the CLI's group leaves
them running with parent 1. Every plugin inherits the CLI's environment, and every PulumiCli
has a PULUMI_HOME of its own: a process whose /proc/<pid>/environ holds that PULUMI_HOME was
started for that CLI, whether or not its parent is still alive."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterable
from pathlib import Path

PROC = Path("/proc")


def _pids() -> list[int]:
    return [int(p.name) for p in PROC.iterdir() if p.name.isdigit()]


def _stat(pid: int) -> tuple[str, int] | None:
    """The state letter and parent PID of a process, or None once it is gone."""
    try:
        stat = (PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    # "pid (comm) S ppid ...": comm may hold spaces and parentheses, so split after the last ")"
    fields = stat[stat.rindex(")") + 2 :].split()
    return fields[0], int(fields[1])


def alive(pid: int) -> bool:
    """Whether the process exists and is not a zombie (a zombie has ended; it awaits its reaping)."""
    stat = _stat(pid)
    return stat is not None and stat[0] not in ("Z", "X")


def _environ(pid: int) -> list[bytes]:
    try:
        return (PROC / str(pid) / "environ").read_bytes().split(b"\0")
    except OSError:  # gone, or not ours to read
        return []


def processes_with_env(name: str, value: str) -> list[int]:
    """The live processes (other than this one) whose environment sets `name` to `value`."""
    entry = f"{name}={value}".encode()
    return sorted(pid for pid in _pids() if pid != os.getpid() and entry in _environ(pid) and alive(pid))


def descendants(pid: int) -> set[int]:
    """The live processes below `pid` (children, their children, ...), by the parent PIDs in /proc."""
    children: dict[int, list[int]] = {}
    for child in _pids():
        stat = _stat(child)
        if stat is not None and stat[0] not in ("Z", "X"):
            children.setdefault(stat[1], []).append(child)
    found: set[int] = set()
    todo = [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def kill_and_wait(pids: Iterable[int], timeout: float = 30) -> list[int]:
    """SIGKILL each process, then wait until none is alive; returns those still alive at `timeout`
    (a process in uninterruptible sleep may take a moment; a PID already gone is skipped)."""
    pids = sorted(set(pids) - {os.getpid()})
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + timeout
    while True:
        left = [pid for pid in pids if alive(pid)]
        if not left or time.monotonic() >= deadline:
            return left
        time.sleep(0.05)


def describe(pid: int) -> str:
    """`pid (parent N): command line`, for a report."""
    stat = _stat(pid)
    try:
        cmdline = (PROC / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        cmdline = "?"
    parent = stat[1] if stat is not None else "?"
    return f"{pid} (parent {parent}): {cmdline[:300]}"


def still_running(name: str, values: Iterable[str], grace: float = 10) -> dict[str, list[int]]:
    """For each value, the live processes whose environment sets `name` to it, after waiting up to
    `grace` seconds for them to end (a plugin of a CLI that has just exited may be shutting down)."""
    values = list(values)
    deadline = time.monotonic() + grace
    while True:
        found = {value: pids for value in values if (pids := processes_with_env(name, value))}
        if not found or time.monotonic() >= deadline:
            return found
        time.sleep(0.2)
