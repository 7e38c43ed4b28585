"""What normal and enterprise security groups check alike: rule fields, ids, clientTokens."""

from __future__ import annotations

import ipaddress
import itertools
import json
from typing import Any

from .errors import bad_request, conflict

REMARK_MAX = 128  # stricter than BCE is known to be; podlb's own remarks stay within it
PROTOCOLS = ("", "all", "tcp", "udp", "icmp")
_ids = itertools.count(1)


def new_id(prefix: str) -> str:
    return f"{prefix}{next(_ids):08x}"


def check_port_range(value: str) -> None:
    if value == "":
        return
    parts = value.split("-")
    if len(parts) > 2 or not all(p.isdigit() for p in parts):
        raise bad_request(f"portRange {value!r} is not a port or a range", "SecurityGroup.InvalidPortRange")
    nums = [int(p) for p in parts]
    if not all(1 <= n <= 65535 for n in nums) or nums != sorted(nums):
        raise bad_request(f"portRange {value!r} is out of 1-65535", "SecurityGroup.InvalidPortRange")


def check_cidr(value: str, ethertype: str, field_name: str) -> None:
    if value in ("", "all"):
        return
    try:
        net = ipaddress.ip_network(value, strict=False)
    except ValueError:
        raise bad_request(f"{field_name} {value!r} is not an IP or CIDR", "SecurityGroup.InvalidIp") from None
    if (net.version == 6) != (ethertype == "IPv6"):
        raise bad_request(f"{field_name} {value!r} does not match ethertype {ethertype}", "SecurityGroup.InvalidIp")


def string_fields(raw: Any, allowed: set[str], wanted: set[str]) -> dict[str, str]:
    """The rule object as strings ("" for unset: the SDK sends unset fields as null)."""
    if not isinstance(raw, dict):
        raise bad_request("a rule must be an object")
    unknown = set(raw) - allowed
    if unknown:
        raise bad_request(f"unknown rule fields {sorted(unknown)}")
    return {k: ("" if raw.get(k) is None else str(raw.get(k))) for k in wanted}


def check_common(rule: dict[str, Any]) -> None:
    """Direction, ethertype (defaulted), protocol, port range, addresses and remark."""
    if rule["direction"] not in ("ingress", "egress"):
        raise bad_request(f"direction must be ingress or egress, got {rule['direction']!r}")
    rule["ethertype"] = rule["ethertype"] or "IPv4"
    if rule["ethertype"] not in ("IPv4", "IPv6"):
        raise bad_request(f"ethertype must be IPv4 or IPv6, got {rule['ethertype']!r}")
    if rule["protocol"] not in PROTOCOLS:
        raise bad_request(f"protocol {rule['protocol']!r} is not tcp, udp, icmp or all")
    check_port_range(rule["portRange"])
    check_cidr(rule["sourceIp"], rule["ethertype"], "sourceIp")
    check_cidr(rule["destIp"], rule["ethertype"], "destIp")
    if len(rule["remark"]) > REMARK_MAX:
        raise bad_request(f"remark is longer than {REMARK_MAX} characters", "SecurityGroup.InvalidRemark")


def rewrite_like_bce(rule: dict[str, Any]) -> dict[str, Any]:
    """The rule as the API may hand it back: `x/32` (or `/128`) as `x`, "" as `all` for the
    protocol and addresses, "" as `1-65535` for the port range, "" as `IPv4`. Evidence, not
    documentation: terraform-provider-baiducloud matches rules that way
    (`compareSecurityGroupRule`), so the API must answer in those forms at least sometimes.
    Clients must match either form; the `rewrite_values` switch of each group backend turns
    this on."""
    out = dict(rule)
    for key, group_key in (("sourceIp", "sourceGroupId"), ("destIp", "destGroupId")):
        if key not in out:
            continue
        value = out[key]
        if value == "":
            # the peer of the rule's direction, when no group is named instead
            peer = "sourceIp" if out.get("direction") == "ingress" else "destIp"
            out[key] = "all" if key == peer and not out.get(group_key) else ""
            continue
        try:
            net = ipaddress.ip_network(value, strict=False)
        except ValueError:
            continue
        if net.prefixlen == net.max_prefixlen:
            out[key] = str(net.network_address)
    if "protocol" in out and out["protocol"] == "":
        out["protocol"] = "all"
    if "portRange" in out and out["portRange"] == "":
        out["portRange"] = "1-65535"
    if "ethertype" in out and out["ethertype"] == "":
        out["ethertype"] = "IPv4"
    return out


class ClientTokens:
    """BCE's idempotency: the same clientToken with the same request does nothing the second
    time; with a different request it is refused (409).

    How long BCE remembers a token is not documented (the API pages only say: ASCII, fewer than
    64 characters). The strictest reading is modelled: forever, even after the rule it made was
    deleted, so a client that reuses a token for a new create gets a silent no-op."""

    def __init__(self) -> None:
        self._seen: dict[str, str] = {}

    @staticmethod
    def fingerprint(*request: Any) -> str:
        return json.dumps(request, sort_keys=True)

    def already_done(self, token: str | None, fingerprint: str) -> bool:
        if not token or token not in self._seen:
            return False
        if self._seen[token] != fingerprint:
            raise conflict("IdempotentParameterMismatch", f"clientToken {token} was used for another request")
        return True

    def remember(self, token: str | None, fingerprint: str) -> None:
        if token:
            self._seen[token] = fingerprint
