"""The podlb package schema the provider serves from GetSchema: configuration, the provider's
own inputs, and one entry per custom resource (each defined beside its resource)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from .config import KEYS, config_schema
from .resource import CustomResourceType

PACKAGE = "podlb"


def provider_inputs() -> dict[str, Any]:
    return {
        k.name: {
            "type": "string",
            "description": k.description + f" Falls back to the environment variable {k.env}.",
            **({"secret": True} if k.secret else {}),
        }
        for k in KEYS
    }


def package_schema(
    version: str, resources: Iterable[CustomResourceType], functions: Mapping[str, Mapping[str, Any]]
) -> dict[str, Any]:
    return {
        "name": PACKAGE,
        "displayName": "podlb",
        "version": version,
        "description": "Pod-direct LoadBalancer Services on Baidu CCE: security-group rules and the CCE LB "
        "controller add-on, managed through the BCE API.",
        "license": "Apache-2.0",
        "config": config_schema(),
        "provider": {
            "description": "The podlb provider: BCE credentials and endpoints for the resources it manages.",
            "inputProperties": provider_inputs(),
        },
        "resources": {r.token: dict(r.schema) for r in resources},
        "functions": {token: dict(schema) for token, schema in functions.items()},
        "language": {"python": {"packageName": "podlb_component"}},
    }


def schema_json(
    version: str, resources: Iterable[CustomResourceType], functions: Mapping[str, Mapping[str, Any]]
) -> str:
    return json.dumps(package_schema(version, resources, functions), indent=2, sort_keys=True)
