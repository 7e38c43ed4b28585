"""A small CCE v2 client on bce-python-sdk's BceBaseClient and bce-auth-v1 signer (the SDK
ships no CCE client). Paths as bce-sdk-go calls them: /api/cce/service/v2/…"""

from __future__ import annotations

import json
from typing import Any

from baidubce import bce_base_client
from baidubce.bce_client_configuration import BceClientConfiguration
from baidubce.http import http_methods

from .clients import call_bce, send_request

PREFIX = "/api/cce/service/v2"


class CceClient(bce_base_client.BceBaseClient):
    def __init__(self, config: BceClientConfiguration) -> None:
        bce_base_client.BceBaseClient.__init__(self, config)

    def _get(self, path: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        # podlb's error parser: CCE error bodies spell `requestID` (see clients.parse_error)
        response = send_request(self.config, None, http_methods.GET, (PREFIX + path).encode(), None, None, params or {})
        raw = getattr(response, "raw_data", None)
        return json.loads(raw) if raw else {}

    def get_cluster(self, cluster_id: str) -> dict[str, Any]:
        return call_bce(f"GET {PREFIX}/cluster/{cluster_id}", lambda: self._get(f"/cluster/{cluster_id}"))

    def list_instances(self, cluster_id: str, page_size: int = 100) -> list[dict[str, Any]]:
        instances: list[dict[str, Any]] = []
        page_no = 1
        while True:

            def page_of(n: int = page_no) -> dict[str, Any]:
                return self._get(f"/cluster/{cluster_id}/instances", {"pageNo": n, "pageSize": page_size})

            body = call_bce(f"GET {PREFIX}/cluster/{cluster_id}/instances", page_of)
            page = body.get("instancePage") or {}
            instances += page.get("instanceList") or []
            if len(instances) >= int(page.get("totalCount") or 0) or not page.get("instanceList"):
                return instances
            page_no += 1

    def _send(self, method: bytes, path: str, body: dict[str, Any]) -> dict[str, Any]:
        response = send_request(
            self.config,
            None,
            method,
            (PREFIX + path).encode(),
            json.dumps(body),
            {b"Content-Type": b"application/json"},
            {},
        )
        raw = getattr(response, "raw_data", None)
        return json.loads(raw) if raw else {}

    def list_addons(self, cluster_id: str, names: list[str] | None = None) -> list[dict[str, Any]]:
        """`GET /cluster/{id}/addon[?addons=a,b]` (bce-sdk-go ccev2.go ListAddons): every add-on
        CCE offers this cluster, installed or not, unless `names` narrows it."""
        params = {"addons": ",".join(names)} if names else {}
        body = call_bce(
            f"GET {PREFIX}/cluster/{cluster_id}/addon", lambda: self._get(f"/cluster/{cluster_id}/addon", params)
        )
        return list(body.get("items") or [])

    def install_addon(self, cluster_id: str, name: str, version: str | None = None) -> None:
        """`POST /cluster/{id}/addon {name, version?, clusterID}` (InstallAddon); asynchronous."""
        self._post(f"/cluster/{cluster_id}/addon", {"name": name, "clusterID": cluster_id, "version": version})

    def upgrade_addon(self, cluster_id: str, name: str, target_version: str | None = None) -> None:
        """`POST /cluster/{id}/addon/upgrade {name, targetVersion?, clusterID}` (UpgradeAddon)."""
        self._post(
            f"/cluster/{cluster_id}/addon/upgrade",
            {"name": name, "clusterID": cluster_id, "targetVersion": target_version},
        )

    def _post(self, path: str, body: dict[str, Any]) -> None:
        """A POST whose optional fields are left out when unset (bce-sdk-go: `omitempty`)."""
        sent = {k: v for k, v in body.items() if v}
        call_bce(f"POST {PREFIX}{path}", lambda: self._send(b"POST", path, sent))
