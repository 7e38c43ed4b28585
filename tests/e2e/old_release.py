"""Earlier podlb releases, installed from this repository's history into virtualenvs of their
own: for the upgrade tests and the real-engine benchmarks."""

from __future__ import annotations

import io
import subprocess
import sys
import tarfile
from pathlib import Path

from .cli import REPO

RELEASES = {
    "0.2.0": "6d2246a9fae270f340ea69480119d901070954b6",  # the last with dynamic resources
    "0.3.0": "e2772960dcb980451a9a0dddd1d7da2d060beda9",  # the provider plugin, set up by `podlb install-plugin`
}
"""main at each release."""


def _full(commit: str) -> str:
    done = subprocess.run(["git", "-C", str(REPO), "rev-parse", commit], capture_output=True, text=True, check=False)
    assert done.returncode == 0, f"{commit} is not in this clone's history: {done.stderr}"
    return done.stdout.strip()


def install_release(root: Path, version: str) -> Path:
    """A virtualenv under `root` with podlb `version` and the same other packages as this one."""
    archive = subprocess.run(
        ["git", "-C", str(REPO), "archive", "--format=tar", _full(RELEASES[version])], capture_output=True, check=True
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
    installed = subprocess.run(
        [str(venv / "bin" / "python"), "-c", "import importlib.metadata as m; print(m.version('podlb'))"],
        capture_output=True,
        text=True,
        check=True,
        cwd=root,  # not this clone, whose podlb.egg-info would answer
    ).stdout.strip()
    assert installed == version, installed
    return venv


def install_old_podlb(root: Path) -> Path:
    """podlb 0.2.0 (dynamic resources)."""
    return install_release(root, "0.2.0")
