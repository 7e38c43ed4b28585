"""`podlb sandbox`: run a local CCE stand-in until interrupted (see podlb_component.sandbox)."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from pathlib import Path
from types import FrameType

import yaml

from ..sandbox import ClusterSeed, ControlPlaneError, Sandbox, parse_groups


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "sandbox",
        help="a local CCE stand-in: fake BCE API, LB-controller stand-in, optional API server",
        description="Start the fake BCE API on 127.0.0.1 seeded with one CCE cluster, and a stand-in for "
        "cce-lb-controller that watches a Kubernetes API (your kind/k3d/minikube kubeconfig, or with "
        "--control-plane an etcd + kube-apiserver + kube-controller-manager started here from a toolchain "
        "directory built by `bash .ci/toolchain`). Writes an env file for `pulumi` and runs until Ctrl-C, "
        "then stops everything it started and removes its temporary files.",
    )
    where = p.add_mutually_exclusive_group(required=True)
    where.add_argument("--kubeconfig", type=Path, help="watch this cluster (no API server is started)")
    where.add_argument("--control-plane", type=Path, metavar="BIN_DIR", help="start etcd + kube-apiserver from here")
    p.add_argument("--env-file", type=Path, default=Path("podlb-sandbox.env"), help="default: ./podlb-sandbox.env")
    p.add_argument("--seed", type=Path, help="YAML with the cluster's keys (cluster_id, network_mode, vpc_cidr, …)")
    p.add_argument("--cluster-id", default=ClusterSeed.cluster_id)
    p.add_argument("--network-mode", default=ClusterSeed.network_mode)
    p.add_argument("--vpc-cidr", default=ClusterSeed.vpc_cidr)
    p.add_argument("--node-security-groups", default=",".join(ClusterSeed.node_security_groups), metavar="G,…")
    p.add_argument("--eni-security-groups", default="", metavar="G,…")
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


def run(args: argparse.Namespace) -> int:
    try:
        seed = cluster_seed(args)
    except (ValueError, TypeError) as exc:
        print(f"podlb sandbox: {exc}", file=sys.stderr)
        return 1
    stopped = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stopped.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        sandbox = Sandbox(seed, control_plane_bin=args.control_plane, kubeconfig=args.kubeconfig).start()
    except (ControlPlaneError, OSError) as exc:
        print(f"podlb sandbox: {exc}", file=sys.stderr)
        return 2
    try:
        env_file = sandbox.write_env_file(args.env_file)
        endpoint = sandbox.env()["BCE_ENDPOINT"]
        print(f"podlb sandbox: cluster {seed.cluster_id} ({seed.network_mode}); fake BCE at {endpoint}")
        print(f"podlb sandbox: env file {env_file} (`set -a; . {env_file}; set +a`); Ctrl-C stops", flush=True)
        while not stopped.wait(1.0):  # wake now and then, so a signal is never missed
            pass
    finally:
        sandbox.stop()
        args.env_file.unlink(missing_ok=True)
    print("podlb sandbox: stopped", flush=True)
    return 0
