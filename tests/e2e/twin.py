"""The checks the YAML, TypeScript and Go examples share: each is the same stack as its Python twin
(examples/vpc-route-ipvlan) and must do what the twin does, through the real CLI."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from podlb_component.cce_annotations import BACKEND_TYPE, LOAD_BALANCER_ID
from podlb_component.sandbox import Sandbox

from . import checks
from .cli import PulumiCli
from .test_examples import PROJECTS, seed_all
from .test_root_project import plan_of

GROUP = "g-nodes0001"
"""The twin's node security group (tests/e2e/test_examples.py seeds it)."""


def assert_lifecycle_like_the_twin(
    cli: PulumiCli,
    sandbox: Sandbox,
    project: Path,
    *,
    language: str,
    after_up: Callable[[], None] | None = None,
    converge: bool = True,
) -> None:
    """preview opens nothing; up opens every rule the twin's plan lists, each once, patches
    ip-masq and annotates the Service; refresh then up changes nothing (unless `converge` is
    False: tests of how the plugin gets to the engine, which the examples' own tests converge);
    destroy leaves no podlb rule and no Service; a foreign rule in the same group is never
    touched. `after_up` adds a language's own checks on the stack as `up` left it."""
    seed_all(sandbox)
    foreign_rule = {"protocol": "tcp", "portRange": "22", "sourceIp": "10.0.0.0/8", "remark": f"ops ({language})"}
    sandbox.fake.state.security_groups.authorize(  # type: ignore[union-attr]
        GROUP, {**foreign_rule, "direction": "ingress", "ethertype": "IPv4"}
    )
    foreign = [r for r in checks.group_rules(sandbox, GROUP) if r.get("remark") == foreign_rule["remark"]]
    assert len(foreign) == 1
    expected = checks.planned_rules(plan_of(cli.project(PROJECTS["vpc-route-ipvlan"])))
    assert expected, "the Python twin plans no rule"

    cli.run(project, "preview").ok()
    assert checks.podlb_rules(sandbox, [GROUP]) == set(), "preview opened a rule"

    cli.run(project, "up").ok()
    counts = checks.podlb_rule_counts(sandbox, [GROUP])
    assert set(counts) == expected and set(counts.values()) == {1}, counts
    checks.assert_ip_masq_patched(sandbox)
    live = checks.service(sandbox, "shop", "shop")
    assert live.metadata.annotations[BACKEND_TYPE] == "eni"
    outputs = cli.outputs(project)
    assert outputs["shop_blb_id"] == live.metadata.annotations[LOAD_BALANCER_ID]
    assert outputs["shop_address"] == live.status.load_balancer.ingress[0].ip
    if after_up is not None:
        after_up()

    if converge:
        cli.run(project, "refresh").ok()
        cli.run(project, "up", "--expect-no-changes").ok()

    cli.run(project, "destroy").ok()
    assert checks.podlb_rules(sandbox, [GROUP]) == set()
    assert not checks.service_exists(sandbox, "shop", "shop")
    assert [r for r in checks.group_rules(sandbox, GROUP) if r.get("remark") == foreign_rule["remark"]] == foreign


def refused_at_preview(cli: PulumiCli, project: Path) -> str:
    """The output of a `pulumi preview` that must fail on bad input: as a message, with no Python
    traceback."""
    failed = cli.run(project, "preview")
    assert failed.returncode != 0, failed.output[-3000:]
    assert "Traceback" not in failed.output and 'File "' not in failed.output, failed.output[-3000:]
    return failed.output
