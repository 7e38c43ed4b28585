"""The `podlb` command (also `python -m podlb_component`)."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Sequence

from .plan import build_plan, execute, podlb_error_text
from .project import ProjectError, load_project
from .render import render_checks, render_data, render_text

EXIT_OK, EXIT_INVALID, EXIT_FAILED = 0, 1, 2
ADDON_MISSING_HINT = (
    "the cce-lb-controller Deployment of this standalone cluster is missing: install the add-on from the "
    "CCE console (cluster -> add-ons -> CCE LB Controller), or set lb_controller: ensure (CCE add-on API) "
    "or lb_controller: helm with lb_controller_chart.repository"
)


def _plan(args: argparse.Namespace) -> int:
    try:
        project = load_project(args.target, args.stack)
    except ProjectError as exc:
        print(f"podlb plan: {exc}", file=sys.stderr)
        return EXIT_FAILED
    try:
        run = execute(project)
    except Exception as exc:  # the program failed, as `pulumi preview` would
        message = podlb_error_text(exc)
        if message is not None:
            print(f"podlb plan: invalid input in stack '{project.stack}':\n{message}", file=sys.stderr)
            return EXIT_INVALID
        text = str(exc)
        if "cce-lb-controller' does not exist" in text:
            print(f"podlb plan: {ADDON_MISSING_HINT}", file=sys.stderr)
            return EXIT_INVALID
        print(f"podlb plan: the program failed: {type(exc).__name__}: {text}", file=sys.stderr)
        return EXIT_FAILED
    plan = build_plan(project, run)
    if args.output == "table":
        render_text(plan, sys.stdout)
    else:
        render_data(plan, sys.stdout, args.output)
    return EXIT_INVALID if plan.errors else EXIT_OK


def _doctor(args: argparse.Namespace) -> int:
    from ..bce.settings import BceSettings, MissingCredentialsError
    from ..doctor import DoctorInputs, run_doctor, worst

    overrides = {k: v for k, v in {"region": args.region, "endpoint": args.endpoint}.items() if v}
    try:
        settings = BceSettings.resolve({"bce_credentials": overrides})
    except MissingCredentialsError as exc:
        print(f"podlb doctor: {exc}", file=sys.stderr)
        return EXIT_FAILED
    checks = run_doctor(
        DoctorInputs(args.cluster_id, settings, args.kubeconfig, args.service, args.nic_type, args.backend_quota)
    )
    render_checks(checks, sys.stdout, args.output)
    return {"pass": 0, "warn": 1, "fail": 2}[worst(checks)]


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="podlb", description="Pod-direct LoadBalancer Services on Baidu CCE.")
    sub = root.add_subparsers(dest="command", required=True)
    plan = sub.add_parser(
        "plan",
        help="show what `pulumi up` would create, offline (mock engine, preview mode)",
        description="Run a Pulumi program under Pulumi's mock engine in preview mode, with no "
        "credentials and no network, and print the resources, security-group rules, Kubernetes "
        "objects and warnings `pulumi up` would produce. Exit 1 on invalid input.",
    )
    plan.add_argument(
        "target", nargs="?", help="Pulumi project directory (default: the current one, else the built-in demo)"
    )
    plan.add_argument("--stack", help="stack whose Pulumi.<stack>.yaml config is used (default: dev)")
    plan.add_argument("--output", "-o", choices=("table", "yaml", "json"), default="table")
    plan.set_defaults(func=_plan)

    doctor = sub.add_parser(
        "doctor",
        help="read-only checks of a live cluster (and a Service) against the pod-direct prerequisites",
        description="Check a live CCE cluster through the BCE API (credentials from BCE_ACCESS_KEY_ID / "
        "BCE_SECRET_ACCESS_KEY) and the Kubernetes API: cluster generation, network mode, the "
        "cce-lb-controller add-on, ip-masq on IPVLAN, security-group rules for the Service's target "
        "ports, backend count against the quota, and preStop on its Pods. Reads only. "
        "Exit 0 when all pass, 1 on a warning, 2 on a failure.",
    )
    doctor.add_argument("--cluster-id", required=True, help="CCE cluster id (cce-…)")
    doctor.add_argument("--region", help="BCE region, e.g. bj (default: BCE_REGION or bj)")
    doctor.add_argument("--endpoint", help="BCE endpoint override (default: BCE_ENDPOINT or per region)")
    doctor.add_argument("--kubeconfig", help="kubeconfig of the cluster, for the Kubernetes-side checks")
    doctor.add_argument("--service", help="NAMESPACE/NAME of a pod-direct Service to check")
    doctor.add_argument("--nic-type", choices=("veth", "ipvlan", "kubenet"), help="for *-auto-detect modes")
    doctor.add_argument("--backend-quota", type=int, default=50, help="appblb Pod backend quota (default 50)")
    doctor.add_argument("--output", "-o", choices=("table", "json"), default="table")
    doctor.set_defaults(func=_doctor)
    return root


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return int(args.func(args))
    except BrokenPipeError:  # `podlb plan | head`: the reader left; that's not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK


def entry() -> None:
    """The console script: run, then close what Pulumi's mock runtime left open, and exit."""
    code = main()
    _close_event_loop()
    sys.exit(code)


def _close_event_loop() -> None:
    """Close the loop Pulumi's mock runtime left open, so nothing complains at exit."""
    try:
        loop = asyncio.get_event_loop_policy().get_event_loop()
    except RuntimeError:
        return
    if not loop.is_running() and not loop.is_closed():
        loop.close()
