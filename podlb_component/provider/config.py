"""Provider configuration: `podlb:accessKeyId`, `podlb:secretAccessKey` (secret),
`podlb:region`, `podlb:endpoint` — from stack config (the default provider) or a
`podlb.Provider` resource's arguments, each falling back to the environment of the `pulumi`
process (BCE_ACCESS_KEY_ID, BCE_SECRET_ACCESS_KEY, BCE_REGION, BCE_ENDPOINT).

Pure: `check_config` says what is missing or malformed, naming the key and the fix, before the
provider makes any call; `settings_from_config` turns checked values into BceSettings."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..bce.settings import DEFAULT_REGION, BceSettings
from ..errors import did_you_mean
from .resource import CheckFailure
from .wire import UNKNOWN


@dataclass(frozen=True)
class ConfigKey:
    name: str
    env: str
    description: str
    secret: bool = False


KEYS = (
    ConfigKey("accessKeyId", "BCE_ACCESS_KEY_ID", "The BCE access key id (AK) podlb calls BCC, ESG and CCE with."),
    ConfigKey(
        "secretAccessKey",
        "BCE_SECRET_ACCESS_KEY",
        "The BCE secret access key (SK); kept secret in the state.",
        secret=True,
    ),
    ConfigKey(
        "region", "BCE_REGION", f"The BCE region of the cluster and its security groups ('{DEFAULT_REGION}' if unset)."
    ),
    ConfigKey(
        "endpoint",
        "BCE_ENDPOINT",
        "One endpoint for every BCE service (host[:port] or http(s)://host[:port]), e.g. a private endpoint; "
        "by default each service's public endpoint in the region.",
    ),
)
KEY_NAMES = tuple(k.name for k in KEYS)
ENGINE_KEYS = ("version", "pluginDownloadURL")
"""Inputs the engine itself adds to a provider's configuration."""
_TOKEN = re.compile(r"^[A-Za-z0-9+/=_-]+$")
_REGION = re.compile(r"^[a-z][a-z0-9-]*$")
_ENDPOINT = re.compile(r"^(https?://)?[A-Za-z0-9.-]+(:\d{1,5})?/?$")


def _fix(key: ConfigKey) -> str:
    value = "--secret " if key.secret else ""
    return f"`pulumi config set {value}podlb:{key.name} …` (or the environment variable {key.env})"


def check_config(values: Mapping[str, Any], env: Mapping[str, str] | None = None) -> list[CheckFailure]:
    """Every missing, unknown or malformed key, before any BCE call."""
    env = os.environ if env is None else env
    failures: list[CheckFailure] = []
    # A project named `podlb` shares the namespace (the root project's podlb:cluster and
    # podlb:services reach the provider too): only a near miss of a setting is an error.
    for name in sorted(set(values) - set(KEY_NAMES) - set(ENGINE_KEYS)):
        hint = did_you_mean(name, KEY_NAMES)
        if hint:
            failures.append(
                CheckFailure(
                    name,
                    f"podlb:{name} is not a podlb setting{hint}; podlb reads "
                    + ", ".join(f"podlb:{k}" for k in KEY_NAMES),
                )
            )
    given = {k.name: values.get(k.name) for k in KEYS if values.get(k.name) not in (None, "")}
    if any(v == UNKNOWN for v in given.values()):
        return failures  # an explicit provider's argument not known yet: checked once it is
    for key in KEYS:
        value = given.get(key.name)
        if value is not None and not isinstance(value, str):
            failures.append(CheckFailure(key.name, f"podlb:{key.name} must be a string, got {type(value).__name__}"))
    ak, sk = given.get("accessKeyId"), given.get("secretAccessKey")
    if (ak is None) != (sk is None):
        missing = KEYS[1] if sk is None else KEYS[0]
        failures.append(
            CheckFailure(
                missing.name,
                f"podlb:{'accessKeyId' if ak is not None else 'secretAccessKey'} is set but podlb:{missing.name} "
                f"is not: the key pair comes from one place; set it with {_fix(missing)}",
            )
        )
    elif ak is None and not (env.get(KEYS[0].env) and env.get(KEYS[1].env)):
        failures.append(
            CheckFailure(
                "accessKeyId",
                "no BCE credentials: set podlb:accessKeyId and podlb:secretAccessKey with "
                f"{_fix(KEYS[0])} and {_fix(KEYS[1])}",
            )
        )
    for name, pattern, example in (
        ("accessKeyId", _TOKEN, "an AK as the BCE console shows it"),
        ("secretAccessKey", _TOKEN, "an SK as the BCE console shows it"),
        ("region", _REGION, "'bj', 'gz', 'su', 'bd', 'fwh' or 'hkg'"),
        ("endpoint", _ENDPOINT, "'bcc.bj.baidubce.com' or 'http://127.0.0.1:8080'"),
    ):
        value = given.get(name)
        if isinstance(value, str) and not pattern.match(value):
            shown = "[secret]" if name == "secretAccessKey" else repr(value)
            failures.append(CheckFailure(name, f"podlb:{name} is malformed ({shown}): expected {example}"))
    return failures


def settings_from_config(values: Mapping[str, Any], env: Mapping[str, str] | None = None) -> BceSettings:
    """BceSettings from checked configuration, the environment filling what config leaves unset."""
    env = os.environ if env is None else env
    given = {k.name: str(values[k.name]) for k in KEYS if values.get(k.name) not in (None, "")}
    from_env = "accessKeyId" not in given
    return BceSettings(
        access_key_id=env.get(KEYS[0].env, "") if from_env else given["accessKeyId"],
        secret_access_key=env.get(KEYS[1].env, "") if from_env else given["secretAccessKey"],
        region=given.get("region") or env.get("BCE_REGION") or DEFAULT_REGION,
        endpoint=given.get("endpoint") or env.get("BCE_ENDPOINT") or None,
        timeout_ms=int(env.get("BCE_TIMEOUT_MS") or BceSettings.timeout_ms),
        retry_base_ms=int(env.get("BCE_RETRY_BASE_MS") or BceSettings.retry_base_ms),
        gather_ms=int(env.get("BCE_GATHER_MS") or BceSettings.gather_ms),
    )


def config_schema() -> dict[str, Any]:
    """The schema's `config` section (stack config keys of the default provider)."""
    return {
        "variables": {
            k.name: {"type": "string", "description": k.description, **({"secret": True} if k.secret else {})}
            for k in KEYS
        }
    }


def stack_provider_config() -> dict[str, Any]:
    """The default podlb provider's configuration as the engine will give it: this stack's
    `podlb:*` config keys (read in the program)."""
    from pulumi.runtime.config import CONFIG, get_config, get_config_env

    # every podlb:* key the stack sets, misspelt ones too (check_config names those)
    names = {key.split(":", 1)[1] for key in (*CONFIG.get(), *get_config_env()) if key.startswith("podlb:")}
    values = {k: get_config(f"podlb:{k}") for k in (*KEY_NAMES, *sorted(names - set(KEY_NAMES)))}
    return {k: v for k, v in values.items() if v is not None}
