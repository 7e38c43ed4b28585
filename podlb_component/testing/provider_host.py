"""Drive a dynamic provider the way the Pulumi engine does: in its own process, over gRPC.

The engine never calls a `ResourceProvider` object. The program pickles it (dill) into the
resource's `__provider` input (`pulumi.dynamic.dynamic.serialize_provider`); the engine starts
`python -m pulumi.dynamic`, which prints the port it listens on, calls `Configure`, and then sends
`Check`, `Diff`, `Create`, `Read`, `Update` and `Delete` as protobuf Structs
(`pulumi.runtime.proto.provider_pb2_grpc.ResourceProviderStub`). `Diff` and `Create` get the
inputs `Check` returned; `Diff`, `Update`, `Read` and `Delete` get the outputs recorded in the
state. The host unpickles the provider in its own process (so everything the provider needs
must be importable there), and secrets arrive unwrapped (the host answers `acceptSecrets:
false`). A provider that works when called in-process can still crash here, e.g. on a
`ReadResult` the host can't serialize.

    with ProviderHost() as host:
        inputs, failures = host.check(provider, {}, news)
        rule_id, outs = host.create(inputs)
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from typing import Any

import grpc
from google.protobuf import struct_pb2
from pulumi.dynamic import ResourceProvider
from pulumi.dynamic.dynamic import serialize_provider
from pulumi.runtime import rpc
from pulumi.runtime.proto import provider_pb2, provider_pb2_grpc

PROVIDER_KEY = "__provider"
DYNAMIC_TYPE = "pulumi-python:dynamic:Resource"


class ProviderHostError(RuntimeError):
    """A call the host answered with an error (its text holds the provider's traceback)."""

    def __init__(self, method: str, code: grpc.StatusCode, details: str) -> None:
        super().__init__(f"{method} failed in the provider host ({code.name}): {details}")
        self.method, self.code, self.details = method, code, details


@dataclass(frozen=True)
class DiffResponse:
    changes: bool | None
    """True: some change; False: none; None: the provider didn't say."""
    replaces: tuple[str, ...]
    delete_before_replace: bool


def _struct(props: dict[str, Any]) -> struct_pb2.Struct:
    """Properties as the engine sends them: plain JSON values (numbers as doubles)."""
    struct = struct_pb2.Struct()
    struct.update(props)
    return struct


def _plain(struct: Any) -> dict[str, Any]:
    return dict(rpc.deserialize_properties(struct, keep_unknowns=True) or {})


class ProviderHost:
    """One `python -m pulumi.dynamic` process (the engine starts one per deployment)."""

    def __init__(self, env: dict[str, str] | None = None, stack: str = "stack", project: str = "project") -> None:
        self._stack, self._project = stack, project
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "pulumi.dynamic"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env={**os.environ, **(env or {}), "PULUMI_PROJECT": project},
        )
        assert self._proc.stdout is not None
        line = self._proc.stdout.readline().decode().strip()
        if not line.isdigit():
            err = self._proc.stderr.read().decode() if self._proc.stderr else ""
            self._proc.kill()
            raise RuntimeError(f"python -m pulumi.dynamic did not print its port (got {line!r}): {err}")
        self._channel = grpc.insecure_channel(f"127.0.0.1:{line}")
        self._stub = provider_pb2_grpc.ResourceProviderStub(self._channel)
        self._call("Configure", provider_pb2.ConfigureRequest(args=_struct({}), acceptSecrets=True))

    # -- lifecycle ---------------------------------------------------------------------
    def close(self) -> None:
        self._channel.close()
        self._proc.terminate()
        try:
            self._proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()
        for stream in (self._proc.stdout, self._proc.stderr):
            if stream is not None:
                stream.close()

    def __enter__(self) -> ProviderHost:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the engine's calls --------------------------------------------------------------
    def urn(self, name: str) -> str:
        return f"urn:pulumi:{self._stack}::{self._project}::{DYNAMIC_TYPE}::{name}"

    def _call(self, method: str, request: Any) -> Any:
        try:
            return getattr(self._stub, method)(request, timeout=120)
        except grpc.RpcError as exc:
            raise ProviderHostError(method, exc.code(), exc.details() or "") from None

    def check(
        self, provider: ResourceProvider | str, olds: dict[str, Any], news: dict[str, Any], name: str = "r"
    ) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        """`news` are the program's inputs; `provider` is pickled into them as the SDK does."""
        serialized = provider if isinstance(provider, str) else serialize_provider(provider)
        response = self._call(
            "Check",
            provider_pb2.CheckRequest(
                urn=self.urn(name), olds=_struct(olds), news=_struct({**news, PROVIDER_KEY: serialized})
            ),
        )
        return _plain(response.inputs), [(f.property, f.reason) for f in response.failures]

    def diff(self, rule_id: str, olds: dict[str, Any], news: dict[str, Any], name: str = "r") -> DiffResponse:
        response = self._call(
            "Diff",
            provider_pb2.DiffRequest(id=rule_id, urn=self.urn(name), olds=_struct(olds), news=_struct(news)),
        )
        changes = {
            provider_pb2.DiffResponse.DIFF_SOME: True,
            provider_pb2.DiffResponse.DIFF_NONE: False,
        }.get(response.changes)
        return DiffResponse(changes, tuple(response.replaces), bool(response.deleteBeforeReplace))

    def create(self, inputs: dict[str, Any], name: str = "r") -> tuple[str, dict[str, Any]]:
        response = self._call("Create", provider_pb2.CreateRequest(urn=self.urn(name), properties=_struct(inputs)))
        return response.id, _plain(response.properties)

    def read(
        self, rule_id: str, outputs: dict[str, Any], inputs: dict[str, Any] | None = None, name: str = "r"
    ) -> tuple[str, dict[str, Any]]:
        """A refresh: an empty id back means the resource is gone."""
        response = self._call(
            "Read",
            provider_pb2.ReadRequest(
                id=rule_id, urn=self.urn(name), properties=_struct(outputs), inputs=_struct(inputs or outputs)
            ),
        )
        return response.id, _plain(response.properties)

    def update(self, rule_id: str, olds: dict[str, Any], news: dict[str, Any], name: str = "r") -> dict[str, Any]:
        response = self._call(
            "Update",
            provider_pb2.UpdateRequest(id=rule_id, urn=self.urn(name), olds=_struct(olds), news=_struct(news)),
        )
        return _plain(response.properties)

    def delete(self, rule_id: str, outputs: dict[str, Any], name: str = "r") -> None:
        self._call("Delete", provider_pb2.DeleteRequest(id=rule_id, urn=self.urn(name), properties=_struct(outputs)))


class InProcessProvider:
    """The same calls as ProviderHost, made on a provider object in this process — for tests
    that run both ways (what passes here and fails in the host is a host-only bug)."""

    def __init__(self, provider: ResourceProvider) -> None:
        self._provider = provider

    def check(
        self, provider: ResourceProvider | str, olds: dict[str, Any], news: dict[str, Any], name: str = "r"
    ) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        result = self._provider.check(olds, dict(news))
        return dict(result.inputs), [(f.property, f.reason) for f in result.failures or []]

    def diff(self, rule_id: str, olds: dict[str, Any], news: dict[str, Any], name: str = "r") -> DiffResponse:
        result = self._provider.diff(rule_id, olds, news)
        return DiffResponse(result.changes, tuple(result.replaces or ()), bool(result.delete_before_replace))

    def create(self, inputs: dict[str, Any], name: str = "r") -> tuple[str, dict[str, Any]]:
        result = self._provider.create(dict(inputs))
        return str(result.id), dict(result.outs or {})

    def read(
        self, rule_id: str, outputs: dict[str, Any], inputs: dict[str, Any] | None = None, name: str = "r"
    ) -> tuple[str, dict[str, Any]]:
        result = self._provider.read(rule_id, dict(outputs))
        return result.id or "", dict(result.outs or {})

    def update(self, rule_id: str, olds: dict[str, Any], news: dict[str, Any], name: str = "r") -> dict[str, Any]:
        return dict(self._provider.update(rule_id, olds, news).outs or {})

    def delete(self, rule_id: str, outputs: dict[str, Any], name: str = "r") -> None:
        self._provider.delete(rule_id, dict(outputs))

    def close(self) -> None:
        pass
