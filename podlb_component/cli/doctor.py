"""`podlb doctor`: read-only checks of a live cluster (and a Service) against the pod-direct
prerequisites. The checks are podlb_component/doctor/; this is the command around them."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Mapping
from pathlib import Path

from .cluster_access import NO_CREDENTIALS, add_cluster_arguments, bce_settings
from .exit_status import EXIT_FAILED
from .render import render_checks


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    doctor = sub.add_parser(
        "doctor",
        help="read-only checks of a live cluster (and a Service) against the pod-direct prerequisites",
        description="Check a live CCE cluster through the BCE API (credentials from BCE_ACCESS_KEY_ID / "
        "BCE_SECRET_ACCESS_KEY) and the Kubernetes API: cluster generation, network mode, the "
        "cce-lb-controller add-on, ip-masq on IPVLAN, security-group rules for the Service's target "
        "ports, backend count against the quota, and preStop on its Pods. Reads only. "
        "Exit 0 when all pass, 1 on a warning, 2 on a failure.",
    )
    add_cluster_arguments(doctor)
    doctor.add_argument(
        "--kubeconfig",
        help="kubeconfig of the cluster, for the Kubernetes-side checks (default: $KUBECONFIG, else ~/.kube/config)",
    )
    doctor.add_argument("--service", help="NAMESPACE/NAME of a pod-direct Service to check")
    doctor.add_argument("--nic-type", choices=("veth", "ipvlan", "kubenet"), help="for *-auto-detect modes")
    doctor.add_argument("--backend-quota", type=int, default=50, help="appblb Pod backend quota (default 50)")
    doctor.add_argument(
        "--facts",
        metavar="FILE",
        help="a facts file (podlb discover) to compare with the live cluster (default: ./podlb.facts.yaml "
        "if it lists the cluster)",
    )
    doctor.add_argument("--output", "-o", choices=("table", "json"), default="table")
    doctor.set_defaults(func=run)


def default_kubeconfig(given: str | None, env: Mapping[str, str] | None = None) -> tuple[str | None, str]:
    """The kubeconfig doctor reads, as kubectl finds it: --kubeconfig, else the first existing
    file of $KUBECONFIG, else ~/.kube/config; with where it came from."""
    env = os.environ if env is None else env
    if given:
        return given, "--kubeconfig"
    for path in (env.get("KUBECONFIG") or "").split(os.pathsep):
        if path and Path(path).expanduser().is_file():
            return str(Path(path).expanduser()), "$KUBECONFIG"
    home = Path(env.get("HOME") or Path.home()) / ".kube" / "config"
    if home.is_file():
        return str(home), "~/.kube/config"
    return None, "none: no --kubeconfig, $KUBECONFIG or ~/.kube/config"


def run(args: argparse.Namespace) -> int:
    from ..doctor import DoctorInputs, checks, run_doctor, worst

    # what can be told offline comes first: an old-generation id fails without any credentials
    generation = checks.generation(args.cluster_id)
    if generation.status == "fail":
        render_checks([generation], sys.stdout, args.output)
        return EXIT_FAILED
    settings = bce_settings("doctor", args)
    if settings is None:
        if args.output == "json":
            render_checks([], sys.stdout, "json", errors=[NO_CREDENTIALS])
        return EXIT_FAILED
    kubeconfig, kubeconfig_from = default_kubeconfig(args.kubeconfig)
    found = run_doctor(
        DoctorInputs(
            args.cluster_id,
            settings,
            kubeconfig,
            args.service,
            args.nic_type,
            args.backend_quota,
            kubeconfig_from=kubeconfig_from,
            facts=args.facts,
        )
    )
    render_checks(found, sys.stdout, args.output)
    return {"pass": 0, "warn": 1, "fail": 2}[worst(found)]
