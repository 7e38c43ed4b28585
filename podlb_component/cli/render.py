"""Print a Plan as aligned text (colour on a terminal), YAML or JSON."""

from __future__ import annotations

import json
import os
from typing import Any, TextIO

import yaml

from ..doctor.checks import summary
from ..rules.value import PLAN_COLUMNS
from .plan_model import Plan


class _LiteralDumper(yaml.SafeDumper):
    """Multi-line strings (the ip-masq document) as readable `|` blocks."""


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value.strip() else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_LiteralDumper.add_representer(str, _str)


def to_yaml(data: Any) -> str:
    return yaml.dump(data, Dumper=_LiteralDumper, sort_keys=False, default_flow_style=False, allow_unicode=True)


class _Style:
    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

    def __call__(self, text: str, code: str) -> str:
        return f"\033[{code}m{text}\033[0m" if self.enabled else text


def use_colour(stream: TextIO) -> bool:
    return stream.isatty() and "NO_COLOR" not in os.environ and os.environ.get("TERM") != "dumb"


def _table(rows: list[list[str]], indent: str = "  ") -> list[str]:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return [indent + "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]


def _cell(value: Any) -> str:
    """A rule field the rule doesn't have (None) shows as "-"."""
    return "-" if value is None else str(value)


def render_text(plan: Plan, stream: TextIO) -> None:
    s = _Style(use_colour(stream))
    out: list[str] = []
    out.append(s(f"podlb plan: project '{plan.project}', stack '{plan.stack}'", "1"))
    out.append("Preview under Pulumi's mock engine: no cloud, no credentials, nothing changed.")
    if plan.python:
        out.append(f"Python: {plan.python}")
    out.append("")
    if plan.assumed:
        out.append(s("Live cluster (assumed here; `pulumi preview` reads the real one):", "1"))
        out += _table([[obj, what] for obj, what in plan.assumed.items()])
        out.append("")
    for check in plan.lb_controller:
        out.append(
            s(f"cce-lb-controller ({check['cluster']}): ", "1")
            + f"lb_controller={check['mode']!r}; {check['cluster_type']} cluster, from {check['cluster_type_from']}"
        )
        out.append(f"  checked by: {check['checked_by']}")
    if plan.lb_controller:
        out.append("")
    creates = sum(1 for r in plan.resources if r["op"] == "create")
    reads = len(plan.resources) - creates
    out.append(s(f"Resources: {creates} to create" + (f", {reads} to read" if reads else ""), "1"))
    if plan.resources:
        rows = [["", "TYPE", "NAME", "WHAT"]] + [
            [s("+", "32") if r["op"] == "create" else s("?", "36"), r["type"], r["name"], r["summary"]]
            for r in plan.resources
        ]
        out += _table(rows)
    out.append("")
    if plan.security_groups:
        out.append(s("Security groups (rules go to those of the network mode's kind):", "1"))
        out += _table(
            [["CLUSTER", "GROUP", "KIND", "GETS RULES", "FROM"]]
            + [
                [g["cluster"], str(g["id"]), g["role"], "yes" if g["gets_rules"] else "no", g["from"]]
                for g in plan.security_groups
            ]
        )
        out.append("")
    out.append(s(f"Security-group rules: {len(plan.rules)}", "1"))
    if plan.rules:
        out += _table(
            [[header for _, header in PLAN_COLUMNS] + ["USED BY"]]
            + [[_cell(r[key]) for key, _ in PLAN_COLUMNS] + [", ".join(r["used_by"])] for r in plan.rules]
        )
        out.append("  per group: " + ", ".join(f"{g}: {n}" for g, n in plan.rules_per_group.items()))
    for obj in plan.manifests:
        out.append("")
        out.append(s(f"--- {obj['title']} ({obj['resource']})", "1"))
        out.append(to_yaml(obj["manifest"]).rstrip())
    if plan.outputs:
        out.append("")
        out.append(s("Stack outputs (values known after `pulumi up`): ", "1") + ", ".join(plan.outputs))
    warnings = [_warning_line(w) for w in plan.warnings]
    for title, items, colour in (
        ("Notes", plan.notes, "36"),
        ("Warnings", warnings, "33"),
        # an error's further lines (its fix) sit under its first
        ("Errors", [error.text().replace("\n", "\n    ") for error in plan.errors], "31"),
    ):
        if items:
            out.append("")
            out.append(s(f"{title} ({len(items)}):", f"1;{colour}"))
            out += [f"  - {item}" for item in items]
    stream.write("\n".join(out) + "\n")


def _warning_line(warning: dict[str, Any]) -> str:
    """ "web (PodDirectService; Service shop/web): message"."""
    if not warning["resource"]:
        return str(warning["message"])
    about = "; ".join(x for x in (str(warning["type"]).rsplit(":", 1)[-1], warning["kubernetes"]) if x)
    return f"{warning['resource']} ({about}): {warning['message']}"


def render_data(plan: Plan, stream: TextIO, fmt: str) -> None:
    data: Any = plan.as_dict()
    if fmt == "json":
        stream.write(json.dumps(data, indent=2) + "\n")
    else:
        stream.write(to_yaml(data))


def render_checks(checks: list[Any], stream: TextIO, fmt: str = "table", errors: list[str] | None = None) -> None:
    """`podlb doctor` results: one aligned line per check, then the fixes. As JSON: a document
    with the checks, the counts and any error that stopped doctor before its checks."""
    counts = summary(checks)
    if fmt == "json":
        document = {"checks": [vars(c) for c in checks], "summary": counts, "errors": list(errors or [])}
        stream.write(json.dumps(document, indent=2) + "\n")
        return
    s = _Style(use_colour(stream))
    colours = {"pass": "32", "warn": "33", "fail": "31", "skip": "2"}
    rows = [[s(c.status.upper().ljust(4), colours[c.status]), c.name, c.detail] for c in checks]
    lines = _table(rows)
    fixes = [f"  - {c.name}: {c.fix}" for c in checks if c.status != "pass" and c.fix]
    if fixes:
        lines += ["", s("How to fix:", "1"), *fixes]
    lines += [
        "",
        f"summary: {counts['pass']} pass, {counts['warn']} warn, {counts['fail']} fail, {counts['skip']} skipped",
    ]
    stream.write("\n".join(lines) + "\n")
