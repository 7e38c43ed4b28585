"""How `podlb plan` shows one kind of resource: an entry of plan's table, keyed by type token
(pulumi-kubernetes keeps such a table from kind to behaviour in await/awaiters.go).

Each entry is defined beside the code that registers its resources (resources.py, cluster/,
service/, rollout.py); `cli/plan_table.py` gathers them. This module imports nothing of podlb's,
so the lowest of those modules can define its entry without importing the CLI."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class PlannedResource:
    """One registration as plan shows it."""

    inputs: Mapping[str, Any]
    """Display-ready: unknowns spelt "(known after apply)", whole numbers as integers."""
    retain_on_delete: bool = False


COMPONENT_RANK = 0
"""Where a resource is listed within its owner: the component itself first, then reads (1), …"""
PREREQUISITE_RANK = 2
"""… the Kubernetes objects the Services wait for (and anything without an entry), …"""
CLOUD_RANK = 3
"""… the resources podlb's provider makes in the cloud, …"""
SERVICE_RANK = 4
"""… and last the Kubernetes Service."""


@dataclass(frozen=True)
class PlanKind:
    """What plan does with a registration of type token `type`."""

    type: str
    rank: int = PREREQUISITE_RANK
    component: bool = False
    """A component: listed first among its own children, which are grouped under it."""
    summary: Callable[[PlannedResource], str] | None = None
    """The WHAT column (empty without one)."""
    manifest_title: str | None = None
    """Its manifest is printed under this title (None: not printed)."""
    rule: Callable[[PlannedResource], Mapping[str, Any]] | None = None
    """A security-group rule: its entry in the rules table, keyed as `-o json` writes it
    (rules/value.plan_row)."""
    dependent_label: Callable[[PlannedResource], str] | None = None
    """How it is named in the USED BY column of the rules it depends on."""
    stands_for: str | None = None
    """A diagnostic about this component names the Kubernetes object of its child of this type."""
