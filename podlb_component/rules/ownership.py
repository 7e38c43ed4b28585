"""Pure: which podlb resource owns a rule, as its remark says. podlb adopts, changes and deletes
only a rule whose remark carries the resource's own owner token."""

from __future__ import annotations

import hashlib
import re

from .value import REMARK_MAX

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
