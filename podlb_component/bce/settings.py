"""Where BCE credentials and endpoints come from.

The podlb provider plugin takes them as its configuration (provider/config.py: Pulumi config
`podlb:accessKeyId`, `podlb:secretAccessKey` (a secret), `podlb:region`, `podlb:endpoint`, else
the environment). The program reads the same keys for its own calls (cluster discovery,
`program_settings`). `BceSettings.resolve` reads a `bce_credentials` mapping, else the
environment: the CLI's overrides, and the state podlb 0.2.0 wrote (provider/legacy.py).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

CREDENTIALS_INPUT = "bce_credentials"
DEFAULT_REGION = "bj"
DEFAULT_TIMEOUT_MS = 30_000


@dataclass(frozen=True)
class BceSettings:
    access_key_id: str
    secret_access_key: str = field(repr=False)  # never in a repr, a log line or an error
    region: str = DEFAULT_REGION
    endpoint: str | None = None
    """Overrides every service's endpoint (e.g. a private endpoint, or the fake BCE in tests)."""
    timeout_ms: int = DEFAULT_TIMEOUT_MS
    max_retries: int = 3
    retry_base_ms: int = 300
    """Back-off base: retries wait base, 2*base, 4*base … (capped at 20 s)."""
    gather_ms: int = 250
    """How long a create waits before listing its group to learn its rule's id, so the creates
    the engine runs at once share one listing (BCE's authorize answers no id)."""

    @staticmethod
    def resolve(props: Mapping[str, Any] | None = None, env: Mapping[str, str] | None = None) -> BceSettings:
        """Credentials from resource inputs, falling back to the environment."""
        given = dict((props or {}).get(CREDENTIALS_INPUT) or {})
        env = os.environ if env is None else env
        ak = given.get("access_key_id") or env.get("BCE_ACCESS_KEY_ID")
        sk = given.get("secret_access_key") or env.get("BCE_SECRET_ACCESS_KEY")
        if not ak or not sk:
            raise MissingCredentialsError(
                "no BCE credentials: set Pulumi config podlb:accessKeyId and "
                "`pulumi config set --secret podlb:secretAccessKey …`, or the environment "
                "variables BCE_ACCESS_KEY_ID and BCE_SECRET_ACCESS_KEY"
            )
        return BceSettings(
            access_key_id=ak,
            secret_access_key=sk,
            region=given.get("region") or env.get("BCE_REGION") or DEFAULT_REGION,
            endpoint=given.get("endpoint") or env.get("BCE_ENDPOINT") or None,
            timeout_ms=int(given.get("timeout_ms") or env.get("BCE_TIMEOUT_MS") or DEFAULT_TIMEOUT_MS),
            retry_base_ms=int(given.get("retry_base_ms") or env.get("BCE_RETRY_BASE_MS") or 300),
            gather_ms=int(env.get("BCE_GATHER_MS") or BceSettings.gather_ms),
        )

    def endpoint_for(self, service: str) -> str:
        """bcc.bj.baidubce.com and the like, unless an endpoint override is set."""
        return self.endpoint or f"{service}.{self.region}.baidubce.com"


class MissingCredentialsError(RuntimeError):
    pass


OFFLINE_ENV = "PODLB_OFFLINE"


def offline(env: Mapping[str, str] | None = None) -> bool:
    """Under `podlb plan`: no cloud calls, and what would be checked online is assumed."""
    return bool((os.environ if env is None else env).get(OFFLINE_ENV))


def program_settings(env: Mapping[str, str] | None = None) -> BceSettings | None:
    """Credentials for calls the program itself makes (cluster discovery), from Pulumi config
    `podlb:*` or the environment; None when there are none or PODLB_OFFLINE is set (podlb plan)."""
    env = os.environ if env is None else env
    if offline(env):
        return None
    from pulumi.runtime.config import get_config  # raw read: no "use get_secret" warning

    given = {
        "access_key_id": get_config("podlb:accessKeyId"),
        "secret_access_key": get_config("podlb:secretAccessKey"),
        "region": get_config("podlb:region"),
        "endpoint": get_config("podlb:endpoint"),
    }
    try:
        return BceSettings.resolve({CREDENTIALS_INPUT: {k: v for k, v in given.items() if v}}, env)
    except MissingCredentialsError:
        return None


RENAMED_CONFIG = ("accessKeyId", "secretAccessKey", "region", "endpoint")


def renamed_config_keys() -> list[str]:
    """podlb 0.2.0's `bce:*` config keys this stack still sets (podlb now reads `podlb:*`: the
    provider plugin gets only its own package's keys from the engine)."""
    from pulumi.runtime.config import get_config

    return [f"bce:{k}" for k in RENAMED_CONFIG if get_config(f"bce:{k}") is not None]


def under_mock_engine() -> bool:
    """Is the program running under Pulumi's mocks (podlb's mock engine, or a user's
    `pulumi.runtime.set_mocks`)? Then no provider plugin runs and its configuration is moot."""
    from pulumi.runtime.mocks import MockMonitor
    from pulumi.runtime.settings import SETTINGS

    return isinstance(SETTINGS.monitor, MockMonitor)
