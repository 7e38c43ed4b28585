"""The `podlb` command (also `python -m podlb_component`)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from .plan import build_plan, execute, podlb_error_text
from .project import ProjectError, load_project
from .render import render_data, render_text

EXIT_OK, EXIT_INVALID, EXIT_FAILED = 0, 1, 2
ADDON_MISSING_HINT = (
    "the cce-lb-controller add-on is missing: install it from the CCE console (cluster -> Helm "
    "-> templates -> cce-lb-controller 1.0.0, namespace kube-system) or set "
    "lb_controller: install with lb_controller_chart.repository"
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
    return root


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return int(args.func(args))
