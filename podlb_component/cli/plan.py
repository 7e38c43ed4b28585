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
from .plan_runner import KeepGoing, Plan, PlanError, build_plan, execute, user_frames
from .project import Project, ProjectError, load_project
from .render import render_data, render_text

ADDON_MISSING = PlanError(
    "the cce-lb-controller Deployment of this standalone cluster is missing",
    field="lb_controller",
    fix="install the add-on from the CCE console (cluster -> add-ons -> CCE LB Controller), or set "
    "lb_controller: ensure (CCE add-on API) or lb_controller: helm with lb_controller_chart.repository",
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
        "refuse, every one of them in one run (with -o json|yaml the document's errors list each as "
        "{resource, field, message, fix}); 2 when the program fails.",
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


def _plan_failed(
    args: argparse.Namespace,
    project: str | None,
    stack: str | None,
    errors: list[PlanError],
    code: int,
    notes: list[str] | None = None,
) -> int:
    """Say why plan stopped: on stderr, and — for `-o json|yaml` — as the document a pipeline
    parses, with its `errors` filled in."""
    print(f"podlb plan: {_heading(errors, stack)}", file=sys.stderr)
    for note in notes or []:
        print(f"note: {note}", file=sys.stderr)
    if args.output != "table":
        render_data(Plan(project or "", stack or "", errors=errors, notes=notes or []), sys.stdout, args.output)
    return code


def _heading(errors: list[PlanError], stack: str | None) -> str:
    """One error that isn't about a resource (a bad path, a failed program) as it is; errors
    about the components' inputs under one heading, each on its own after it."""
    texts = [error.text() for error in errors]
    if len(errors) == 1 and not errors[0].resource:
        return texts[0]
    count = "invalid input" if len(errors) == 1 else f"{len(errors)} invalid inputs"
    return f"{count} in stack '{stack}':\n" + "\n".join(texts)


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
            [
                PlanError(
                    f"the stack's Python environment ({python}, from {project.python_from}) has no podlb",
                    fix="add podlb to its requirements.txt (podlb is not on PyPI: name the wheel or git URL your "
                    "team installs it from) and run `pulumi install`",
                )
            ],
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
        return _plan_failed(args, None, args.stack, [PlanError.from_text(str(exc))], EXIT_INVALID)
    if not args.in_this_process and _other_environment(project):
        return _plan_in(project, args)
    failed: Exception | None = None
    try:
        program_run = execute(project)  # as `pulumi preview` runs it
    except Exception as exc:  # the program failed, as `pulumi preview` would
        failed = exc
    if failed is not None:  # out of the except block: a second run's errors mustn't chain to this one
        if find_cause(failed, PodLbError) is None:
            return _plan_failed(args, project.name, project.stack, *_refused([], failed, project))
        return _every_mistake(args, project, failed)
    plan = build_plan(project, program_run)
    if args.output == "table":
        render_text(plan, sys.stdout)  # its Errors section names them
    else:
        if plan.errors:  # found in the run (collisions, errors the program logs): said on stderr too
            print(f"podlb plan: {_heading(plan.errors, project.stack)}", file=sys.stderr)
        render_data(plan, sys.stdout, args.output)
    return EXIT_INVALID if plan.errors else EXIT_OK


def _every_mistake(args: argparse.Namespace, project: Project, first: Exception) -> int:
    """The program stopped at a component that refused its inputs. Run it again, going on past
    every refused component (plan_keep_going.py), so one run names every mistake: the refusals,
    then what plan finds in the rest (collisions, errors the program logs). Only when the plain
    run failed: a program that handles a PodLbError itself plans as it previews."""
    keep_going = KeepGoing()
    try:
        program_run = execute(project, keep_going=keep_going)
    except Exception as exc:
        return _plan_failed(args, project.name, project.stack, *_refused(keep_going.errors, exc, project))
    errors, code, notes = _refused(keep_going.errors, None, project)
    if not errors:  # the second run refused nothing: report what stopped the first
        return _plan_failed(args, project.name, project.stack, *_refused([], first, project))
    errors += build_plan(project, program_run).errors
    return _plan_failed(args, project.name, project.stack, errors, code, notes)


def _refused(kept: list[PodLbError], exc: Exception | None, project: Project) -> tuple[list[PlanError], int, list[str]]:
    """The errors of a run plan refuses, its exit status and notes: the inputs the components
    refused (kept while the program went on), then what stopped the program, if anything. A
    program that fails after a refusal most likely tripped over the refused component's
    stand-in: its failure is a note, not another error."""
    errors = [one for error in kept for one in PlanError.of(error)]
    if exc is None:
        return errors, EXIT_INVALID, []
    failure, code = _failure(exc, project)
    if errors and code == EXIT_FAILED:
        where = user_frames(exc, project.dir)
        note = (
            "the program stopped after the invalid inputs above, so what it does after that was not "
            f"checked; fix these and run plan again. It stopped at {type(exc).__name__}: {exc}"
            + ("\n" + "\n".join(where) if where else "")
        )
        return errors, EXIT_INVALID, [note]
    return errors + failure, code, []


def _failure(exc: Exception, project: Project) -> tuple[list[PlanError], int]:
    """Why the program failed, and the exit status: invalid input (1) or a failed program (2)."""
    invalid = find_cause(exc, PodLbError)
    if invalid is not None:
        return PlanError.of(invalid), EXIT_INVALID
    config_error = find_cause(exc, pulumi.ConfigMissingError) or find_cause(exc, pulumi.ConfigTypeError)
    if config_error is not None:  # the program asked for config the stack file lacks or mistypes
        where = user_frames(exc, project.dir)
        stack_file = project.stack_file.name if project.stack_file else f"Pulumi.{project.stack}.yaml"
        error = PlanError(
            f"stack config of stack '{project.stack}' ({stack_file}): {' '.join(str(config_error).split())}"
            + ("\n" + "\n".join(where) if where else ""),
            fix=f"set it in {stack_file} (or give it a default in the config: block of Pulumi.yaml)",
        )
        return [error], EXIT_INVALID
    missing = find_cause(exc, MissingLiveObject)
    if missing is not None and missing.object_id == LB_CONTROLLER_ID:
        return [ADDON_MISSING], EXIT_INVALID
    where = user_frames(exc, project.dir)
    text = f"the program failed: {type(exc).__name__}: {exc}" + ("\n" + "\n".join(where) if where else "")
    return [PlanError(text)], EXIT_FAILED
