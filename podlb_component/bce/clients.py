"""bce-python-sdk client construction and error translation shared by every BCE call."""

from __future__ import annotations

import http.client
from collections.abc import Callable
from typing import Any, TypeVar

from baidubce.auth.bce_credentials import BceCredentials
from baidubce.bce_client_configuration import BceClientConfiguration
from baidubce.exception import BceError, BceHttpClientError, BceServerError
from baidubce.retry.retry_policy import BackOffRetryPolicy

from .settings import BceSettings

T = TypeVar("T")
TOO_MANY_REQUESTS = 429
AUTH_ERROR_CODES = {"SignatureDoesNotMatch", "InvalidAccessKeyId", "AccessDenied", "AccessDeniedException"}


class RetryPolicy(BackOffRetryPolicy):
    """The SDK's back-off policy, plus throttling (429) and RequestExpired.

    The SDK compares error codes to b'RequestExpired' (bytes) while parsed codes are str on
    Python 3, so its own RequestExpired retry never fires; this policy compares strings.
    """

    def should_retry(self, error: Exception, retries_attempted: int) -> bool:
        if retries_attempted >= self.max_error_retry:
            return False
        if isinstance(error, BceServerError):
            code = error.code.decode() if isinstance(error.code, bytes) else error.code
            if error.status_code == TOO_MANY_REQUESTS or code == "RequestExpired":
                return True
        return bool(super().should_retry(error, retries_attempted))


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
                    "bce:accessKeyId / bce:secretAccessKey (or BCE_ACCESS_KEY_ID / "
                    "BCE_SECRET_ACCESS_KEY) and the machine's clock"
                )
            raise BceApiError(call, message, last.status_code, code, _str(last.request_id)) from None
        raise BceApiError(call, f"{type(last).__name__}: {last}") from None
    except BceError as exc:
        raise BceApiError(call, str(exc)) from None
