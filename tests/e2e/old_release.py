"""podlb 0.2.0 (the last release with dynamic resources), installed from this repository's
history into a virtualenv of its own: for the migration tests and the real-engine benchmarks."""

from __future__ import annotations

import io
import subprocess
import sys
import tarfile
from pathlib import Path

from .cli import REPO

OLD_COMMIT = "6d2246a9fae270f340ea69480119d901070954b6"
"""main when podlb was 0.2.0, the last version with dynamic resources."""


def _full(commit: str) -> str:
    done = subprocess.run(["git", "-C", str(REPO), "rev-parse", commit], capture_output=True, text=True, check=False)
    assert done.returncode == 0, f"podlb 0.2.0 ({commit}) is not in this clone's history: {done.stderr}"
    return done.stdout.strip()


def install_old_podlb(root: Path) -> Path:
    """A virtualenv under `root` with podlb 0.2.0 and the same other packages as this one."""
    archive = subprocess.run(
        ["git", "-C", str(REPO), "archive", "--format=tar", _full(OLD_COMMIT)], capture_output=True, check=True
    ).stdout
    source = root / "src"
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(source, filter="data")
    venv = root / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pins = subprocess.run(
        [sys.executable, "-m", "pip", "freeze", "--exclude", "podlb", "--exclude-editable"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    (root / "pins.txt").write_text(pins)
    install = subprocess.run(
        [str(venv / "bin" / "pip"), "install", "-q", str(source), "-c", str(root / "pins.txt")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert install.returncode == 0, install.stderr[-3000:]
    version = subprocess.run(
        [str(venv / "bin" / "python"), "-c", "import importlib.metadata as m; print(m.version('podlb'))"],
        capture_output=True,
        text=True,
        check=True,
        cwd=root,  # not this clone, whose podlb.egg-info would answer
    ).stdout.strip()
    assert version == "0.2.0", version
    return venv
