"""The acceptance suite's target, its groups, and the facts report: after the run, each fact of
docs/bce-facts.md that a test checked is confirmed (the test passed), contradicted (it failed:
with Baidu's answer) or not exercised (skipped, or not run). A real run with
PODLB_ACCEPTANCE_WRITE_FACTS=1 writes the verdicts into docs/bce-facts.md."""

from __future__ import annotations

import datetime
import os
from collections.abc import Iterator
from typing import Any

import pytest

from podlb_component.version import VERSION

from . import facts_table
from .recording import RECORDINGS, Recorder, write
from .target import Target, TargetError, create_groups, delete_groups, target_from_env

VERDICTS: dict[str, str] = {}
RUN: dict[str, Any] = {}


def pytest_sessionstart(session: pytest.Session) -> None:
    """A real run without its settings stops here, before any call, naming what is missing."""
    if os.environ.get("PODLB_ACCEPTANCE") == "real":
        try:
            RUN["real"] = target_from_env()  # settings only: no call is made
        except TargetError as exc:
            pytest.exit(str(exc), returncode=2)


@pytest.fixture(scope="session")
def target() -> Iterator[Target]:
    made = RUN.get("real") or target_from_env()
    RUN["target"] = made
    try:
        yield made
    finally:
        made.stop()


@pytest.fixture(scope="session", autouse=True)
def recorder(target: Target) -> Iterator[None]:
    """With PODLB_ACCEPTANCE_RECORD=1, every request of the session and its answer, scrubbed,
    into recordings/<date>-<region>/ (recording.py)."""
    if os.environ.get("PODLB_ACCEPTANCE_RECORD") != "1":
        yield
        return
    secrets = {target.settings.access_key_id: "<access-key-id>", target.settings.secret_access_key: "<secret-key>"}
    made = Recorder(secrets)
    with made.installed():
        yield
    date = datetime.date.today().isoformat()
    meta = {"target": target.kind, "region": target.region, "vpc_id": target.vpc_id, "cluster_id": target.cluster_id,
            "date": date, "podlb": VERSION}  # fmt: skip
    RUN["recorded"] = write(RECORDINGS / f"{date}-{target.region}", made.scrubbed(), meta)  # type: ignore[assignment]


@pytest.fixture(scope="session")
def groups(target: Target) -> Iterator[tuple[str, str]]:
    """This run's normal and enterprise group, deleted at the end of the session."""
    normal, enterprise = create_groups(target)
    try:
        yield normal, enterprise
    finally:
        delete_groups(target, normal, enterprise)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[Any]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    marker = item.get_closest_marker("fact")
    if marker is None or report.when not in ("setup", "call"):
        return
    fact = str(marker.args[0])
    if report.skipped:
        VERDICTS[fact] = "not exercised"
    elif report.failed:
        message = getattr(report.longrepr, "reprcrash", None)
        VERDICTS[fact] = "contradicted: " + (message.message.splitlines()[0] if message else "see the test output")
    elif report.when == "call":
        VERDICTS[fact] = "confirmed"


def pytest_terminal_summary(terminalreporter: Any) -> None:
    target = RUN.get("target")
    if target is None:
        return
    if "recorded" in RUN:
        terminalreporter.write_line(f"recorded into {RUN['recorded']}")
    known = [row["id"] for row in facts_table.rows()]
    terminalreporter.section(f"BCE facts ({target.kind}: {target.region})")
    for fact in known:
        terminalreporter.write_line(f"{fact:32} {VERDICTS.get(fact, 'not exercised')}")
    if os.environ.get("PODLB_ACCEPTANCE_WRITE_FACTS") == "1":
        if not target.real:
            terminalreporter.write_line("not written: a run against the sandbox says nothing about Baidu")
            return
        date = datetime.date.today().isoformat()
        text = facts_table.TABLE.read_text()
        facts_table.TABLE.write_text(facts_table.with_verdicts(text, VERDICTS, date, target.region))
        terminalreporter.write_line(f"written into {facts_table.TABLE}")
