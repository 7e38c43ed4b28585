"""Reads of live Kubernetes objects that must not live in Pulumi state.

A `Resource.get` keeps the object it read in the stack's state, so `pulumi refresh` reports it
changed as soon as anything (podlb's own patch included) touches it (docs/real-engine.md,
finding 1). podlb's provider plugin therefore reads such objects itself, in an invoke, reaching
the cluster the way pulumi-kubernetes' provider is configured: `kubeconfig` (contents or a path,
`~` expanded; pulumi-kubernetes `provider/util.go` parseKubeconfigString), else client-go's
default loading rules ($KUBECONFIG, a list, else ~/.kube/config), else the in-cluster service
account; `context` and `cluster` override the current context and its cluster as the provider's
`context`/`cluster` settings do (`provider.go`, ConfigOverrides).

Imports the official `kubernetes` client only when a read runs, so the plugin starts without it.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

READ_TIMEOUT_S = (5, 30)
"""(connect, read) seconds for one request: a read that hangs fails the step with a message."""


class KubeReadError(Exception):
    """The cluster could not be read: the message says what was tried and what failed (never
    the kubeconfig's contents)."""


@dataclass(frozen=True)
class KubeAccess:
    """How to reach a cluster, spelled as pulumi-kubernetes' Provider is configured."""

    kubeconfig: str | None = None
    """A kubeconfig's contents or a path to one; None: $KUBECONFIG, else ~/.kube/config, else in-cluster."""
    context: str | None = None
    """The kubeconfig context to use instead of its current-context."""
    cluster: str | None = None
    """The kubeconfig cluster to use instead of the context's."""

    @classmethod
    def from_inputs(cls, values: Mapping[str, Any]) -> KubeAccess:
        def text(key: str) -> str | None:
            value = values.get(key)
            if value is not None and not isinstance(value, str):  # never "unset": that's another cluster
                raise KubeReadError(f"the Kubernetes setting '{key}' must be a string, got {type(value).__name__}")
            return value or None

        return cls(text("kubeconfig"), text("context"), text("cluster"))


def _kubeconfig_file(path_or_contents: str) -> Path | None:
    """The file a `kubeconfig` value names, or None when it is the contents themselves."""
    candidate = path_or_contents
    if candidate == "~" or candidate.startswith("~/"):
        candidate = str(Path(candidate).expanduser())
    if "\n" in candidate:
        return None
    try:
        return Path(candidate) if Path(candidate).is_file() else None
    except OSError:  # e.g. a name too long to be a path: contents
        return None


def _plain_node(node: Any) -> Any:
    """The mapping a kubeconfig ConfigNode wraps (or the mapping itself)."""
    return node.value if hasattr(node, "value") else node


def _without_entries(exc: Exception) -> str:
    """The client's message without the kubeconfig entry it may quote: for a file, the merger
    names each entry by its whole mapping (tokens, client secrets) — cut from the first '{'."""
    return str(exc).split("{", 1)[0].rstrip(" /") or type(exc).__name__


def _kubernetes(module: str) -> Any:
    """A module of the official client, imported on first use (it is untyped: Any)."""
    return importlib.import_module(f"kubernetes.{module}")


def _loader(access: KubeAccess, env: Mapping[str, str]) -> Any:
    kube_config = _kubernetes("config.kube_config")
    ConfigException = _kubernetes("config.config_exception").ConfigException

    try:
        if access.kubeconfig is not None and _kubeconfig_file(access.kubeconfig) is None:
            document = yaml.safe_load(access.kubeconfig)
            if not isinstance(document, dict):
                raise KubeReadError("the kubeconfig given is neither a kubeconfig document nor a file that exists")
            config: Any = document
            base_path = ""
        else:
            file = _kubeconfig_file(access.kubeconfig) if access.kubeconfig is not None else None
            paths = (
                str(file)
                if file is not None
                else env.get("KUBECONFIG") or str(Path(env.get("HOME") or Path.home()) / ".kube" / "config")
            )
            existing = [p for p in paths.split(os.pathsep) if p and Path(p).expanduser().is_file()]
            if not existing:
                return None  # nothing on disk: in-cluster, as client-go's loading rules fall back
            merger = kube_config.KubeConfigMerger(os.pathsep.join(existing))
            config, base_path = merger.config, None
            if config is None:
                raise KubeReadError(f"no configuration found in {', '.join(existing)}")
            # client-go (and so pulumi-kubernetes, kubectl) takes the first file's current-context;
            # the Python client's merger keeps the last one's.
            firsts = [c["current-context"] for c in merger.config_files.values() if c.get("current-context")]
            if firsts:
                config.value["current-context"] = firsts[0]
        raw = _plain_node(config)
        if access.cluster is not None:
            wanted = access.context or raw.get("current-context")
            for node in raw.get("contexts") or []:
                entry = _plain_node(node)  # the merger wraps each entry of a file in a ConfigNode
                if entry.get("name") == wanted:
                    entry.setdefault("context", {})["cluster"] = access.cluster
        return kube_config.KubeConfigLoader(
            config_dict=config, active_context=access.context, config_base_path=base_path
        )
    except ConfigException as exc:
        raise KubeReadError(f"the kubeconfig can't be used: {_without_entries(exc)}") from None
    except yaml.YAMLError as exc:  # its message quotes the document: give the place only
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark is not None else ""
        raise KubeReadError(f"the kubeconfig given is not valid YAML{where}") from None


def _api_client(access: KubeAccess, env: Mapping[str, str]) -> Any:
    client, incluster_config = _kubernetes("client"), _kubernetes("config.incluster_config")
    ConfigException = _kubernetes("config.config_exception").ConfigException

    configuration = client.Configuration()
    loader = _loader(access, env)
    try:
        if loader is None:
            incluster_config.InClusterConfigLoader(
                token_filename=incluster_config.SERVICE_TOKEN_FILENAME,
                cert_filename=incluster_config.SERVICE_CERT_FILENAME,
                environ=env,
            ).load_and_set(configuration)
        else:
            loader.load_and_set(configuration)
    except ConfigException as exc:
        where = (
            "no kubeconfig ($KUBECONFIG, ~/.kube/config) and not in a cluster"
            if loader is None
            else _without_entries(exc)
        )
        raise KubeReadError(f"no Kubernetes credentials: {where}") from None
    return client.ApiClient(configuration)


def read_config_map_data(
    access: KubeAccess, namespace: str, name: str, env: Mapping[str, str] | None = None
) -> dict[str, str] | None:
    """The `data` of ConfigMap namespace/name ({} when it has none), or None when it doesn't exist."""
    from urllib3.exceptions import HTTPError

    client, ApiException = _kubernetes("client"), _kubernetes("client.exceptions").ApiException

    api = _api_client(access, os.environ if env is None else env)
    where = f"ConfigMap {namespace}/{name} at {api.configuration.host}"
    try:
        found = client.CoreV1Api(api).read_namespaced_config_map(name, namespace, _request_timeout=READ_TIMEOUT_S)
    except ApiException as exc:
        if exc.status == 404:
            return None
        raise KubeReadError(f"reading {where}: HTTP {exc.status} {exc.reason}") from None
    except HTTPError as exc:
        raise KubeReadError(f"reading {where}: {type(exc).__name__}: {exc}") from None
    finally:
        api.close()
    return {str(k): str(v) for k, v in (found.data or {}).items()}
