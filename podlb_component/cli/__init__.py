"""The `podlb` command (also `python -m podlb_component`)."""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

import pulumi

from ..cluster.lb_controller import LB_CONTROLLER_ID
from ..errors import PodLbError
from ..preview_engine import MissingLiveObject, find_cause
from .plan import Plan, build_plan, execute, user_frames
from .project import Project, ProjectError, load_project
from .render import render_checks, render_data, render_text

EXIT_OK, EXIT_INVALID, EXIT_FAILED = 0, 1, 2
NO_CREDENTIALS = (
    "no BCE credentials: set BCE_ACCESS_KEY_ID and BCE_SECRET_ACCESS_KEY in the environment "
    "(read only from there, not from Pulumi config; BCE_REGION/--region and BCE_ENDPOINT/--endpoint "
    "choose where)"
)
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
    # the components and what they need (pulumi, pulumi_kubernetes, the BCE SDK): the package
    # itself imports nothing until a name is used
    probe = subprocess.run(
        [python, "-c", "import podlb_component.cluster.component"], capture_output=True, text=True, check=False
    )
    if probe.returncode != 0:
        return _plan_failed(
            args,
            project.name,
            project.stack,
            f"the stack's Python environment ({python}, from {project.python_from}) has no podlb: add podlb to "
            "its requirements.txt (podlb is not on PyPI: name the wheel or git URL your team installs it "
            "from) and run `pulumi install`",
            EXIT_FAILED,
        )
    target = str(project.stack_file if project.document is not None else project.dir)
    command = [python, "-m", "podlb_component", "plan", target, "-o", args.output, "--in-this-process"]
    if project.facts is not None:
        command += ["--facts", str(project.facts)]
    if args.stack:
        command += ["--stack", args.stack]
    return subprocess.run(command, check=False).returncode


def _facts_file(given: str | None, project_dir: Path) -> Path | None:
    """--facts, else the project's podlb.facts.yaml if there is one; checked before the run."""
    from ..bce.facts import FACTS_FILE, FactsFileError, read_facts

    path = Path(given).resolve() if given else project_dir / FACTS_FILE
    if not path.exists():
        if given:
            raise ProjectError(
                f"--facts {given}: no such file; `podlb discover --cluster-id … --file {given}` writes it"
            )
        return None
    try:
        read_facts(path)
    except FactsFileError as exc:
        raise ProjectError(str(exc)) from None
    return path


def _plan(args: argparse.Namespace) -> int:
    try:
        if args.demo and args.target:
            raise ProjectError(f"--demo plans the built-in demo; leave out the target ({args.target})")
        project = load_project(args.target, args.stack, demo=args.demo)
        project.facts = _facts_file(args.facts, project.dir)
    except ProjectError as exc:  # a bad path, project file, stack config or plan file
        return _plan_failed(args, None, args.stack, str(exc), EXIT_INVALID)
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
        config_error = find_cause(exc, pulumi.ConfigMissingError) or find_cause(exc, pulumi.ConfigTypeError)
        if config_error is not None:  # the program asked for config the stack file lacks or mistypes
            where = user_frames(exc, project.dir)
            stack_file = project.stack_file.name if project.stack_file else f"Pulumi.{project.stack}.yaml"
            text = (
                f"stack config of stack '{project.stack}' ({stack_file}): {' '.join(str(config_error).split())}"
                + ("\n" + "\n".join(where) if where else "")
                + f"\n  fix: set it in {stack_file} (or give it a default in the config: block of Pulumi.yaml)"
            )
            return _plan_failed(args, project.name, project.stack, text, EXIT_INVALID)
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


def _bce_settings(command: str, args: argparse.Namespace) -> Any:
    """BCE settings from the environment and --region/--endpoint; None (said on stderr) without credentials."""
    from ..bce.settings import BceSettings, MissingCredentialsError

    overrides = {k: v for k, v in {"region": args.region, "endpoint": args.endpoint}.items() if v}
    try:
        return BceSettings.resolve({"bce_credentials": overrides})
    except MissingCredentialsError:
        print(f"podlb {command}: {NO_CREDENTIALS}", file=sys.stderr)
        return None


def _discover(args: argparse.Namespace) -> int:
    from ..bce.clients import BceApiError
    from ..bce.discovery import discover_cluster
    from ..bce.facts import FactsFileError, write_facts
    from ..doctor import checks

    generation = checks.generation(args.cluster_id)
    if generation.status == "fail":
        print(f"podlb discover: {generation.detail}\n  fix: {generation.fix}", file=sys.stderr)
        return EXIT_INVALID
    settings = _bce_settings("discover", args)
    if settings is None:
        return EXIT_FAILED
    try:
        found = discover_cluster(settings, args.cluster_id)
    except BceApiError as exc:
        print(f"podlb discover: reading cluster {args.cluster_id} failed: {exc}", file=sys.stderr)
        return EXIT_FAILED
    path = Path(args.file)
    try:
        write_facts(path, found, settings.region)
    except (FactsFileError, OSError) as exc:
        print(f"podlb discover: can't update {path}: {exc}", file=sys.stderr)
        return EXIT_FAILED
    groups = ", ".join((*found.node_security_group_ids, *found.eni_security_group_ids)) or "none"
    print(
        f"{path}: {args.cluster_id}: {found.network_mode}, VPC {found.vpc_cidr}, security groups {groups}, "
        f"master {found.master_type}, {len(found.addons)} add-on(s)"
    )
    return EXIT_OK


def _doctor(args: argparse.Namespace) -> int:
    from ..doctor import DoctorInputs, checks, run_doctor, worst

    # what can be told offline comes first: an old-generation id fails without any credentials
    generation = checks.generation(args.cluster_id)
    if generation.status == "fail":
        render_checks([generation], sys.stdout, args.output)
        return EXIT_FAILED
    settings = _bce_settings("doctor", args)
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


def _add_cluster_arguments(command: argparse.ArgumentParser) -> None:
    """Which cluster, and where its BCE API is: shared by doctor and discover."""
    command.add_argument("--cluster-id", required=True, help="CCE cluster id (cce-…)")
    command.add_argument("--region", help="BCE region, e.g. bj (default: BCE_REGION or bj)")
    command.add_argument("--endpoint", help="BCE endpoint override (default: BCE_ENDPOINT or per region)")


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
        "invalid input — a bad path, project, stack config or plan file, or arguments the components "
        "refuse — (with -o json|yaml the document lists the errors), 2 when the program fails.",
    )
    plan.add_argument(
        "target",
        nargs="?",
        help="Pulumi project directory or plan file (default: the current directory, which must then "
        "be a Pulumi project)",
    )
    plan.add_argument("--demo", action="store_true", help="plan the built-in demo project (a look at plan's output)")
    plan.add_argument("--stack", help="stack whose Pulumi.<stack>.yaml config is used (default: dev)")
    plan.add_argument("--output", "-o", choices=("table", "yaml", "json"), default="table")
    plan.add_argument(
        "--facts",
        metavar="FILE",
        help="cluster facts written by `podlb discover`, for clusters that use discovery (default: "
        "podlb.facts.yaml beside Pulumi.yaml, if there is one)",
    )
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
    _add_cluster_arguments(doctor)
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
    doctor.set_defaults(func=_doctor)

    discover = sub.add_parser(
        "discover",
        help="read a cluster's facts from the CCE API (read-only) into a file that offline `podlb plan` uses",
        description="Read what PodDirectCluster discovers — network mode, VPC CIDR, node and ENI security "
        "groups, master type, add-ons, the ingress rules already in each group — through the BCE API "
        "(credentials from BCE_ACCESS_KEY_ID / BCE_SECRET_ACCESS_KEY; reads only) and write them into a "
        "facts file (other clusters in it are kept). Commit the file beside Pulumi.yaml: `podlb plan` "
        "then plans stacks that use discovery with no credentials, and `podlb doctor --facts` says when "
        "it has gone stale.",
    )
    _add_cluster_arguments(discover)
    discover.add_argument("--file", default="podlb.facts.yaml", help="facts file to write (default: %(default)s)")
    discover.set_defaults(func=_discover)

    from .install_plugin import add_parser as add_install_plugin_parser
    from .policy_pack import add_parser as add_policy_pack_parser
    from .sandbox import add_parser as add_sandbox_parser

    add_install_plugin_parser(sub)
    add_policy_pack_parser(sub)

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
