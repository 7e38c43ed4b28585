"""Names podlb 0.2.0 documented for users' tests still import after the fake BCE moved under
sandbox/ (README, "Upgrading from 0.2.0")."""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path

import pytest

from podlb_component.sandbox import fake_bce as new_home
from podlb_component.testing.fake_bce import MODULES

SANDBOX_FAKE = Path(new_home.__file__).parent


def test_every_module_of_the_fake_keeps_its_old_name() -> None:
    here = sorted(p.stem for p in SANDBOX_FAKE.glob("*.py") if not p.stem.startswith("__"))
    assert sorted(MODULES) == here


@pytest.mark.parametrize("module", MODULES)
def test_an_old_module_name_is_the_new_module(module: str) -> None:
    old = importlib.import_module(f"podlb_component.testing.fake_bce.{module}")
    assert old is importlib.import_module(f"podlb_component.sandbox.fake_bce.{module}")


def test_the_old_names_of_the_fake_and_its_seed_state() -> None:
    from podlb_component.testing.fake_bce.state import FakeBceState as SeedState

    from podlb_component.testing.fake_bce import FakeBce, FakeBceState

    assert FakeBce is new_home.FakeBce and FakeBceState is SeedState is new_home.FakeBceState


def test_the_old_command_runs_the_fake() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "podlb_component.testing.fake_bce", "--help"],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert done.returncode == 0 and "--state" in done.stdout, done.stderr
