"""Cluster discovery: what CCE knows about a cluster, in the terms PodDirectCluster uses.

One `GET /cluster/{id}` (network mode, VPC, node and ENI security groups) plus one add-on
query per cluster; never per Service."""

from __future__ import annotations

from dataclasses import dataclass

from .cce import CceClient
from .clients import client_config
from .security_groups import SecurityGroupApi
from .settings import BceSettings

LB_CONTROLLER_ADDON = "cce-lb-controller"


@dataclass(frozen=True)
class DiscoveredCluster:
    cluster_id: str
    network_mode: str | None
    vpc_id: str | None
    vpc_cidr: str | None
    node_security_group_ids: tuple[str, ...]
    eni_security_group_ids: tuple[str, ...]
    phase: str | None
    lb_controller_version: str | None
    """Installed version of the cce-lb-controller add-on; None when not installed."""
    lb_controller_phase: str | None
    ingress_rules: dict[str, list[str]]
    """Remarks of the ingress rules already in each node/ENI group (for the rule quota)."""


def discover_cluster(settings: BceSettings, cluster_id: str, count_rules: bool = True) -> DiscoveredCluster:
    client = CceClient(client_config(settings, "cce"))
    body = client.get_cluster(cluster_id)
    cluster = body.get("cluster") or {}
    spec = cluster.get("spec") or {}
    network = spec.get("containerNetworkConfig") or {}
    enis = [g.get("id") for g in spec.get("eniDefaultSecurityGroups") or [] if g.get("id")]
    if not enis and network.get("eniSecurityGroupID"):
        enis = [network["eniSecurityGroupID"]]
    nodes = [g.get("id") for g in spec.get("nodeDefaultSecurityGroups") or [] if g.get("id")]
    version = phase = None
    for item in client.get_addons(cluster_id, [LB_CONTROLLER_ADDON]):
        if (item.get("meta") or {}).get("name") == LB_CONTROLLER_ADDON and item.get("instance"):
            version = item["instance"].get("installedVersion") or None
            phase = (item["instance"].get("status") or {}).get("phase") or None
    ingress: dict[str, list[str]] = {}
    if count_rules:
        groups = SecurityGroupApi(settings).rules_of(list(dict.fromkeys(nodes + enis)))
        ingress = {
            g: [r.get("remark") or "" for r in rules or [] if r.get("direction") == "ingress"]
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
        lb_controller_version=version,
        lb_controller_phase=phase,
        ingress_rules=ingress,
    )
