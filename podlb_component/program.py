"""Stack programs driven by data: clusters and Services declared as plain mappings.

- `main()`: the root project's program, from stack config (namespace = the project name):
    cluster:    PodDirectClusterArgs as an object (snake_case keys; optional `name`)
    services:   list of PodDirectServiceArgs objects, each with a `name`
    kubeconfig: optional secret; else the ambient Kubernetes provider is used
- `from_document(doc)`: what `podlb plan FILE.yaml` runs:
    clusters: {prod: {cluster_id: …, network_mode: …}}
    services: {web: {cluster: prod, selector: …, ports: […]}}
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pulumi

from .cluster.component import PodDirectCluster
from .errors import PodLbError
from .service.component import PodDirectService


def build(
    clusters: Mapping[str, Mapping[str, Any]], services: Mapping[str, Mapping[str, Any]]
) -> dict[str, PodDirectService]:
    if not clusters:
        raise PodLbError("stack", "clusters", "no cluster is declared", "declare one PodDirectCluster per CCE cluster")
    made = {name: PodDirectCluster(name, dict(args)) for name, args in clusters.items()}  # type: ignore[arg-type]
    for name, cluster in made.items():
        pulumi.export(f"{name}_cluster_id", cluster.cluster_id)
    result: dict[str, PodDirectService] = {}
    for name, raw in services.items():
        args = dict(raw)
        cluster_name = args.pop("cluster", None)
        if cluster_name is None and len(made) == 1:
            cluster_name = next(iter(made))
        if cluster_name not in made:
            raise PodLbError(
                name,
                "cluster",
                f"names no declared cluster ({cluster_name!r})",
                "set cluster: to one of " + ", ".join(made),
            )
        service = PodDirectService(name, {"cluster": made[cluster_name], **args})  # type: ignore[typeddict-item]
        pulumi.export(f"{name}_address", service.address)
        pulumi.export(f"{name}_blb_id", service.blb_id)
        result[name] = service
    return result


def _stack_file() -> str:
    return f"Pulumi.{pulumi.get_stack()}.yaml"


def main() -> dict[str, PodDirectService]:
    config = pulumi.Config()
    where = f"stack config ({_stack_file()})"
    prefix = config.name
    cluster_raw = config.require_object("cluster")
    if not isinstance(cluster_raw, dict):
        raise PodLbError(
            where,
            f"{prefix}:cluster",
            f"must be a mapping of PodDirectCluster arguments, got {type(cluster_raw).__name__}",
            "write it as a mapping, e.g. `cluster: {cluster_id: cce-…, network_mode: vpc-route-veth}`",
        )
    cluster_args: dict[str, Any] = dict(cluster_raw)
    kubeconfig = config.get_secret("kubeconfig")
    if kubeconfig is not None:
        cluster_args["kubeconfig"] = kubeconfig
    cluster_name = cluster_args.pop("name", "cluster")
    if not isinstance(cluster_name, str) or not cluster_name:
        raise PodLbError(
            where,
            f"{prefix}:cluster.name",
            f"must be a non-empty string, got {cluster_name!r}",
            "set `name: prod` or leave it out (default: cluster)",
        )
    listed = config.get_object("services") or []
    if not isinstance(listed, list):
        raise PodLbError(
            where,
            f"{prefix}:services",
            f"must be a list of Services, got a {type(listed).__name__}",
            "write it as a list, each entry with its own name: `services: [{name: web, selector: …, ports: …}]`",
        )
    services: dict[str, dict[str, Any]] = {}
    first_index: dict[str, int] = {}
    for i, raw in enumerate(listed):
        if not isinstance(raw, dict):
            raise PodLbError(
                where,
                f"{prefix}:services[{i}]",
                f"must be a mapping of PodDirectService arguments, got {type(raw).__name__}",
                "write each entry as a mapping with a name, e.g. `- {name: web, selector: {app: web}, ports: [...]}`",
            )
        args = dict(raw)
        name = args.pop("name", None)
        if not isinstance(name, str) or not name:
            raise PodLbError(
                f"services[{i}]",
                "name",
                "every service in stack config needs a name",
                "add `name: web` (the Pulumi resource name; also the default Service name)",
            )
        if name in services:
            raise PodLbError(
                where,
                f"{prefix}:services[{i}].name",
                f"'{name}' is also the name of {prefix}:services[{first_index[name]}]; two Services of one name "
                "would be one Pulumi resource URN, which the engine refuses",
                "give each Service its own name (set service_name to choose the Kubernetes name separately)",
            )
        services[name] = args
        first_index[name] = i
    return build({cluster_name: cluster_args}, services)


def from_document(document: Mapping[str, Any]) -> dict[str, PodDirectService]:
    unknown = [k for k in document if k not in ("clusters", "services")]
    if unknown:
        raise PodLbError(
            "plan file",
            ", ".join(sorted(map(str, unknown))),
            "unknown top-level keys",
            "a plan file has `clusters:` and `services:` mappings",
        )
    return build(document.get("clusters") or {}, document.get("services") or {})
