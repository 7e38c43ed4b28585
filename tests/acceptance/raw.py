"""A BCE call as Baidu answered it: the HTTP status, BCE's error code and the JSON body, whether
it succeeded or not. The fact tests compare this, not podlb's reading of it, with the answer the
fake gives (podlb's reading is checked beside it)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from baidubce.auth import bce_v1_signer
from baidubce.exception import BceError, BceHttpClientError, BceServerError
from baidubce.http import bce_http_client

from podlb_component.bce.cce import CceClient
from podlb_component.bce.clients import client_config
from podlb_component.bce.settings import BceSettings


@dataclass(frozen=True)
class Answer:
    status: int
    code: str | None = None
    body: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"HTTP {self.status}" + (f" {self.code}" if self.code else "") + (f" {self.body}" if self.body else "")


def _text(value: Any) -> str | None:
    return value.decode() if isinstance(value, bytes) else (None if value is None else str(value))


def call(fn: Callable[[], Any]) -> Answer:
    """Run an SDK call (a client with podlb's tolerant error parser) and keep what came back."""
    try:
        response = fn()
    except BceHttpClientError as exc:
        last = exc.last_error
        if isinstance(last, BceServerError) and last.status_code is not None:
            return Answer(
                int(last.status_code), _text(last.code), {"message": _text(last.args[0] if last.args else "")}
            )
        raise
    except BceServerError as exc:
        return Answer(int(exc.status_code or 0), _text(exc.code))
    except BceError:
        raise
    raw = getattr(response, "raw_data", None)
    return Answer(200, None, json.loads(raw) if raw else {})


def _keep(http_response: Any, response: Any) -> bool:
    """A response handler that keeps whatever came back, error or not (no SDK parsing)."""
    response.__dict__["status"] = http_response.status
    response.__dict__["raw"] = http_response.read()
    return True


def http(
    settings: BceSettings,
    service: str,
    method: bytes,
    path: str,
    params: dict[str, Any] | None = None,
    body: Any = None,
) -> Answer:
    """A signed request as the SDK sends it (a JSON body as its clients send one), and Baidu's
    answer exactly as it came: for the facts about the body itself (how an error body spells
    requestID, say) and for replaying recordings."""
    config = CceClient(client_config(settings, service)).config  # endpoint parsed as the SDK's clients do
    sent = None if body is None else json.dumps(body)
    response = bce_http_client.send_request(
        config, bce_v1_signer.sign, [_keep], method, path.encode(), sent, None, params or {}
    )
    raw = response.__dict__.get("raw") or b""
    try:
        body = json.loads(raw) if raw else {}
    except ValueError:
        body = {"text": raw.decode("utf-8", "replace")[:300]}
    body = body if isinstance(body, dict) else {"json": body}
    code = body.get("code") if int(response.__dict__["status"]) >= 400 else None
    return Answer(int(response.__dict__["status"]), code if isinstance(code, str) else None, body)
