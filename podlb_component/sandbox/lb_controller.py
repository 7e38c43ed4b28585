"""A stand-in for CCE's cce-lb-controller, doing only what Baidu documents it doing.

For a Service of type LoadBalancer with `cce-load-balancer-backend-type: "eni"` (pod-direct;
seed guide) it:
- writes `service.beta.kubernetes.io/cce-load-balancer-id` with the BLB it made, or keeps the
  one the user set to reuse a BLB (CCE doc zlako7b04, intl nm8fttmyy);
- sets `status.loadBalancer.ingress` to the BLB's address, as a Kubernetes LB controller does.
Both writes carry its own field manager. It creates no BLB in the fake BCE (the fake has no
BLB service) and touches no other Service, field or object.
"""

from __future__ import annotations

import hashlib
import ipaddress
import threading
from typing import Any

from ..cce_annotations import BACKEND_TYPE, INTERNAL_VPC, LOAD_BALANCER_ID

FIELD_MANAGER = "cce-lb-controller"
PUBLIC_RANGE = ipaddress.ip_network("192.0.2.0/24")  # TEST-NET-1: an address nothing routes to
REQUEST_TIMEOUT = 10  # seconds: a call to an API server that stopped answering can't hold up stop()


def blb_for(uid: str) -> str:
    return "lb-" + hashlib.sha256(uid.encode()).hexdigest()[:8]


def address_for(blb_id: str, internal: bool, vpc_cidr: str) -> str:
    network = ipaddress.ip_network(vpc_cidr) if internal else PUBLIC_RANGE
    hosts = max(network.num_addresses - 2, 1)
    return str(network.network_address + 1 + int(blb_id[3:], 16) % hosts)


def wanted_writes(service: dict[str, Any], vpc_cidr: str) -> tuple[dict[str, str], list[dict[str, str]]] | None:
    """The annotations and ingress the controller writes for this Service, or None when it is
    not a pod-direct LoadBalancer Service or already has both."""
    meta, spec = service.get("metadata") or {}, service.get("spec") or {}
    annotations = meta.get("annotations") or {}
    if spec.get("type") != "LoadBalancer" or annotations.get(BACKEND_TYPE) != "eni":
        return None
    blb_id = annotations.get(LOAD_BALANCER_ID) or blb_for(meta.get("uid", ""))
    ingress = [{"ip": address_for(blb_id, annotations.get(INTERNAL_VPC) == "true", vpc_cidr)}]
    current = ((service.get("status") or {}).get("loadBalancer") or {}).get("ingress")
    if annotations.get(LOAD_BALANCER_ID) == blb_id and current == ingress:
        return None
    return {LOAD_BALANCER_ID: blb_id}, ingress


class StandInLbController:
    def __init__(self, kubeconfig: str, vpc_cidr: str, interval: float = 0.5) -> None:
        from kubernetes import client, config

        self._api = client.CoreV1Api(config.new_client_from_config(config_file=kubeconfig))  # type: ignore[no-untyped-call]
        self.vpc_cidr = vpc_cidr
        self.interval = interval
        self.errors = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="lb-controller-standin", daemon=True)

    def start(self) -> StandInLbController:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(10)

    def reconcile_once(self) -> int:
        """One pass over every Service; returns how many it wrote."""
        written = 0
        listed = self._api.list_service_for_all_namespaces(_request_timeout=REQUEST_TIMEOUT)
        services = self._api.api_client.sanitize_for_serialization(listed)
        for service in services.get("items") or []:
            writes = wanted_writes(service, self.vpc_cidr)
            if writes is None:
                continue
            annotations, ingress = writes
            name, namespace = service["metadata"]["name"], service["metadata"]["namespace"]
            self._api.patch_namespaced_service(
                name,
                namespace,
                {"metadata": {"annotations": annotations}},
                field_manager=FIELD_MANAGER,
                _request_timeout=REQUEST_TIMEOUT,
            )
            self._api.patch_namespaced_service_status(
                name,
                namespace,
                {"status": {"loadBalancer": {"ingress": ingress}}},
                field_manager=FIELD_MANAGER,
                _request_timeout=REQUEST_TIMEOUT,
            )
            written += 1
        return written

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.reconcile_once()
            except Exception:  # the API server may be restarting: try again next pass
                self.errors += 1
