"""podlb: pod-direct LoadBalancer Services on Baidu CCE as Pulumi components.

from podlb_component import PodDirectCluster, PodDirectService

The names below load on first use, so the provider plugin (`podlb_component.provider`), which
needs none of the components, starts without importing them (and pulumi_kubernetes).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .cluster.args import LbControllerChartArgs, PodDirectClusterArgs
    from .cluster.component import PodDirectCluster
    from .errors import PodLbError
    from .resources import CceAddon, Provider, ProviderArgs, SecurityGroupRule, SecurityGroupRuleArgs
    from .rollout import graceful_shutdown_transform, with_graceful_shutdown
    from .service.args import PodDirectServiceArgs, ServicePortArgs
    from .service.component import PodDirectService

_HOMES = {
    "LbControllerChartArgs": ".cluster.args",
    "PodDirectClusterArgs": ".cluster.args",
    "PodDirectCluster": ".cluster.component",
    "PodLbError": ".errors",
    "CceAddon": ".resources",
    "Provider": ".resources",
    "ProviderArgs": ".resources",
    "SecurityGroupRule": ".resources",
    "SecurityGroupRuleArgs": ".resources",
    "graceful_shutdown_transform": ".rollout",
    "with_graceful_shutdown": ".rollout",
    "PodDirectServiceArgs": ".service.args",
    "ServicePortArgs": ".service.args",
    "PodDirectService": ".service.component",
}
__all__ = [
    "CceAddon",
    "LbControllerChartArgs",
    "PodDirectCluster",
    "PodDirectClusterArgs",
    "PodDirectService",
    "PodDirectServiceArgs",
    "PodLbError",
    "Provider",
    "ProviderArgs",
    "SecurityGroupRule",
    "SecurityGroupRuleArgs",
    "ServicePortArgs",
    "graceful_shutdown_transform",
    "with_graceful_shutdown",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(home, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_HOMES])
