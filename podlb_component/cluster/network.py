"""Pure: what a CCE cluster id and container network mode mean for pod-direct Services.

"Which security group gets the rule in mode X?" is answered here and nowhere else.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, TypeVar

from ..errors import PodLbError, did_you_mean
from ..pod_direct import NEW_GENERATION_ID, OLD_GENERATION_ID
from ..rules.value import is_enterprise_group, is_security_group_id

SecurityGroupScope = Literal["node", "eni"]
NicType = Literal["veth", "ipvlan", "kubenet"]

NIC_TYPES: tuple[str, ...] = ("veth", "ipvlan", "kubenet")
T = TypeVar("T")


@dataclass(frozen=True)
class GroupScope:
    """Whose security groups filter pod-direct traffic: everything that differs between the
    nodes' groups and the ENIs' groups, for every place that decides or says which."""

    name: SecurityGroupScope
    label: str
    """How messages name it: "node", "ENI"."""
    holders: str
    """Who the groups are bound to, in a sentence: "the nodes", "the ENIs"."""
    field: str
    """PodDirectCluster's input (and DiscoveredCluster's attribute) listing these groups."""

    def pick(self, node: T, eni: T) -> T:
        """Of a pair of things (node first), the one of this scope."""
        return node if self.name == "node" else eni


SCOPES: dict[SecurityGroupScope, GroupScope] = {
    "node": GroupScope("node", "node", "the nodes", "node_security_group_ids"),
    "eni": GroupScope("eni", "ENI", "the ENIs", "eni_security_group_ids"),
}

# CCE v2 `containerNetworkConfig.mode` -> (whose security groups carry the targetPort rule,
# NIC type the mode implies or None when the mode leaves it to auto-detection).
# VPC-route and kubenet Pods sit behind the node's NIC, so the node's groups filter them;
# VPC-CNI family Pods own ENI addresses, so the ENI's groups filter them.
NETWORK_MODES: dict[str, tuple[SecurityGroupScope, NicType | None]] = {
    "kubenet": ("node", "kubenet"),
    "vpc-route-veth": ("node", "veth"),
    "vpc-route-ipvlan": ("node", "ipvlan"),
    "vpc-route-auto-detect": ("node", None),
    # vpc-cni / vpc-eni give each Pod its own ENI address through a veth pair unless the
    # cluster says otherwise; `nic_type` overrides this for clusters built with IPVLAN.
    "vpc-cni": ("eni", "veth"),
    "vpc-eni": ("eni", "veth"),
    "vpc-secondary-ip-veth": ("eni", "veth"),
    "vpc-secondary-ip-ipvlan": ("eni", "ipvlan"),
    "vpc-secondary-ip-auto-detect": ("eni", None),
}

# Modes whose name fixes the NIC type; a contradicting nic_type is an error there.
_MODES_NAMING_NIC = {m for m in NETWORK_MODES if m.endswith(("-veth", "-ipvlan")) or m == "kubenet"}


@dataclass(frozen=True)
class NetworkProfile:
    """What the network mode decides for pod-direct Services."""

    mode: str
    security_group_scope: SecurityGroupScope
    nic_type: NicType

    @property
    def is_ipvlan(self) -> bool:
        return self.nic_type == "ipvlan"

    @property
    def scope(self) -> GroupScope:
        return SCOPES[self.security_group_scope]


def check_cluster_id(resource: str, cluster_id: object) -> str:
    """Return the id when it names a new-generation CCE cluster, else raise PodLbError."""
    if not isinstance(cluster_id, str) or not cluster_id:
        raise PodLbError(
            resource,
            "cluster_id",
            f"must be a CCE cluster id string, got {cluster_id!r}",
            "pass the id shown in the CCE console, e.g. 'cce-abc123de'",
        )
    if OLD_GENERATION_ID.match(cluster_id):
        raise PodLbError(
            resource,
            "cluster_id",
            f"{cluster_id!r} is an old-generation CCE cluster ('c-' id); old-generation "
            "clusters don't support pod-direct LoadBalancer Services",
            "use a new-generation cluster (id starting with 'cce-'), or keep a classic "
            "LoadBalancer Service (node backends) on this one",
        )
    if not NEW_GENERATION_ID.match(cluster_id):
        raise PodLbError(
            resource,
            "cluster_id",
            f"{cluster_id!r} is not a CCE cluster id",
            "pass the id shown in the CCE console: 'cce-' followed by lowercase letters "
            "and digits, e.g. 'cce-abc123de'",
        )
    return cluster_id


def network_profile(resource: str, mode: object, nic_type: object = None) -> NetworkProfile:
    """Resolve a CCE network mode (+ optional NIC type) into a NetworkProfile."""
    if mode not in NETWORK_MODES:
        raise PodLbError(
            resource,
            "network_mode",
            f"unknown CCE network mode {mode!r}{did_you_mean(mode, NETWORK_MODES)}",
            "use one of " + ", ".join(NETWORK_MODES) + " (CCE console: cluster details -> container network mode)",
        )
    assert isinstance(mode, str)
    if nic_type is not None and nic_type not in NIC_TYPES:
        raise PodLbError(
            resource,
            "nic_type",
            f"unknown container NIC type {nic_type!r}{did_you_mean(nic_type, NIC_TYPES)}",
            "use 'veth', 'ipvlan' or 'kubenet'",
        )
    scope, implied = NETWORK_MODES[mode]
    if implied is None and nic_type is None:
        raise PodLbError(
            resource,
            "nic_type",
            f"network_mode {mode!r} leaves the NIC type to auto-detection, so podlb can't "
            "tell whether the ip-masq agent must be changed",
            "set nic_type to the type your nodes use: 'veth', 'ipvlan' or 'kubenet' "
            "(CCE console: cluster details -> container network)",
        )
    if mode in _MODES_NAMING_NIC and nic_type is not None and nic_type != implied:
        raise PodLbError(
            resource,
            "nic_type",
            f"{nic_type!r} contradicts network_mode {mode!r}, which means {implied!r}",
            "drop nic_type, or correct network_mode",
        )
    resolved = nic_type if nic_type is not None else implied
    return NetworkProfile(mode=mode, security_group_scope=scope, nic_type=resolved)  # type: ignore[arg-type]


def security_group_kind(group_id: str) -> Literal["normal", "enterprise"]:
    """'g-…' is a normal (BCC) security group, 'esg-…' an enterprise one."""
    if not is_security_group_id(group_id):
        raise ValueError(f"{group_id!r} is neither a 'g-' nor an 'esg-' security group id")
    return "enterprise" if is_enterprise_group(group_id) else "normal"


def check_security_group_id(resource: str, field: str, group_id: str) -> str:
    try:
        security_group_kind(group_id)
    except ValueError:
        raise PodLbError(
            resource,
            field,
            f"{group_id!r} is not a security group id",
            "use a normal group id ('g-…') or an enterprise group id ('esg-…') from the VPC console -> security groups",
        ) from None
    return group_id
