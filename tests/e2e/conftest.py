"""End-to-end fixtures: the real `pulumi` CLI (local file backend, offline) against
`podlb sandbox` — etcd, kube-apiserver and kube-controller-manager from the toolchain that
`bash .ci/toolchain` builds, the fake BCE, and the LB-controller stand-in.

The toolchain directory comes from PODLB_TOOLCHAIN_BIN (the README's test command sets it).
Without it these tests skip on a developer's machine and fail in CI (CI=true).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from podlb_component.sandbox import ClusterSeed, Sandbox

from .cli import PulumiCli

NEEDED = ("pulumi", "pulumi-language-python", "pulumi-resource-kubernetes", "etcd", "kube-apiserver")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/e2e/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def toolchain_bin() -> Path:
    given = os.environ.get("PODLB_TOOLCHAIN_BIN")
    missing = "PODLB_TOOLCHAIN_BIN is not set: run `export PODLB_TOOLCHAIN_BIN=$(bash .ci/toolchain)`"
    if given:
        absent = [n for n in NEEDED if not (Path(given) / n).is_file()]
        missing = "" if not absent else f"PODLB_TOOLCHAIN_BIN={given} lacks {absent}: run `bash .ci/toolchain`"
    if missing:
        if os.environ.get("CI"):
            pytest.fail(missing)
        pytest.skip(missing)
    return Path(given or "")


@pytest.fixture(scope="session")
def sandbox(toolchain_bin: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    """One control plane for the session; each test seeds the clusters it needs."""
    seed = ClusterSeed(cluster_id="cce-e2e00000")
    with Sandbox(seed, control_plane_bin=toolchain_bin, work_dir=tmp_path_factory.mktemp("sandbox")) as box:
        yield box


@pytest.fixture
def pulumi(sandbox: Sandbox, toolchain_bin: Path, tmp_path: Path) -> Iterator[PulumiCli]:
    cli = PulumiCli(toolchain_bin, sandbox, tmp_path)
    yield cli
    cli.cleanup()
