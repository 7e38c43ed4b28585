"""`podlb plan`: the command around the plan runner (plan_runner.py): load the project, run its
program under the mock engine (in the stack's own interpreter when that is another one), print
the plan, and turn a failed program into the message and exit status `pulumi preview` users expect."""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import pulumi

from ..cluster.lb_controller import LB_CONTROLLER_ID
from ..errors import PodLbError
from ..preview_engine import MissingLiveObject, find_cause
from .exit_status import EXIT_FAILED, EXIT_INVALID, EXIT_OK
from .plan_runner import Plan, build_plan, execute, user_frames
from .project import Project, ProjectError, load_project
from .render import render_data, render_text

ADDON_MISSING_HINT = (
    "the cce-lb-controller Deployment of this standalone cluster is missing: install the add-on from the "
    "CCE console (cluster -> add-ons -> CCE LB Controller), or set lb_controller: ensure (CCE add-on API) "
    "or lb_controller: helm with lb_controller_chart.repository"
)


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
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
    plan.set_defaults(func=run)


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


def run(args: argparse.Namespace) -> int:
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
        program_run = execute(project)
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
    plan = build_plan(project, program_run)
    if args.output == "table":
        render_text(plan, sys.stdout)
    else:
        render_data(plan, sys.stdout, args.output)
    return EXIT_INVALID if plan.errors else EXIT_OK
