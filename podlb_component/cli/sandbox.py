"""`podlb sandbox`: run a local CCE stand-in until interrupted (see podlb_component.sandbox)."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from types import FrameType

import yaml

from ..sandbox import Binaries, ClusterSeed, ControlPlaneError, Sandbox, find_binaries, parse_groups
from ..sandbox.control_plane import GET_ENVTEST

DISCOVER = True
"""--control-plane with no BIN_DIR (as with neither --control-plane nor --kubeconfig): find the binaries.
(Not a string: argparse would pass a string const through `type`.)"""
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
"""SIGHUP too: a closed terminal would otherwise kill the sandbox before it cleans up."""


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "sandbox",
        help="a local CCE stand-in: fake BCE API, LB-controller stand-in, optional API server",
        description="Start the fake BCE API on 127.0.0.1 seeded with one CCE cluster, and a stand-in for "
        "cce-lb-controller that watches a Kubernetes API: your kind/k3d/minikube cluster (--kubeconfig), or "
        "etcd + kube-apiserver started here on 127.0.0.1 (the default). Their binaries are found as envtest "
        "finds them: --control-plane BIN_DIR, else $KUBEBUILDER_ASSETS, else the newest version in "
        "setup-envtest's store (~/.local/share/kubebuilder-envtest/k8s), else /usr/local/kubebuilder/bin, "
        "else $PODLB_TOOLCHAIN_BIN (`bash .ci/toolchain`). Get them with `"
        + GET_ENVTEST
        + "`. A kube-controller-manager "
        "beside them runs too; without one the sandbox keeps Services' Endpoints itself. Where "
        "kube-system/cce-ip-masq-agent is missing it is created as CCE's installer does. Writes an env file "
        "for `pulumi` and runs until Ctrl-C or SIGTERM, then stops everything it started and removes its "
        "temporary files and the env file.",
    )
    where = p.add_mutually_exclusive_group()
    where.add_argument(
        "--kubeconfig", type=Path, help="watch this cluster; no API server is started (default: start one)"
    )
    where.add_argument(
        "--control-plane",
        type=Path,
        nargs="?",
        const=DISCOVER,
        metavar="BIN_DIR",
        help="start etcd + kube-apiserver from BIN_DIR (default, or with no BIN_DIR: found as described above)",
    )
    p.add_argument(
        "--env-file",
        type=Path,
        default=Path("podlb-sandbox.env"),
        help="where to write the env (default: ./%(default)s)",
    )
    p.add_argument(
        "--seed",
        type=Path,
        help="YAML with the cluster's keys (cluster_id, network_mode, vpc_cidr, …), instead of the flags below",
    )
    p.add_argument(
        "--cluster-id",
        default=ClusterSeed.cluster_id,
        help="the CCE cluster the fake BCE reports (default: %(default)s)",
    )
    p.add_argument(
        "--network-mode", default=ClusterSeed.network_mode, help="its container network mode (default: %(default)s)"
    )
    p.add_argument(
        "--vpc-cidr",
        default=ClusterSeed.vpc_cidr,
        help="its VPC, where internal LB addresses come from (default: %(default)s)",
    )
    p.add_argument(
        "--node-security-groups",
        default=",".join(ClusterSeed.node_security_groups),
        metavar="G,…",
        help="security groups bound to its nodes (default: %(default)s)",
    )
    p.add_argument(
        "--eni-security-groups", default="", metavar="G,…", help="security groups bound to its ENIs (default: none)"
    )
    p.set_defaults(func=run)


def cluster_seed(args: argparse.Namespace) -> ClusterSeed:
    if args.seed is not None:
        try:
            data = yaml.safe_load(args.seed.read_text()) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise ValueError(f"{args.seed}: {exc}") from exc
        if not isinstance(data, dict):
            raise ValueError(f"{args.seed}: expected a mapping of cluster keys, got {type(data).__name__}")
        return ClusterSeed.from_mapping(data)
    return ClusterSeed(
        cluster_id=args.cluster_id,
        network_mode=args.network_mode,
        vpc_cidr=args.vpc_cidr,
        node_security_groups=tuple(parse_groups(args.node_security_groups)),
        eni_security_groups=tuple(parse_groups(args.eni_security_groups)),
    )


def cluster_args(seed: ClusterSeed) -> str:
    """The PodDirectCluster arguments that match the fake cluster (a stack naming another cluster
    gets "no such cluster" from the fake BCE)."""
    groups = [
        f"{kind}=[{', '.join(ids)}]"
        for kind, ids in (("node_security_group_ids", seed.node_security_groups),
                          ("eni_security_group_ids", seed.eni_security_groups))
        if ids
    ]  # fmt: skip
    return ", ".join([f"cluster_id={seed.cluster_id}", f"network_mode={seed.network_mode}",
                      f"vpc_cidr={seed.vpc_cidr}", *groups])  # fmt: skip


def say(line: str) -> None:
    try:
        print(f"podlb sandbox: {line}", flush=True)
    except OSError:  # the terminal went away (SIGHUP): stopping goes on regardless
        pass


def binaries(args: argparse.Namespace, env: Mapping[str, str]) -> Binaries | None:
    """The control plane's binaries, or None with --kubeconfig."""
    if args.kubeconfig is not None:
        return None
    given = args.control_plane if isinstance(args.control_plane, Path) else None
    return find_binaries(given, env)


def in_foreground() -> bool:
    """True when this process owns the terminal it reads from, so Ctrl-C reaches it."""
    try:
        return os.isatty(0) and os.tcgetpgrp(0) == os.getpgrp()
    except OSError:
        return False


def how_to_stop(pid: int, foreground: bool) -> str:
    return f"stop: Ctrl-C (or `kill {pid}`)" if foreground else f"stop: `kill {pid}`"


def remove_env_file(path: Path, written: str) -> str:
    """Remove the env file if it still holds what this sandbox wrote; say what was done."""
    try:
        if path.read_text() != written:
            return f"left {path}: it no longer holds this sandbox's settings"
        path.unlink()
    except FileNotFoundError:
        return f"{path} was already gone"
    except OSError as exc:
        return f"could not remove {path}: {exc}"
    return f"removed {path}"


class Interrupted(BaseException):
    """A stop signal while the sandbox was still starting (start() cleans up what it started)."""


def run(args: argparse.Namespace) -> int:
    try:
        seed = cluster_seed(args)
        found = binaries(args, os.environ)
    except (ValueError, TypeError, ControlPlaneError) as exc:
        print(f"podlb sandbox: {exc}", file=sys.stderr)
        return 1
    stopped, ready = threading.Event(), threading.Event()
    received: list[signal.Signals] = []

    def on_signal(signum: int, frame: FrameType | None) -> None:
        received.append(signal.Signals(signum))
        stopped.set()
        if len(received) == 1 and not ready.is_set():
            raise Interrupted  # stop starting; later signals only mark the stop (it is under way)

    sandbox = Sandbox(seed, control_plane_bin=found.bin_dir if found else None, kubeconfig=args.kubeconfig, report=say)
    for signum in STOP_SIGNALS:
        signal.signal(signum, on_signal)
    try:
        try:
            if found is not None:
                say(f"etcd and kube-apiserver from {found.bin_dir} (found via {found.source})")
            sandbox.start()
        finally:
            ready.set()
    except Interrupted:
        sandbox.stop(say)  # nothing left if start() was interrupted; everything if it had just returned
        say(f"{received[0].name} while starting: stopped")
        return 128 + received[0]
    except (ControlPlaneError, OSError) as exc:
        print(f"podlb sandbox: {exc}", file=sys.stderr)
        return 2
    text = sandbox.env_file_text()
    try:
        env_file = sandbox.write_env_file(args.env_file)
    except OSError as exc:
        print(f"podlb sandbox: {exc}", file=sys.stderr)
        sandbox.stop(say)
        remove_env_file(args.env_file, text)
        return 2
    try:
        endpoint = sandbox.env()["BCE_ENDPOINT"]
        say(f"cluster {seed.cluster_id} ({seed.network_mode}); fake BCE at {endpoint}")
        say(f"your PodDirectCluster: {cluster_args(seed)}")
        say(f"env file {env_file} (`set -a; . {env_file}; set +a`); {how_to_stop(os.getpid(), in_foreground())}")
        while not stopped.wait(1.0):  # wake now and then, so a signal is never missed
            pass
    finally:
        began = time.monotonic()
        say(f"stopping ({received[0].name})" if received else "stopping")
        sandbox.stop(say)
        say(remove_env_file(args.env_file, text))
        say(f"stopped in {time.monotonic() - began:.1f} s")
    return 0
