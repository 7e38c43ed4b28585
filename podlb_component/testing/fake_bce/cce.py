"""Fake CCE v2 (`/api/cce/service/v2` as bce-sdk-go calls it, and the bare `/v2`): clusters,
their instances and add-ons, with bce-sdk-go's field names (`ClusterSpec`, `ContainerNetworkConfig`,
`SecurityGroupV2`, `AddOnInfo`; services/cce/v2/model.go and types/). Bodies carry `requestID`
(model.go), error bodies too (see server.py)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from .errors import bad_request, not_found
from .routing import Request, Response, Route, route

PREFIXES = (r"/api/cce/service/v2", r"/v2")
_CCE: dict[str, Any] = {"request_id_field": "requestID"}


def _group(group_id: str) -> dict[str, str]:
    return {"id": group_id, "name": group_id, "type": "enterprise" if group_id.startswith("esg-") else "normal"}


def node_instance(
    instance_id: str, security_group_id: str = "", security_groups: tuple[str, ...] = ()
) -> dict[str, Any]:
    """A node as ListInstancesByPage returns it. A node may carry security groups of its own
    beyond the cluster's defaults: `spec.vpcConfig.securityGroupID` (+ `securityGroupType`) and
    `spec.vpcConfig.securityGroups[] {id, name, type}` (bce-sdk-go
    services/cce/v2/types/instance.go, `VPCConfig` and `SecurityGroupV2`)."""
    return {
        "spec": {
            "cceInstanceID": f"{instance_id}-cce",
            "instanceName": instance_id,
            "clusterRole": "node",
            "machineType": "BCC",
            "instanceType": "N3",
            "vpcConfig": {
                "vpcID": "vpc-1",
                "vpcSubnetID": "sbn-1",
                "securityGroupID": security_group_id,
                "securityGroupType": ("enterprise" if security_group_id.startswith("esg-") else "normal")
                if security_group_id
                else "",
                "securityGroups": [_group(g) for g in security_groups],
            },
        },
        "status": {"machine": {"instanceID": instance_id, "vpcIP": "10.0.0.10"}, "instancePhase": "running"},
    }


@dataclass
class Cluster:
    cluster_id: str
    network_mode: str
    vpc_id: str
    vpc_cidr: str
    node_security_groups: list[str] = field(default_factory=list)
    eni_security_groups: list[str] = field(default_factory=list)
    phase: str = "running"
    addons: dict[str, dict[str, str]] = field(default_factory=dict)
    """name -> {"version": …, "phase": …}; absent = not installed."""
    instances: list[dict[str, Any]] = field(default_factory=list)

    def model(self) -> dict[str, Any]:
        network: dict[str, Any] = {
            "mode": self.network_mode,
            "ipVersion": "ipv4",
            "lbServiceVPCSubnetID": "sbn-lb",
            "clusterIPServiceCIDR": "172.31.0.0/16",
            "maxPodsPerNode": 64,
            "kubeProxyMode": "ipvs",
        }
        if self.eni_security_groups:
            network["eniSecurityGroupID"] = self.eni_security_groups[0]
        spec = {
            "clusterID": self.cluster_id,
            "clusterName": self.cluster_id,
            "clusterType": "normal",
            "description": "",
            "k8sVersion": "1.30.1",
            "runtimeType": "containerd",
            "runtimeVersion": "1.7.13",
            "vpcID": self.vpc_id,
            "vpcCIDR": self.vpc_cidr,
            "vpcUUID": "",
            "vpcName": self.vpc_id,
            "plugins": [],
            "forbidDelete": False,
            "masterConfig": {"masterType": "managed"},
            "containerNetworkConfig": network,
            "nodeDefaultSecurityGroups": [_group(g) for g in self.node_security_groups],
            "eniDefaultSecurityGroups": [_group(g) for g in self.eni_security_groups],
            "tags": [],
        }
        status = {
            "clusterBLB": {"id": "lb-apiserver", "vpcIP": "10.0.0.2", "eip": ""},
            "infrastructureReady": True,
            "apiServerAccessSuccess": True,
            "k8sPluginDeploySuccess": True,
            "clusterPhase": self.phase,
            "nodeNum": len(self.instances),
        }
        return {
            "spec": spec,
            "status": status,
            "createdAt": "2026-01-01T00:00:00Z",
            "updatedAt": "2026-01-01T00:00:00Z",
        }


class CceBackend:
    def __init__(self) -> None:
        self.clusters: dict[str, Cluster] = {}

    def add(self, cluster: Cluster) -> Cluster:
        self.clusters[cluster.cluster_id] = cluster
        return cluster

    def get(self, cluster_id: str) -> Cluster:
        if cluster_id not in self.clusters:
            raise not_found("ClusterNotFound", f"cluster {cluster_id} not found")
        return self.clusters[cluster_id]


def _request_id() -> str:
    return str(uuid.uuid4())


def routes(backend: CceBackend) -> list[Route]:
    def cluster(r: Request) -> Response:
        return 200, {"cluster": backend.get(r.params["id"]).model(), "requestID": _request_id()}

    def instances(r: Request) -> Response:
        c = backend.get(r.params["id"])
        page_no = r.int_query("pageNo", 1, 1, 10_000)
        size = r.int_query("pageSize", 10, 1, 1000)
        chunk = c.instances[(page_no - 1) * size : page_no * size]
        return 200, {
            "instancePage": {
                "clusterID": c.cluster_id,
                "keywordType": "",
                "keyword": "",
                "orderBy": "createdAt",
                "order": "desc",
                "pageNo": page_no,
                "pageSize": size,
                "totalCount": len(c.instances),
                "instanceList": chunk,
            },
            "requestID": _request_id(),
        }

    def addons(r: Request) -> Response:
        c = backend.get(r.params["id"])
        names = [n for n in (r.query.get("addons") or "").split(",") if n]
        if not names:
            raise bad_request("addons is required, e.g. addons=cce-lb-controller", "MissingParameter")
        items = []
        for name in names:
            info: dict[str, Any] = {"meta": {"name": name, "type": "Networking", "latestVersion": "1.0.0"}}
            installed = c.addons.get(name)
            if installed:
                info["instance"] = {
                    "name": name,
                    "installedVersion": installed.get("version", ""),
                    "status": {"phase": installed.get("phase", "Running")},
                }
            items.append(info)
        return 200, {"requestID": _request_id(), "items": items}

    result: list[Route] = []
    for i, prefix in enumerate(PREFIXES):
        tag = "" if i == 0 else ".bare"
        result += [
            route(f"cce.getCluster{tag}", "GET", prefix + r"/cluster/(?P<id>[^/]+)", cluster, **_CCE),
            route(f"cce.listInstances{tag}", "GET", prefix + r"/cluster/(?P<id>[^/]+)/instances", instances, **_CCE),
            route(f"cce.listAddons{tag}", "GET", prefix + r"/cluster/(?P<id>[^/]+)/addon", addons, **_CCE),
        ]
    return result
