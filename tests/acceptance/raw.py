"""A BCE call as Baidu answered it: the HTTP status, BCE's error code and the JSON body, whether
it succeeded or not. The fact tests compare this, not podlb's reading of it, with the answer the
fake gives (podlb's reading is checked beside it)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from baidubce.exception import BceError, BceHttpClientError, BceServerError


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
