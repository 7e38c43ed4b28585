"""Pure: what a security-group rule is to podlb. Shared by `cluster/` (which plans and owns the
rules), `service/` (which states its needs) and `bce/` (which talks to Baidu), so none of them
imports another for it.

One home per concept: which groups are enterprise groups, how long a remark may be, how a rule
names its owner, and when two spellings of a rule field mean the same rule.
"""

from __future__ import annotations

import hashlib
import ipaddress
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pulumi

from .errors import PodLbError

NORMAL_GROUP_PREFIX = "g-"  # BCC /v2/securityGroup
ENTERPRISE_GROUP_PREFIX = "esg-"  # /v1/enterprise/security (bce-sdk-go types: SecurityGroupType*IDPrefix)
REMARK_MAX = 128
"""Longest remark podlb writes. Baidu documents no limit; 128 is the strictest plausible one
(the fake enforces it), and the owner token comes first so truncation never cuts it."""
OPEN_TO_WORLD = "0.0.0.0/0"


def is_enterprise_group(group_id: str) -> bool:
    return group_id.startswith(ENTERPRISE_GROUP_PREFIX)


def is_security_group_id(value: object) -> bool:
    return isinstance(value, str) and value.startswith((NORMAL_GROUP_PREFIX, ENTERPRISE_GROUP_PREFIX))


def cidr_problem(cidr: str) -> tuple[str, str] | None:
    """(problem, fix) when `cidr` isn't a network in CIDR form, else None. A bare address is
    refused rather than widened silently, and so is a block with host bits set
    (203.0.113.5/24): which of /32 or the /24 network was meant is the author's call."""
    try:
        ipaddress.ip_network(cidr, strict=False)
    except ValueError:
        return f"{cidr!r} is not a CIDR block", "write an address range such as '10.0.0.0/16' or '203.0.113.7/32'"
    if "/" not in cidr:
        host = ipaddress.ip_address(cidr)
        return (
            f"{cidr!r} is an address, not a CIDR block",
            f"write '{cidr}/{host.max_prefixlen}' for this one host",
        )
    try:
        ipaddress.ip_network(cidr, strict=True)
    except ValueError:
        network = ipaddress.ip_network(cidr, strict=False)
        return (
            f"{cidr!r} has host bits set: the block it names is {network}",
            f"write '{network}' for the block, or '{cidr.split('/')[0]}/{network.max_prefixlen}' for the one host",
        )
    return None


def check_cidr(resource: str, field: str, cidr: str) -> str:
    """The same rule wherever podlb takes a CIDR (source ranges, vpc_cidr, rule sources)."""
    found = cidr_problem(cidr)
    if found:
        raise PodLbError(resource, field, *found)
    return cidr


@dataclass(frozen=True)
class RuleSpec:
    """One ingress rule the cluster owns: everything its SecurityGroupRule resource needs."""

    key: str
    """Stable suffix of the resource's logical name; see cluster/rule_book.py."""
    security_group_id: pulumi.Input[str]
    protocol: str
    """'tcp' or 'udp', as the BCC API spells it."""
    port: int
    source_cidr: pulumi.Input[str]


# -- ownership: the remark ------------------------------------------------------------------
_TOKEN_RE = re.compile(r"^podlb:([0-9a-f]{12})(?: (\S+/\S+))?")
_LEGACY_RE = re.compile(r"^podlb (\S+/\S+) cluster ")  # podlb 0.1: one remark per cluster


def owner_token(project: str, stack: str, resource_name: str) -> str:
    """Identifies one podlb resource (a rule's logical name is unique in its stack)."""
    return hashlib.sha256(f"{project}/{stack}/{resource_name}".encode()).hexdigest()[:12]


def owner_remark(project: str, stack: str, resource_name: str) -> str:
    """`podlb:<token> <project>/<stack> <resource name>`: the token says which resource owns the
    rule; the rest is for people reading the console. At most REMARK_MAX characters."""
    remark = f"podlb:{owner_token(project, stack, resource_name)} {project}/{stack} {resource_name}"
    return remark[:REMARK_MAX]


def remark_owner(remark: str) -> str | None:
    """The owner token in a remark podlb wrote, or None for anyone else's remark."""
    match = _TOKEN_RE.match(remark or "")
    return match.group(1) if match else None


def _stack_of(remark: str) -> str | None:
    """'project/stack' of a remark podlb wrote (either format), else None."""
    match = _TOKEN_RE.match(remark or "")
    if match:
        return match.group(2)
    legacy = _LEGACY_RE.match(remark or "")
    return legacy.group(1) if legacy else None


def owns(live_remark: str, own_remark: str) -> bool:
    """Is the live rule (by its remark) the one this resource owns? Exactly our remark, or our
    owner token; or a podlb 0.1 remark of the same stack (those rules were shared per cluster,
    and a resource that holds one in its state may update or delete it)."""
    live_remark, own_remark = live_remark or "", own_remark or ""
    if live_remark == own_remark:
        return True
    token = remark_owner(own_remark)
    if token is not None and remark_owner(live_remark) == token:
        return True
    own_stack = _stack_of(own_remark)
    return own_stack is not None and bool(_LEGACY_RE.match(live_remark)) and _stack_of(live_remark) == own_stack


def owned_by_stack(remark: str, project: str, stack: str) -> bool:
    """Written by podlb for this project/stack (any of its resources, either remark format)."""
    return _stack_of(remark) == f"{project}/{stack}"


# -- the same rule in another spelling --------------------------------------------------------
# Baidu may hand rule fields back rewritten. Evidence: terraform-provider-baiducloud's rule
# matching (`compareSecurityGroupRule`) treats `x/32` as `x`, "" as `all` for protocol and
# source, "" as `1-65535` for the port range and "" as `IPv4`. podlb matches either form, and
# treats 0.0.0.0/0 (::/0) as `all` too, in case the API rewrites that as well.
def canonical_address(value: str | None, ethertype: str = "IPv4") -> str:
    text = (value or "").strip()
    if text in ("", "all"):
        return "all"
    try:
        network = ipaddress.ip_network(text, strict=False)
    except ValueError:
        return text
    if network.prefixlen == 0:
        return "all"
    if network.prefixlen == network.max_prefixlen:
        return str(network.network_address)
    return str(network)


def listed_direction(rule: Mapping[str, Any]) -> str:
    """A listed rule's direction; one listed without it is read as ingress (the strict reading:
    podlb only ever writes ingress rules, so it must recognise its own either way)."""
    return str(rule.get("direction") or "ingress")


def listed_action(rule: Mapping[str, Any]) -> str:
    """An enterprise rule's action; normal rules have none and allow."""
    return str(rule.get("action") or "allow")


def canonical_protocol(value: str | None) -> str:
    return (value or "").lower() or "all"


def canonical_port_range(value: str | None) -> str:
    text = (value or "").strip()
    if text in ("", "1-65535"):
        return "1-65535"
    low, _, high = text.partition("-")
    return low if high in ("", low) else text


def canonical_ethertype(value: str | None) -> str:
    return value or "IPv4"


@dataclass(frozen=True)
class RuleFields:
    """The fields that decide what a rule lets in (its remark aside)."""

    security_group_id: str
    direction: str
    protocol: str
    port_range: str
    source_ip: str
    ethertype: str

    @property
    def enterprise(self) -> bool:
        return is_enterprise_group(self.security_group_id)

    def matches(self, rule: Mapping[str, Any]) -> bool:
        """Same rule as `rule` (as the API lists it), in whichever spelling each side uses."""
        ethertype = canonical_ethertype(rule.get("ethertype"))
        return (
            listed_direction(rule) == self.direction
            and canonical_protocol(rule.get("protocol")) == canonical_protocol(self.protocol)
            and canonical_port_range(rule.get("portRange")) == canonical_port_range(self.port_range)
            and canonical_address(rule.get("sourceIp"), ethertype) == canonical_address(self.source_ip, self.ethertype)
            and ethertype == canonical_ethertype(self.ethertype)
            and not rule.get("sourceGroupId")
            and (not self.enterprise or listed_action(rule) == "allow")
        )
