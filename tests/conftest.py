"""Fixtures shared by every test."""

from __future__ import annotations

import pytest

from podlb_component.testing.fixtures import bce_settings, fake_bce  # noqa: F401


@pytest.fixture(autouse=True)
def _no_ambient_bce_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never reach a real cloud: BCE_* variables from the developer's shell are removed."""
    for var in ("BCE_ACCESS_KEY_ID", "BCE_SECRET_ACCESS_KEY", "BCE_REGION", "BCE_ENDPOINT", "PODLB_OFFLINE"):
        monkeypatch.delenv(var, raising=False)
