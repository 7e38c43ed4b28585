"""What every custom resource of the podlb provider implements, as plain Python: the server
(server.py) turns gRPC requests into these calls, and the test harness makes the same calls in
its own process. Properties are plain JSON-like dicts (secrets unwrapped, unknowns absent or
`wire.UNKNOWN`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from .clients import ProviderClients

LEGACY_KEYS = ("__provider", "bce_credentials")
"""Keys only podlb 0.2.0's dynamic resources had in their state (the pickled provider, and the
credentials every resource carried): their presence in `olds` means the state is being migrated."""


@dataclass(frozen=True)
class CheckFailure:
    property: str
    reason: str


@dataclass(frozen=True)
class Checked:
    inputs: dict[str, Any]
    failures: list[CheckFailure] = field(default_factory=list)


@dataclass(frozen=True)
class Diff:
    changes: bool
    replaces: tuple[str, ...] = ()
    delete_before_replace: bool = False


@dataclass(frozen=True)
class Read:
    id: str
    """"" when the resource is gone (the engine then drops it from the state)."""
    outputs: dict[str, Any] = field(default_factory=dict)
    inputs: dict[str, Any] | None = None


class CustomResourceType(Protocol):
    """One resource type the provider serves (one module each)."""

    token: str
    schema: dict[str, Any]
    """The type's entry in the package schema (`resources.<token>`), less `aliases` and maybe
    `inputProperties`: the schema generator (tests/support/schema_gen.py) adds those (inputs from
    the Args TypedDict's docstrings in resources.py) when it writes schema.json."""

    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> Checked: ...

    def diff(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> Diff: ...

    def create(self, clients: ProviderClients, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]: ...

    def read(self, clients: ProviderClients, id_: str, outputs: dict[str, Any], inputs: dict[str, Any]) -> Read: ...

    def update(
        self, clients: ProviderClients, id_: str, olds: dict[str, Any], news: dict[str, Any]
    ) -> dict[str, Any]: ...

    def delete(self, clients: ProviderClients, id_: str, outputs: dict[str, Any]) -> None: ...


def migrating(olds: Mapping[str, Any]) -> bool:
    """Is this the first diff of a resource whose state podlb 0.2.0 wrote?"""
    return any(key in olds for key in LEGACY_KEYS)
