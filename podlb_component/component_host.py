"""Construct for podlb's components: what lets YAML, TypeScript and Go programs use
PodDirectCluster and PodDirectService. The engine asks the podlb plugin to build a component
(ConstructRequest); the same Python classes a Python program uses are built here, in the
plugin's process, and register their children through the engine's resource monitor.

The Python SDK's own Construct (pulumi.provider.server.ProviderServicer, asyncio) does the
protocol: runtime settings, inputs with their dependencies and secrets, options, outputs. It runs
on one event loop thread here, beside the plugin's threaded gRPC server. What podlb adds:
- inputs shaped by the schema (wire.component_args): whole numbers, and a plain input that comes
  from another resource's output refused by name, as Python refuses it;
- a Service's `cluster` (a resource reference) resolved to the PodDirectCluster built earlier in
  this process for the same deployment: the Service takes the cluster's rules and groups in-process
  (ClusterContract), so both must come from the same podlb provider;
- podlb's errors answered as their message alone, with no traceback.

The components are imported on the first Construct, so a plugin serving only the custom resources
starts without them (and without pulumi_kubernetes). Why it is built so: docs/design.md, "Construct:
the Python components, built in the plugin".
"""

from __future__ import annotations

import asyncio
import json
import sys
import threading
import traceback
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

import grpc
import pulumi
from pulumi.errors import RunError
from pulumi.provider import ConstructResult, Provider
from pulumi.provider.server import ProviderServicer

from .errors import PodLbError
from .names import snake
from .provider.schema import committed
from .provider.server import MAX_WORKERS
from .provider.wire import PlainInputError, component_args, component_state, in_schema_names
from .tokens import CLUSTER_TYPE, SERVICE_TYPE
from .version import VERSION

if TYPE_CHECKING:
    from .cluster.component import PodDirectCluster

ENGINE_CALLS = MAX_WORKERS
"""Threads for the SDK's blocking calls to the engine (RegisterResource, invokes) from every
Construct in flight, as many as the server has for Constructs: a registration holds its thread
until the engine has created the resource, so asyncio's small default pool would cap the creates
running at once (docs/design.md, "Construct": a thread per component in flight). Threads start
only when needed."""


class ConstructedClusters(pulumi.runtime.ResourceModule):
    """The PodDirectClusters this process built for the current deployment, by URN; registered
    as the SDK's resource module for `podlb:index`, so a reference to one in a Construct request
    deserializes to the object itself."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._monitor = ""
        self._by_urn: dict[str, PodDirectCluster] = {}

    def deployment(self, monitor: str) -> None:
        """Forget the clusters of an earlier deployment (each has its own resource monitor;
        `pulumi up` may preview and update with the same plugin)."""
        with self._lock:
            if monitor != self._monitor:
                self._monitor, self._by_urn = monitor, {}

    def add(self, urn: str, cluster: PodDirectCluster) -> str:
        with self._lock:
            self._by_urn[urn] = cluster
        return urn

    def version(self) -> None:
        return None

    def construct(self, name: str, typ: str, urn: str) -> pulumi.Resource:
        with self._lock:
            found = self._by_urn.get(urn) if typ == CLUSTER_TYPE else None
        if found is None:
            raise PodLbError(
                name,
                "cluster",
                f"{urn} is not a PodDirectCluster this podlb provider built in this deployment (a Service "
                "takes its cluster's security groups and rules in the provider's process)",
                "pass a PodDirectCluster of the same program, created with the same podlb provider as the Service "
                "(or both with the default one)",
            )
        return found


def python_names(schema: Mapping[str, Any]) -> set[str]:
    """The components' Python field names that the schema spells otherwise (`cluster_id` is
    `clusterId` there): podlb's messages name fields in Python and are respelt for other languages."""
    entries = [r for r in schema["resources"].values() if r.get("isComponent")]
    sections = [*(e["inputProperties"] for e in entries), *(e["properties"] for e in entries)]
    sections += [t.get("properties", {}) for t in schema["types"].values()]
    return {snake(name) for section in sections for name in section if snake(name) != name}


class ComponentBuilder(Provider):
    """The SDK's component provider interface: `construct` builds one component."""

    def __init__(self, clusters: ConstructedClusters, schema: Mapping[str, Any]) -> None:
        super().__init__(VERSION)
        self._clusters = clusters
        self._schema = schema

    def construct(
        self,
        name: str,
        resource_type: str,
        inputs: Mapping[str, pulumi.Input[Any]],
        options: pulumi.ResourceOptions | None = None,
    ) -> ConstructResult:
        from .cluster.component import PodDirectCluster
        from .service.component import PodDirectService

        entry = self._schema["resources"].get(resource_type)
        if resource_type not in (CLUSTER_TYPE, SERVICE_TYPE) or entry is None:
            raise PodLbError(
                name, "type", f"podlb has no component {resource_type}", f"use {CLUSTER_TYPE} or {SERVICE_TYPE}"
            )
        try:
            args = component_args(inputs, entry["inputProperties"], self._schema["types"])
        except PlainInputError as exc:
            raise PodLbError(
                name,
                exc.path,
                "comes from another resource's output or is a secret, but it is a plain input: podlb decides "
                "from it what to create, before anything is registered",
                "write the value itself in the program, or read it from stack config as a plain (not secret) value",
            ) from None
        outputs, types = entry["properties"], self._schema["types"]
        if resource_type == CLUSTER_TYPE:
            cluster = PodDirectCluster(name, args, options)  # type: ignore[arg-type]
            # resolved before the engine hears of the cluster, so a Service naming it finds it
            urn = cluster.urn.apply(lambda known: self._clusters.add(known, cluster))
            return ConstructResult(urn=urn, state=component_state(cluster.outputs.registered(), outputs, types))
        service = PodDirectService(name, args, options)  # type: ignore[arg-type]
        return ConstructResult(urn=service.urn, state=component_state(service.outputs.registered(), outputs, types))


class _Context:
    """The asyncio servicer context the SDK's Construct expects. It aborts only on the SDK's
    InputPropertyError(s), which podlb doesn't raise: their message then goes back as any RunError's."""

    async def abort_with_status(self, status: grpc.Status) -> None:
        raise RunError(str(getattr(status, "details", status)))


class ComponentHost:
    """The plugin's Constructor (provider/server.py): Construct requests, served on one event loop."""

    def __init__(self, engine_address: str) -> None:
        self._engine = engine_address
        self._lock = threading.Lock()
        self._clusters = ConstructedClusters()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._servicer: ProviderServicer | None = None
        self._schema: dict[str, Any] = json.loads(committed())
        self._python_names = python_names(self._schema)

    def _started(self) -> tuple[asyncio.AbstractEventLoop, ProviderServicer]:
        with self._lock:
            if self._loop is None or self._servicer is None:
                servicer = ProviderServicer(ComponentBuilder(self._clusters, self._schema), [], self._engine)
                pulumi.runtime.register_resource_module("podlb", "index", self._clusters)
                loop = asyncio.new_event_loop()
                loop.set_default_executor(
                    ThreadPoolExecutor(max_workers=ENGINE_CALLS, thread_name_prefix="podlb-engine")
                )
                threading.Thread(target=loop.run_forever, name="podlb-construct", daemon=True).start()
                self._servicer, self._loop = servicer, loop
            return self._loop, self._servicer

    def construct(self, request: Any, context: grpc.ServicerContext) -> Any:
        loop, servicer = self._started()
        self._clusters.deployment(request.monitorEndpoint)
        running = asyncio.run_coroutine_threadsafe(servicer.Construct(request, _Context()), loop)
        try:
            return running.result()
        except RunError as exc:  # podlb's own (PodLbError) and the SDK's: the message says it all,
            # in the names the program used
            context.abort(grpc.StatusCode.UNKNOWN, in_schema_names(str(exc), self._python_names))
        except Exception as exc:
            traceback.print_exc(file=sys.stderr)  # the provider's log: the SDK put the stack in the message
            message = str(exc).split(":\n", 1)[0]
            context.abort(
                grpc.StatusCode.INTERNAL,
                f"podlb provider {VERSION}: unexpected error constructing {request.type} {request.name!r}: {message} "
                "(a podlb bug: please report it with the provider's log, `pulumi up -v=9 --logtostderr`)",
            )
        raise AssertionError("unreachable: context.abort raises")
