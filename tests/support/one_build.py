"""Builds from this clone write into it (`build/`, `podlb.egg-info/`): under pytest-xdist two
tests' builds could run at once and race there, so each holds this lock while it builds."""

from __future__ import annotations

import fcntl
import hashlib
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


@contextmanager
def one_build_at_a_time(repo: Path = REPO) -> Iterator[None]:
    """Hold the clone's build lock (a file in the temp folder, one per clone) while inside."""
    name = hashlib.sha256(str(repo.resolve()).encode()).hexdigest()[:16]
    with open(Path(tempfile.gettempdir()) / f"podlb-build-{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
