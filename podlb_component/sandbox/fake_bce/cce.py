"""Fake CCE v2 (`/api/cce/service/v2` as bce-sdk-go calls it, and the bare `/v2`): clusters,
their instances and add-ons, with bce-sdk-go's field names (`ClusterSpec`, `ContainerNetworkConfig`,
`SecurityGroupV2`, `AddOnInfo`; services/cce/v2/model.go and types/). Bodies carry `requestID`
(model.go), error bodies too (see server.py)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from .errors import bad_request, conflict, not_found
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
    addons: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Installed add-ons: name -> {"version": …, "phase": …}; absent = not installed. While an
    install, upgrade or uninstall is under way it also holds "polls" (list calls left before it
    settles), "then" (the phase it settles in) and "to" (the version an upgrade reaches)."""
    instances: list[dict[str, Any]] = field(default_factory=list)
    master_type: str = "managed"
    """`spec.masterConfig.masterType`: managed, managedPro, custom, containerizedCustom, serverless
    (bce-sdk-go services/cce/v2/types/cluster.go)."""

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
            "masterConfig": {"masterType": self.master_type},
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


@dataclass(frozen=True)
class AddonMeta:
    """One entry of the add-on catalogue (`types.Meta` in bce-sdk-go types/addon.go)."""

    name: str
    latest_version: str
    versions: tuple[str, ...] = ()
    type: str = "Networking"
    managed: bool = False
    required: bool = False
    allow_install: bool = True
    multi_instance: bool = False

    def model(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "type": self.type,
            "managed": self.managed,
            "required": self.required,
            "latestVersion": self.latest_version,
            "shortIntroduction": "",
            "installInfo": {"allowInstall": self.allow_install},
        }


# The LB controller's versions from its changelog (CCE doc ilugll8z1: 1.3.6 … 1.3.13, 2026-01-20),
# the seed guide's 1.0.0, and a date-style version as older installs report it. Its API name is
# not documented (see cluster/lb_controller.ADDON_NAMES); tests remove it to model a catalogue
# without it. The other entries only make the listing realistic.
DEFAULT_CATALOGUE = (
    AddonMeta(
        "cce-lb-controller",
        "1.3.13",
        ("2022.11.08.1552", "1.0.0", "1.3.6", "1.3.10", "1.3.13"),
        managed=True,
        required=True,
    ),
    AddonMeta("cce-ingress-nginx-controller", "1.10.1", ("1.10.1",), multi_instance=True),
    AddonMeta("cce-node-problem-detector", "1.2.0", ("1.2.0",), type="Observability"),
)


class CceBackend:
    def __init__(self) -> None:
        self.clusters: dict[str, Cluster] = {}
        self.catalogue: dict[str, AddonMeta] = {a.name: a for a in DEFAULT_CATALOGUE}
        self.settle_after = 2
        """List calls an install/upgrade/uninstall stays in progress for (the API answers at
        once and the work goes on: the phases Installing/Upgrading/Uninstalling, types/addon.go)."""
        self.failing_installs: set[str] = set()
        """Add-on names whose install/upgrade settles in phase Failed."""

    def add(self, cluster: Cluster) -> Cluster:
        self.clusters[cluster.cluster_id] = cluster
        return cluster

    def get(self, cluster_id: str) -> Cluster:
        if cluster_id not in self.clusters:
            raise not_found("ClusterNotFound", f"cluster {cluster_id} not found")
        return self.clusters[cluster_id]

    # -- add-ons (bce-sdk-go ccev2.go ListAddons/InstallAddon/UpgradeAddon/UnInstallAddon) ------
    def _advance(self, cluster: Cluster) -> None:
        """One poll's worth of progress for every add-on change under way."""
        for name, addon in list(cluster.addons.items()):
            if "polls" not in addon:
                continue
            addon["polls"] -= 1
            if addon["polls"] > 0:
                continue
            if addon["then"] is None:  # uninstalled
                del cluster.addons[name]
                continue
            addon["phase"] = addon.pop("then")
            if addon["phase"] == "Running" and "to" in addon:
                addon["version"] = addon.pop("to")
            addon.pop("to", None)
            del addon["polls"]

    def list_addons(self, cluster_id: str, names: list[str]) -> list[dict[str, Any]]:
        cluster = self.get(cluster_id)
        self._advance(cluster)
        wanted = names or [*self.catalogue, *[n for n in cluster.addons if n not in self.catalogue]]
        items = []
        for name in wanted:
            meta = self.catalogue.get(name)
            installed = cluster.addons.get(name)
            if meta is None and installed is None:
                continue  # an unknown name is left out (strictest: no made-up entry)
            info: dict[str, Any] = {
                "meta": (meta or AddonMeta(name, str((installed or {}).get("version", "")))).model()
            }
            if installed:
                instance = {
                    "name": name,
                    "installedVersion": installed.get("version", ""),
                    "status": {"phase": installed.get("phase", "Running")},
                    "uninstallInfo": {"allowUninstall": not (meta and meta.required)},
                    "upgradeInfo": {
                        "allowUpgrade": bool(meta and meta.latest_version != installed.get("version")),
                        "nextVersion": meta.latest_version if meta else "",
                    },
                }
                if meta and meta.multi_instance:
                    info["multiInstances"] = [instance]
                else:
                    info["instance"] = instance
            items.append(info)
        return items

    def _meta(self, name: object) -> AddonMeta:
        if not isinstance(name, str) or not name:
            raise bad_request("name is required", "MissingParameter")
        if name not in self.catalogue:
            raise bad_request(f"add-on {name!r} is not offered for this cluster", "AddonNotSupported")
        return self.catalogue[name]

    def _check_cluster(self, cluster_id: str, body: dict[str, Any]) -> Cluster:
        cluster = self.get(cluster_id)
        if body.get("clusterID") not in (None, cluster_id):
            raise bad_request("clusterID in the body doesn't match the path")
        return cluster

    def install_addon(self, cluster_id: str, body: dict[str, Any]) -> None:
        cluster = self._check_cluster(cluster_id, body)
        meta = self._meta(body.get("name"))
        if not meta.allow_install:
            raise bad_request(f"add-on {meta.name!r} can't be installed on this cluster", "AddonNotAllowed")
        if meta.name in cluster.addons and not meta.multi_instance:
            # undocumented: the strictest reading is a refusal, not a silent no-op
            raise conflict("AddonAlreadyExists", f"add-on {meta.name!r} is already installed")
        version = body.get("version") or meta.latest_version
        if version not in (meta.versions or (meta.latest_version,)):
            raise bad_request(f"version {version!r} of {meta.name!r} is not offered", "InvalidVersion")
        outcome = "Failed" if meta.name in self.failing_installs else "Running"
        cluster.addons[meta.name] = {
            "version": version,
            "phase": "Installing",
            "polls": self.settle_after,
            "then": outcome,
        }

    def upgrade_addon(self, cluster_id: str, body: dict[str, Any]) -> None:
        cluster = self._check_cluster(cluster_id, body)
        meta = self._meta(body.get("name"))
        installed = cluster.addons.get(meta.name)
        if installed is None:
            raise not_found("AddonNotInstalled", f"add-on {meta.name!r} is not installed")
        if installed.get("phase") != "Running":
            raise conflict("AddonNotReady", f"add-on {meta.name!r} is {installed.get('phase')}, not Running")
        target = body.get("targetVersion") or meta.latest_version
        if target not in (meta.versions or (meta.latest_version,)):
            raise bad_request(f"version {target!r} of {meta.name!r} is not offered", "InvalidVersion")
        outcome = "Failed" if meta.name in self.failing_installs else "Running"
        installed.update(phase="Upgrading", polls=self.settle_after, then=outcome, to=target)

    def uninstall_addon(self, cluster_id: str, body: dict[str, Any]) -> None:
        cluster = self._check_cluster(cluster_id, body)
        name = body.get("name")
        installed = cluster.addons.get(name) if isinstance(name, str) else None
        if installed is None:
            raise not_found("AddonNotInstalled", f"add-on {name!r} is not installed")
        meta = self.catalogue.get(str(name))
        if meta is not None and meta.required:
            raise bad_request(f"add-on {name!r} is a system component and can't be uninstalled", "AddonRequired")
        installed.update(phase="Uninstalling", polls=self.settle_after, then=None)


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
        names = [n for n in (r.query.get("addons") or "").split(",") if n]
        return 200, {"requestID": _request_id(), "items": backend.list_addons(r.params["id"], names)}

    def install(r: Request) -> Response:
        backend.install_addon(r.params["id"], r.json_object())
        return 200, {"requestID": _request_id()}

    def upgrade(r: Request) -> Response:
        backend.upgrade_addon(r.params["id"], r.json_object())
        return 200, {"requestID": _request_id()}

    def uninstall(r: Request) -> Response:
        backend.uninstall_addon(r.params["id"], r.json_object())
        return 200, {"requestID": _request_id()}

    result: list[Route] = []
    for i, prefix in enumerate(PREFIXES):
        tag = "" if i == 0 else ".bare"
        result += [
            route(f"cce.getCluster{tag}", "GET", prefix + r"/cluster/(?P<id>[^/]+)", cluster, **_CCE),
            route(f"cce.listInstances{tag}", "GET", prefix + r"/cluster/(?P<id>[^/]+)/instances", instances, **_CCE),
            route(f"cce.listAddons{tag}", "GET", prefix + r"/cluster/(?P<id>[^/]+)/addon", addons, **_CCE),
            route(
                f"cce.installAddon{tag}",
                "POST",
                prefix + r"/cluster/(?P<id>[^/]+)/addon",
                install,
                mutating=True,
                **_CCE,
            ),
            route(
                f"cce.upgradeAddon{tag}",
                "POST",
                prefix + r"/cluster/(?P<id>[^/]+)/addon/upgrade",
                upgrade,
                mutating=True,
                **_CCE,
            ),
            route(
                f"cce.uninstallAddon{tag}",
                "DELETE",
                prefix + r"/cluster/(?P<id>[^/]+)/addon",
                uninstall,
                mutating=True,
                **_CCE,
            ),
        ]
    return result
