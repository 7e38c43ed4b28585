"""End-to-end fixtures: the real `pulumi` CLI (local file backend, offline) against
`podlb sandbox` — etcd, kube-apiserver and kube-controller-manager from the toolchain that
`bash .ci/toolchain` builds, the fake BCE, and the LB-controller stand-in.

The toolchain directory comes from PODLB_TOOLCHAIN_BIN (the README's test command sets it).
Without it these tests skip on a developer's machine and fail in CI (CI=true).

At the end of the session, no process that a test's CLI started may still be running: each
carries its CLI's PULUMI_HOME in its environment (see processes.py). Any that are get reported,
fail the run, and are killed. The suite runs under pytest-xdist (`-n auto`): each worker has its
own sandbox and release; builds from the clone take turns (tests/support/one_build.py).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from podlb_component.sandbox import ClusterSeed, Sandbox

from . import processes
from .cli import HOMES, PulumiCli
from .release import Mirror, Release, build_release, serve

NEEDED = (
    "pulumi",
    "pulumi-language-python",
    "pulumi-language-nodejs",
    "pulumi-language-yaml",
    "pulumi-language-go",
    "pulumi-resource-kubernetes",
    "etcd",
    "kube-apiserver",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        path = str(item.fspath).replace(os.sep, "/")
        if "tests/e2e/" in path and not path.endswith("/test_processes.py"):  # that one needs no toolchain
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


@pytest.fixture(scope="session", autouse=True)
def _nothing_left_running() -> Iterator[None]:
    """Fail the run if anything a PulumiCli started outlived the tests: a plugin left behind by a
    killed CLI, say. What is found is reported and then killed, so nothing leaks either way. Set
    up first, so torn down last; a failure here is an error of the session's last e2e test, which
    reaches the run's result under pytest-xdist too (a worker's exit status doesn't)."""
    yield
    left = processes.still_running("PULUMI_HOME", [str(home) for home in HOMES])
    if not left:
        return
    lines = [f"PULUMI_HOME={home}: {processes.describe(pid)}" for home, pids in sorted(left.items()) for pid in pids]
    survivors = processes.kill_and_wait(pid for pids in left.values() for pid in pids)
    lines += [f"still alive after SIGKILL: {processes.describe(pid)}" for pid in survivors]
    title = f"{sum(map(len, left.values()))} process(es) started by the e2e tests still running (now killed)"
    pytest.fail("\n".join([title, *lines]), pytrace=False)


@pytest.fixture(scope="session")
def release(toolchain_bin: Path, tmp_path_factory: pytest.TempPathFactory) -> Release:
    """What `.ci/release.py` builds (wheel, sdist, plugin tarballs, SDKs), once per session."""
    return build_release(tmp_path_factory.mktemp("release"), toolchain_bin / "pulumi")


@pytest.fixture
def mirror(release: Release) -> Iterator[Mirror]:
    """The release on 127.0.0.1, as a team's mirror of it serves it."""
    with serve(release.plugins) as served:
        yield served


@pytest.fixture
def npm(pulumi: PulumiCli) -> PulumiCli:
    """The CLI with npm offline, on the npm cache the toolchain filled from the example's lock."""
    cache = pulumi.toolchain_bin / "npm-cache"
    if not (cache / ".filled").is_file():
        missing = f"{cache} is not filled: run `bash .ci/toolchain`"
        if os.environ.get("CI"):
            pytest.fail(missing)
        pytest.skip(missing)
    pulumi.env_overrides.update(
        npm_config_cache=str(cache), npm_config_offline="true", npm_config_audit="false", npm_config_fund="false",
        npm_config_update_notifier="false",
    )  # fmt: skip
    return pulumi
