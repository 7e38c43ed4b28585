"""The `podlb` command (also `python -m podlb_component`)."""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import subprocess
import sys
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path

from ..cluster.lb_controller import LB_CONTROLLER_ID
from ..errors import PodLbError
from ..preview_engine import MissingLiveObject, find_cause
from .plan import Plan, build_plan, execute, user_frames
from .project import Project, ProjectError, load_project
from .render import render_checks, render_data, render_text

EXIT_OK, EXIT_INVALID, EXIT_FAILED = 0, 1, 2
ADDON_MISSING_HINT = (
    "the cce-lb-controller Deployment of this standalone cluster is missing: install the add-on from the "
    "CCE console (cluster -> add-ons -> CCE LB Controller), or set lb_controller: ensure (CCE add-on API) "
    "or lb_controller: helm with lb_controller_chart.repository"
)


def _plan_failed(args: argparse.Namespace, project: str | None, stack: str | None, message: str, code: int) -> int:
    """Say why plan stopped: on stderr, and — for `-o json|yaml` — as the document a pipeline
    parses, with its `errors` filled in."""
    print(f"podlb plan: {message}", file=sys.stderr)
    if args.output != "table":
        render_data(Plan(project or "", stack or "", errors=[message]), sys.stdout, args.output)
    return code


def _other_environment(project: Project) -> bool:
    if project.python is None:
        return False
    return Path(project.python).absolute().parent.parent.resolve() != Path(sys.prefix).resolve()


def _plan_in(project: Project, args: argparse.Namespace) -> int:
    """Run plan with the stack's own interpreter, as `pulumi preview` runs the program there."""
    python = str(project.python)
    probe = subprocess.run([python, "-c", "import podlb_component"], capture_output=True, text=True, check=False)
    if probe.returncode != 0:
        return _plan_failed(
            args,
            project.name,
            project.stack,
            f"the stack's Python environment ({python}, from {project.python_from}) has no podlb: add podlb to "
            "its requirements.txt and run `pulumi install` (or pip install podlb there)",
            EXIT_FAILED,
        )
    command = [python, "-m", "podlb_component", "plan", str(project.dir), "-o", args.output, "--in-this-process"]
    if args.stack:
        command += ["--stack", args.stack]
    return subprocess.run(command, check=False).returncode


def _plan(args: argparse.Namespace) -> int:
    try:
        project = load_project(args.target, args.stack)
    except ProjectError as exc:
        return _plan_failed(args, None, args.stack, str(exc), EXIT_FAILED)
    if not args.in_this_process and _other_environment(project):
        return _plan_in(project, args)
    try:
        run = execute(project)
    except Exception as exc:  # the program failed, as `pulumi preview` would
        invalid = find_cause(exc, PodLbError)
        if invalid is not None:
            return _plan_failed(
                args, project.name, project.stack, f"invalid input in stack '{project.stack}':\n{invalid}", EXIT_INVALID
            )
        missing = find_cause(exc, MissingLiveObject)
        if missing is not None and missing.object_id == LB_CONTROLLER_ID:
            return _plan_failed(args, project.name, project.stack, ADDON_MISSING_HINT, EXIT_INVALID)
        where = user_frames(exc, project.dir)
        text = f"the program failed: {type(exc).__name__}: {exc}" + ("\n" + "\n".join(where) if where else "")
        return _plan_failed(args, project.name, project.stack, text, EXIT_FAILED)
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
    except MissingCredentialsError:
        message = (
            "no BCE credentials: set BCE_ACCESS_KEY_ID and BCE_SECRET_ACCESS_KEY in the environment "
            "(doctor reads only those, not Pulumi config; BCE_REGION/--region and BCE_ENDPOINT/--endpoint "
            "choose where)"
        )
        print(f"podlb doctor: {message}", file=sys.stderr)
        if args.output == "json":
            render_checks([], sys.stdout, "json", errors=[message])
        return EXIT_FAILED
    checks = run_doctor(
        DoctorInputs(args.cluster_id, settings, args.kubeconfig, args.service, args.nic_type, args.backend_quota)
    )
    render_checks(checks, sys.stdout, args.output)
    return {"pass": 0, "warn": 1, "fail": 2}[worst(checks)]


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="podlb", description="Pod-direct LoadBalancer Services on Baidu CCE.")
    root.add_argument("--version", action="version", version=f"podlb {package_version()}")
    sub = root.add_subparsers(dest="command", required=True)
    plan = sub.add_parser(
        "plan",
        help="show what `pulumi up` would create, offline (mock engine, preview mode)",
        description="Run a Pulumi program under Pulumi's mock engine in preview mode, with no "
        "credentials and no network, and print the resources, security-group rules, Kubernetes "
        "objects and warnings `pulumi up` would produce. TARGET is a Pulumi project directory, or a "
        "plan file: a YAML document that declares clusters and Services without a Pulumi project "
        "(format: podlb_component/program.py; example: examples/plan-file/shop.yaml). Exit 1 on "
        "invalid input (with -o json|yaml the document lists the errors), 2 when the program fails.",
    )
    plan.add_argument(
        "target",
        nargs="?",
        help="Pulumi project directory or plan file (default: the current directory if it is a "
        "project, else the built-in demo)",
    )
    plan.add_argument("--stack", help="stack whose Pulumi.<stack>.yaml config is used (default: dev)")
    plan.add_argument("--output", "-o", choices=("table", "yaml", "json"), default="table")
    plan.add_argument("--in-this-process", action="store_true", help=argparse.SUPPRESS)
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

    from .sandbox import add_parser as add_sandbox_parser

    add_sandbox_parser(sub)
    return root


def package_version() -> str:
    try:
        return metadata.version("podlb")
    except metadata.PackageNotFoundError:  # run from a source tree that isn't installed
        return "unknown"


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
    """Close every event loop Pulumi's mock runtime left open — in this thread and in the worker
    threads it ran callbacks on. A loop that is still open at exit is closed by the garbage
    collector after its self-pipe socket, which prints "Exception ignored in BaseEventLoop.__del__
    … Invalid file descriptor: -1" on stderr (seen intermittently on 3.11 and 3.13)."""
    for obj in gc.get_objects():
        if isinstance(obj, asyncio.AbstractEventLoop) and not obj.is_running() and not obj.is_closed():
            obj.close()
