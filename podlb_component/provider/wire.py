"""Values on the provider protocol's wire, as plain functions: a request's properties as plain
Python, outputs back to a Struct, the secret bits the provider must keep now that it accepts
secrets, and component inputs and outputs between the schema's names (camelCase, as every
Pulumi SDK expects: Go's `ClusterId`, TypeScript's `clusterId`, Python's `cluster_id`) and the
Python Args' (snake_case).

The engine sends secrets as wrapped values to a provider that accepts them and, from then on,
keeps only the secret bits the provider returns (pulumi 3.276 pkg/resource/plugin/
provider_plugin.go: `annotateSecrets` runs only `if !protocol.acceptSecrets`). So every answer
with properties marks again what came in secret: `annotate_secrets` is the engine's rule, here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import pulumi
from google.protobuf import struct_pb2
from pulumi.runtime import rpc

from ..names import camel, snake

UNKNOWN = rpc.UNKNOWN  # the SDK's marker for a value not known yet, as resource.py's


def raw_properties(struct: struct_pb2.Struct | None) -> dict[str, Any]:
    """A request's properties with secrets still wrapped (unknowns kept as UNKNOWN)."""
    if struct is None:
        return {}
    return rpc.deserialize_properties(struct, keep_unknowns=True) or {}


def unwrapped(value: Any) -> Any:
    """`value` with every secret wrapper removed, however deep."""
    value = rpc.unwrap_rpc_secret(value)
    if isinstance(value, Mapping):
        return {k: unwrapped(v) for k, v in value.items()}
    if isinstance(value, list):
        return [unwrapped(v) for v in value]
    return value


def properties_of(struct: struct_pb2.Struct | None) -> dict[str, Any]:
    """A request's properties as plain values (secrets unwrapped, unknowns kept as UNKNOWN)."""
    return {k: unwrapped(v) for k, v in raw_properties(struct).items()}


def has_secrets(value: Any) -> bool:
    if rpc.is_rpc_secret(value):
        return True
    if isinstance(value, Mapping):
        return any(has_secrets(v) for v in value.values())
    if isinstance(value, list):
        return any(has_secrets(v) for v in value)
    return False


def secret(value: Any) -> Any:
    return value if rpc.is_rpc_secret(value) else rpc.wrap_rpc_secret(value)


def annotate_secrets(outputs: Mapping[str, Any], inputs: Mapping[str, Any]) -> dict[str, Any]:
    """`outputs` with each key marked secret whose input of the same name held a secret; maps
    that weren't secret as a whole are followed key by key (the engine's `annotateSecrets`)."""
    result = dict(outputs)
    for key, given in inputs.items():
        if key not in result:
            continue
        out = result[key]
        if isinstance(out, Mapping) and isinstance(given, Mapping) and not rpc.is_rpc_secret(given):
            result[key] = annotate_secrets(out, given)
        elif not rpc.is_rpc_secret(out) and has_secrets(given):
            result[key] = secret(out)
    return result


def to_struct(values: Mapping[str, Any]) -> struct_pb2.Struct:
    """Plain values (secrets as wrapped values) as a Struct; None values are left out."""
    struct = struct_pb2.Struct()
    struct.update({k: v for k, v in values.items() if v is not None})
    return struct


# -- component inputs -------------------------------------------------------------------------


def in_schema_names(text: str, python_names: set[str]) -> str:
    """`text` with each of `python_names` (whole words) spelt as the schema spells it: what a
    YAML, TypeScript or Go user wrote, in a message written in Python's names."""
    if not python_names:
        return text
    pattern = r"\b(" + "|".join(sorted(map(re.escape, python_names), key=len, reverse=True)) + r")\b"
    return re.sub(pattern, lambda m: camel(m.group(1)), text)


FIELD_NAME_MAPS = frozenset({"releaseOptions"})
"""Map properties whose keys are another SDK's field names (kubernetes.helm.v3.ReleaseArgs: a
TypeScript user writes `skipAwait`, Python reads `skip_await`), not keys of the user's own like a
selector's or Helm values': spelt as properties are."""


class PlainInputError(ValueError):
    """A plain input (one that decides what the component registers) arrived as an Output."""

    def __init__(self, path: str) -> None:
        super().__init__(path)
        self.path = path


def component_args(
    inputs: Mapping[str, Any], properties: Mapping[str, Any], types: Mapping[str, Any]
) -> dict[str, Any]:
    """Construct's inputs as the component's Python Args: the Args' names, whole numbers where the
    schema says integer (every number on the wire is a double), Outputs left where the schema allows
    them. Raises PlainInputError naming the first plain input (by its path, in the schema's names)
    that is an Output: the Python components validate those before registering anything."""
    return {snake(key): _inward(value, properties.get(key, {}), types, key) for key, value in inputs.items()}


def component_state(
    values: Mapping[str, Any], properties: Mapping[str, Any], types: Mapping[str, Any]
) -> dict[str, Any]:
    """A component's registered outputs (Python names) as the schema's output properties."""
    return {camel(key): _outward(value, properties.get(camel(key), {}), types) for key, value in values.items()}


def _declared(spec: Mapping[str, Any], types: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The properties of the object type `spec` refers to, if it refers to one."""
    ref = str(spec.get("$ref", ""))
    return types.get(ref.removeprefix("#/types/"), {}).get("properties", {}) if ref.startswith("#/types/") else None


def _inward(value: Any, spec: Mapping[str, Any], types: Mapping[str, Any], path: str) -> Any:
    if isinstance(value, pulumi.Output):
        if spec.get("plain"):
            raise PlainInputError(path)
        return value.apply(lambda known: _inward(known, {**spec, "plain": False}, types, path))
    if value is None or value == UNKNOWN:
        return value
    declared = _declared(spec, types)
    if declared is not None:
        if isinstance(value, Mapping):
            return {snake(k): _inward(v, declared.get(k, {}), types, f"{path}.{k}") for k, v in value.items()}
        return value
    kind = spec.get("type")
    if kind == "integer" and isinstance(value, float) and value.is_integer():
        return int(value)
    if kind == "array" and isinstance(value, list):
        return [_inward(v, spec.get("items", {}), types, f"{path}[{i}]") for i, v in enumerate(value)]
    if kind == "object" and isinstance(value, Mapping):  # a map: its keys are the user's own ...
        item = spec.get("additionalProperties", {})
        key = snake if path.rsplit(".", 1)[-1] in FIELD_NAME_MAPS else str  # ... or field names
        return {key(k): _inward(v, item, types, f"{path}.{k}") for k, v in value.items()}
    return value


def _outward(value: Any, spec: Mapping[str, Any], types: Mapping[str, Any]) -> Any:
    if isinstance(value, pulumi.Output):
        return value.apply(lambda known: _outward(known, spec, types))
    declared = _declared(spec, types)
    if declared is not None and isinstance(value, Mapping):
        return {camel(k): _outward(v, declared.get(camel(k), {}), types) for k, v in value.items()}
    if spec.get("type") == "array" and isinstance(value, list):
        return [_outward(v, spec.get("items", {}), types) for v in value]
    return value
