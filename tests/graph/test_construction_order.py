"""The mock engine knows the order the program constructed its resources in (registrations reach
it from a thread pool, in an order that varies): `podlb plan` orders warnings by it."""

from __future__ import annotations

import pulumi

from podlb_component.testing.mock_engine import run_program


def test_construction_index_follows_the_program_not_the_rpcs() -> None:
    names = [f"r{i}" for i in (5, 3, 9, 1, 7, 2, 8, 0, 6, 4)]

    def program() -> list[str]:
        parent = pulumi.ComponentResource("test:index:Parent", "parent")
        for name in names:
            pulumi.CustomResource("test:index:Thing", name, {}, pulumi.ResourceOptions(parent=parent))
        return names

    run = run_program(program)
    assert run.value == names
    things = [r for r in run.mocks.registrations if r.type == "test:index:Thing"]
    assert len(things) == len(names)
    in_program_order = sorted(run.mocks.registrations, key=run.mocks.construction_index)
    assert [r.name for r in in_program_order] == ["parent", *names]
    # each resource has an index of its own (the transformation ran for every one of them)
    assert [run.mocks.construction_index(r) for r in in_program_order] == list(range(len(names) + 1))
