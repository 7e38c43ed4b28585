"""PODLB_ACCEPTANCE=real without credentials or a VPC: the run stops before any call and names
what is missing."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from .target import REAL_ENV

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("given", [(), ("BCE_ACCESS_KEY_ID", "BCE_SECRET_ACCESS_KEY")])
def test_a_real_run_without_its_settings_stops_before_any_call(given: tuple[str, ...]) -> None:
    env = {k: v for k, v in os.environ.items() if k not in REAL_ENV and not k.startswith("PODLB_ACCEPTANCE")}
    # an endpoint nothing listens on: a call, had one been made, would show as a connection error
    env.update({name: "set" for name in given}, PODLB_ACCEPTANCE="real", BCE_ENDPOINT="http://127.0.0.1:9")
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/acceptance"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    out = done.stdout + done.stderr
    missing = [name for name in REAL_ENV if name not in given]
    assert done.returncode == 2, out
    assert f"PODLB_ACCEPTANCE=real needs {', '.join(missing)}" in out, out
    assert "Traceback" not in out and "passed" not in out and "127.0.0.1:9" not in out, out
