"""What a PodDirectService takes from its cluster, as one value (pulumi-eks passes `CoreData`
from cluster to node group the same way): the Service reads it once and never reaches into the
cluster component, and a Service test can build it by hand."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import pulumi

from ..resources import SecurityGroupRule


class RulesFor(Protocol):
    """Makes (or shares) the rules that open `target_ports` for a Service; returns them and a
    warning about their sources, if any. Raises PodLbError, before registering anything, when
    the sources or the groups' quotas don't allow it."""

    def __call__(
        self,
        service: str,
        target_ports: list[tuple[int, str]],
        source_ranges: tuple[pulumi.Input[str], ...],
        internal: bool,
    ) -> tuple[list[SecurityGroupRule], str | None]: ...


class ClaimBlbPorts(Protocol):
    """Records that a Service listens on `ports` of a reused BLB, and that its backends count
    against that BLB's quota; raises PodLbError when another Service holds a port or the
    backends don't fit."""

    def __call__(
        self, service: str, blb_id: str, ports: list[tuple[int, str]], expected_backends: int | None
    ) -> None: ...


@dataclass(frozen=True)
class ClusterContract:
    """Everything a PodDirectService needs from its PodDirectCluster (`cluster.contract`). A
    Service given one of these as `cluster` uses it in place of a cluster's (tests build it by
    hand, with their own `rules_for` and `claim_blb_ports`)."""

    cluster_name: str
    """The cluster component's name, for messages."""
    cluster_id: pulumi.Output[str]
    """The CCE cluster id (checked once known); annotated on the Service."""
    backend_quota: int
    """Pod backends one application BLB may have."""
    kubernetes_provider: pulumi.ProviderResource | None
    """The provider the Service is created through (None: the ambient one)."""
    prerequisites: tuple[pulumi.Resource, ...]
    """What every Service waits for (the add-on check or install, the ip-masq patch)."""
    blb_reuse_warning: Callable[[], str | None]
    """What to warn a Service that reuses a BLB of, when the installed cce-lb-controller may be too
    old for that (None: nothing). Asked only by such a Service: it reads the raw add-on listing."""
    rules_for: RulesFor
    claim_blb_ports: ClaimBlbPorts
