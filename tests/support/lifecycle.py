"""Run a sequence of program versions the way `pulumi up`, `refresh` and `destroy` do, for a
program's podlb custom resources (security-group rules, the add-on), against a cloud API such as
the fake BCE — so a test can check what the cloud holds after every step of a real-looking history.

What it reproduces of the engine:
- each step evaluates the program under Pulumi's mock runtime as an update (not a preview) and
  starts a new podlb provider process for its provider calls (ProviderHost), configured from
  the stack's `podlb:*` config, as every `pulumi up` starts its own plugins;
- `Check` gets the previous inputs as olds; `Diff` gets the previous *outputs* as olds and the
  checked inputs as news; `Create` gets the checked inputs; `Update`, `Read` and `Delete` get the
  outputs recorded in the state; the state keeps the checked inputs and the outputs;
- the engine's order: creates, updates and the create half of create-before-delete replacements
  in registration order (dependencies register first), then every delete — replaced resources
  and removed ones — in reverse state order, so dependents go before what they depend on;
  `deleteBeforeReplace` when the provider asks for it;
- a failed step raises and keeps in the state what succeeded; replaced resources not yet deleted
  stay pending and are deleted first by the next step (the engine's `pendingDelete`).

What it does not: parallel steps (one call at a time), resources of other providers (the mock
runtime answers those), explicit podlb providers (one default provider per step), aliases,
`protect`, ignoreChanges, import, and the engine's
recovery of operations interrupted by a crash.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from podlb_component.preview_engine import ProgramRun, run_program
from podlb_component.sandbox.fake_bce import FakeBce
from podlb_component.testing.fixtures import ACCESS_KEY_ID, SECRET_ACCESS_KEY
from podlb_component.tokens import CUSTOM_TYPES
from tests.support.provider_host import ProviderHost


class LifecycleError(RuntimeError):
    pass


@dataclass
class StateEntry:
    name: str
    id: str
    inputs: dict[str, Any]
    outputs: dict[str, Any]
    type: str


@dataclass
class StepLog:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    calls: int = 0
    """API calls the step made (from the fake's call log)."""
    writes: int = 0
    run: ProgramRun | None = None


class Lifecycle:
    """The state of one stack across steps."""

    def __init__(
        self,
        fake: FakeBce,
        *,
        project: str = "shop",
        stack: str = "prod",
        config: dict[str, Any] | None = None,
    ) -> None:
        self.fake = fake
        self.project, self.stack = project, stack
        self.config = {
            "podlb:accessKeyId": ACCESS_KEY_ID,
            "podlb:secretAccessKey": SECRET_ACCESS_KEY,
            "podlb:endpoint": fake.endpoint,
            **(config or {}),
        }
        self.state: dict[str, StateEntry] = {}
        self.pending_deletes: list[StateEntry] = []
        self.last_run: ProgramRun | None = None
        """The program run of the last `up`: its registrations, dependencies and warnings."""

    def _host(self) -> ProviderHost:
        config = {k.split(":", 1)[1]: v for k, v in self.config.items() if k.startswith("podlb:")}
        # the fake answers fast: short timeouts and back-off, as the wire tests use
        fast = {"BCE_TIMEOUT_MS": "2000", "BCE_RETRY_BASE_MS": "10", "BCE_GATHER_MS": "0"}
        return ProviderHost(config=config, env=fast, stack=self.stack, project=self.project)

    def _log(self) -> tuple[StepLog, int, int]:
        return StepLog(), len(self.fake.calls), self.fake.count(mutating=True)

    def _close_log(self, log: StepLog, calls_before: int, writes_before: int) -> StepLog:
        log.calls = len(self.fake.calls) - calls_before
        log.writes = self.fake.count(mutating=True) - writes_before
        return log

    def up(self, program: Callable[[], Any]) -> StepLog:
        log, calls, writes = self._log()
        run = run_program(
            program,
            preview=False,
            config=self.config,
            secret_keys=["podlb:secretAccessKey"],
            project=self.project,
            stack=self.stack,
        )
        log.run = self.last_run = run
        desired = [r for r in run.mocks.registrations if r.type in CUSTOM_TYPES and not r.is_read]
        wanted = {r.name for r in desired}
        with self._host() as host:
            try:
                for reg in desired:
                    self._step(host, log, reg.name, reg.inputs, reg.type)
                removed = [e for name, e in self.state.items() if name not in wanted]
                self._delete_all(host, log, removed)
            finally:
                self._close_log(log, calls, writes)
        # the state lists resources in the program's order, as the engine's snapshot does
        order = {r.name: i for i, r in enumerate(desired)}
        self.state = dict(sorted(self.state.items(), key=lambda kv: order.get(kv[0], len(order))))
        return log

    def _delete_all(self, host: ProviderHost, log: StepLog, entries: list[StateEntry]) -> None:
        """Pending deletes and `entries`, dependents first (reverse state order)."""
        for entry in reversed(self.pending_deletes + entries):
            host.delete(entry.id, entry.outputs, entry.name, entry.type)
            if any(entry is pending for pending in self.pending_deletes):
                self.pending_deletes = [p for p in self.pending_deletes if p is not entry]
            else:
                del self.state[entry.name]
            log.deleted.append(entry.name)

    def _step(self, host: ProviderHost, log: StepLog, name: str, inputs: dict[str, Any], type_: str) -> None:
        old = self.state.get(name)
        news, failures = host.check(type_, old.inputs if old else {}, inputs, name)
        if failures:
            raise LifecycleError(f"{name}: Check failed: {failures}")
        if old is None:
            new_id, outs = host.create(news, name, type_)
            self.state[name] = StateEntry(name, new_id, news, outs, type_)
            log.created.append(name)
            return
        diff = host.diff(old.id, old.outputs, news, name, type_)
        if diff.replaces:
            if diff.delete_before_replace:
                host.delete(old.id, old.outputs, name, type_)
                del self.state[name]
            else:
                self.pending_deletes.append(old)
            new_id, outs = host.create(news, name, type_)
            self.state[name] = StateEntry(name, new_id, news, outs, type_)
            log.replaced.append(name)
        elif diff.changes:
            outs = host.update(old.id, old.outputs, news, name, type_)
            self.state[name] = StateEntry(name, old.id, news, outs, type_)
            log.updated.append(name)
        else:
            self.state[name] = StateEntry(name, old.id, news, old.outputs, type_)
            log.unchanged.append(name)

    def refresh(self) -> StepLog:
        log, calls, writes = self._log()
        with self._host() as host:
            try:
                for entry in list(self.state.values()):
                    new_id, outs = host.read(entry.id, entry.outputs, entry.inputs, entry.name, entry.type)
                    if not new_id:
                        del self.state[entry.name]
                        log.deleted.append(entry.name)
                    elif outs != entry.outputs:
                        entry.outputs = outs
                        log.updated.append(entry.name)
            finally:
                self._close_log(log, calls, writes)
        return log

    def destroy(self) -> StepLog:
        log, calls, writes = self._log()
        with self._host() as host:
            try:
                self._delete_all(host, log, list(self.state.values()))
            finally:
                self._close_log(log, calls, writes)
        return log

    def ids(self) -> list[str]:
        """Every cloud id the state holds (pending deletes included)."""
        return [e.id for e in [*self.state.values(), *self.pending_deletes]]
