"""Where BCE credentials and endpoints come from, and how SDK clients are configured.

Program side (`credential_inputs`): Pulumi config `bce:accessKeyId`, `bce:secretAccessKey`
(a secret), `bce:region` / `bce:endpoint`; each is passed to resources as a secret input so
the dynamic provider, which runs in another process, gets them without any module global.
Provider side (`BceSettings.resolve`): those inputs, else env `BCE_ACCESS_KEY_ID` /
`BCE_SECRET_ACCESS_KEY` / `BCE_REGION` / `BCE_ENDPOINT`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pulumi

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

    @staticmethod
    def resolve(props: Mapping[str, Any] | None = None, env: Mapping[str, str] | None = None) -> BceSettings:
        """Credentials from resource inputs, falling back to the environment."""
        given = dict((props or {}).get(CREDENTIALS_INPUT) or {})
        env = os.environ if env is None else env
        ak = given.get("access_key_id") or env.get("BCE_ACCESS_KEY_ID")
        sk = given.get("secret_access_key") or env.get("BCE_SECRET_ACCESS_KEY")
        if not ak or not sk:
            raise MissingCredentialsError(
                "no BCE credentials: set Pulumi config bce:accessKeyId and "
                "`pulumi config set --secret bce:secretAccessKey …`, or the environment "
                "variables BCE_ACCESS_KEY_ID and BCE_SECRET_ACCESS_KEY"
            )
        return BceSettings(
            access_key_id=ak,
            secret_access_key=sk,
            region=given.get("region") or env.get("BCE_REGION") or DEFAULT_REGION,
            endpoint=given.get("endpoint") or env.get("BCE_ENDPOINT") or None,
            timeout_ms=int(given.get("timeout_ms") or env.get("BCE_TIMEOUT_MS") or DEFAULT_TIMEOUT_MS),
            retry_base_ms=int(given.get("retry_base_ms") or env.get("BCE_RETRY_BASE_MS") or 300),
        )

    def endpoint_for(self, service: str) -> str:
        """bcc.bj.baidubce.com and the like, unless an endpoint override is set."""
        return self.endpoint or f"{service}.{self.region}.baidubce.com"


class MissingCredentialsError(RuntimeError):
    pass


def credential_inputs() -> pulumi.Output[dict[str, Any]] | None:
    """The `bce_credentials` input for resources, from Pulumi config; None when unset (the
    provider then falls back to the environment of the `pulumi` process)."""
    config = pulumi.Config("bce")
    ak = config.get("accessKeyId")
    sk = config.get_secret("secretAccessKey")
    region = config.get("region")
    endpoint = config.get("endpoint")
    if ak is None and sk is None and region is None and endpoint is None:
        return None
    values: dict[str, pulumi.Input[Any]] = {
        k: v for k, v in {"access_key_id": ak, "region": region, "endpoint": endpoint}.items() if v is not None
    }
    if sk is not None:
        values["secret_access_key"] = sk
    # The whole object is secret: state and outputs show it only as [secret].
    return pulumi.Output.secret(values)


OFFLINE_ENV = "PODLB_OFFLINE"


def offline(env: Mapping[str, str] | None = None) -> bool:
    """Under `podlb plan`: no cloud calls, and what would be checked online is assumed."""
    return bool((os.environ if env is None else env).get(OFFLINE_ENV))


def program_settings(env: Mapping[str, str] | None = None) -> BceSettings | None:
    """Credentials for calls the program itself makes (cluster discovery), from Pulumi config
    `bce:*` or the environment; None when there are none or PODLB_OFFLINE is set (podlb plan)."""
    env = os.environ if env is None else env
    if offline(env):
        return None
    from pulumi.runtime.config import get_config  # raw read: no "use get_secret" warning

    given = {
        "access_key_id": get_config("bce:accessKeyId"),
        "secret_access_key": get_config("bce:secretAccessKey"),
        "region": get_config("bce:region"),
        "endpoint": get_config("bce:endpoint"),
    }
    try:
        return BceSettings.resolve({CREDENTIALS_INPUT: {k: v for k, v in given.items() if v}}, env)
    except MissingCredentialsError:
        return None
