"""The runner of `podlb plan` (plan.py is the command around it): run a Pulumi program under the
mock engine in preview mode (execute) and build a Plan (plan_model.py) from what the engine
recorded (build_plan), doing with each resource what plan_table.py's entry for its type token
says. No credentials and no network: the live cluster is assumed (and said so)."""

from __future__ import annotations

import os
import runpy
import sys
import traceback
from contextlib import nullcontext
from pathlib import Path
from typing import Any

from pulumi.runtime import rpc

from ..bce.facts import FACTS_ENV, read_facts
from ..bce.settings import OFFLINE_ENV
from ..cluster.component import PodDirectCluster
from ..cluster.outputs import ClusterOutputs
from ..plan_kind import PlanKind, PlannedResource
from ..preview_engine import FakeCluster, ProgramRun, Registration, is_unknown, run_program
from ..program import from_document
from ..rules.value import PLAN_COLUMNS
from ..service.component import PodDirectService
from ..tokens import READ_CONFIG_MAP
from .plan_keep_going import KeepGoing
from .plan_model import Plan, PlanError
from .plan_table import kind_of
from .project import Project

__all__ = ["KeepGoing", "Plan", "PlanError", "build_plan", "execute", "user_frames"]

UNKNOWN_TEXT = "(known after apply)"
ASSUMED_READS = {
    "kube-system/cce-lb-controller": "Deployment with 1 available replica (add-on installed)",
    "kube-system/cce-ip-masq-agent": "ConfigMap holding CCE's default config document",
}


def displayed(value: Any) -> Any:
    """Wire values for display: unknowns spelled out, whole doubles back to integers."""
    if is_unknown(value) or value == rpc.UNKNOWN:
        return UNKNOWN_TEXT
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: displayed(v) for k, v in value.items()}
    if isinstance(value, list):
        return [displayed(v) for v in value]
    return value


def _planned(reg: Registration) -> PlannedResource:
    return PlannedResource(displayed(reg.inputs), reg.retain_on_delete)


def _summary(reg: Registration, kind: PlanKind, planned: PlannedResource) -> str:
    if reg.is_read:
        return f"reads live {reg.read_id}"
    return kind.summary(planned) if kind.summary is not None else ""


_KEY_ORDER = [
    "apiVersion",
    "kind",
    "metadata",
    "name",
    "namespace",
    "labels",
    "annotations",
    "spec",
    "type",
    "selector",
    "port",
    "targetPort",
    "protocol",
    "ports",
    "data",
]


def canonical(value: Any) -> Any:
    """Kubernetes' usual key order (apiVersion, kind, metadata, spec …) for readable YAML."""
    if isinstance(value, dict):
        rank = {k: i for i, k in enumerate(_KEY_ORDER)}
        return {k: canonical(value[k]) for k in sorted(value, key=lambda k: (rank.get(k, len(rank)), k))}
    if isinstance(value, list):
        return [canonical(v) for v in value]
    return value


def _owner(reg: Registration) -> str:
    """The component a resource belongs to, so the listing groups by cluster and Service."""
    if kind_of(reg.type).component:
        return reg.name
    return reg.parent.rsplit("::", 1)[-1] if "::" in reg.parent else reg.name


def _kubernetes_name(reg: Registration) -> str | None:
    meta = displayed(reg.inputs).get("metadata") or {}
    if not isinstance(meta, dict) or not isinstance(meta.get("name"), str):
        return None
    return f"{meta.get('namespace') or 'default'}/{meta['name']}"


def _about(reg: Registration | None, registrations: list[Registration]) -> dict[str, Any]:
    """Who a diagnostic is about: the resource, and the Kubernetes object it stands for."""
    if reg is None:
        return {"resource": "", "type": "", "kubernetes": None}
    kubernetes = None if reg.type.startswith("podlb:") else _kubernetes_name(reg)
    stands_for = kind_of(reg.type).stands_for
    if stands_for is not None:
        child = next((r for r in registrations if r.parent == reg.urn and r.type == stands_for), None)
        kubernetes = f"{stands_for.rsplit(':', 1)[-1]} {_kubernetes_name(child)}" if child is not None else None
    elif kubernetes is not None:
        kubernetes = f"{reg.type.rsplit(':', 1)[-1]} {kubernetes}"
    return {"resource": reg.name, "type": reg.type, "kubernetes": kubernetes}


def diagnostics_of(run: ProgramRun, severity: str) -> list[dict[str, Any]]:
    """The run's warnings (or errors), each naming its resource. A message logged without one
    (a resource transform's) is matched by the "name: " it starts with."""
    registrations = run.mocks.registrations
    by_urn = {r.urn: r for r in registrations if r.urn}
    found: list[tuple[int, dict[str, Any]]] = []
    for diag in run.diagnostics:
        if diag.severity != severity:
            continue
        reg, message = by_urn.get(diag.urn), diag.message
        if reg is None:
            name, sep, rest = message.partition(": ")
            named = [r for r in registrations if r.name == name and not r.is_read] if sep else []
            if len(named) == 1:
                reg, message = named[0], rest
        where = run.mocks.construction_index(reg) if reg is not None else len(registrations)
        found.append((where, {**_about(reg, registrations), "message": message}))
    # a message logged against a resource waits for its URN, and registrations reach the engine
    # from a thread pool, so both orders vary from run to run: order by resource, as the program
    # constructed them, keeping each resource's own order
    return [w for _, w in sorted(found, key=lambda item: item[0])]


def kubernetes_collisions(run: ProgramRun) -> list[PlanError]:
    """Objects two resources would create with one kind, namespace and name through one provider
    (one cluster): the second create fails with AlreadyExists. Patches and reads don't create.
    Each error is about the second resource's owner: a Service's service_name, or the object's name."""
    seen: dict[tuple[str, str, str], Registration] = {}
    errors = []
    # in the program's order (registrations arrive from a thread pool): the second is the later one
    for reg in sorted(run.mocks.registrations, key=run.mocks.construction_index):
        kind = reg.type.rsplit(":", 1)[-1]
        if (
            reg.is_read
            or not reg.custom
            or not reg.type.startswith("kubernetes:")
            or kind.endswith("Patch")
            or reg.type.startswith(("kubernetes:index:", "kubernetes:helm", "kubernetes:yaml", "kubernetes:kustomize"))
        ):
            continue
        name = _kubernetes_name(reg)
        if name is None:  # auto-named by the provider: unique
            continue
        key = (reg.provider, reg.type, name)
        first = seen.setdefault(key, reg)
        if first is not reg:
            errors.append(
                PlanError(
                    f"{kind} {name} would be created twice in one cluster, by '{_owner(first)}' ({first.name}) and "
                    f"'{_owner(reg)}' ({reg.name}): the second create fails (AlreadyExists)",
                    _owner(reg),
                    "service_name" if _parent_type(reg) == PodDirectService.TYPE else "metadata.name",
                    "give one of them another name or namespace (PodDirectService: service_name / namespace)",
                )
            )
    return errors


def _parent_type(reg: Registration) -> str:
    """The type token of the resource's parent, from its URN (…::parent$type::name)."""
    if "::" not in reg.parent:
        return ""
    return reg.parent.rsplit("::", 2)[-2].rsplit("$", 1)[-1]


def build_plan(project: Project, run: ProgramRun) -> Plan:
    plan = Plan(
        project.name,
        project.stack,
        warnings=diagnostics_of(run, "warning"),
        errors=[PlanError(e["message"], e["resource"]) for e in diagnostics_of(run, "error")],
    )
    plan.errors += kubernetes_collisions(run)
    plan.notes += project.notes
    if project.facts is not None:
        facts = read_facts(project.facts)
        for reg in run.mocks.of_type(PodDirectCluster.TYPE):
            cluster_id = ClusterOutputs.read_back(reg.outputs).cluster_id if reg.outputs else None
            found = facts.get(str(cluster_id or ""))
            if found is None:
                continue
            plan.notes.append(
                f"cluster '{reg.name}' ({found.cluster.cluster_id}): network mode, VPC CIDR, security groups, "
                f"master type and add-ons from {found.source.name}, as `podlb discover` read them at "
                f"{found.discovered_at} (not the live cluster; `podlb doctor --facts {found.source.name}` says "
                "whether they still hold)"
            )
    python = Path(sys.executable).absolute()
    shown = python.relative_to(project.dir) if python.is_relative_to(project.dir) else python
    plan.python = f"{shown} ({project.python_from})" if project.main else ""
    clusters = {r.name for r in run.mocks.of_type(PodDirectCluster.TYPE)}
    # clusters first, then each Service; within an owner: component, reads, then the rest by rank
    registrations = sorted(
        run.mocks.registrations,
        key=lambda r: (_owner(r) not in clusters, _owner(r), 1 if r.is_read else kind_of(r.type).rank, r.name),
    )
    used_by: dict[str, list[str]] = {}  # rule URN -> the resources (Services) that wait for it
    for reg in run.mocks.registrations:
        label = kind_of(reg.type).dependent_label
        if label is None or reg.is_read:
            continue
        for dep in reg.dependencies:
            used_by.setdefault(dep, []).append(label(_planned(reg)))
    for reg in registrations:
        kind, planned = kind_of(reg.type), _planned(reg)
        plan.resources.append(
            {
                "op": "read" if reg.is_read else "create",
                "type": reg.type,
                "name": reg.name,
                "summary": _summary(reg, kind, planned),
            }
        )
        if kind.rule is not None:
            row = kind.rule(planned)
            columns = {key: row[key] for key, _ in PLAN_COLUMNS}
            plan.rules.append({**columns, "used_by": sorted(used_by.get(reg.urn, [])), **row})
        elif kind.manifest_title is not None and not reg.is_read:
            i = planned.inputs
            manifest = canonical({k: i[k] for k in ("apiVersion", "kind", "metadata", "spec", "data") if k in i})
            plan.manifests.append({"title": kind.manifest_title, "resource": reg.name, "manifest": manifest})
    reads = {r.read_id for r in run.mocks.registrations if r.is_read} | {
        f"{args['namespace']}/{args['name']}" for token, args in run.mocks.invokes if token == READ_CONFIG_MAP
    }
    plan.assumed = {obj: what for obj, what in ASSUMED_READS.items() if obj in reads}
    for cluster in run.mocks.of_type(PodDirectCluster.TYPE):
        if not cluster.outputs:  # the program stopped before the cluster registered them
            continue
        outputs = ClusterOutputs.read_back(cluster.outputs)
        plan.lb_controller.append({"cluster": cluster.name, **displayed(outputs.lb_controller_check or {})})
        for group in outputs.security_groups or []:
            plan.security_groups.append({"cluster": cluster.name, **displayed(group)})
    plan.outputs = sorted(run.outputs)
    if project.undecryptable:
        plan.notes.append(
            "secure config values can't be decrypted offline and were replaced by "
            f"'[secret]': {', '.join(project.undecryptable)}"
        )
    return plan


def user_frames(exc: BaseException, project_dir: Path) -> list[str]:
    """Where in the user's own files the exception came from (not podlb's or Pulumi's code)."""
    frames = traceback.extract_tb(exc.__traceback__)
    root = str(project_dir.resolve())
    mine = [  # "<frozen runpy>" and the like are no files: resolved, they would land in the cwd
        f
        for f in frames
        if f.filename and not f.filename.startswith("<") and str(Path(f.filename).resolve()).startswith(root)
    ]
    return [f'  File "{f.filename}", line {f.lineno}, in {f.name}\n    {f.line or ""}'.rstrip() for f in mine]


def execute(project: Project, cluster: FakeCluster | None = None, keep_going: KeepGoing | None = None) -> ProgramRun:
    """Run the project's program under the mock engine; with `keep_going`, a component that
    refuses its inputs is kept there and the program goes on (plan_keep_going.py)."""

    def program() -> None:
        saved_path, saved_cwd = list(sys.path), os.getcwd()
        saved = {name: os.environ.get(name) for name in (OFFLINE_ENV, FACTS_ENV)}
        sys.path.insert(0, str(project.dir))
        os.chdir(project.dir)
        os.environ[OFFLINE_ENV] = "1"  # plan never calls the cloud, whatever credentials are around
        os.environ.pop(FACTS_ENV, None)
        if project.facts is not None:
            os.environ[FACTS_ENV] = str(project.facts)
        try:
            if project.document is not None:
                from_document(project.document)
            else:
                runpy.run_path(str(project.main), run_name="__main__")
        finally:
            sys.path[:] = saved_path
            os.chdir(saved_cwd)
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value

    # around the whole run: a component may also be made in a callback, after program() returned
    with keep_going.installed() if keep_going is not None else nullcontext():
        return run_program(
            program,
            preview=True,
            cluster=cluster or FakeCluster.cce_default(),
            config=project.config,
            secret_keys=project.secret_keys,
            project=project.name,
            stack=project.stack,
        )
