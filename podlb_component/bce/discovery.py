"""Cluster discovery: what CCE knows about a cluster, in the terms PodDirectCluster uses.

Per cluster, never per Service: one `GET /cluster/{id}` (network mode, VPC, default node and
ENI security groups), one listing of its nodes (the security groups each node really carries),
one add-on query, and one read of each group's rules (for the quota).

Which groups: the ENI groups are `spec.eniDefaultSecurityGroups` plus
`containerNetworkConfig.eniSecurityGroupID` (bce-sdk-go services/cce/v2/types/cluster.go). The
node groups are `spec.nodeDefaultSecurityGroups`, plus — for a node that carries none of those —
the groups it does carry (`spec.vpcConfig.securityGroupID` / `securityGroups`,
types/instance.go): a node bound only to custom groups would otherwise never see the rules.
Custom groups of nodes that also carry a default group get nothing (they may be shared with
machines outside the cluster, and the default group already lets the traffic in)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..rules.value import listed
from .cce import CceClient
from .clients import client_config
from .security_groups import SecurityGroupApi
from .settings import BceSettings


@dataclass(frozen=True)
class DiscoveredCluster:
    cluster_id: str
    network_mode: str | None
    vpc_id: str | None
    vpc_cidr: str | None
    node_security_group_ids: tuple[str, ...]
    eni_security_group_ids: tuple[str, ...]
    phase: str | None
    master_type: str | None
    """`spec.masterConfig.masterType`: managed, managedPro, custom, containerizedCustom, serverless."""
    addons: tuple[dict[str, Any], ...]
    """Every add-on the CCE add-on API lists for the cluster (installed or not)."""
    ingress_rules: dict[str, list[str]]
    """Remarks of the ingress rules already in each node/ENI group (for the rule quota)."""
    group_origins: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Where the CCE API lists each node/ENI group, e.g. "cluster nodeDefaultSecurityGroups"."""


def _add(origins: dict[str, list[str]], group: str | None, origin: str) -> None:
    if group:
        where = origins.setdefault(group, [])
        if origin not in where:
            where.append(origin)


def node_groups(spec: dict[str, Any], instances: list[dict[str, Any]]) -> dict[str, list[str]]:
    """The node groups to open, each with where the API lists it (see the module docstring)."""
    origins: dict[str, list[str]] = {}
    for g in spec.get("nodeDefaultSecurityGroups") or []:
        _add(origins, g.get("id"), "cluster nodeDefaultSecurityGroups")
    defaults = set(origins)
    for instance in instances:
        vpc = (instance.get("spec") or {}).get("vpcConfig") or {}
        carried = [vpc.get("securityGroupID"), *[g.get("id") for g in vpc.get("securityGroups") or []]]
        carried = [g for g in carried if g]
        if defaults & set(carried):
            continue
        machine = (instance.get("status") or {}).get("machine") or {}
        name = machine.get("instanceID") or (instance.get("spec") or {}).get("cceInstanceID") or "?"
        for group in carried:
            _add(origins, group, f"node {name} vpcConfig (it carries no default group)")
    return origins


def eni_groups(spec: dict[str, Any]) -> dict[str, list[str]]:
    origins: dict[str, list[str]] = {}
    for g in spec.get("eniDefaultSecurityGroups") or []:
        _add(origins, g.get("id"), "cluster eniDefaultSecurityGroups")
    network = spec.get("containerNetworkConfig") or {}
    _add(origins, network.get("eniSecurityGroupID"), "containerNetworkConfig.eniSecurityGroupID")
    return origins


def discover_cluster(settings: BceSettings, cluster_id: str, count_rules: bool = True) -> DiscoveredCluster:
    client = CceClient(client_config(settings, "cce"))
    body = client.get_cluster(cluster_id)
    cluster = body.get("cluster") or {}
    spec = cluster.get("spec") or {}
    network = spec.get("containerNetworkConfig") or {}
    eni_origins = eni_groups(spec)
    node_origins = node_groups(spec, client.list_instances(cluster_id))
    enis, nodes = list(eni_origins), list(node_origins)
    # the whole list: the LB controller's API name is undocumented, so it is matched by name
    # afterwards, and an error can say which names the list did hold
    addons = tuple(client.list_addons(cluster_id))
    ingress: dict[str, list[str]] = {}
    if count_rules:
        groups = SecurityGroupApi(settings).rules_of(list(dict.fromkeys(nodes + enis)))
        ingress = {
            g: [r.get("remark") or "" for r in rules or [] if listed(r, "direction") == "ingress"]
            for g, rules in groups.items()
        }
    return DiscoveredCluster(
        cluster_id=cluster_id,
        network_mode=network.get("mode") or None,
        vpc_id=spec.get("vpcID") or None,
        vpc_cidr=spec.get("vpcCIDR") or None,
        node_security_group_ids=tuple(nodes),
        eni_security_group_ids=tuple(enis),
        phase=(cluster.get("status") or {}).get("clusterPhase"),
        master_type=(spec.get("masterConfig") or {}).get("masterType") or None,
        addons=addons,
        ingress_rules=ingress,
        group_origins={g: tuple(o) for g, o in {**node_origins, **eni_origins}.items()},
    )
