"""`podlb plan`: run a Pulumi program under the mock engine in preview mode and describe what
`pulumi up` would do. No credentials and no network: the live cluster is assumed (and said so)."""

from __future__ import annotations

import os
import runpy
import sys
import traceback
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pulumi.runtime import rpc

from ..bce.facts import FACTS_ENV, read_facts
from ..bce.settings import OFFLINE_ENV
from ..preview_engine import FakeCluster, ProgramRun, Registration, is_unknown, run_program
from ..program import from_document
from ..resources import ADDON_TYPE, READ_CONFIG_MAP, RULE_TYPE
from ..service.load_balancer import describe
from .project import Project

UNKNOWN_TEXT = "(known after apply)"
PATCH_TYPE = "kubernetes:core/v1:ConfigMapPatch"
SERVICE_TYPE = "kubernetes:core/v1:Service"
RELEASE_TYPE = "kubernetes:helm.sh/v3:Release"
DEPLOYMENT_TYPE = "kubernetes:apps/v1:Deployment"
SHOWN = {SERVICE_TYPE: "Service", PATCH_TYPE: "ConfigMap patch", DEPLOYMENT_TYPE: "Deployment"}
ASSUMED_READS = {
    "kube-system/cce-lb-controller": "Deployment with 1 available replica (add-on installed)",
    "kube-system/cce-ip-masq-agent": "ConfigMap holding CCE's default config document",
}


@dataclass
class Plan:
    project: str
    stack: str
    resources: list[dict[str, Any]] = field(default_factory=list)
    rules: list[dict[str, Any]] = field(default_factory=list)
    security_groups: list[dict[str, Any]] = field(default_factory=list)
    """Each cluster's node and ENI groups: which get rules, and where podlb learnt of them."""
    assumed: dict[str, str] = field(default_factory=dict)
    """Live objects the program reads, and what plan assumed they hold."""
    lb_controller: list[dict[str, Any]] = field(default_factory=list)
    """Per cluster: how the cce-lb-controller add-on is checked or installed."""
    manifests: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[dict[str, Any]] = field(default_factory=list)
    """Each warning with the resource it is about: resource (name), type, kubernetes
    (namespace/name of the object it stands for, if any) and message."""
    errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    python: str = ""
    """The interpreter the program ran with, and why that one."""
    outputs: list[str] = field(default_factory=list)

    @property
    def rules_per_group(self) -> dict[str, int]:
        return dict(Counter(str(r["group"]) for r in self.rules))

    def as_dict(self) -> dict[str, Any]:
        return {
            "project": self.project,
            "stack": self.stack,
            "python": self.python,
            "assumed_cluster": self.assumed,
            "lb_controller": self.lb_controller,
            "resources": self.resources,
            "security_groups": self.security_groups,
            "security_group_rules": self.rules,
            "rules_per_group": self.rules_per_group,
            "kubernetes_objects": self.manifests,
            "warnings": self.warnings,
            "errors": self.errors,
            "notes": self.notes,
            "outputs": self.outputs,
        }


def plain(value: Any) -> Any:
    """Wire values for display: unknowns spelled out, whole doubles back to integers."""
    if is_unknown(value) or value == rpc.UNKNOWN:
        return UNKNOWN_TEXT
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def _summary(reg: Registration) -> str:
    i = plain(reg.inputs)
    if reg.is_read:
        return f"reads live {reg.read_id}"
    if reg.type == RULE_TYPE:
        return f"{i['security_group_id']} {i['protocol']}/{i['port_range']} from {i['source_ip']}, deleted on destroy"
    if reg.type == ADDON_TYPE:
        return (
            f"add-on {'/'.join(i['addon_names'])} >= {i['min_version']}: installed or upgraded if needed, "
            "never uninstalled"
        )
    if reg.type == SERVICE_TYPE:
        meta, spec = i.get("metadata", {}), i.get("spec", {})
        ports = ", ".join(f"{p.get('port')}->{p.get('targetPort')}/{p.get('protocol')}" for p in spec.get("ports", []))
        lb = describe(meta.get("annotations") or {}, spec.get("loadBalancerIP"))
        return f"{meta.get('namespace')}/{meta.get('name')} {spec.get('type')} {ports}" + (f"; {lb}" if lb else "")
    if reg.type == PATCH_TYPE:
        meta = i.get("metadata", {})
        return f"patches {meta.get('namespace')}/{meta.get('name')}" + (
            ", kept on delete" if reg.retain_on_delete else ""
        )
    if reg.type == RELEASE_TYPE:
        return f"helm chart {i.get('chart')} {i.get('version')} into {i.get('namespace')}"
    return ""


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
_CATEGORY = {
    "podlb:index:PodDirectCluster": 0,
    "podlb:index:PodDirectService": 0,
    RELEASE_TYPE: 2,
    PATCH_TYPE: 2,
    RULE_TYPE: 3,
    ADDON_TYPE: 3,
    SERVICE_TYPE: 4,
}


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
    if reg.type in ("podlb:index:PodDirectCluster", "podlb:index:PodDirectService"):
        return reg.name
    return reg.parent.rsplit("::", 1)[-1] if "::" in reg.parent else reg.name


def _kubernetes_name(reg: Registration) -> str | None:
    meta = plain(reg.inputs).get("metadata") or {}
    if not isinstance(meta, dict) or not isinstance(meta.get("name"), str):
        return None
    return f"{meta.get('namespace') or 'default'}/{meta['name']}"


def _about(reg: Registration | None, registrations: list[Registration]) -> dict[str, Any]:
    """Who a diagnostic is about: the resource, and the Kubernetes object it stands for."""
    if reg is None:
        return {"resource": "", "type": "", "kubernetes": None}
    kubernetes = None if reg.type.startswith("podlb:") else _kubernetes_name(reg)
    if reg.type == "podlb:index:PodDirectService":
        child = next((r for r in registrations if r.parent == reg.urn and r.type == SERVICE_TYPE), None)
        kubernetes = f"Service {_kubernetes_name(child)}" if child is not None else None
    elif kubernetes is not None:
        kubernetes = f"{reg.type.rsplit(':', 1)[-1]} {kubernetes}"
    return {"resource": reg.name, "type": reg.type, "kubernetes": kubernetes}


def diagnostics_of(run: ProgramRun, severity: str) -> list[dict[str, Any]]:
    """The run's warnings (or errors), each naming its resource. A message logged without one
    (a resource transform's) is matched by the "name: " it starts with."""
    registrations = run.mocks.registrations
    by_urn = {r.urn: r for r in registrations if r.urn}
    order = {id(r): i for i, r in enumerate(registrations)}
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
        found.append(
            (order[id(reg)] if reg is not None else len(order), {**_about(reg, registrations), "message": message})
        )
    # a message logged against a resource waits for its URN, so arrival order varies from run
    # to run: order by resource (registration order), keeping each resource's own order
    return [w for _, w in sorted(found, key=lambda item: item[0])]


def kubernetes_collisions(run: ProgramRun) -> list[str]:
    """Objects two resources would create with one kind, namespace and name through one provider
    (one cluster): the second create fails with AlreadyExists. Patches and reads don't create."""
    seen: dict[tuple[str, str, str], Registration] = {}
    errors = []
    for reg in run.mocks.registrations:
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
                f"{kind} {name} would be created twice in one cluster, by '{_owner(first)}' ({first.name}) and "
                f"'{_owner(reg)}' ({reg.name}): the second create fails (AlreadyExists)\n"
                f"  fix: give one of them another name or namespace (PodDirectService: service_name / namespace)"
            )
    return errors


def build_plan(project: Project, run: ProgramRun) -> Plan:
    plan = Plan(
        project.name,
        project.stack,
        warnings=diagnostics_of(run, "warning"),
        errors=[
            f"{e['resource']}: {e['message']}" if e["resource"] else e["message"] for e in diagnostics_of(run, "error")
        ],
    )
    plan.errors += kubernetes_collisions(run)
    plan.notes += project.notes
    if project.facts is not None:
        facts = read_facts(project.facts)
        for reg in run.mocks.of_type("podlb:index:PodDirectCluster"):
            found = facts.get(str(plain(reg.inputs).get("cluster_id") or reg.outputs.get("cluster_id") or ""))
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
    clusters = {r.name for r in run.mocks.of_type("podlb:index:PodDirectCluster")}
    # clusters first, then each Service; within an owner: component, reads, then the rest
    registrations = sorted(
        run.mocks.registrations,
        key=lambda r: (_owner(r) not in clusters, _owner(r), 1 if r.is_read else _CATEGORY.get(r.type, 2), r.name),
    )
    used_by: dict[str, list[str]] = {}
    for reg in run.mocks.of_type(SERVICE_TYPE):
        meta = plain(reg.inputs).get("metadata", {})
        for dep in reg.dependencies:
            used_by.setdefault(dep, []).append(f"{meta.get('namespace')}/{meta.get('name')}")
    for reg in registrations:
        plan.resources.append(
            {
                "op": "read" if reg.is_read else "create",
                "type": reg.type,
                "name": reg.name,
                "summary": _summary(reg),
            }
        )
        i = plain(reg.inputs)
        if reg.type == RULE_TYPE:
            plan.rules.append(
                {
                    "group": i["security_group_id"],
                    "protocol": i["protocol"],
                    "port": i["port_range"],
                    "source": i["source_ip"],
                    "used_by": sorted(used_by.get(reg.urn, [])),
                    "remark": i.get("remark", ""),
                }
            )
        elif reg.type in SHOWN and not reg.is_read:
            manifest = canonical({k: i[k] for k in ("apiVersion", "kind", "metadata", "spec", "data") if k in i})
            plan.manifests.append({"title": SHOWN[reg.type], "resource": reg.name, "manifest": manifest})
    reads = {r.read_id for r in run.mocks.registrations if r.is_read} | {
        f"{args['namespace']}/{args['name']}" for token, args in run.mocks.invokes if token == READ_CONFIG_MAP
    }
    plan.assumed = {obj: what for obj, what in ASSUMED_READS.items() if obj in reads}
    for cluster in run.mocks.of_type("podlb:index:PodDirectCluster"):
        check = cluster.outputs.get("lb_controller_check")
        if check:
            plan.lb_controller.append({"cluster": cluster.name, **plain(check)})
        for group in cluster.outputs.get("security_groups") or []:
            plan.security_groups.append({"cluster": cluster.name, **plain(group)})
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
    mine = [f for f in frames if f.filename and str(Path(f.filename).resolve()).startswith(root)]
    return [f'  File "{f.filename}", line {f.lineno}, in {f.name}\n    {f.line or ""}'.rstrip() for f in mine]


def execute(project: Project, cluster: FakeCluster | None = None) -> ProgramRun:
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

    return run_program(
        program,
        preview=True,
        cluster=cluster or FakeCluster.cce_default(),
        config=project.config,
        secret_keys=project.secret_keys,
        project=project.name,
        stack=project.stack,
    )
