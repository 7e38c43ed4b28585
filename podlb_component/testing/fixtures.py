"""pytest fixtures for your tests that talk to the fake BCE API. In your conftest.py:

from podlb_component.testing.fixtures import fake_bce, bce_settings  # noqa: F401

pytest is your test runner's, not a dependency of podlb: without it this module still imports
(and the fixtures are plain generator functions), so the installed wheel never needs it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TypeVar

from ..bce.security_groups import READ_CACHE
from ..bce.settings import BceSettings
from ..sandbox.fake_bce import FakeBce, FakeBceState

ACCESS_KEY_ID = "AKIDfakepodlb0001"
SECRET_ACCESS_KEY = "sk-fake-0123456789abcdef"  # a value tests search for in logs and state

_F = TypeVar("_F", bound=Callable[..., object])


def _fixture(function: _F) -> _F:
    try:
        import pytest
    except ImportError:  # nothing can ask for a fixture without pytest
        return function
    return pytest.fixture(function)  # type: ignore[return-value]


@_fixture
def fake_bce() -> Iterator[FakeBce]:
    """A running fake with one credential pair and no resources; seed it through `.state`.
    (podlb's per-process read cache is emptied: a new fake may reuse an old one's port.)"""
    READ_CACHE.clear()
    fake = FakeBce(FakeBceState(credentials={ACCESS_KEY_ID: SECRET_ACCESS_KEY}), hang_seconds=0.8)
    with fake:
        yield fake


@_fixture
def bce_settings(fake_bce: FakeBce) -> BceSettings:
    """Credentials and endpoint for bce-python-sdk clients aimed at the fake (short timeout,
    so a hang past it is seen quickly)."""
    return BceSettings(
        ACCESS_KEY_ID, SECRET_ACCESS_KEY, endpoint=fake_bce.endpoint, timeout_ms=500, retry_base_ms=10, gather_ms=0
    )
