"""`podlb sandbox` with envtest's binaries only: etcd and kube-apiserver laid out as
`setup-envtest use -p path` lays them out (no kube-controller-manager), found through
KUBEBUILDER_ASSETS and through setup-envtest's default store under HOME. A pod-direct
LoadBalancer Service gets its Endpoints (from the sandbox, standing in for the endpoints
controller) and its address (from the LB-controller stand-in); a foreground delete finishes;
Ctrl-C stops everything within a bound, saying what it stops, and removes the env file.

Needs PODLB_TOOLCHAIN_BIN (`bash .ci/toolchain`), where the two binaries are copied from; fails
without it."""

from __future__ import annotations

import os
import platform
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from kubernetes import client, config
from kubernetes.client.exceptions import ApiException

from podlb_component.cce_annotations import BACKEND_TYPE, LOAD_BALANCER_ID

STOP_BOUND = 15.0  # seconds from the signal to the exit: each process gets 5 s before SIGKILL
GOARCH = {"x86_64": "amd64", "aarch64": "arm64"}


@pytest.fixture(scope="module")
def toolchain_dir() -> Path:
    given = os.environ.get("PODLB_TOOLCHAIN_BIN", "")
    absent = [n for n in ("etcd", "kube-apiserver") if not given or not (Path(given) / n).is_file()]
    if absent:
        pytest.fail(
            f"PODLB_TOOLCHAIN_BIN={given!r} lacks {absent}: run `export PODLB_TOOLCHAIN_BIN=$(bash .ci/toolchain)`"
        )
    return Path(given)


def envtest_version(toolchain: Path) -> str:
    out = subprocess.run([str(toolchain / "kube-apiserver"), "--version"], capture_output=True, text=True).stdout
    return out.split()[-1].lstrip("v")  # "Kubernetes v1.37.2"


def lay_out_envtest(store_k8s: Path, toolchain: Path) -> Path:
    """<store>/k8s/<version>-<os>-<arch>/{etcd,kube-apiserver}, read-only as setup-envtest leaves it."""
    folder = store_k8s / f"{envtest_version(toolchain)}-linux-{GOARCH[platform.machine()]}"
    folder.mkdir(parents=True)
    for name in ("etcd", "kube-apiserver"):  # envtest ships no kube-controller-manager
        shutil.copy2(toolchain / name, folder / name)
        (folder / name).chmod(0o555)
    folder.chmod(0o555)
    return folder


def remove_tree(path: Path) -> None:
    for folder in [path, *(p for p in path.rglob("*") if p.is_dir())]:
        folder.chmod(0o755)
    shutil.rmtree(path)


@pytest.fixture
def envtest_root(tmp_path: Path) -> Iterator[Path]:
    """A folder the binaries' copies go under, removed after the test (they are 200 MB)."""
    root = tmp_path / "envtest"
    root.mkdir()
    yield root
    remove_tree(root)


def child_env(**overrides: str) -> dict[str, str]:
    """This environment without any way to the toolchain or envtest, plus `overrides`."""
    env = {
        k: v for k, v in os.environ.items() if k not in ("PODLB_TOOLCHAIN_BIN", "KUBEBUILDER_ASSETS", "XDG_DATA_HOME")
    }
    return {**env, **overrides}


class SandboxRun:
    """`podlb sandbox ARGS` in a process group of its own, as a terminal runs a foreground job."""

    def __init__(
        self,
        env_file: Path,
        *args: str,
        env: dict[str, str] | None = None,
        podlb: list[str] | None = None,
        cwd: Path | None = None,
    ) -> None:
        """`podlb` is the command (default: this interpreter's podlb)."""
        self.env_file = env_file
        command = podlb or [sys.executable, "-m", "podlb_component"]
        self.proc = subprocess.Popen(
            [*command, "sandbox", "--env-file", str(env_file), *args],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, start_new_session=True, cwd=cwd,
        )  # fmt: skip
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line)

    @property
    def output(self) -> str:
        return "".join(self.lines)

    def wait_ready(self, timeout: float = 120) -> dict[str, str]:
        deadline = time.monotonic() + timeout
        # the last startup line (after the env file is written) says how to stop it
        while "stop: " not in self.output and self.proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.2)
        assert self.env_file.exists(), f"no env file; exit {self.proc.poll()}:\n{self.output}"
        return dict(line.split("=", 1) for line in self.env_file.read_text().splitlines() if line)

    def stop(self, signum: signal.Signals, group: bool = False) -> float:
        """Send `signum` (to the whole process group, as Ctrl-C in a terminal does, with `group`);
        returns the seconds until the process exited."""
        began = time.monotonic()
        if group:
            os.killpg(self.proc.pid, signum)
        else:
            self.proc.send_signal(signum)
        try:
            self.proc.wait(STOP_BOUND + 30)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
        self._reader.join(5)
        return time.monotonic() - began

    def kill(self) -> None:
        """After a failure: SIGTERM (so it still cleans up), SIGKILL if that takes too long."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(STOP_BOUND)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def core(kubeconfig: str) -> client.CoreV1Api:
    return client.CoreV1Api(config.new_client_from_config(config_file=kubeconfig))


def wait_for(what: str, check: object, timeout: float = 30) -> None:
    assert callable(check)
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"{what}: not within {timeout:.0f} s"
        time.sleep(0.25)


def assert_all_gone(run: SandboxRun, work_dir: Path) -> None:
    assert not run.env_file.exists(), run.output
    assert not work_dir.exists(), run.output
    pids = subprocess.run(["pgrep", "-f", str(work_dir)], capture_output=True, text=True, check=False).stdout
    assert pids == "", f"processes left running: {pids}"


def gone(read: Callable[[str, str], object], name: str, namespace: str = "default") -> bool:
    try:
        read(name, namespace)
    except ApiException as exc:
        if exc.status == 404:
            return True
        raise
    return False


def pod_direct_service(name: str) -> dict[str, object]:
    return {
        "metadata": {"name": name, "labels": {"app": name}, "annotations": {BACKEND_TYPE: "eni"}},
        "spec": {"type": "LoadBalancer", "selector": {"app": name}, "ports": [{"port": 80, "targetPort": 8080}]},
    }


def test_kubebuilder_assets_endpoints_address_and_ctrl_c(toolchain_dir: Path, envtest_root: Path) -> None:
    assets = lay_out_envtest(envtest_root / "k8s", toolchain_dir)
    env_file = envtest_root / "sandbox.env"
    run = SandboxRun(env_file, "--cluster-id", "cce-envtest1", env=child_env(KUBEBUILDER_ASSETS=str(assets)))
    try:
        env = run.wait_ready()
        out = run.output
        assert f"etcd and kube-apiserver from {assets} (found via KUBEBUILDER_ASSETS)" in out
        assert f"no kube-controller-manager in {assets}: the sandbox keeps Services' Endpoints itself" in out
        assert f"stop: `kill {run.proc.pid}`" in out  # not in a terminal's foreground
        work_dir = Path(env["KUBECONFIG"]).parent
        api = core(env["KUBECONFIG"])
        api.create_namespaced_service("default", pod_direct_service("web"))

        def endpoints_and_address() -> bool:
            try:
                endpoints = api.read_namespaced_endpoints("web", "default")
            except ApiException:
                return False
            svc = api.read_namespaced_service("web", "default")
            assert not endpoints.subsets, "no Pod is selected: an Endpoints with no subsets"
            assert endpoints.metadata.labels["endpoints.kubernetes.io/managed-by"] == "endpoint-controller"
            return bool(svc.status.load_balancer.ingress and LOAD_BALANCER_ID in svc.metadata.annotations)

        wait_for("the Service's Endpoints and LB address", endpoints_and_address)
        # pulumi-kubernetes deletes in the foreground: with no garbage collector that must still finish
        api.delete_namespaced_service("web", "default", propagation_policy="Foreground")
        wait_for("the Service deleted", lambda: gone(api.read_namespaced_service, "web"), timeout=10)
        wait_for("its Endpoints deleted", lambda: gone(api.read_namespaced_endpoints, "web"), timeout=10)

        took = run.stop(signal.SIGINT, group=True)
    finally:
        run.kill()
    assert run.proc.returncode == 0, run.output
    assert took < STOP_BOUND, f"stopping took {took:.1f} s:\n{run.output}"
    stopping = run.output.split("podlb sandbox: stopping (SIGINT)", 1)[1]
    for step in ("the cce-lb-controller stand-in", "the endpoints stand-in", "kube-apiserver (pid", "etcd (pid",
                 "the fake BCE API"):  # fmt: skip
        assert f"podlb sandbox: stopping {step}" in stopping, run.output
    assert f"podlb sandbox: removed {env_file}" in stopping and "podlb sandbox: stopped in" in stopping
    assert_all_gone(run, work_dir)


def test_setup_envtests_default_store_under_home(toolchain_dir: Path, envtest_root: Path) -> None:
    home = envtest_root / "home"
    k8s = home / ".local" / "share" / "kubebuilder-envtest" / "k8s"
    found = lay_out_envtest(k8s, toolchain_dir)
    (k8s / f"1.99.0-linux-{GOARCH[platform.machine()]}").mkdir()  # newer but empty: skipped
    (k8s / "1.99.1-darwin-arm64").mkdir()  # another platform
    env_file = envtest_root / "sandbox.env"
    run = SandboxRun(env_file, "--control-plane", env=child_env(HOME=str(home)))
    try:
        env = run.wait_ready()
        assert f"etcd and kube-apiserver from {found} (found via setup-envtest's store)" in run.output
        assert core(env["KUBECONFIG"]).read_namespace("kube-system").metadata.name == "kube-system"
        work_dir = Path(env["KUBECONFIG"]).parent
        took = run.stop(signal.SIGTERM)
    finally:
        run.kill()
    assert run.proc.returncode == 0 and took < STOP_BOUND, run.output
    assert "podlb sandbox: stopping (SIGTERM)" in run.output
    assert_all_gone(run, work_dir)
