"""A 50-Service `up` through the real `pulumi` CLI (issue 14 §3, parallelism) at the CLI's default
parallelism, and a 20-Service one with `--parallel 1` (the `up` only): every rule made once on both
groups, every Service given its BLB address, one write per rule, and a no-op second `up`. (Serial
steps cost about ten seconds a Service here; what `--parallel 1` checks is that nothing relies on
concurrent creates, which 20 show as well as 50, and 50 took 9 of CI's 60 minutes.)"""

from __future__ import annotations

from collections import Counter

import pytest

from podlb_component.sandbox import Sandbox

from . import checks
from .cli import REPO, PulumiCli
from .root_stack import RootStack
from .test_root_project import plan_of

SERVICES = {None: 50, "1": 20}
"""Services per `--parallel` value (None: the CLI's default)."""


@pytest.mark.parametrize("parallel", [None, "1"], ids=["default-parallelism", "parallel-1"])
def test_many_services_up(pulumi: PulumiCli, sandbox: Sandbox, parallel: str | None) -> None:
    services_wanted = SERVICES[parallel]
    stack = RootStack(
        cluster_id=f"cce-scale{parallel or 'd'}0001",
        groups=(f"g-scale{parallel or 'd'}a", f"g-scale{parallel or 'd'}b"),
        namespace=f"scale-{parallel or 'default'}",
    )
    stack.seed(sandbox)
    fake = sandbox.fake
    assert fake is not None
    project = pulumi.project(REPO, config=stack.config(services_wanted))
    expected = checks.planned_rules(plan_of(project))
    assert len(expected) == 2 * services_wanted
    flags = ["--parallel", parallel] if parallel else []

    before = len(fake.calls)
    pulumi.run(project, "up", *flags, timeout=1200).ok()
    writes = Counter(c.route for c in fake.calls[before:] if c.mutating)
    assert writes == Counter({"bcc.authorizeRule": 2 * services_wanted}), writes
    reads = Counter(c.route for c in fake.calls[before:] if not c.mutating)
    print(f"BCE reads of a {services_wanted}-Service up (parallel {parallel or 'default'}): {dict(reads)}")
    if parallel is None:
        # creates the engine runs at once share the listing that tells them their rule ids
        # (28 measured here for 100 rules; one per rule without sharing)
        assert reads["bcc.getSecurityGroup"] < services_wanted, reads
    stack.assert_exactly_planned(sandbox, expected)
    services = checks.core(sandbox).list_namespaced_service(stack.namespace).items
    assert len(services) == services_wanted
    assert all(s.status.load_balancer.ingress for s in services)

    # serial steps cost minutes each here; the no-op check and destroy run at the default
    pulumi.run(project, "up", "--expect-no-changes").ok()
    pulumi.run(project, "destroy").ok()
    assert stack.rule_counts(sandbox) == Counter()
