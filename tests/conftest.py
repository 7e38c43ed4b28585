"""Fixtures shared by every test."""

from __future__ import annotations

import os

import pytest

from podlb_component.testing.fixtures import bce_settings, fake_bce  # noqa: F401

pytest_plugins = ["pytester"]  # tests of our own pytest hooks and fixtures run pytest in pytest


@pytest.fixture(autouse=True)
def _no_ambient_bce_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never reach a real cloud: BCE_* variables from the developer's shell are removed."""
    for var in ("BCE_ACCESS_KEY_ID", "BCE_SECRET_ACCESS_KEY", "BCE_REGION", "BCE_ENDPOINT", "PODLB_OFFLINE"):
        monkeypatch.delenv(var, raising=False)


# In CI the end-to-end tests must run: a skipped or deselected one fails the session.
_E2E_NOT_RUN: list[str] = []


def pytest_deselected(items: list[pytest.Item]) -> None:
    _E2E_NOT_RUN.extend(i.nodeid for i in items if i.get_closest_marker("e2e") or "tests/e2e/" in i.nodeid)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.skipped and "tests/e2e/" in report.nodeid:
        _E2E_NOT_RUN.append(report.nodeid)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if os.environ.get("CI") and _E2E_NOT_RUN and not session.config.option.collectonly:
        print(f"\nCI: {len(_E2E_NOT_RUN)} end-to-end test(s) skipped or deselected: {_E2E_NOT_RUN[:5]}")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
