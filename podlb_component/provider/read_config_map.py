"""`podlb:kubernetes:readConfigMap`: a live ConfigMap's data, read without keeping it in state.

PodDirectCluster merges the ip-masq agent's document into what the cluster holds. Reading it
with `ConfigMap.get` kept the pre-patch object in state, so the first `pulumi refresh` after an
`up` reported it changed (docs/real-engine.md, finding 1); an invoke leaves nothing in state.
Expected failures (no credentials, unreachable, forbidden) come back as `error`, for the
component to report with the field and the fix; the kubeconfig never appears in a message.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..kube_reads import KubeAccess, KubeReadError, read_config_map_data
from ..tokens import READ_CONFIG_MAP

TOKEN = READ_CONFIG_MAP

_ACCESS = {
    "kubeconfig": {
        "type": "string",
        "secret": True,
        "description": "A kubeconfig's contents or a path to one, as pulumi-kubernetes' Provider takes it; "
        "unset: $KUBECONFIG, else ~/.kube/config, else the in-cluster service account.",
    },
    "context": {"type": "string", "description": "The kubeconfig context to use instead of its current-context."},
    "cluster": {"type": "string", "description": "The kubeconfig cluster to use instead of the context's."},
}

SCHEMA: dict[str, Any] = {
    "description": "Reads a ConfigMap's data from the cluster without keeping the object in the stack's state "
    "(so a later refresh doesn't report it changed).",
    "inputs": {
        "properties": {
            "namespace": {"type": "string", "description": "The ConfigMap's namespace."},
            "name": {"type": "string", "description": "The ConfigMap's name."},
            **_ACCESS,
        },
        "required": ["namespace", "name"],
    },
    "outputs": {
        "properties": {
            "found": {"type": "boolean", "description": "Whether the ConfigMap exists."},
            "data": {
                "type": "object",
                "additionalProperties": {"type": "string"},
                "description": "Its data ({} when absent or empty).",
            },
            "error": {"type": "string", "description": "Why it could not be read; unset when it was."},
        },
        "required": ["found", "data"],
    },
}


def invoke(args: Mapping[str, Any], env: Mapping[str, str]) -> dict[str, Any]:
    namespace, name = args.get("namespace"), args.get("name")
    if not isinstance(namespace, str) or not isinstance(name, str) or not namespace or not name:
        return {"found": False, "data": {}, "error": "namespace and name must be non-empty strings"}
    try:
        data = read_config_map_data(KubeAccess.from_inputs(args), namespace, name, env)
    except KubeReadError as exc:
        return {"found": False, "data": {}, "error": str(exc)}
    return {"found": data is not None, "data": data or {}}
