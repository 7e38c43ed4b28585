"""bce-python-sdk client construction and error translation shared by every BCE call."""

from __future__ import annotations

import http.client
import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from baidubce.auth import bce_v1_signer
from baidubce.auth.bce_credentials import BceCredentials
from baidubce.bce_client_configuration import BceClientConfiguration
from baidubce.exception import BceClientError, BceError, BceHttpClientError, BceServerError
from baidubce.http import bce_http_client, handler
from baidubce.retry.retry_policy import BackOffRetryPolicy
from baidubce.services.bcc import bcc_client
from baidubce.services.esg import esg_client

from .settings import BceSettings

T = TypeVar("T")
TOO_MANY_REQUESTS = 429
# Gateway answers: transient, and every podlb call is safe to repeat (reads; writes carry a
# clientToken, or are by id and treat "already gone" as done).
RETRIED_STATUSES = {TOO_MANY_REQUESTS, http.client.BAD_GATEWAY, http.client.GATEWAY_TIMEOUT}
AUTH_ERROR_CODES = {"SignatureDoesNotMatch", "InvalidAccessKeyId", "AccessDenied", "AccessDeniedException"}


class RetryPolicy(BackOffRetryPolicy):
    """The SDK's back-off policy (IOError, 500, 503), plus throttling (429), gateway errors
    (502, 504) and RequestExpired.

    The SDK compares error codes to b'RequestExpired' (bytes) while parsed codes are str on
    Python 3, so its own RequestExpired retry never fires; this policy compares strings.
    """

    def should_retry(self, error: Exception, retries_attempted: int) -> bool:
        if retries_attempted >= self.max_error_retry:
            return False
        if isinstance(error, BceServerError):
            code = error.code.decode() if isinstance(error.code, bytes) else error.code
            if error.status_code in RETRIED_STATUSES or code == "RequestExpired":
                return True
        return bool(super().should_retry(error, retries_attempted))


def parse_error(http_response: Any, response: Any) -> bool:
    """bce-python-sdk's `handler.parse_error`, tolerant of what BCE's edges really send.

    The SDK's own parser reads `d['requestId']` from a JSON body: a CCE v2 body that spells it
    `requestID`, or a gateway's HTML page, makes it raise KeyError/ValueError, and the caller
    loses the HTTP status (and the retry policy never sees a 502/504). This one always raises a
    BceServerError that carries the status."""
    status = http_response.status
    if status // 100 == 2:
        return False
    if status // 100 == 1:
        raise BceClientError(b"Can not handle 1xx http status code")
    raw = http_response.read()
    request_id = response.metadata.bce_request_id if response is not None else None
    code: str | None = None
    message = http_response.reason or f"HTTP {status}"
    try:
        body = json.loads(raw) if raw else None
    except ValueError:
        body = None
        text = raw.decode("utf-8", "replace").strip()
        message = f"{message}: the answer is not BCE JSON ({text[:120]!r})"
    if isinstance(body, dict):
        code = body.get("code") or None
        message = body.get("message") or message
        request_id = body.get("requestId") or body.get("requestID") or request_id
    error = BceServerError(message, code=code, request_id=request_id)
    error.status_code = status
    raise error


def send_request(config: Any, body_parser: Any, *args: Any) -> Any:
    return bce_http_client.send_request(
        config, bce_v1_signer.sign, [parse_error, body_parser or handler.parse_json], *args
    )


class _PodlbErrorParser:
    """Mixin for the SDK's clients: their request hooks, with podlb's error parser (see
    `parse_error`). The SDK's own `_send_request` signature, as BccClient and EsgClient share it."""

    prefix: bytes
    if TYPE_CHECKING:  # provided by the SDK client it is mixed into

        def _merge_config(self, config: Any) -> Any: ...

    def _send_request(
        self,
        http_method: Any,
        path: Any,
        body: Any = None,
        headers: Any = None,
        params: Any = None,
        config: Any = None,
        body_parser: Any = None,
        prefix: Any = None,
    ) -> Any:
        full = (self.prefix if prefix is None else prefix) + path
        return send_request(self._merge_config(config), body_parser, http_method, full, body, headers, params)


class BccClient(_PodlbErrorParser, bcc_client.BccClient):
    """The SDK's BccClient with podlb's error parser."""

    def _send_action_request(
        self,
        http_method: Any,
        path: Any,
        body: Any = None,
        headers: Any = None,
        params: Any = None,
        config: Any = None,
        body_parser: Any = None,
    ) -> Any:
        return send_request(self._merge_config(config), body_parser, http_method, path, body, headers, params)


class EsgClient(_PodlbErrorParser, esg_client.EsgClient):
    """The SDK's EsgClient with podlb's error parser."""


def client_config(
    settings: BceSettings, service: str, retry_policy: BackOffRetryPolicy | None = None
) -> BceClientConfiguration:
    return BceClientConfiguration(
        credentials=BceCredentials(settings.access_key_id, settings.secret_access_key),
        endpoint=settings.endpoint_for(service),
        connection_timeout_in_mills=settings.timeout_ms,
        retry_policy=retry_policy
        or RetryPolicy(max_error_retry=settings.max_retries, base_interval_in_millis=settings.retry_base_ms),
    )


class BceApiError(RuntimeError):
    """A BCE call failed for good: names the call, the HTTP status, BCE's code and request id."""

    def __init__(
        self, call: str, message: str, status: int | None = None, code: str | None = None, request_id: str | None = None
    ) -> None:
        self.call, self.status, self.code, self.request_id = call, status, code, request_id
        self.message = message
        detail = ", ".join(f"{k} {v}" for k, v in (("HTTP", status), ("code", code), ("requestId", request_id)) if v)
        super().__init__(f"{call} failed: {message}" + (f" ({detail})" if detail else ""))

    @property
    def not_found(self) -> bool:
        return self.status == http.client.NOT_FOUND

    @property
    def conflict(self) -> bool:
        return self.status == http.client.CONFLICT


def _str(value: Any) -> str | None:
    if value is None:
        return None
    return value.decode() if isinstance(value, bytes) else str(value)


def call_bce(call: str, fn: Callable[[], T]) -> T:
    """Run one SDK call; turn the SDK's exceptions (whose text carries tracebacks) into a
    BceApiError that says which call failed and why, with a fix for credential problems."""
    try:
        return fn()
    except BceHttpClientError as exc:
        last = exc.last_error
        if isinstance(last, BceServerError):
            code = _str(last.code)
            message = _str(last.args[0] if last.args else "") or "error"
            if last.status_code == http.client.FORBIDDEN or code in AUTH_ERROR_CODES:
                message += (
                    " — BCE rejected the request signature or credentials: check "
                    "podlb:accessKeyId / podlb:secretAccessKey (or BCE_ACCESS_KEY_ID / "
                    "BCE_SECRET_ACCESS_KEY) and the machine's clock"
                )
            raise BceApiError(call, message, last.status_code, code, _str(last.request_id)) from None
        raise BceApiError(call, f"{type(last).__name__}: {last}") from None
    except BceError as exc:
        raise BceApiError(call, str(exc)) from None
