"""The podlb provider plugin: a gRPC ResourceProvider (pulumi/proto provider.proto) in one
process per provider resource, serving the custom resources in RESOURCES and, when the entry
point hands it a Constructor, Construct for the components.

Started by the engine as `pulumi-resource-podlb [flags] ENGINE_ADDRESS` (podlb_component/plugin.py):
it prints its port on the first line of stdout, then answers Handshake, GetPluginInfo, GetSchema
(the committed schema.json with the version: schema.py), CheckConfig, DiffConfig, Configure,
each resource's Check, Diff, Create, Read, Update and Delete, and Construct. It accepts secrets
(the engine calls Construct on no other plugin), so it marks secret outputs itself (wire.py), and
builds its BCE clients once from the configuration. It exits when the engine that started it is gone.
"""

from __future__ import annotations

import os
import sys
import threading
import time
import traceback
from collections.abc import Callable, Mapping
from concurrent import futures
from typing import Any, Protocol, TypeVar

import grpc
from google.protobuf import empty_pb2
from pulumi.runtime.proto import plugin_pb2, provider_pb2, provider_pb2_grpc

from ..bce.clients import BceApiError
from ..version import VERSION
from . import read_config_map
from .cce_addon import AddonError, CceAddonType
from .clients import ProviderClients
from .config import KEY_NAMES, check_config, settings_from_config
from .resource import CustomResourceType
from .schema import served
from .security_group_rule import SecurityGroupRuleType
from .wire import annotate_secrets, has_secrets, properties_of, raw_properties, secret, to_struct

_SERVED: tuple[CustomResourceType, ...] = (SecurityGroupRuleType(), CceAddonType())
RESOURCES: dict[str, CustomResourceType] = {r.token: r for r in _SERVED}
"""Every custom resource the provider serves, by type token."""
FUNCTIONS: dict[str, Callable[[Mapping[str, Any], Mapping[str, str]], dict[str, Any]]] = {
    read_config_map.TOKEN: read_config_map.invoke,
}
"""Every function (invoke) the provider serves, by token: args and the environment to result."""
FUNCTION_SCHEMAS: dict[str, dict[str, Any]] = {read_config_map.TOKEN: read_config_map.SCHEMA}
USER_ERRORS = (BceApiError, AddonError)
"""Failures whose message says what to do; anything else is a podlb bug (traceback to stderr)."""
MAX_WORKERS = 4096
"""Concurrent calls: room for a thread per component in flight besides the CRUD calls. A Construct
holds its thread until the component's outputs resolve, and they wait on its children's Creates,
which this process may serve: a smaller pool can deadlock `pulumi up` (docs/design.md, "Construct":
a thread per component in flight). The pool makes threads only as calls need them."""

T = TypeVar("T")


class Constructor(Protocol):
    """Builds podlb's components for the engine (component_host.ComponentHost). It lives above
    this layer: the plugin's entry point hands it in, and the CRUD-only provider has none."""

    def construct(self, request: Any, context: grpc.ServicerContext) -> Any:
        """A ConstructRequest to its ConstructResponse, or `context.abort` with the message."""
        ...


def type_of(urn: str) -> str:
    """urn:pulumi:stack::project::[parent$]type::name -> type."""
    return urn.split("::")[2].rsplit("$", 1)[-1]


class PodlbProvider(provider_pb2_grpc.ResourceProviderServicer):
    def __init__(self, env: Mapping[str, str] | None = None, components: Constructor | None = None) -> None:
        self._env = dict(os.environ if env is None else env)
        self._components = components
        self._lock = threading.Lock()
        self._config: dict[str, Any] = {}
        self._clients: ProviderClients | None = None

    # -- plumbing ---------------------------------------------------------------------------
    @property
    def clients(self) -> ProviderClients:
        with self._lock:
            if self._clients is None:
                self._clients = ProviderClients(settings_from_config(self._config, self._env))
            return self._clients

    @staticmethod
    def _resource(urn: str, context: grpc.ServicerContext) -> CustomResourceType:
        token = type_of(urn)
        resource = RESOURCES.get(token)
        if resource is None:
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, f"podlb provider: unknown resource type {token}")
        return resource  # type: ignore[return-value]

    @staticmethod
    def _answer(context: grpc.ServicerContext, call: Callable[[], T]) -> T:
        try:
            return call()
        except USER_ERRORS as exc:
            context.abort(grpc.StatusCode.UNKNOWN, str(exc))
        except Exception as exc:
            traceback.print_exc(file=sys.stderr)
            context.abort(
                grpc.StatusCode.INTERNAL,
                f"podlb provider {VERSION}: unexpected {type(exc).__name__}: {exc} (a podlb bug: please report it "
                "with the provider's log, `pulumi up -v=9 --logtostderr`)",
            )
        raise AssertionError("unreachable: context.abort raises")

    # -- the plugin -------------------------------------------------------------------------
    def Handshake(self, request: Any, context: grpc.ServicerContext) -> Any:
        # Secrets: the engine constructs components only on a plugin that accepts them
        # (docs/design.md, "Construct": secrets accepted, so kept by the plugin).
        # Resources and outputs: a Service's `cluster` arrives as a reference to the cluster,
        # and an input built from another resource's output keeps its dependencies (Construct only).
        return provider_pb2.ProviderHandshakeResponse(accept_secrets=True, accept_resources=True, accept_outputs=True)

    def GetPluginInfo(self, request: Any, context: grpc.ServicerContext) -> Any:
        return plugin_pb2.PluginInfo(version=VERSION)

    def GetSchema(self, request: Any, context: grpc.ServicerContext) -> Any:
        return provider_pb2.GetSchemaResponse(schema=served(VERSION, components=self._components is not None))

    def Cancel(self, request: Any, context: grpc.ServicerContext) -> Any:
        return empty_pb2.Empty()

    # -- configuration ----------------------------------------------------------------------
    def CheckConfig(self, request: Any, context: grpc.ServicerContext) -> Any:
        news = properties_of(request.news)
        failures = check_config(news, self._env)
        return provider_pb2.CheckResponse(
            inputs=request.news,
            failures=[provider_pb2.CheckFailure(property=f.property, reason=f.reason) for f in failures],
        )

    def DiffConfig(self, request: Any, context: grpc.ServicerContext) -> Any:
        # Never a replace: replacing the provider would replace every rule it manages.
        olds, news = properties_of(request.olds), properties_of(request.news)
        changed = [k for k in KEY_NAMES if olds.get(k) != news.get(k)]
        return provider_pb2.DiffResponse(
            changes=provider_pb2.DiffResponse.DIFF_SOME if changed else provider_pb2.DiffResponse.DIFF_NONE,
            diffs=changed,
        )

    def Configure(self, request: Any, context: grpc.ServicerContext) -> Any:
        config = properties_of(request.args) if request.HasField("args") else {}
        if not config:  # an engine that sends only the old `variables` map
            config = {k.rsplit(":", 1)[-1]: v for k, v in request.variables.items() if k.startswith("podlb:config:")}
        with self._lock:
            self._config, self._clients = config, None
        return provider_pb2.ConfigureResponse(
            acceptSecrets=True, acceptResources=True, acceptOutputs=True, supportsPreview=False
        )

    # -- functions --------------------------------------------------------------------------
    def Invoke(self, request: Any, context: grpc.ServicerContext) -> Any:
        if request.tok not in FUNCTIONS:
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, f"podlb provider: unknown function {request.tok}")
        function = FUNCTIONS[request.tok]
        result = self._answer(context, lambda: function(properties_of(request.args), self._env))
        if has_secrets(raw_properties(request.args)):  # as the engine marks them for other plugins
            result = {k: secret(v) for k, v in result.items()}
        response = provider_pb2.InvokeResponse()
        getattr(response, "return").CopyFrom(to_struct(result))  # `return` is a Python keyword
        return response

    # -- resources --------------------------------------------------------------------------
    def Check(self, request: Any, context: grpc.ServicerContext) -> Any:
        resource = self._resource(request.urn, context)
        checked = self._answer(
            context, lambda: resource.check(properties_of(request.olds), properties_of(request.news))
        )
        return provider_pb2.CheckResponse(
            inputs=to_struct(annotate_secrets(checked.inputs, raw_properties(request.news))),
            failures=[provider_pb2.CheckFailure(property=f.property, reason=f.reason) for f in checked.failures],
        )

    def Diff(self, request: Any, context: grpc.ServicerContext) -> Any:
        resource = self._resource(request.urn, context)
        diff = self._answer(
            context, lambda: resource.diff(request.id, properties_of(request.olds), properties_of(request.news))
        )
        return provider_pb2.DiffResponse(
            changes=provider_pb2.DiffResponse.DIFF_SOME if diff.changes else provider_pb2.DiffResponse.DIFF_NONE,
            replaces=list(diff.replaces),
            deleteBeforeReplace=diff.delete_before_replace,
        )

    def Create(self, request: Any, context: grpc.ServicerContext) -> Any:
        resource = self._resource(request.urn, context)
        if request.preview:
            # The engine asks even in `pulumi preview` (a provider that handshakes "supports
            # preview"): nothing is created, outputs stay the inputs (what's computed stays unknown).
            return provider_pb2.CreateResponse(properties=request.properties)
        new_id, outputs = self._answer(
            context, lambda: resource.create(self.clients, properties_of(request.properties))
        )
        outputs = annotate_secrets(outputs, raw_properties(request.properties))
        return provider_pb2.CreateResponse(id=new_id, properties=to_struct(outputs))

    def Read(self, request: Any, context: grpc.ServicerContext) -> Any:
        resource = self._resource(request.urn, context)
        outputs = properties_of(request.properties) or properties_of(request.inputs)
        read = self._answer(
            context, lambda: resource.read(self.clients, request.id, outputs, properties_of(request.inputs))
        )
        state = annotate_secrets(read.outputs, raw_properties(request.properties))
        response = provider_pb2.ReadResponse(id=read.id, properties=to_struct(state))
        if read.inputs is not None:
            response.inputs.CopyFrom(to_struct(annotate_secrets(read.inputs, raw_properties(request.inputs))))
        return response

    def Update(self, request: Any, context: grpc.ServicerContext) -> Any:
        resource = self._resource(request.urn, context)
        if request.preview:  # as in Create: no change in `pulumi preview`
            return provider_pb2.UpdateResponse(properties=request.news)
        outputs = self._answer(
            context,
            lambda: resource.update(self.clients, request.id, properties_of(request.olds), properties_of(request.news)),
        )
        return provider_pb2.UpdateResponse(
            properties=to_struct(annotate_secrets(outputs, raw_properties(request.news)))
        )

    def Delete(self, request: Any, context: grpc.ServicerContext) -> Any:
        resource = self._resource(request.urn, context)
        self._answer(context, lambda: resource.delete(self.clients, request.id, properties_of(request.properties)))
        return empty_pb2.Empty()

    # -- components -------------------------------------------------------------------------
    def Construct(self, request: Any, context: grpc.ServicerContext) -> Any:
        if self._components is None:
            context.abort(
                grpc.StatusCode.UNIMPLEMENTED,
                f"podlb provider: {request.type} is a component; this provider was started without them "
                "(start it as `pulumi-resource-podlb`)",
            )
        return self._components.construct(request, context)  # type: ignore[union-attr]


def _exit_with_parent(parent: int) -> None:
    """The engine starts plugins in process groups of their own, so a killed `pulumi` doesn't
    take them along: leave when the parent is gone (we are then reparented)."""
    while os.getppid() == parent:
        time.sleep(1)
    os._exit(0)


def serve(argv: list[str] | None = None, components: Callable[[str], Constructor] | None = None) -> None:
    """The plugin's main: `[--logtostderr] [-v=N] [--tracing ADDR] ENGINE`. The engine's address
    comes last (only it is positional; under `--tracing` the SDKs' parsers take the wrong one).
    `components` makes the Constructor from that address; without it the plugin serves the
    custom resources only (`python -m podlb_component.provider`, for tests of that layer)."""
    args = sys.argv[1:] if argv is None else argv
    if args and args[0] in ("--version", "-V"):
        print(VERSION)
        return
    if args and args[0] == "--schema":
        print(served(VERSION, components=components is not None))
        return
    engine = args[-1] if args else ""
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=MAX_WORKERS))
    provider = PodlbProvider(components=components(engine) if components else None)
    provider_pb2_grpc.add_ResourceProviderServicer_to_server(provider, server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    threading.Thread(target=_exit_with_parent, args=(os.getppid(),), daemon=True).start()
    sys.stdout.write(f"{port}\n")
    sys.stdout.flush()
    server.wait_for_termination()
