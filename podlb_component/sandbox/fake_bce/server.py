"""The fake BCE endpoint: a threaded HTTP server on 127.0.0.1 that checks every request's
bce-auth-v1 signature, routes it to one service module, and answers with BCE's JSON.

Test controls: `fail_next(route, kind, times)` makes the next calls of a route fail (500, 503,
429, RequestExpired, 502 from a gateway with a JSON body, 504 from a gateway with an HTML body,
a hang past the client's timeout, or a dropped connection; kinds ending in "-after" apply the
change first and then fail, like a response lost on the way back), and `calls` is the log of
every request with its route and status.

Error bodies are `{code, message, requestId}` (bce-python-sdk `handler.parse_error` reads those
names), except on routes that declare `requestID` (CCE v2: bce-sdk-go services/cce/v2/model.go
names its request id `requestID`; for error bodies that is unverified, and it is the reading
that breaks the Python SDK's parser, so the fake takes it).
"""

from __future__ import annotations

import json
import socket
import threading
import time
import uuid
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from . import bcc_security_groups, cce, eni, esg
from .auth import verify
from .errors import BceFault
from .routing import Request, Route
from .state import FakeBceState

FAULT_KINDS = ("500", "503", "429", "RequestExpired", "502", "504", "hang", "drop")
_FAULTS = {
    "500": (500, "InternalError", "We encountered an internal error. Please try again."),
    "503": (503, "ServiceUnavailable", "Service is temporarily unavailable."),
    "429": (429, "RequestRateLimitExceeded", "Request rate exceeds the limit."),
    "RequestExpired": (403, "RequestExpired", "Request has expired."),
    "502": (502, "BadGateway", "Bad gateway."),
    # a gateway's own page, not BCE JSON: the SDK's parser raises ValueError on it
    "504": (504, "", "<html><head><title>504 Gateway Time-out</title></head><body>nginx</body></html>"),
}


@dataclass(frozen=True)
class _Raw:
    text: str


@dataclass(frozen=True)
class Call:
    route: str
    method: str
    path: str
    query: dict[str, str]
    status: int
    mutating: bool
    fault: str | None = None


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # quiet: tests read the call log
        pass

    def _dispatch(self) -> None:
        self.server.fake.handle(self)

    do_GET = do_PUT = do_POST = do_DELETE = _dispatch


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    fake: FakeBce


class FakeBce:
    def __init__(self, state: FakeBceState | None = None, port: int = 0, hang_seconds: float = 3.0) -> None:
        self.state = state or FakeBceState()
        self.hang_seconds = hang_seconds
        self.calls: list[Call] = []
        self._faults: dict[str, list[str]] = {}
        self._lock = threading.RLock()
        self._routes: list[Route] = (
            bcc_security_groups.routes(self.state.security_groups)
            + esg.routes(self.state.enterprise_security_groups)
            + eni.routes(self.state.enis)
            + cce.routes(self.state.cce)
        )
        self._server = _Server(("127.0.0.1", port), _Handler)
        self._server.fake = self
        self._thread: threading.Thread | None = None

    # -- lifecycle ---------------------------------------------------------------------------
    @property
    def endpoint(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> FakeBce:
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="fake-bce", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> FakeBce:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- test controls -----------------------------------------------------------------------
    def add_credentials(self, access_key_id: str, secret_access_key: str) -> None:
        self.state.credentials[access_key_id] = secret_access_key

    def fail_next(self, route_name: str, kind: str, times: int = 1) -> None:
        base = kind.removesuffix("-after")
        if base not in FAULT_KINDS:
            raise ValueError(f"fault kind must be one of {FAULT_KINDS} (optionally with -after), got {kind!r}")
        if route_name not in {r.name for r in self._routes}:
            raise ValueError(f"no route named {route_name!r}")
        with self._lock:
            self._faults.setdefault(route_name, []).extend([kind] * times)

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    def count(self, route_name: str | None = None, *, mutating: bool | None = None) -> int:
        return sum(
            1
            for c in self.calls
            if (route_name is None or c.route == route_name) and (mutating is None or c.mutating == mutating)
        )

    def route_names(self) -> list[str]:
        return [r.name for r in self._routes]

    # -- HTTP --------------------------------------------------------------------------------
    def _match(self, method: str, path: str, query: dict[str, str]) -> tuple[Route | None, dict[str, str], bool]:
        path_matched = False
        for candidate in self._routes:
            m = candidate.pattern.match(path)
            if not m:
                continue
            path_matched = True
            if candidate.method == method and (candidate.query_flag is None or candidate.query_flag in query):
                return candidate, m.groupdict(), True
        return None, {}, path_matched

    def handle(self, h: _Handler) -> None:
        request_id = str(uuid.uuid4())
        split = urlsplit(h.path)
        pairs = parse_qsl(split.query, keep_blank_values=True)
        query = dict(pairs)
        length = int(h.headers.get("Content-Length") or 0)
        raw_body = h.rfile.read(length) if length else b""
        route, params, path_known = self._match(h.command, split.path, query)
        name = route.name if route else "unknown"
        mutating = bool(route and route.mutating)
        fault: str | None = None
        try:
            verify(h.command, split.path, pairs, dict(h.headers.items()), self.state.credentials)
            if route is None:
                raise BceFault(
                    405 if path_known else 404,
                    "MethodNotAllowed" if path_known else "NoSuchRoute",
                    f"{h.command} {split.path} is not an API of this fake",
                )
            with self._lock:
                queue = self._faults.get(name)
                fault = queue.pop(0) if queue else None
            if fault in ("hang", "drop"):
                self._misbehave(h, name, split.path, query, fault, mutating)
                return
            if fault and not fault.endswith("-after"):
                raise BceFault(*_FAULTS[fault])
            body: Any = None
            if raw_body:
                try:
                    body = json.loads(raw_body)
                except ValueError:
                    raise BceFault(400, "MalformedJson", "the request body is not JSON") from None
            with self._lock:  # one request at a time against the models, like one API server
                status, payload = route.handler(Request(h.command, split.path, query, body, params))
            if fault:  # "-after": the change is made, then the answer is lost
                base = fault.removesuffix("-after")
                if base in ("hang", "drop"):
                    self._misbehave(h, name, split.path, query, fault, mutating)
                    return
                raise BceFault(*_FAULTS[base])
        except BceFault as exc:
            status = exc.status
            id_field = route.request_id_field if route else "requestId"
            payload = {"code": exc.code, "message": exc.message, id_field: request_id}
            if not exc.code:  # not from BCE: a gateway's HTML page
                payload = _Raw(exc.message)
        self._record(Call(name, h.command, split.path, query, status, mutating, fault))
        is_raw = isinstance(payload, _Raw)
        data = payload.text.encode() if is_raw else b"" if payload is None else json.dumps(payload).encode()
        h.send_response(status)
        h.send_header("Content-Type", "text/html" if is_raw else "application/json;charset=UTF-8")
        h.send_header("Content-Length", str(len(data)))
        h.send_header("x-bce-request-id", request_id)
        h.end_headers()
        h.wfile.write(data)

    def _misbehave(self, h: _Handler, name: str, path: str, query: dict[str, str], fault: str, mutating: bool) -> None:
        self._record(Call(name, h.command, path, query, 0, mutating, fault))
        if fault.startswith("hang"):
            time.sleep(self.hang_seconds)
        h.close_connection = True
        try:
            h.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def _record(self, call: Call) -> None:
        with self._lock:
            self.calls.append(call)
