"""Drive the podlb provider the way the Pulumi engine does: in its own process, over gRPC.

The engine starts `pulumi-resource-podlb` (here `python -m podlb_component.plugin`, the same
entry point), reads the port from its first stdout line, calls `Configure` with the provider's
configuration, and then sends `Check`, `Diff`, `Create`, `Read`, `Update` and `Delete` as
protobuf Structs with the resource's URN (whose type picks the resource). `Diff` and `Create`
get the inputs `Check` returned; `Diff`, `Update`, `Read` and `Delete` get the outputs recorded
in the state. Values go as given: a test that wants a secret sends it wrapped (`rpc.wrap_rpc_secret`),
as the engine does now that the provider accepts secrets. A resource that works when
called in-process can still fail here, e.g. on outputs a Struct can't carry.

    with ProviderHost(settings) as host:
        inputs, failures = host.check(RULE_TYPE, {}, news)
        rule_id, outs = host.create(inputs)
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import grpc
from google.protobuf import struct_pb2
from pulumi.runtime import rpc
from pulumi.runtime.proto import provider_pb2, provider_pb2_grpc

from podlb_component.bce.settings import BceSettings
from podlb_component.provider.clients import ProviderClients
from podlb_component.provider.server import RESOURCES
from podlb_component.resources import RULE_TYPE


class ProviderHostError(RuntimeError):
    """A call the provider answered with an error."""

    def __init__(self, method: str, code: grpc.StatusCode, details: str) -> None:
        super().__init__(f"{method} failed in the provider ({code.name}): {details}")
        self.method, self.code, self.details = method, code, details


@dataclass(frozen=True)
class DiffResponse:
    changes: bool | None
    """True: some change; False: none; None: the provider didn't say."""
    replaces: tuple[str, ...]
    delete_before_replace: bool


def provider_config(settings: BceSettings | None) -> dict[str, str]:
    """The provider configuration (podlb:* keys, without the namespace) for these settings."""
    if settings is None:
        return {}
    values = {
        "accessKeyId": settings.access_key_id,
        "secretAccessKey": settings.secret_access_key,
        "region": settings.region,
        "endpoint": settings.endpoint,
    }
    return {k: v for k, v in values.items() if v}


def settings_env(settings: BceSettings | None) -> dict[str, str]:
    """What the provider reads from the environment only: timeouts and back-off."""
    if settings is None:
        return {}
    return {
        "BCE_TIMEOUT_MS": str(settings.timeout_ms),
        "BCE_RETRY_BASE_MS": str(settings.retry_base_ms),
        "BCE_GATHER_MS": str(settings.gather_ms),
    }


def _struct(props: Mapping[str, Any]) -> struct_pb2.Struct:
    """Properties as the engine sends them: plain JSON values (numbers as doubles)."""
    struct = struct_pb2.Struct()
    struct.update(dict(props))
    return struct


def _diff_response(response: Any) -> DiffResponse:
    changes = {
        provider_pb2.DiffResponse.DIFF_SOME: True,
        provider_pb2.DiffResponse.DIFF_NONE: False,
    }.get(response.changes)
    return DiffResponse(changes, tuple(response.replaces), bool(response.deleteBeforeReplace))


def _properties(struct: Any) -> dict[str, Any]:
    return dict(rpc.deserialize_properties(struct, keep_unknowns=True) or {})


class ProviderHost:
    """One provider process (the engine starts one per provider resource and deployment)."""

    def __init__(
        self,
        settings: BceSettings | None = None,
        *,
        config: Mapping[str, Any] | None = None,
        env: Mapping[str, str] | None = None,
        stack: str = "stack",
        project: str = "project",
    ) -> None:
        self._stack, self._project = stack, project
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "podlb_component.plugin", "127.0.0.1:0"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env={**os.environ, **settings_env(settings), **(env or {}), "PULUMI_PROJECT": project},
        )
        assert self._proc.stdout is not None
        line = self._proc.stdout.readline().decode().strip()
        if not line.isdigit():
            err = self._proc.stderr.read().decode() if self._proc.stderr else ""
            self._proc.kill()
            raise RuntimeError(f"the podlb provider did not print its port (got {line!r}): {err}")
        # Drain the plugin's stderr as it runs (a full pipe would block the plugin), and keep it
        # for tests that look at what the provider logged.
        self._stderr: list[bytes] = []
        self._stderr_reader = threading.Thread(target=self._drain_stderr, daemon=True)
        self._stderr_reader.start()
        self._channel = grpc.insecure_channel(f"127.0.0.1:{line}")
        self._stub = provider_pb2_grpc.ResourceProviderStub(self._channel)
        values = {**provider_config(settings), **(config or {})}
        try:
            failures = self.check_config(values)
            if failures:
                raise ProviderHostError("CheckConfig", grpc.StatusCode.INVALID_ARGUMENT, str(failures))
            self._call("Configure", provider_pb2.ConfigureRequest(args=_struct(values), acceptSecrets=True))
        except BaseException:
            self.close()  # the engine, too, stops a plugin whose configuration failed
            raise

    # -- lifecycle ---------------------------------------------------------------------
    def _drain_stderr(self) -> None:
        assert self._proc.stderr is not None
        for chunk in iter(self._proc.stderr.readline, b""):
            self._stderr.append(chunk)

    @property
    def stderr(self) -> str:
        """What the plugin wrote to stderr so far (all of it once closed): its logs, tracebacks."""
        return b"".join(self._stderr).decode(errors="replace")

    def close(self) -> None:
        self._channel.close()
        self._proc.terminate()
        try:
            self._proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()
        self._stderr_reader.join(timeout=5)
        for stream in (self._proc.stdout, self._proc.stderr):
            if stream is not None:
                stream.close()

    def __enter__(self) -> ProviderHost:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the engine's calls --------------------------------------------------------------
    def urn(self, name: str, type_: str) -> str:
        return f"urn:pulumi:{self._stack}::{self._project}::{type_}::{name}"

    def _call(self, method: str, request: Any) -> Any:
        try:
            return getattr(self._stub, method)(request, timeout=120)
        except grpc.RpcError as exc:
            raise ProviderHostError(method, exc.code(), exc.details() or "") from None

    def check_config(self, values: Mapping[str, Any]) -> list[tuple[str, str]]:
        response = self._call(
            "CheckConfig",
            provider_pb2.CheckRequest(urn=self.urn("default", "pulumi:providers:podlb"), news=_struct(values)),
        )
        return [(f.property, f.reason) for f in response.failures]

    def diff_config(self, olds: Mapping[str, Any], news: Mapping[str, Any]) -> DiffResponse:
        """The engine's diff of two configurations of the provider (podlb:* keys, no namespace)."""
        response = self._call(
            "DiffConfig",
            provider_pb2.DiffRequest(
                urn=self.urn("default", "pulumi:providers:podlb"), olds=_struct(olds), news=_struct(news)
            ),
        )
        return _diff_response(response)

    def invoke(self, token: str, args: Mapping[str, Any]) -> dict[str, Any]:
        """A function call, as the engine forwards an invoke: its result."""
        response = self._call("Invoke", provider_pb2.InvokeRequest(tok=token, args=_struct(args)))
        return _properties(getattr(response, "return"))

    def handshake(self) -> Any:
        """The ProviderHandshakeResponse: what the plugin accepts."""
        return self._call("Handshake", provider_pb2.ProviderHandshakeRequest())

    def get_schema(self) -> str:
        """The package schema the plugin serves (JSON text)."""
        return str(self._call("GetSchema", provider_pb2.GetSchemaRequest(version=0)).schema)

    def check(
        self, type_: str, olds: dict[str, Any], news: dict[str, Any], name: str = "r"
    ) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        response = self._call(
            "Check", provider_pb2.CheckRequest(urn=self.urn(name, type_), olds=_struct(olds), news=_struct(news))
        )
        return _properties(response.inputs), [(f.property, f.reason) for f in response.failures]

    def diff(
        self, rule_id: str, olds: dict[str, Any], news: dict[str, Any], name: str = "r", type_: str = RULE_TYPE
    ) -> DiffResponse:
        response = self._call(
            "Diff",
            provider_pb2.DiffRequest(id=rule_id, urn=self.urn(name, type_), olds=_struct(olds), news=_struct(news)),
        )
        return _diff_response(response)

    def create(
        self, inputs: dict[str, Any], name: str = "r", type_: str = RULE_TYPE, *, preview: bool = False
    ) -> tuple[str, dict[str, Any]]:
        """`preview=True` as `pulumi preview` asks (the plugin handshakes, so the engine does)."""
        response = self._call(
            "Create",
            provider_pb2.CreateRequest(urn=self.urn(name, type_), properties=_struct(inputs), preview=preview),
        )
        return response.id, _properties(response.properties)

    def read(
        self,
        rule_id: str,
        outputs: dict[str, Any],
        inputs: dict[str, Any] | None = None,
        name: str = "r",
        type_: str = RULE_TYPE,
    ) -> tuple[str, dict[str, Any]]:
        """A refresh: an empty id back means the resource is gone."""
        response = self._call(
            "Read",
            provider_pb2.ReadRequest(
                id=rule_id, urn=self.urn(name, type_), properties=_struct(outputs), inputs=_struct(inputs or outputs)
            ),
        )
        return response.id, _properties(response.properties)

    def update(
        self,
        rule_id: str,
        olds: dict[str, Any],
        news: dict[str, Any],
        name: str = "r",
        type_: str = RULE_TYPE,
        *,
        preview: bool = False,
    ) -> dict[str, Any]:
        request = provider_pb2.UpdateRequest(
            id=rule_id, urn=self.urn(name, type_), olds=_struct(olds), news=_struct(news), preview=preview
        )
        response = self._call("Update", request)
        return _properties(response.properties)

    def delete(self, rule_id: str, outputs: dict[str, Any], name: str = "r", type_: str = RULE_TYPE) -> None:
        self._call(
            "Delete", provider_pb2.DeleteRequest(id=rule_id, urn=self.urn(name, type_), properties=_struct(outputs))
        )


class InProcessProvider:
    """The same calls as ProviderHost, made on the resource implementations in this process —
    for tests that run both ways (what passes here and fails in the host is a wire-only bug)."""

    def __init__(self, settings: BceSettings) -> None:
        self.clients = ProviderClients(settings)

    def check(
        self, type_: str, olds: dict[str, Any], news: dict[str, Any], name: str = "r"
    ) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        checked = RESOURCES[type_].check(olds, dict(news))
        return dict(checked.inputs), [(f.property, f.reason) for f in checked.failures]

    def diff(
        self, rule_id: str, olds: dict[str, Any], news: dict[str, Any], name: str = "r", type_: str = RULE_TYPE
    ) -> DiffResponse:
        diff = RESOURCES[type_].diff(rule_id, olds, news)
        return DiffResponse(diff.changes, diff.replaces, diff.delete_before_replace)

    def create(self, inputs: dict[str, Any], name: str = "r", type_: str = RULE_TYPE) -> tuple[str, dict[str, Any]]:
        return RESOURCES[type_].create(self.clients, dict(inputs))

    def read(
        self,
        rule_id: str,
        outputs: dict[str, Any],
        inputs: dict[str, Any] | None = None,
        name: str = "r",
        type_: str = RULE_TYPE,
    ) -> tuple[str, dict[str, Any]]:
        found = RESOURCES[type_].read(self.clients, rule_id, dict(outputs), dict(inputs or outputs))
        return found.id, dict(found.outputs)

    def update(
        self, rule_id: str, olds: dict[str, Any], news: dict[str, Any], name: str = "r", type_: str = RULE_TYPE
    ) -> dict[str, Any]:
        return RESOURCES[type_].update(self.clients, rule_id, olds, news)

    def delete(self, rule_id: str, outputs: dict[str, Any], name: str = "r", type_: str = RULE_TYPE) -> None:
        RESOURCES[type_].delete(self.clients, rule_id, dict(outputs))

    def close(self) -> None:
        pass
