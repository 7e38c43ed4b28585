"""podlb's version, as the installed distribution states it (pyproject.toml's)."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    VERSION = version("podlb")
except PackageNotFoundError:  # run from a source tree that was never installed
    VERSION = "0.0.0"
