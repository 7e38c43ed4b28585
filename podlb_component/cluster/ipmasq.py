"""Pure: turn off outbound masquerading in the cce-ip-masq-agent config, keeping all else.

With IPVLAN NICs the BLB's replies from Pod IPs must leave unmasqueraded, so the `config`
document of ConfigMap kube-system/cce-ip-masq-agent needs `masqOutBound: false` and
`masqOutBoundIPv6: false`. Everything else in the document belongs to the cluster's operators
and must come back exactly as it was: the merge edits the two lines in place (keeping comments,
order and formatting) and then proves, by parsing both documents, that nothing else changed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import yaml

IP_MASQ_NAMESPACE = "kube-system"
IP_MASQ_CONFIGMAP = "cce-ip-masq-agent"
IP_MASQ_DATA_KEY = "config"
MASQ_KEYS: tuple[str, ...] = ("masqOutBound", "masqOutBoundIPv6")

# The document CCE ships (from the CCE guide); used only when the live one can't be read.
CCE_DEFAULT_CONFIG = """\
nonMasqueradeCIDRs:
  - 10.0.0.0/8
  - 172.16.0.0/12
  - 192.168.0.0/16
  - fc00::/7
masqOutBound: true
masqOutBoundIPv6: true
masqLinkLocal: false
masqLinkLocalIPv6: false
resyncInterval: 60s
"""


class IpMasqConfigError(ValueError):
    """The live config document exists but is not something podlb may safely rewrite."""


@dataclass(frozen=True)
class IpMasqMerge:
    config: str
    """The new `config` document."""
    changed_keys: tuple[str, ...]
    """Which of MASQ_KEYS were not already false."""
    used_default: bool
    """True when the live document could not be read and CCE's default was used."""


def _parse_mapping(document: str) -> dict[str, Any]:
    try:
        parsed = yaml.safe_load(document)
    except yaml.YAMLError as exc:
        raise IpMasqConfigError(f"the config document is not valid YAML: {exc}") from None
    if parsed is None:
        return {}
    if not isinstance(parsed, dict):
        raise IpMasqConfigError(f"the config document must be a YAML mapping, found {type(parsed).__name__}")
    return parsed


def _set_false_in_place(document: str, key: str) -> str | None:
    """Rewrite a top-level `key: …` line to `key: false`; None when no such line exists."""
    line = re.compile(rf"^{re.escape(key)}[ \t]*:[^\n]*$", re.MULTILINE)
    if len(line.findall(document)) != 1:
        return None
    return line.sub(f"{key}: false", document)


def merge_ip_masq_config(current: str | None) -> IpMasqMerge:
    """Return the document with both masqOutBound keys false and every other key unchanged.

    `current` None or blank means the live document could not be read: CCE's default is used.
    Raises IpMasqConfigError for a document that exists but isn't a YAML mapping, because
    rewriting something podlb doesn't understand could drop the operators' settings.
    """
    used_default = current is None or not current.strip()
    document = CCE_DEFAULT_CONFIG if used_default else current
    assert document is not None
    before = _parse_mapping(document)
    changed = tuple(k for k in MASQ_KEYS if before.get(k) is not False)
    wanted = {**before, **{k: False for k in MASQ_KEYS}}

    edited: str | None = document
    for key in changed:
        if edited is None:
            break
        if key in before:
            edited = _set_false_in_place(edited, key)
        else:
            edited = edited + ("" if edited.endswith("\n") else "\n") + f"{key}: false\n"
    # The in-place edit is only trusted when re-parsing gives exactly the wanted mapping
    # (flow-style or unusual documents fail this); otherwise emit the merged mapping plainly.
    if edited is None or _parse_mapping(edited) != wanted:
        edited = yaml.safe_dump(wanted, sort_keys=False, default_flow_style=False)
        if yaml.safe_load(edited) != wanted:  # pragma: no cover - safe_dump round-trips
            raise IpMasqConfigError("could not re-emit the config document faithfully")
    return IpMasqMerge(config=edited, changed_keys=changed, used_default=used_default)


def merge_ip_masq_data(data: Mapping[str, Any] | None) -> IpMasqMerge:
    """merge_ip_masq_config on a ConfigMap's `data` as read from the cluster."""
    current = (data or {}).get(IP_MASQ_DATA_KEY)
    return merge_ip_masq_config(current if isinstance(current, str) else None)
