"""Hypothesis drives random histories of edits — add, remove, reorder, change a port or a
source, refresh — each applied with `pulumi up` through the provider host against the fake BCE
(a normal and an enterprise group), and checks the invariants after every step; a final
destroy must leave no rule podlb made and every foreign rule as it was.

Services "c" and "d" pass their sources as Outputs (each its own CIDR: podlb can't share a rule
between unknown values, and an enterprise group refuses two rules for the same traffic)."""

from __future__ import annotations

from dataclasses import replace

import hypothesis.strategies as st
from helpers import Spec, Svc, audit, cloud_rules, foreign, rules_of, seed
from hypothesis import HealthCheck, settings
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from podlb_component.rules.ownership import owned_by_stack
from podlb_component.sandbox.fake_bce import FakeBce, FakeBceState
from podlb_component.testing.fixtures import ACCESS_KEY_ID, SECRET_ACCESS_KEY
from tests.support.lifecycle import Lifecycle

NAMES = ("a", "b", "c", "d", "e")
PORTS = (8080, 8443, 9090)
PLAIN_SOURCES = ((), ("203.0.113.0/24",), ("198.51.100.0/24", "192.0.2.0/24"))


def sources_for(name: str, choice: int) -> tuple[str, ...]:
    if name in ("c", "d"):  # Output sources: a CIDR of the Service's own
        return (f"100.{64 + choice}.{NAMES.index(name)}.0/24",)
    return PLAIN_SOURCES[choice % len(PLAIN_SOURCES)]


def make(name: str, port: int, choice: int, internal: bool) -> Svc:
    return Svc(
        name, ports=(port,), sources=sources_for(name, choice), output_sources=name in ("c", "d"), internal=internal
    )


class History(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.fake = FakeBce(FakeBceState(credentials={ACCESS_KEY_ID: SECRET_ACCESS_KEY})).start()
        seed(self.fake)
        self.fake.state.security_groups.authorize(
            "g-node",
            {
                "direction": "ingress",
                "protocol": "tcp",
                "portRange": "8080",
                "sourceIp": "203.0.113.0/24",
                "remark": "ops",
            },
        )
        self.foreign = foreign(self.fake)
        self.life = Lifecycle(self.fake)
        self.spec = Spec([])
        self.steps = 0

    def apply(self, spec: Spec) -> None:
        untouched = {s.name for s in spec.services if s in self.spec.services}
        before = {name: rules_of(self.life, name) for name in untouched} if self.life.last_run else {}
        self.life.up(spec.program())
        self.spec = spec
        self.steps += 1
        audit(self.life, spec, self.foreign)
        for name, rules in before.items():  # an untouched Service keeps its very rules
            assert rules_of(self.life, name) == rules, f"{name}'s rules changed"

    @initialize(
        names=st.lists(st.sampled_from(NAMES), min_size=2, max_size=4, unique=True),
        port=st.sampled_from(PORTS),
        choice=st.integers(0, 2),
    )
    def start(self, names: list[str], port: int, choice: int) -> None:
        self.apply(Spec([make(n, port, choice, internal=n == "e") for n in names]))

    @rule(
        name=st.sampled_from(NAMES),
        port=st.sampled_from(PORTS),
        choice=st.integers(0, 2),
        internal=st.booleans(),
        at=st.integers(0, 5),
    )
    def add(self, name: str, port: int, choice: int, internal: bool, at: int) -> None:
        if any(s.name == name for s in self.spec.services):
            return
        services = list(self.spec.services)
        services.insert(min(at, len(services)), make(name, port, choice, internal))
        self.apply(Spec(services))

    @precondition(lambda self: self.spec.services)
    @rule(index=st.integers(0, 4))
    def remove(self, index: int) -> None:
        services = list(self.spec.services)
        services.pop(index % len(services))
        self.apply(Spec(services))

    @precondition(lambda self: len(self.spec.services) > 1)
    @rule()
    def reorder(self) -> None:
        self.apply(Spec(list(reversed(self.spec.services))))

    @precondition(lambda self: self.spec.services)
    @rule(index=st.integers(0, 4), port=st.sampled_from(PORTS))
    def change_port(self, index: int, port: int) -> None:
        services = list(self.spec.services)
        i = index % len(services)
        services[i] = replace(services[i], ports=(port,))
        self.apply(Spec(services))

    @precondition(lambda self: self.spec.services)
    @rule(index=st.integers(0, 4), choice=st.integers(0, 2))
    def change_source(self, index: int, choice: int) -> None:
        services = list(self.spec.services)
        i = index % len(services)
        services[i] = replace(services[i], sources=sources_for(services[i].name, choice))
        self.apply(Spec(services))

    @precondition(lambda self: self.life.state)
    @rule()
    def refresh(self) -> None:
        log = self.life.refresh()
        assert not log.deleted and not log.updated  # nothing changed out of band

    @invariant()
    def no_shared_ids(self) -> None:
        ids = self.life.ids()
        assert len(ids) == len(set(ids))

    def teardown(self) -> None:
        try:
            self.life.destroy()
            left = [r for _, r in cloud_rules(self.fake) if owned_by_stack(r.get("remark") or "", "shop", "prod")]
            assert left == [] and self.life.state == {}
            assert foreign(self.fake) == self.foreign
        finally:
            self.fake.stop()


TestRandomHistories = History.TestCase
TestRandomHistories.settings = settings(
    max_examples=12,
    stateful_step_count=6,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
