"""podlb: pod-direct LoadBalancer Services on Baidu CCE as Pulumi components.

from podlb_component import PodDirectCluster, PodDirectService

The names below load on first use, so the provider plugin (`podlb_component.provider`), which
needs none of the components, starts without importing them (and pulumi_kubernetes).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_HOMES = {
    "LbControllerChartArgs": ".cluster.args",
    "PodDirectClusterArgs": ".cluster.args",
    "PodDirectCluster": ".cluster.component",
    "PodLbError": ".errors",
    "CceAddon": ".resources",
    "Provider": ".resources",
    "ProviderArgs": ".resources",
    "SecurityGroupRule": ".resources",
    "SecurityGroupRuleArgs": ".rules.value",
    "graceful_shutdown_transform": ".rollout",
    "with_graceful_shutdown": ".rollout",
    "PodDirectServiceArgs": ".service.args",
    "ServicePortArgs": ".service.args",
    "PodDirectService": ".service.component",
}
"""The public API, each name with the module it loads from: the one list (`__all__`, `dir()` and
the lazy import read it)."""
__all__ = sorted(_HOMES)

if TYPE_CHECKING:
    # The same names for type checkers, which can't follow `__getattr__` (a user's mypy --strict
    # would see each as Any). `X as X` exports them although `__all__` is computed.
    # tests/unit/test_public_api.py fails when these imports and _HOMES differ.
    from .cluster.args import LbControllerChartArgs as LbControllerChartArgs
    from .cluster.args import PodDirectClusterArgs as PodDirectClusterArgs
    from .cluster.component import PodDirectCluster as PodDirectCluster
    from .errors import PodLbError as PodLbError
    from .resources import CceAddon as CceAddon
    from .resources import Provider as Provider
    from .resources import ProviderArgs as ProviderArgs
    from .resources import SecurityGroupRule as SecurityGroupRule
    from .rollout import graceful_shutdown_transform as graceful_shutdown_transform
    from .rollout import with_graceful_shutdown as with_graceful_shutdown
    from .rules.value import SecurityGroupRuleArgs as SecurityGroupRuleArgs
    from .service.args import PodDirectServiceArgs as PodDirectServiceArgs
    from .service.args import ServicePortArgs as ServicePortArgs
    from .service.component import PodDirectService as PodDirectService


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(home, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_HOMES])
