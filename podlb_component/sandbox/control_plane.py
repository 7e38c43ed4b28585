"""etcd and kube-apiserver on 127.0.0.1, with no kubelet; kube-controller-manager when there is one.

As controller-runtime's envtest runs a control plane: etcd with loopback URLs, an API server
with its own CA (serving cert for 127.0.0.1/localhost, an admin client cert in
`system:masters`, RBAC on). Certificates are made with the `openssl` command.

The binaries are found the envtest way (`find_binaries`): envtest's downloads (setup-envtest)
hold etcd, kube-apiserver and kubectl but no kube-controller-manager. With one in the same
directory (podlb's toolchain), it runs limited to the controllers a cluster without nodes still
needs (Endpoints for Services, namespace deletion, garbage collection, service-account tokens).
Without one, `EndpointsStandIn` keeps Services' Endpoints as its endpoints controller would, and
the API server runs with its garbage collector off (nothing would finish foreground deletion).
"""

from __future__ import annotations

import ctypes
import platform
import re
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from .lb_controller import REQUEST_TIMEOUT

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
NEEDED = ("etcd", "kube-apiserver")
CONTROLLER_MANAGER = "kube-controller-manager"
STOP_GRACE = 5.0
"""Seconds a process gets after SIGTERM before SIGKILL. Nothing it holds outlives the sandbox
(the work dir goes), and kube-apiserver otherwise waits a minute or more on clients' open
watches (a `pulumi up` awaiting a Service, say) before it exits."""

Progress = Callable[[str], None]


def quiet(_: str) -> None:
    """A Progress that says nothing."""


class ControlPlaneError(RuntimeError):
    pass


GET_ENVTEST = (
    'export KUBEBUILDER_ASSETS="$(go run sigs.k8s.io/controller-runtime/tools/setup-envtest@latest use -p path)"'
)
"""The one line that gets envtest's binaries (setup-envtest downloads them and prints their folder)."""
GET_BINARIES = f"get envtest's with `{GET_ENVTEST}`, or use --kubeconfig with a cluster you run (kind, k3d, minikube)"
ENVTEST_DEFAULT_DIR = Path("/usr/local/kubebuilder/bin")
"""Where envtest looks when KUBEBUILDER_ASSETS is unset (controller-runtime
pkg/internal/testing/process/bin_path_finder.go, AssetsDefaultPath)."""
# A version folder in setup-envtest's store: `<major>.<minor>.<patch>-<os>-<arch>`
# (tools/setup-envtest/versions/platform.go: Platform.BaseName, VersionPlatformRE).
_STORE_ENTRY = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)-([0-9A-Za-z_]+)-([0-9A-Za-z_]+)$")
_GOARCH = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64", "i386": "386",
           "i686": "386", "armv7l": "arm", "ppc64le": "ppc64le", "s390x": "s390x"}  # fmt: skip


@dataclass(frozen=True)
class Binaries:
    """Where etcd and kube-apiserver were found, and how (for the startup line)."""

    bin_dir: Path
    source: str

    @property
    def controller_manager(self) -> bool:
        return has_controller_manager(self.bin_dir)


def go_platform() -> tuple[str, str]:
    """This machine as Go names it (GOOS, GOARCH), as setup-envtest names its store folders."""
    machine = platform.machine().lower()
    os_name = "darwin" if sys.platform == "darwin" else "windows" if sys.platform == "win32" else sys.platform
    return os_name, _GOARCH.get(machine, machine)


def envtest_store(env: Mapping[str, str], os_name: str) -> Path | None:
    """setup-envtest's default store: binaries live in `<store>/k8s/<version>-<os>-<arch>/`.

    As controller-runtime's tools/setup-envtest/store/helpers.go (DefaultStoreDir) computes it:
    `${XDG_DATA_HOME:-$HOME/.local/share}/kubebuilder-envtest` on Linux and other Unixes,
    `$HOME/Library/Application Support/io.kubebuilder.envtest` on macOS,
    `%LocalAppData%\\kubebuilder-envtest` on Windows; the `k8s` folder is store.go's unpackedBase.
    https://github.com/kubernetes-sigs/controller-runtime/blob/main/tools/setup-envtest/store/helpers.go
    """
    if os_name == "windows":
        base = env.get("LocalAppData", "")
        return Path(base, "kubebuilder-envtest", "k8s") if base else None
    home = env.get("HOME", "")
    if os_name == "darwin":
        return Path(home, "Library", "Application Support", "io.kubebuilder.envtest", "k8s") if home else None
    data = env.get("XDG_DATA_HOME", "") or (str(Path(home, ".local", "share")) if home else "")
    return Path(data, "kubebuilder-envtest", "k8s") if data else None


def newest_in_store(store: Path, os_name: str, arch: str) -> Path | None:
    """The newest version folder for this platform holding etcd and kube-apiserver (setup-envtest
    `use -i latest-on-disk` picks the same: its store lists newest first)."""
    try:
        entries = list(store.iterdir())
    except OSError:
        return None
    found: list[tuple[tuple[int, int, int], Path]] = []
    for entry in entries:
        match = _STORE_ENTRY.match(entry.name)
        if match and match.group(4, 5) == (os_name, arch) and entry.is_dir() and not missing_binaries(entry):
            found.append(((int(match[1]), int(match[2]), int(match[3])), entry))
    return max(found)[1] if found else None


def has_controller_manager(bin_dir: Path) -> bool:
    return (bin_dir / CONTROLLER_MANAGER).is_file()


def missing_binaries(bin_dir: Path) -> list[str]:
    return [name for name in NEEDED if not (bin_dir / name).is_file()]


def find_binaries(
    given: Path | None,
    env: Mapping[str, str],
    *,
    platform_names: tuple[str, str] | None = None,
    envtest_default: Path = ENVTEST_DEFAULT_DIR,
) -> Binaries:
    """etcd and kube-apiserver, looked for where envtest users keep them, first found wins:

    1. `given` (`--control-plane BIN_DIR`);
    2. `$KUBEBUILDER_ASSETS` (what `setup-envtest use -p path` prints, and envtest reads);
    3. the newest version for this platform in setup-envtest's default store (`envtest_store`);
    4. envtest's own default, /usr/local/kubebuilder/bin;
    5. podlb's toolchain, `$PODLB_TOOLCHAIN_BIN` (`bash .ci/toolchain`), which also has
       kube-controller-manager.
    A directory named by 1 or 2 must hold both binaries (a wrong setting is an error, not a reason
    to look elsewhere); otherwise ControlPlaneError with GET_BINARIES, one line.
    """
    for source, value in (("--control-plane", given), ("KUBEBUILDER_ASSETS", env.get("KUBEBUILDER_ASSETS"))):
        if value:
            missing = missing_binaries(Path(value))
            if missing:
                raise ControlPlaneError(f"{source} {value} has no {' and no '.join(missing)}: {GET_BINARIES}")
            return Binaries(Path(value), source)
    os_name, arch = platform_names or go_platform()
    store = envtest_store(env, os_name)
    newest = newest_in_store(store, os_name, arch) if store is not None else None
    if newest is not None:
        return Binaries(newest, "setup-envtest's store")
    if not missing_binaries(envtest_default):
        return Binaries(envtest_default, "envtest's default directory")
    toolchain = env.get("PODLB_TOOLCHAIN_BIN", "")
    if toolchain and not missing_binaries(Path(toolchain)):
        return Binaries(Path(toolchain), "$PODLB_TOOLCHAIN_BIN")
    looked = ", ".join(str(d) for d in (store, envtest_default) if d is not None)
    raise ControlPlaneError(
        f"no etcd and kube-apiserver (KUBEBUILDER_ASSETS is unset; looked in {looked}): {GET_BINARIES}"
    )


def _die_with_parent() -> None:
    """In the child: get SIGKILL when the process that started it dies (Linux), so a killed
    sandbox or test run leaves no etcd or API server behind. SIGKILL, not SIGTERM: nothing they
    hold is kept, and an API server told to stop as its etcd goes can linger for minutes."""
    if sys.platform.startswith("linux"):
        pr_set_pdeathsig = 1
        ctypes.CDLL(None).prctl(pr_set_pdeathsig, signal.SIGKILL)


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
    controller_manager: bool | None = None
    """Run kube-controller-manager; None: when bin_dir has one. Without it, EndpointsStandIn runs
    and the API server's garbage collector is off."""
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)
    logs: list[IO[bytes]] = field(default_factory=list)
    server: str = ""
    kubeconfig: Path = Path()
    apiserver_ports: tuple[int, int] = (0, 0)
    """(etcd's client port, the API server's port) the running API server was started with."""
    endpoints: EndpointsStandIn | None = None

    def __post_init__(self) -> None:
        if self.controller_manager is None:
            self.controller_manager = has_controller_manager(Path(self.bin_dir))

    def _spawn(self, name: str, args: list[str]) -> subprocess.Popen[bytes]:
        binary = self.bin_dir / name
        if not binary.is_file():
            raise ControlPlaneError(f"{binary} does not exist")
        log = (self.work_dir / f"{name}.log").open("wb")
        self.logs.append(log)
        proc = subprocess.Popen(
            [str(binary), *args],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            # A session of its own: a terminal's Ctrl-C reaches the sandbox alone, which then stops
            # the processes in order (an API server whose etcd went first can hang for minutes).
            start_new_session=True,
            preexec_fn=_die_with_parent,
        )
        self.processes.append(proc)
        return proc

    def start(self, timeout: float = 90.0) -> ControlPlane:
        """Start etcd, the API server and what keeps Endpoints; on any failure (or an exception
        raised by a signal handler) stop what was started, then raise."""
        try:
            return self._start(timeout)
        except BaseException:
            self.stop()
            raise

    def _start(self, timeout: float) -> ControlPlane:
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
        if not self.controller_manager:
            self.endpoints = EndpointsStandIn.for_kubeconfig(str(self.kubeconfig)).start()
            return self
        self._spawn(CONTROLLER_MANAGER, [
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
            # With no controller manager there is no garbage collector to remove the finalizers the
            # API server adds on a foreground or orphan delete (pulumi-kubernetes deletes in the
            # foreground by default): the flag "MUST be synced with" the controller manager's, and
            # off, deletes finish at once (apiserver registry/generic/registry/store.go,
            # deletionFinalizersForGarbageCollection).
            f"--enable-garbage-collector={str(bool(self.controller_manager)).lower()}",
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
                    name = _name(proc)
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

    def stop(self, progress: Progress = quiet) -> None:
        """Everything that talks to etcd first, etcd last (an API server whose etcd is gone can take
        minutes to exit); each gets SIGTERM, then SIGKILL after STOP_GRACE seconds."""
        if self.endpoints is not None:
            progress("stopping the endpoints stand-in")
            self.endpoints.stop()
            self.endpoints = None
        running = sorted(reversed(self.processes), key=lambda proc: _name(proc) == "etcd")
        for proc in running:
            stop_process(proc, progress)
        self.processes.clear()
        for log in self.logs:
            log.close()
        self.logs.clear()


def _name(proc: subprocess.Popen[bytes]) -> str:
    return Path(str(proc.args[0])).name  # type: ignore[index]


def stop_process(proc: subprocess.Popen[bytes], progress: Progress = quiet, grace: float = STOP_GRACE) -> None:
    if proc.poll() is not None:
        return
    progress(f"stopping {_name(proc)} (pid {proc.pid})")
    proc.terminate()
    try:
        proc.wait(grace)
    except subprocess.TimeoutExpired:
        progress(f"{_name(proc)} still running {grace:.0f} s after SIGTERM: killing it")
        proc.kill()
        proc.wait()


# --- What kube-controller-manager's endpoints controller does, for a control plane without it ---
#
# pulumi-kubernetes (4.x, provider/pkg/await/service.go) calls a Service with a selector ready only
# once an Endpoints object named like it has been seen and stayed unchanged for 10 s with no
# not-ready address: it watches core/v1 Endpoints, not EndpointSlices, so only Endpoints are kept.
# What is kept follows the endpoints controller's syncService (kubernetes v1.37,
# pkg/controller/endpoint/endpoints_controller.go): no Endpoints for an ExternalName Service or
# one without a selector (those are the user's to write); otherwise an Endpoints named like the
# Service, labelled with the Service's labels plus endpoints.kubernetes.io/managed-by, holding
# the selected Pods that have an IP and are not terminal (nor terminating, unless
# publishNotReadyAddresses), ready ones under addresses and the rest under notReadyAddresses, per
# Service port (targetPort by number, or by the container port's name and protocol). A selector
# matching no such Pod gives an Endpoints with no subsets. When the Service goes, so do its
# Endpoints. Not done: the over-capacity truncation (1000 addresses), the trigger-time annotation.
# https://kubernetes.io/docs/concepts/services-networking/service/#endpoints

ENDPOINTS_MANAGED_BY = "endpoints.kubernetes.io/managed-by"
ENDPOINTS_CONTROLLER = "endpoint-controller"
HEADLESS_LABEL = "service.kubernetes.io/headless"
ENDPOINTS_FIELD_MANAGER = "podlb-sandbox-endpoints"


def _selected(pod: Mapping[str, Any], selector: Mapping[str, str]) -> bool:
    labels = (pod.get("metadata") or {}).get("labels") or {}
    return all(labels.get(k) == v for k, v in selector.items())


def _pod_ip(service: Mapping[str, Any], pod: Mapping[str, Any]) -> str | None:
    """podToEndpointAddressForService: the Pod's IP of the Service's first IP family."""
    spec, status = service.get("spec") or {}, pod.get("status") or {}
    families = spec.get("ipFamilies") or []
    cluster_ip = spec.get("clusterIP") or ""
    if families:
        want_v6 = families[0] == "IPv6"
    elif cluster_ip and cluster_ip != "None":
        want_v6 = ":" in cluster_ip
    else:
        want_v6 = ":" in (status.get("podIP") or "")
    ips = [entry.get("ip", "") for entry in status.get("podIPs") or []] or [status.get("podIP") or ""]
    return next((ip for ip in ips if ip and (":" in ip) == want_v6), None)


def _ready(pod: Mapping[str, Any]) -> bool:
    conditions = (pod.get("status") or {}).get("conditions") or []
    return any(c.get("type") == "Ready" and c.get("status") == "True" for c in conditions)


def _target_port(pod: Mapping[str, Any], port: Mapping[str, Any]) -> int | None:
    """endpointslice.FindPort: a number as it is; a name from the Pod's container ports."""
    target = port.get("targetPort", port.get("port"))
    if isinstance(target, int):
        return target
    spec = pod.get("spec") or {}
    sidecars = [c for c in spec.get("initContainers") or [] if c.get("restartPolicy") == "Always"]
    for container in [*(spec.get("containers") or []), *sidecars]:
        for cport in container.get("ports") or []:
            if cport.get("name") == target and cport.get("protocol", "TCP") == port.get("protocol", "TCP"):
                return int(cport["containerPort"])
    return None


def wanted_endpoints(service: Mapping[str, Any], pods: Iterable[Mapping[str, Any]]) -> dict[str, Any] | None:
    """The Endpoints the endpoints controller keeps for `service` (API JSON), given the Pods of its
    namespace; None when it keeps none (ExternalName, or no selector)."""
    meta, spec = service.get("metadata") or {}, service.get("spec") or {}
    selector = spec.get("selector")
    if spec.get("type") == "ExternalName" or selector is None:
        return None
    publish_not_ready = bool(spec.get("publishNotReadyAddresses"))
    headless = spec.get("clusterIP") == "None"
    by_port: dict[tuple[tuple[str, Any], ...], dict[str, tuple[dict[str, Any], bool]]] = {}
    for pod in pods:
        pod_meta, status = pod.get("metadata") or {}, pod.get("status") or {}
        if not _selected(pod, selector) or status.get("phase") in ("Succeeded", "Failed"):
            continue
        if pod_meta.get("deletionTimestamp") and not publish_not_ready:
            continue
        ip = _pod_ip(service, pod)
        if ip is None:
            continue
        ref = {"kind": "Pod", "namespace": pod_meta.get("namespace"), "name": pod_meta.get("name")}
        address: dict[str, Any] = {"ip": ip, "targetRef": {**ref, "uid": pod_meta.get("uid")}}
        pod_spec = pod.get("spec") or {}
        if pod_spec.get("nodeName"):
            address["nodeName"] = pod_spec["nodeName"]
        if pod_spec.get("hostname") and pod_spec.get("subdomain") == meta.get("name"):
            address["hostname"] = pod_spec["hostname"]
        ready = publish_not_ready or _ready(pod)
        ports: list[dict[str, Any]] = []
        for port in spec.get("ports") or []:
            number = _target_port(pod, port)
            if number is not None:
                wanted = {"name": port.get("name"), "port": number, "protocol": port.get("protocol", "TCP"),
                          "appProtocol": port.get("appProtocol")}  # fmt: skip
                ports.append({k: v for k, v in wanted.items() if v is not None})
        if not ports and not (headless and not spec.get("ports")):
            continue
        for one in ports or [{}]:
            by_port.setdefault(tuple(sorted(one.items())), {})[ip] = (address, ready)
    labels = {**(meta.get("labels") or {}), ENDPOINTS_MANAGED_BY: ENDPOINTS_CONTROLLER}
    if headless:
        labels[HEADLESS_LABEL] = ""
    return {
        "metadata": {"name": meta.get("name"), "namespace": meta.get("namespace"), "labels": labels},
        "subsets": _repack(by_port),
    }


def _repack(by_port: Mapping[tuple[tuple[str, Any], ...], Mapping[str, tuple[dict[str, Any], bool]]]) -> list[Any]:
    """endpoints.RepackSubsets: one subset per set of addresses, holding every port they share."""
    groups: dict[tuple[tuple[str, bool], ...], list[tuple[tuple[str, Any], ...]]] = {}
    addresses: dict[str, dict[str, Any]] = {}
    for port, by_ip in by_port.items():
        groups.setdefault(tuple(sorted((ip, ready) for ip, (_, ready) in by_ip.items())), []).append(port)
        addresses.update({ip: address for ip, (address, _) in by_ip.items()})
    subsets = []
    for members, ports in sorted(groups.items()):
        subset: dict[str, Any] = {
            "addresses": [addresses[ip] for ip, ready in members if ready],
            "notReadyAddresses": [addresses[ip] for ip, ready in members if not ready],
            "ports": sorted((dict(p) for p in ports if p), key=lambda p: (p.get("name", ""), p["port"])),
        }
        subsets.append({k: v for k, v in subset.items() if v})
    return subsets


def _plain(value: Any) -> Any:
    """`value` without empty fields, so what the API server hands back compares with what was sent."""
    if isinstance(value, Mapping):
        kept = {k: _plain(v) for k, v in value.items() if k != "resourceVersion"}
        return {k: v for k, v in kept.items() if v not in (None, "", [], {})}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def endpoints_differ(current: Mapping[str, Any], wanted: Mapping[str, Any]) -> bool:
    labels: dict[str, str] = (current.get("metadata") or {}).get("labels") or {}
    same_subsets: bool = _plain(current.get("subsets") or []) == _plain(wanted["subsets"])
    return labels != wanted["metadata"]["labels"] or not same_subsets


class EndpointsStandIn:
    """Keeps every Service's Endpoints (see `wanted_endpoints`), a pass every `interval` seconds."""

    def __init__(self, api: Any, interval: float = 0.5) -> None:
        self._api = api
        self.interval = interval
        self.errors = 0
        self._known: set[tuple[str, str]] = set()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="endpoints-standin", daemon=True)

    @staticmethod
    def for_kubeconfig(kubeconfig: str, interval: float = 0.5) -> EndpointsStandIn:
        from kubernetes import client, config

        return EndpointsStandIn(client.CoreV1Api(config.new_client_from_config(config_file=kubeconfig)), interval)  # type: ignore[no-untyped-call]

    def start(self) -> EndpointsStandIn:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(10)

    def _list(self, method: str) -> list[dict[str, Any]]:
        listed = getattr(self._api, method)(_request_timeout=REQUEST_TIMEOUT)
        items: list[dict[str, Any]] = self._api.api_client.sanitize_for_serialization(listed).get("items") or []
        return items

    def reconcile_once(self) -> int:
        """One pass over every Service; returns how many Endpoints it created, updated or deleted."""
        services = self._list("list_service_for_all_namespaces")
        pods: dict[str, list[dict[str, Any]]] = {}
        for pod in self._list("list_pod_for_all_namespaces"):
            pods.setdefault(pod["metadata"]["namespace"], []).append(pod)
        current = {
            (e["metadata"]["namespace"], e["metadata"]["name"]): e
            for e in self._list("list_endpoints_for_all_namespaces")
        }
        written = 0
        seen: set[tuple[str, str]] = set()
        for service in services:
            key = (service["metadata"]["namespace"], service["metadata"]["name"])
            seen.add(key)
            wanted = wanted_endpoints(service, pods.get(key[0], []))
            if wanted is None or (key in current and not endpoints_differ(current[key], wanted)):
                continue
            if key in current:
                wanted["metadata"]["resourceVersion"] = current[key]["metadata"]["resourceVersion"]
                self._api.replace_namespaced_endpoints(key[1], key[0], wanted, field_manager=ENDPOINTS_FIELD_MANAGER,
                                                       _request_timeout=REQUEST_TIMEOUT)  # fmt: skip
            else:
                self._api.create_namespaced_endpoints(key[0], wanted, field_manager=ENDPOINTS_FIELD_MANAGER,
                                                      _request_timeout=REQUEST_TIMEOUT)  # fmt: skip
            written += 1
        for namespace, name in sorted(self._known - seen):  # the Service was deleted: so are its Endpoints
            if (namespace, name) in current:
                self._api.delete_namespaced_endpoints(name, namespace, _request_timeout=REQUEST_TIMEOUT)
                written += 1
        self._known = seen
        return written

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.reconcile_once()
            except Exception:  # a conflict, or the API server restarting: try again next pass
                self.errors += 1
