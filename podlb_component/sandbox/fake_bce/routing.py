"""What a service module sees of an HTTP request, and how it declares its routes."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .errors import bad_request


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    body: Any
    params: dict[str, str] = field(default_factory=dict)
    """Named groups of the route's pattern."""

    def flag(self, name: str) -> bool:
        return name in self.query

    def json_object(self) -> dict[str, Any]:
        if not isinstance(self.body, dict):
            raise bad_request("the request body must be a JSON object", "MalformedJson")
        return self.body

    def int_query(self, name: str, default: int, low: int = 1, high: int = 1000) -> int:
        raw = self.query.get(name)
        if raw is None or raw == "":
            return default
        if not raw.isdigit() or not low <= int(raw) <= high:
            raise bad_request(f"{name} must be an integer {low}-{high}, got {raw!r}")
        return int(raw)


Response = tuple[int, Any]
Handler = Callable[[Request], Response]


@dataclass(frozen=True)
class Route:
    name: str
    """Stable route name used by the call log and fault injection, e.g. 'bcc.authorizeRule'."""
    method: str
    pattern: re.Pattern[str]
    handler: Handler
    query_flag: str | None = None
    """An action given as a bare query key (?authorizeRule) that selects this route."""
    mutating: bool = False
    request_id_field: str = "requestId"
    """How this API spells the request id in its error bodies."""


def route(
    name: str,
    method: str,
    pattern: str,
    handler: Handler,
    query_flag: str | None = None,
    mutating: bool = False,
    request_id_field: str = "requestId",
) -> Route:
    return Route(name, method, re.compile(f"^{pattern}$"), handler, query_flag, mutating, request_id_field)


def page(items: list[Any], request: Request, key: str, default_max: int = 1000) -> dict[str, Any]:
    """BCE's marker paging: marker = id of the first item of the page. Source: bce-sdk-go
    services/bcc/api/model.go `ListSecurityGroupResult` (marker, isTruncated, nextMarker,
    maxKeys); bce-python-sdk `list_security_groups` (marker, max_keys). docs/bce-facts.md,
    row `list-paging`."""
    max_keys = request.int_query("maxKeys", default_max)
    marker = request.query.get("marker") or ""
    ids = [_item_id(x) for x in items]
    start = 0
    if marker:
        if marker not in ids:
            raise bad_request(f"marker {marker!r} does not exist", "InvalidMarker")
        start = ids.index(marker)
    chunk = items[start : start + max_keys]
    truncated = start + max_keys < len(items)
    result = {key: chunk, "marker": marker, "isTruncated": truncated, "maxKeys": max_keys}
    if truncated:
        result["nextMarker"] = ids[start + max_keys]
    return result


def _item_id(item: Any) -> str:
    for key in ("id", "eniId"):
        if isinstance(item, dict) and key in item:
            return str(item[key])
    raise KeyError("paged items need an id")
