"""`podlb sandbox`: a local stand-in for a CCE cluster, for tests and for trying podlb.

It starts the fake BCE API (seeded with one CCE cluster, its security groups and the LB
controller add-on), a stand-in for cce-lb-controller watching a kubeconfig, and — with a
directory holding etcd and kube-apiserver (envtest's, or podlb's toolchain: see
`control_plane.find_binaries`) — a control plane of its own on 127.0.0.1. Wherever the
`kube-system/cce-ip-masq-agent` ConfigMap is missing it creates it as CCE's installer does (and
never touches one that exists). It writes an env file (kubeconfig, BCE endpoint and credentials,
cluster id) and cleans up everything it started.
"""

from __future__ import annotations

import secrets
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..cluster.ipmasq import CCE_DEFAULT_CONFIG, IP_MASQ_CONFIGMAP, IP_MASQ_DATA_KEY, IP_MASQ_NAMESPACE
from .control_plane import Binaries, ControlPlane, ControlPlaneError, Progress, find_binaries, quiet
from .fake_bce import FakeBce, FakeBceState
from .lb_controller import StandInLbController

INSTALLER_FIELD_MANAGER = "cce-installer"
__all__ = ["Binaries", "ClusterSeed", "ControlPlaneError", "Sandbox", "find_binaries"]


@dataclass(frozen=True)
class ClusterSeed:
    """The CCE cluster the fake BCE reports."""

    cluster_id: str = "cce-sandbox1"
    network_mode: str = "vpc-route-ipvlan"
    vpc_cidr: str = "192.168.0.0/16"
    node_security_groups: tuple[str, ...] = ("g-sandboxnode",)
    eni_security_groups: tuple[str, ...] = ()
    lb_controller_version: str = "1.3.13"
    master_type: str = "managed"

    @staticmethod
    def from_mapping(data: Mapping[str, Any]) -> ClusterSeed:
        known = {f for f in ClusterSeed.__dataclass_fields__}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown cluster seed key(s) {sorted(unknown)}: expected some of {sorted(known)}")
        values = {k: tuple(v) if isinstance(v, list) else v for k, v in data.items()}
        return ClusterSeed(**values)  # type: ignore[arg-type]


@dataclass
class Sandbox:
    cluster: ClusterSeed = field(default_factory=ClusterSeed)
    control_plane_bin: Path | None = None
    """A directory with etcd and kube-apiserver (envtest's, or `bash .ci/toolchain`'s, which has
    kube-controller-manager too): start a control plane from there."""
    kubeconfig: Path | None = None
    """An existing cluster (kind, k3d, minikube) to watch instead of a control plane of our own."""
    work_dir: Path | None = None
    seed_file: Path | None = None
    """Seed YAML for the fake BCE (credentials, groups, clusters), instead of `cluster`."""

    fake: FakeBce | None = None
    control_plane: ControlPlane | None = None
    controller: StandInLbController | None = None
    access_key_id: str = ""
    secret_access_key: str = field(default="", repr=False)
    report: Progress = field(default=quiet, repr=False)
    """Told, a line at a time, what start did that a user should know (what keeps Endpoints, the
    ip-masq ConfigMap made or found)."""
    _own_work_dir: bool = False

    def start(self) -> Sandbox:
        if self.control_plane_bin is None and self.kubeconfig is None:
            raise ValueError("give a kubeconfig to watch, or --control-plane BIN_DIR to start an API server")
        if self.work_dir is None:
            self.work_dir = Path(tempfile.mkdtemp(prefix="podlb-sandbox-"))
            self._own_work_dir = True
        try:
            self._start_fake()
            if self.control_plane_bin is not None:
                self.control_plane = ControlPlane(Path(self.control_plane_bin), self.work_dir)
                self.control_plane.start()
                self.kubeconfig = self.control_plane.kubeconfig
                self.report(self._endpoints_note())
            assert self.kubeconfig is not None
            try:
                self._ensure_ip_masq_configmap()
            except Exception as exc:  # unreachable, refused, a kubeconfig it can't read: one line, no traceback
                status = getattr(exc, "status", None)  # kubernetes' ApiException: "(403)\nReason: …\nHTTP response…"
                text = f"HTTP {status} {getattr(exc, 'reason', '')}" if status else str(exc).strip()
                reason = text.splitlines()[0] if text else type(exc).__name__
                raise ControlPlaneError(
                    f"checking {IP_MASQ_NAMESPACE}/{IP_MASQ_CONFIGMAP} through {self.kubeconfig} failed: {reason}"
                ) from exc
            self.controller = StandInLbController(str(self.kubeconfig), self.cluster.vpc_cidr).start()
        except BaseException:
            self.stop()
            raise
        return self

    def _endpoints_note(self) -> str:
        assert self.control_plane is not None
        where = self.control_plane.bin_dir
        if self.control_plane.controller_manager:
            return f"kube-controller-manager from {where} keeps Endpoints, namespaces and garbage collection"
        return (
            f"no kube-controller-manager in {where}: the sandbox keeps Services' Endpoints itself and the "
            "API server deletes without garbage collection (a deleted namespace stays Terminating)"
        )

    def _start_fake(self) -> None:
        if self.seed_file is not None:
            state = FakeBceState.from_seed(self.seed_file)
            self.access_key_id, self.secret_access_key = next(iter(state.credentials.items()))
        else:
            self.access_key_id = "AKsandbox" + secrets.token_hex(6)
            self.secret_access_key = secrets.token_hex(16)
            state = FakeBceState(credentials={self.access_key_id: self.secret_access_key})
            c = self.cluster
            state.add_cce_cluster(
                c.cluster_id,
                c.network_mode,
                vpc_cidr=c.vpc_cidr,
                node_security_groups=c.node_security_groups,
                eni_security_groups=c.eni_security_groups,
                lb_controller=c.lb_controller_version,
                master_type=c.master_type,
            )
        self.fake = FakeBce(state).start()

    def _ensure_ip_masq_configmap(self) -> bool:
        """Create kube-system/cce-ip-masq-agent with CCE's default document (CCE doc ikhe6h1bc), as
        CCE's installer does, when the cluster has none; one that exists is left as it is. Returns
        whether it was created."""
        from kubernetes import client, config
        from kubernetes.client.exceptions import ApiException

        assert self.kubeconfig is not None
        api = client.CoreV1Api(config.new_client_from_config(config_file=str(self.kubeconfig)))  # type: ignore[no-untyped-call]
        name = f"{IP_MASQ_NAMESPACE}/{IP_MASQ_CONFIGMAP}"
        try:
            api.read_namespaced_config_map(IP_MASQ_CONFIGMAP, IP_MASQ_NAMESPACE)
            self.report(f"{name} exists: left as it is")
            return False
        except ApiException as exc:
            if exc.status != 404:
                raise
        body: Any = {
            "metadata": {
                "name": IP_MASQ_CONFIGMAP,
                "namespace": IP_MASQ_NAMESPACE,
                "labels": {"addonmanager.kubernetes.io/mode": "EnsureExists"},
            },
            "data": {IP_MASQ_DATA_KEY: CCE_DEFAULT_CONFIG},
        }
        try:
            api.create_namespaced_config_map(IP_MASQ_NAMESPACE, body, field_manager=INSTALLER_FIELD_MANAGER)
        except ApiException as exc:
            if exc.status != 409:  # made meanwhile by someone else: theirs stays
                raise
            self.report(f"{name} exists: left as it is")
            return False
        stays = " (it stays in your cluster when the sandbox stops)" if self.control_plane is None else ""
        self.report(f"created {name} with CCE's default document, as CCE's installer does{stays}")
        return True

    def env(self) -> dict[str, str]:
        """What `pulumi` and tests need to reach the sandbox."""
        assert self.fake is not None and self.kubeconfig is not None
        return {
            "KUBECONFIG": str(self.kubeconfig),
            "BCE_ACCESS_KEY_ID": self.access_key_id,
            "BCE_SECRET_ACCESS_KEY": self.secret_access_key,
            "BCE_ENDPOINT": self.fake.endpoint,
            "PODLB_CLUSTER_ID": self.cluster.cluster_id,
        }

    def env_file_text(self) -> str:
        return "".join(f"{k}={v}\n" for k, v in self.env().items())

    def write_env_file(self, path: Path) -> Path:
        path.write_text(self.env_file_text())
        path.chmod(0o600)  # it holds the fake's secret key
        return path

    def stop(self, progress: Progress = quiet) -> None:
        """Stop what start started, last first, telling `progress` what it is stopping."""
        if self.controller is not None:
            progress("stopping the cce-lb-controller stand-in")
            self.controller.stop()
        if self.control_plane is not None:
            self.control_plane.stop(progress)
        if self.fake is not None:
            progress(f"stopping the fake BCE API ({self.fake.endpoint})")
            self.fake.stop()
        self.controller = self.control_plane = self.fake = None
        if self._own_work_dir and self.work_dir is not None and self.work_dir.exists():
            progress(f"removing {self.work_dir}")
            shutil.rmtree(self.work_dir, ignore_errors=True)

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def parse_groups(value: str | None) -> Sequence[str]:
    return tuple(g for g in (value or "").split(",") if g)
