"""BCE's error shape: HTTP status + {"code", "message", "requestId"}."""

from __future__ import annotations


class BceFault(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status, self.code, self.message = status, code, message


def bad_request(message: str, code: str = "InvalidParameter") -> BceFault:
    return BceFault(400, code, message)


def not_found(code: str, message: str) -> BceFault:
    return BceFault(404, code, message)


def conflict(code: str, message: str) -> BceFault:
    return BceFault(409, code, message)
