"""The /proc process finding that ends a killed CLI's plugins (processes.py, PulumiCli.kill), on
real harmless processes (`sleep`): no toolchain needed, a second or so."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import cast

import pytest

from podlb_component.sandbox import Sandbox

from . import processes
from .cli import HOMES, PulumiCli

MARKER = "PODLB_TEST_PROCESS_MARKER"

# a parent that starts `sleep 30` in a session (so a group) of its own, as pulumi starts a plugin
PARENT = [
    sys.executable,
    "-c",
    "import subprocess, time; subprocess.Popen(['sleep', '30'], start_new_session=True); time.sleep(30)",
]


@pytest.fixture
def marker() -> Iterator[str]:
    """A value no other process's environment holds; whatever carries it is killed at the end."""
    value = uuid.uuid4().hex
    yield value
    processes.kill_and_wait(processes.processes_with_env(MARKER, value), timeout=5)


def wait_until(condition: Callable[[], object], timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_a_process_is_found_by_its_environment_and_killed(marker: str) -> None:
    with subprocess.Popen(["sleep", "30"], env={**os.environ, MARKER: marker}) as sleeper:
        wait_until(lambda: processes.processes_with_env(MARKER, marker) == [sleeper.pid])
        assert processes.alive(sleeper.pid)
        assert processes.processes_with_env(MARKER, "another value") == []
        assert processes.still_running(MARKER, [marker, "another value"], grace=0) == {marker: [sleeper.pid]}

        assert processes.kill_and_wait([sleeper.pid], timeout=5) == []
        assert not processes.alive(sleeper.pid)  # a zombie until it is reaped: ended, all the same
        assert processes.processes_with_env(MARKER, marker) == []
        assert sleeper.wait(timeout=5) == -signal.SIGKILL


def test_a_child_in_a_group_of_its_own_outlives_its_parents_group_but_is_found(marker: str) -> None:
    with subprocess.Popen(PARENT, env={**os.environ, MARKER: marker}, start_new_session=True) as parent:
        # until the child has exec'd: between fork and exec it still shows its parent's command line
        wait_until(lambda: [("sleep 30" in processes.describe(c)) for c in processes.descendants(parent.pid)] == [True])
        (child,) = processes.descendants(parent.pid)
        assert "sleep 30" in processes.describe(child)
        assert processes.processes_with_env(MARKER, marker) == sorted([parent.pid, child])

        os.killpg(parent.pid, signal.SIGKILL)  # what the fault tests did
        parent.wait(timeout=5)
        time.sleep(0.2)
        assert processes.alive(child), "killing the parent's group ended the child"
        assert processes.processes_with_env(MARKER, marker) == [child]  # parent gone: still found

        assert processes.kill_and_wait([child], timeout=5) == []
        assert processes.still_running(MARKER, [marker], grace=0) == {}


def test_pulumi_cli_kill_ends_what_the_cli_started(tmp_path: Path) -> None:
    cli = PulumiCli(Path("/nonexistent"), cast(Sandbox, None), tmp_path)  # only its PULUMI_HOME is used
    assert HOMES[-1] == cli.home  # the session-end check looks for it
    started = subprocess.Popen(
        PARENT, env={**os.environ, "PULUMI_HOME": str(cli.home)}, start_new_session=True, text=True
    )
    try:
        wait_until(lambda: len(cli.started()) == 2)
        wait_until(
            lambda: [("sleep 30" in processes.describe(c)) for c in processes.descendants(started.pid)] == [True]
        )
        (child,) = processes.descendants(started.pid)

        ended = cli.kill(started)
        assert started.returncode == -signal.SIGKILL
        assert len(ended) == 1 and ended[0].startswith(f"{child} ") and "sleep 30" in ended[0], ended
        assert not processes.alive(child)
        assert cli.started() == []
        assert cli.kill(started) == []  # again, once it has ended: nothing to do
    finally:
        if started.poll() is None:
            started.kill()
            started.wait(timeout=5)
        processes.kill_and_wait(cli.started(), timeout=5)


@pytest.mark.parametrize("workers", [[], ["-n", "2"]], ids=["serial", "xdist"])
def test_a_process_left_running_fails_the_run(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, workers: list[str]
) -> None:
    """The session-end check (conftest._nothing_left_running) fails the run, under pytest-xdist
    too, and ends what it found."""
    home_file = pytester.path / "home"
    monkeypatch.setenv("PYTHONPATH", str(Path(__file__).resolve().parents[2]))
    monkeypatch.setenv("PODLB_TEST_HOME_FILE", str(home_file))
    pytester.makeconftest("from tests.e2e.conftest import _nothing_left_running  # noqa: F401\n")
    pytester.makepyfile(
        test_leaves_one="""
        import os, subprocess
        from pathlib import Path
        from tests.e2e.cli import PulumiCli

        def test_leaves_a_sleep(tmp_path):
            cli = PulumiCli(Path("/nonexistent"), None, tmp_path)
            subprocess.Popen(["sleep", "30"], env={**os.environ, "PULUMI_HOME": str(cli.home)})
            Path(os.environ["PODLB_TEST_HOME_FILE"]).write_text(str(cli.home))
        """
    )
    result = pytester.runpytest_subprocess(*workers, "-p", "no:cacheprovider", "-p", "no:randomly")
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*1 process(es) started by the e2e tests still running (now killed)*"])
    assert processes.still_running("PULUMI_HOME", [home_file.read_text()], grace=0) == {}
