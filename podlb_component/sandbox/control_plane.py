"""etcd, kube-apiserver and kube-controller-manager on 127.0.0.1, with no kubelet.

As controller-runtime's envtest runs a control plane: etcd with loopback URLs, an API server
with its own CA (serving cert for 127.0.0.1/localhost, an admin client cert in
`system:masters`, RBAC on), and a controller manager limited to the controllers a cluster
without nodes still needs (Endpoints for Services, namespace deletion, garbage collection,
service-account tokens). Certificates are made with the `openssl` command.
"""

from __future__ import annotations

import ctypes
import signal
import socket
import ssl
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

CONTROLLERS = ",".join(
    f"{name}-controller"
    for name in (
        "endpoints",
        "endpointslice",
        "namespace",
        "garbage-collector",
        "serviceaccount",
        "serviceaccount-token",
    )
)
SERVICE_CIDR = "10.96.0.0/24"  # only allocated from, never routed


class ControlPlaneError(RuntimeError):
    pass


def _die_with_parent() -> None:
    """In the child: get SIGTERM when the process that started it dies (Linux), so a killed
    sandbox or test run leaves no etcd or API server behind."""
    if sys.platform.startswith("linux"):
        pr_set_pdeathsig = 1
        ctypes.CDLL(None).prctl(pr_set_pdeathsig, signal.SIGTERM)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _openssl(*args: str, cwd: Path) -> None:
    done = subprocess.run(["openssl", *args], cwd=cwd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise ControlPlaneError(f"openssl {' '.join(args[:2])} failed: {done.stderr.strip()}")


def make_certificates(pki: Path) -> None:
    """ca.{crt,key}; apiserver.{crt,key} for 127.0.0.1 and localhost; admin.{crt,key}
    (CN=podlb-sandbox-admin, O=system:masters); sa.{key,pub} for service-account tokens."""
    pki.mkdir(parents=True, exist_ok=True)
    # The extensions Python 3.13's default TLS context insists on (VERIFY_X509_STRICT): a CA with
    # key usage, leaf certificates that name the key of the CA that signed them.
    _openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=podlb-sandbox-ca",
             "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
             "-addext", "subjectKeyIdentifier=hash", "-keyout", "ca.key", "-out", "ca.crt", cwd=pki)  # fmt: skip
    leaf = (
        "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n"
        "subjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid,issuer\n"
    )
    (pki / "apiserver.ext").write_text(
        leaf + "subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes.default.svc\nextendedKeyUsage=serverAuth\n"
    )
    (pki / "client.ext").write_text(leaf + "extendedKeyUsage=clientAuth\n")
    for name, subject, ext in (
        ("apiserver", "/CN=kube-apiserver", "apiserver.ext"),
        ("admin", "/O=system:masters/CN=podlb-sandbox-admin", "client.ext"),
    ):
        _openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", subject, "-keyout", f"{name}.key",
                 "-out", f"{name}.csr", cwd=pki)  # fmt: skip
        _openssl("x509", "-req", "-in", f"{name}.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
                 "-days", "2", "-extfile", ext, "-out", f"{name}.crt", cwd=pki)  # fmt: skip
    _openssl("genrsa", "-out", "sa.key", "2048", cwd=pki)
    _openssl("rsa", "-in", "sa.key", "-pubout", "-out", "sa.pub", cwd=pki)


def kubeconfig_text(server: str, pki: Path) -> str:
    return f"""apiVersion: v1
kind: Config
clusters:
- name: podlb-sandbox
  cluster:
    server: {server}
    certificate-authority: {pki / "ca.crt"}
users:
- name: podlb-sandbox-admin
  user:
    client-certificate: {pki / "admin.crt"}
    client-key: {pki / "admin.key"}
contexts:
- name: podlb-sandbox
  context: {{cluster: podlb-sandbox, user: podlb-sandbox-admin}}
current-context: podlb-sandbox
"""


@dataclass
class ControlPlane:
    bin_dir: Path
    work_dir: Path
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)
    logs: list[IO[bytes]] = field(default_factory=list)
    server: str = ""
    kubeconfig: Path = Path()
    apiserver_ports: tuple[int, int] = (0, 0)
    """(etcd's client port, the API server's port) the running API server was started with."""

    def _spawn(self, name: str, args: list[str]) -> subprocess.Popen[bytes]:
        binary = self.bin_dir / name
        if not binary.is_file():
            raise ControlPlaneError(f"{binary} does not exist: build it with `bash .ci/toolchain`")
        log = (self.work_dir / f"{name}.log").open("wb")
        self.logs.append(log)
        proc = subprocess.Popen(
            [str(binary), *args],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            preexec_fn=_die_with_parent,
        )
        self.processes.append(proc)
        return proc

    def start(self, timeout: float = 90.0) -> ControlPlane:
        pki = self.work_dir / "pki"
        make_certificates(pki)
        etcd_port, peer_port, api_port = free_port(), free_port(), free_port()
        self._spawn("etcd", [
            "--data-dir", str(self.work_dir / "etcd"), "--name", "sandbox",
            "--listen-client-urls", f"http://127.0.0.1:{etcd_port}",
            "--advertise-client-urls", f"http://127.0.0.1:{etcd_port}",
            "--listen-peer-urls", f"http://127.0.0.1:{peer_port}",
            "--initial-advertise-peer-urls", f"http://127.0.0.1:{peer_port}",
            "--initial-cluster", f"sandbox=http://127.0.0.1:{peer_port}",
            "--listen-metrics-urls", f"http://127.0.0.1:{free_port()}",
            "--unsafe-no-fsync",
        ])  # fmt: skip
        self.server = f"https://127.0.0.1:{api_port}"
        self.start_apiserver(etcd_port, api_port)
        self.kubeconfig = self.work_dir / "kubeconfig"
        self.kubeconfig.write_text(kubeconfig_text(self.server, pki))
        self.wait_ready(timeout)
        self._spawn("kube-controller-manager", [
            "--kubeconfig", str(self.kubeconfig), "--bind-address", "127.0.0.1", "--secure-port", str(free_port()),
            "--controllers", CONTROLLERS, "--leader-elect=false", "--use-service-account-credentials=false",
            "--service-account-private-key-file", str(pki / "sa.key"), "--root-ca-file", str(pki / "ca.crt"),
            "--cluster-signing-cert-file", str(pki / "ca.crt"), "--cluster-signing-key-file", str(pki / "ca.key"),
        ])  # fmt: skip
        return self

    def start_apiserver(self, etcd_port: int, api_port: int) -> None:
        pki = self.work_dir / "pki"
        self._spawn("kube-apiserver", [
            "--etcd-servers", f"http://127.0.0.1:{etcd_port}",
            "--bind-address", "127.0.0.1", "--advertise-address", "127.0.0.1", "--secure-port", str(api_port),
            "--tls-cert-file", str(pki / "apiserver.crt"), "--tls-private-key-file", str(pki / "apiserver.key"),
            "--client-ca-file", str(pki / "ca.crt"), "--authorization-mode", "RBAC",
            "--service-account-issuer", "https://kubernetes.default.svc.cluster.local",
            "--service-account-key-file", str(pki / "sa.pub"),
            "--service-account-signing-key-file", str(pki / "sa.key"),
            "--service-cluster-ip-range", SERVICE_CIDR,
            # the `kubernetes` Service's endpoint would be 127.0.0.1, which the reconciler refuses
            "--endpoint-reconciler-type", "none",
            "--cert-dir", str(self.work_dir / "apiserver-certs"),
        ])  # fmt: skip
        self.apiserver_ports = (etcd_port, api_port)

    def wait_ready(self, timeout: float) -> None:
        pki = self.work_dir / "pki"
        context = ssl.create_default_context(cafile=str(pki / "ca.crt"))
        context.load_cert_chain(str(pki / "admin.crt"), str(pki / "admin.key"))
        deadline = time.monotonic() + timeout
        last = ""
        while time.monotonic() < deadline:
            for proc in self.processes:
                if proc.poll() is not None:
                    name = Path(str(proc.args[0])).name  # type: ignore[index]
                    tail = (self.work_dir / f"{name}.log").read_text(errors="replace").splitlines()[-3:]
                    raise ControlPlaneError(f"{name} exited ({proc.returncode}): " + "\n".join(tail))
            try:
                with urllib.request.urlopen(f"{self.server}/readyz", context=context, timeout=5) as reply:
                    if reply.status == 200:
                        return
            except OSError as exc:
                last = str(exc)
            time.sleep(0.5)
        raise ControlPlaneError(f"kube-apiserver not ready after {timeout:.0f} s ({last}): see {self.work_dir}")

    def stop(self) -> None:
        for proc in reversed(self.processes):
            if proc.poll() is None:
                proc.terminate()
        for proc in reversed(self.processes):
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self.processes.clear()
        for log in self.logs:
            log.close()
        self.logs.clear()
