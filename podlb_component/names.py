"""camelCase and snake_case, the one mapping between them: the schema, Kubernetes manifests and
the provider's config keys spell names in camelCase; Python Args and the Pulumi Python SDK's
dicts in snake_case. Standard library only."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any


def camel(name: str) -> str:
    """A Python field's schema name: `cluster_id` -> `clusterId`."""
    head, *rest = name.split("_")
    return head + "".join(word[:1].upper() + word[1:] for word in rest)


def snake(name: str) -> str:
    """A schema name's Python field: `clusterId` -> `cluster_id` (camel's inverse on podlb's names)."""
    return re.sub(r"(?<=[a-z0-9])([A-Z])", lambda m: "_" + m.group(1).lower(), name)


def either_spelling(values: Mapping[str, Any], name: str, default: Any = None) -> Any:
    """`values[name]` for a camelCase `name`, or under its snake_case spelling (a Kubernetes
    object as the API gives it, or as the Pulumi Python SDK does)."""
    return values.get(name, values.get(snake(name), default))
