"""A small fake Kubernetes API on 127.0.0.1 for `podlb doctor` tests: just the reads doctor
makes (Deployment, ConfigMap, Service, Pods by label selector), bearer-token checked, with the
API server's Status body on errors. The official `kubernetes` client reaches it through the
kubeconfig `kubeconfig_yaml()` writes."""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import yaml

_ROUTES = [
    (re.compile(r"^/apis/apps/v1/namespaces/(?P<ns>[^/]+)/deployments/(?P<name>[^/]+)$"), "Deployment"),
    (re.compile(r"^/api/v1/namespaces/(?P<ns>[^/]+)/configmaps/(?P<name>[^/]+)$"), "ConfigMap"),
    (re.compile(r"^/api/v1/namespaces/(?P<ns>[^/]+)/services/(?P<name>[^/]+)$"), "Service"),
    (re.compile(r"^/api/v1/namespaces/(?P<ns>[^/]+)/pods$"), "PodList"),
]


def _status(code: int, reason: str, message: str) -> dict[str, Any]:
    return {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": reason,
        "code": code,
    }


def _selected(labels: dict[str, str], selector: str) -> bool:
    for term in filter(None, selector.split(",")):
        key, _, value = term.partition("=")
        if labels.get(key) != value.lstrip("="):
            return False
    return True


@dataclass
class FakeKube:
    token: str = "fake-kube-token"
    objects: dict[tuple[str, str, str], dict[str, Any]] = field(default_factory=dict)
    requests: list[str] = field(default_factory=list)

    def put(self, obj: dict[str, Any]) -> None:
        meta = obj["metadata"]
        self.objects[(obj["kind"], meta.get("namespace", "default"), meta["name"])] = obj

    def answer(self, path: str, query: dict[str, list[str]], auth: str | None) -> tuple[int, dict[str, Any]]:
        self.requests.append(path)
        if auth != f"Bearer {self.token}":
            return 401, _status(401, "Unauthorized", "Unauthorized")
        for pattern, kind in _ROUTES:
            m = pattern.match(path)
            if not m:
                continue
            ns = m.group("ns")
            if kind == "PodList":
                selector = (query.get("labelSelector") or [""])[0]
                pods = [
                    o
                    for (k, n, _), o in self.objects.items()
                    if k == "Pod" and n == ns and _selected(o["metadata"].get("labels") or {}, selector)
                ]
                return 200, {"kind": "PodList", "apiVersion": "v1", "metadata": {}, "items": pods}
            obj = self.objects.get((kind, ns, m.group("name")))
            if obj is None:
                return 404, _status(404, "NotFound", f'{kind.lower()}s "{m.group("name")}" not found')
            return 200, obj
        return 404, _status(404, "NotFound", "the server could not find the requested resource")

    # -- server -----------------------------------------------------------------------------
    def start(self) -> FakeKube:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                split = urlsplit(self.path)
                status, body = fake.answer(split.path, parse_qs(split.query), self.headers.get("Authorization"))
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    @property
    def server(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def kubeconfig_yaml(self) -> str:
        return yaml.safe_dump(
            {
                "apiVersion": "v1",
                "kind": "Config",
                "current-context": "fake",
                "clusters": [{"name": "fake", "cluster": {"server": self.server}}],
                "users": [{"name": "fake", "user": {"token": self.token}}],
                "contexts": [{"name": "fake", "context": {"cluster": "fake", "user": "fake"}}],
            }
        )
