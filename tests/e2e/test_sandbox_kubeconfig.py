"""`podlb sandbox --kubeconfig` against a cluster nobody prepared (a bare API server): it creates
kube-system/cce-ip-masq-agent with CCE's default document, as CCE's installer does, says so,
and leaves it when it stops; a ConfigMap that exists is never touched.

Needs PODLB_TOOLCHAIN_BIN (`bash .ci/toolchain`) for the API server; fails without it."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from podlb_component.sandbox import INSTALLER_FIELD_MANAGER
from podlb_component.sandbox.control_plane import ControlPlane

from .test_sandbox_envtest import STOP_BOUND, SandboxRun, child_env, core, toolchain_dir

__all__ = ["toolchain_dir"]  # the fixture, from there

# The document CCE ships, key for key (reference: the CCE guide's default cce-ip-masq-agent config).
CCE_DEFAULT = {
    "nonMasqueradeCIDRs": ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"],
    "masqOutBound": True,
    "masqOutBoundIPv6": True,
    "masqLinkLocal": False,
    "masqLinkLocalIPv6": False,
    "resyncInterval": "60s",
}
OPERATORS = "# ours\nnonMasqueradeCIDRs:\n  - 10.0.0.0/8\nmasqOutBound: false\nresyncInterval: 10s\n"


@pytest.fixture
def bare_api_server(toolchain_dir: Path, tmp_path: Path) -> Iterator[ControlPlane]:
    """etcd + kube-apiserver and nothing in them: no controller manager, no ip-masq ConfigMap."""
    work = tmp_path / "bare"
    work.mkdir()
    plane = ControlPlane(toolchain_dir, work, controller_manager=False).start()
    try:
        yield plane
    finally:
        plane.stop()


def sandbox_on(kubeconfig: Path, env_file: Path) -> SandboxRun:
    return SandboxRun(env_file, "--kubeconfig", str(kubeconfig), env=child_env())


def stopped(run: SandboxRun) -> str:
    took = run.stop(signal.SIGTERM)
    assert run.proc.returncode == 0 and took < STOP_BOUND, run.output
    assert not run.env_file.exists(), run.output
    return run.output


def test_a_missing_ip_masq_configmap_is_created_and_an_existing_one_left_alone(
    bare_api_server: ControlPlane, tmp_path: Path
) -> None:
    kubeconfig = bare_api_server.kubeconfig
    api = core(str(kubeconfig))
    assert not api.list_namespaced_config_map("kube-system", field_selector="metadata.name=cce-ip-masq-agent").items

    first = sandbox_on(kubeconfig, tmp_path / "first.env")
    try:
        assert first.wait_ready()["KUBECONFIG"] == str(kubeconfig)
        cm: Any = api.read_namespaced_config_map("cce-ip-masq-agent", "kube-system")
        out = stopped(first)
    finally:
        first.kill()
    assert "podlb sandbox: created kube-system/cce-ip-masq-agent with CCE's default document" in out
    assert "kube-apiserver" not in out and "etcd" not in out  # it started no control plane
    assert list(cm.data) == ["config"] and yaml.safe_load(cm.data["config"]) == CCE_DEFAULT
    assert [m.manager for m in cm.metadata.managed_fields] == [INSTALLER_FIELD_MANAGER]
    assert api.read_namespaced_config_map("cce-ip-masq-agent", "kube-system").data == cm.data  # stays after stop

    api.patch_namespaced_config_map("cce-ip-masq-agent", "kube-system", {"data": {"config": OPERATORS}})
    before = api.read_namespaced_config_map("cce-ip-masq-agent", "kube-system")
    second = sandbox_on(kubeconfig, tmp_path / "second.env")
    try:
        second.wait_ready()
        during = api.read_namespaced_config_map("cce-ip-masq-agent", "kube-system")
        out = stopped(second)
    finally:
        second.kill()
    assert "podlb sandbox: kube-system/cce-ip-masq-agent exists: left as it is" in out and "created" not in out
    after = api.read_namespaced_config_map("cce-ip-masq-agent", "kube-system")
    for seen in (during, after):
        assert seen.metadata.resource_version == before.metadata.resource_version
        assert seen.data == {"config": OPERATORS}
