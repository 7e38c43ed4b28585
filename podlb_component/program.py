"""The config-driven stack program: one PodDirectCluster and its PodDirectServices from
stack config. The root project's `__main__.py` (and `podlb plan`'s demo) run this.

Config (namespace = the project name):
  cluster:    PodDirectClusterArgs as an object (snake_case keys)
  services:   list of PodDirectServiceArgs objects, each with a `name`
  kubeconfig: optional secret; else the ambient Kubernetes provider is used
  bce:*       credentials for the security-group rules (see README)
"""

from __future__ import annotations

from typing import Any

import pulumi

from .cluster.component import PodDirectCluster
from .errors import PodLbError
from .service.component import PodDirectService


def main() -> dict[str, PodDirectService]:
    config = pulumi.Config()
    cluster_args: dict[str, Any] = dict(config.require_object("cluster"))
    kubeconfig = config.get_secret("kubeconfig")
    if kubeconfig is not None:
        cluster_args["kubeconfig"] = kubeconfig
    cluster_name = str(cluster_args.pop("name", "cluster"))
    cluster = PodDirectCluster(cluster_name, cluster_args)  # type: ignore[arg-type]
    pulumi.export("cluster_id", cluster.cluster_id)

    services: dict[str, PodDirectService] = {}
    for i, raw in enumerate(config.get_object("services") or []):
        args = dict(raw)
        name = args.pop("name", None)
        if not isinstance(name, str) or not name:
            raise PodLbError(
                f"services[{i}]",
                "name",
                "every service in stack config needs a name",
                "add `name: web` (the Pulumi resource name; also the default Service name)",
            )
        service = PodDirectService(name, {"cluster": cluster, **args})  # type: ignore[typeddict-item]
        pulumi.export(f"{name}_address", service.address)
        pulumi.export(f"{name}_blb_id", service.blb_id)
        services[name] = service
    return services
