"""The Endpoints the sandbox keeps when there is no kube-controller-manager, as its endpoints
controller (kubernetes pkg/controller/endpoint, syncService) would, without an API server."""

from __future__ import annotations

from typing import Any

from podlb_component.sandbox.control_plane import (
    ENDPOINTS_CONTROLLER,
    ENDPOINTS_MANAGED_BY,
    EndpointsStandIn,
    endpoints_differ,
    wanted_endpoints,
)


def service(name: str = "web", **spec: Any) -> dict[str, Any]:
    spec = {"type": "LoadBalancer", "selector": {"app": "web"}, "clusterIP": "10.96.0.9", "ipFamilies": ["IPv4"],
            "ports": [{"name": "http", "port": 80, "targetPort": 8080, "protocol": "TCP"}], **spec}  # fmt: skip
    return {"metadata": {"name": name, "namespace": "shop", "labels": {"tier": "front"}}, "spec": spec}


def pod(name: str, ip: str | None, ready: bool = True, labels: dict[str, str] | None = None, **extra: Any) -> Any:
    status: dict[str, Any] = {"phase": "Running", "conditions": [{"type": "Ready", "status": str(ready)}]}
    if ip:
        status.update(podIP=ip, podIPs=[{"ip": ip}])
    status.update(extra.pop("status", {}))
    return {
        "metadata": {"name": name, "namespace": "shop", "uid": f"uid-{name}", "labels": labels or {"app": "web"},
                     **extra.pop("metadata", {})},
        "spec": {"nodeName": "node-1", "containers": [{"name": "c", "ports": [{"name": "web", "containerPort": 8080,
                                                                                "protocol": "TCP"}]}], **extra},
        "status": status,
    }  # fmt: skip


def test_a_selector_matching_no_pod_gets_an_endpoints_with_no_subsets() -> None:
    wanted = wanted_endpoints(service(), [pod("other", "10.0.0.5", labels={"app": "db"}), pod("noip", None)])
    assert wanted == {
        "metadata": {"name": "web", "namespace": "shop",
                     "labels": {"tier": "front", ENDPOINTS_MANAGED_BY: ENDPOINTS_CONTROLLER}},
        "subsets": [],
    }  # fmt: skip


def test_external_name_and_selectorless_services_get_none() -> None:
    assert wanted_endpoints(service(type="ExternalName", externalName="db.example.com"), []) is None
    assert wanted_endpoints(service(selector=None), [pod("a", "10.0.0.1")]) is None


def test_ready_and_not_ready_pods_and_the_ports_they_serve() -> None:
    svc = service(ports=[{"name": "http", "port": 80, "targetPort": "web", "protocol": "TCP"},
                         {"name": "admin", "port": 81, "targetPort": 9090, "protocol": "TCP"}])  # fmt: skip
    pods = [
        pod("a", "10.0.0.2"),
        pod("b", "10.0.0.1", ready=False),
        pod("done", "10.0.0.3", status={"phase": "Succeeded"}),
        pod("leaving", "10.0.0.4", metadata={"deletionTimestamp": "2026-01-01T00:00:00Z"}),
    ]
    wanted = wanted_endpoints(svc, pods)
    assert wanted is not None
    [subset] = wanted["subsets"]
    assert [a["ip"] for a in subset["addresses"]] == ["10.0.0.2"]
    assert [a["ip"] for a in subset["notReadyAddresses"]] == ["10.0.0.1"]
    assert subset["addresses"][0]["targetRef"] == {"kind": "Pod", "namespace": "shop", "name": "a", "uid": "uid-a"}
    assert subset["addresses"][0]["nodeName"] == "node-1"
    assert subset["ports"] == [
        {"name": "admin", "port": 9090, "protocol": "TCP"},
        {"name": "http", "port": 8080, "protocol": "TCP"},  # the named container port
    ]
    published = wanted_endpoints({**svc, "spec": {**svc["spec"], "publishNotReadyAddresses": True}}, pods)
    assert published is not None
    assert [a["ip"] for a in published["subsets"][0]["addresses"]] == ["10.0.0.1", "10.0.0.2", "10.0.0.4"]


def test_a_pod_without_the_named_port_is_left_out_and_pods_are_grouped_by_ports() -> None:
    svc = service(ports=[{"name": "http", "port": 80, "targetPort": "web", "protocol": "TCP"}])
    bare = pod("bare", "10.0.0.7")
    bare["spec"]["containers"][0]["ports"] = []
    wanted = wanted_endpoints(svc, [pod("a", "10.0.0.2"), pod("c", "10.0.0.3"), bare])
    assert wanted is not None
    assert [[a["ip"] for a in s["addresses"]] for s in wanted["subsets"]] == [["10.0.0.2", "10.0.0.3"]]


def test_a_headless_service_is_labelled_so() -> None:
    wanted = wanted_endpoints(service(clusterIP="None", ports=[]), [pod("a", "10.0.0.2")])
    assert wanted is not None
    assert wanted["metadata"]["labels"]["service.kubernetes.io/headless"] == ""
    assert wanted["subsets"] == [{"addresses": [wanted["subsets"][0]["addresses"][0]]}]


def test_what_the_api_server_hands_back_compares_equal() -> None:
    wanted = wanted_endpoints(service(), [pod("a", "10.0.0.2")])
    assert wanted is not None
    back = {"metadata": {**wanted["metadata"], "resourceVersion": "7", "uid": "x"},
            "subsets": [{**wanted["subsets"][0], "notReadyAddresses": None}]}  # fmt: skip
    back["subsets"][0]["addresses"][0]["targetRef"]["resourceVersion"] = "3"
    assert not endpoints_differ(back, wanted)
    assert endpoints_differ({**back, "subsets": []}, wanted)
    assert endpoints_differ({**back, "metadata": {"labels": {"tier": "front"}}}, wanted)


class FakeCoreV1:
    """The calls EndpointsStandIn makes, on dicts."""

    def __init__(self) -> None:
        self.services: list[dict[str, Any]] = []
        self.pods: list[dict[str, Any]] = []
        self.endpoints: dict[tuple[str, str], dict[str, Any]] = {}
        self.calls: list[str] = []
        self.api_client = self

    @staticmethod
    def sanitize_for_serialization(listed: Any) -> Any:
        return listed

    def list_service_for_all_namespaces(self, **_: Any) -> Any:
        return {"items": self.services}

    def list_pod_for_all_namespaces(self, **_: Any) -> Any:
        return {"items": self.pods}

    def list_endpoints_for_all_namespaces(self, **_: Any) -> Any:
        return {"items": list(self.endpoints.values())}

    def create_namespaced_endpoints(self, namespace: str, body: Any, **_: Any) -> None:
        self.calls.append(f"create {namespace}/{body['metadata']['name']}")
        self.endpoints[(namespace, body["metadata"]["name"])] = {
            **body,
            "metadata": {**body["metadata"], "resourceVersion": "1"},
        }

    def replace_namespaced_endpoints(self, name: str, namespace: str, body: Any, **_: Any) -> None:
        assert body["metadata"]["resourceVersion"] == self.endpoints[(namespace, name)]["metadata"]["resourceVersion"]
        self.calls.append(f"replace {namespace}/{name}")
        self.endpoints[(namespace, name)] = body

    def delete_namespaced_endpoints(self, name: str, namespace: str, **_: Any) -> None:
        self.calls.append(f"delete {namespace}/{name}")
        del self.endpoints[(namespace, name)]


def test_the_stand_in_creates_updates_leaves_alone_and_deletes() -> None:
    api = FakeCoreV1()
    stand_in = EndpointsStandIn(api)
    api.services = [service(), service("ext", type="ExternalName", selector=None)]
    assert stand_in.reconcile_once() == 1 and api.calls == ["create shop/web"]
    assert api.endpoints[("shop", "web")]["subsets"] == []
    assert stand_in.reconcile_once() == 0  # nothing changed: no write
    api.pods = [pod("a", "10.0.0.2")]
    assert stand_in.reconcile_once() == 1 and api.calls[-1] == "replace shop/web"
    api.endpoints[("shop", "hand-made")] = {"metadata": {"name": "hand-made", "namespace": "shop"}}
    api.services = []
    assert stand_in.reconcile_once() == 1 and api.calls[-1] == "delete shop/web"
    assert list(api.endpoints) == [("shop", "hand-made")]  # no Service of that name was ever seen: not ours
