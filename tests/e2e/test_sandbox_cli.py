"""`podlb sandbox --control-plane` as a user runs it: it writes the env file, the API server it
started answers, the ip-masq ConfigMap is there under the installer's field manager, the
toolchain's kube-controller-manager runs, and on SIGTERM it says what it stops and every process,
the env file and the temp dir are gone."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

from kubernetes import client, config

from podlb_component.sandbox import INSTALLER_FIELD_MANAGER


def read_env(path: Path) -> dict[str, str]:
    return dict(line.split("=", 1) for line in path.read_text().splitlines() if line)


def test_sandbox_command_starts_and_cleans_up(toolchain_bin: Path, tmp_path: Path) -> None:
    env_file = tmp_path / "sandbox.env"
    proc = subprocess.Popen(
        [sys.executable, "-m", "podlb_component", "sandbox", "--control-plane", str(toolchain_bin),
         "--env-file", str(env_file), "--cluster-id", "cce-clitest1"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        while not env_file.exists() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.5)
        assert env_file.exists(), proc.stdout.read() if proc.poll() is not None and proc.stdout else "no env file"
        env = read_env(env_file)
        assert env["PODLB_CLUSTER_ID"] == "cce-clitest1" and env["BCE_ENDPOINT"].startswith("http://127.0.0.1:")
        assert env_file.stat().st_mode & 0o077 == 0, "the env file holds a secret key: owner-only"
        api = client.CoreV1Api(config.new_client_from_config(config_file=env["KUBECONFIG"]))
        cm = api.read_namespaced_config_map("cce-ip-masq-agent", "kube-system")
        assert [m.manager for m in cm.metadata.managed_fields] == [INSTALLER_FIELD_MANAGER]
        work_dir = Path(env["KUBECONFIG"]).parent
        assert work_dir.is_dir()
    finally:
        proc.send_signal(signal.SIGTERM)
        output, _ = proc.communicate(timeout=90)
    assert proc.returncode == 0, output
    assert f"kube-controller-manager from {toolchain_bin} keeps Endpoints" in output  # the toolchain has one
    assert "podlb sandbox: created kube-system/cce-ip-masq-agent" in output
    assert "podlb sandbox: stopping (SIGTERM)" in output and "podlb sandbox: stopping kube-controller-manager" in output
    assert f"podlb sandbox: removed {env_file}" in output and "podlb sandbox: stopped in" in output
    assert not env_file.exists() and not work_dir.exists()
    pids = subprocess.run(["pgrep", "-f", str(work_dir)], capture_output=True, text=True, check=False).stdout
    assert pids == "", f"processes left running: {pids}"
