"""The suite can tell: against a fake that answers otherwise than the facts table says (a
duplicate taken with 200 instead of 409, a rule's id under another key, an answer that doesn't
page), the fact's test fails, and its message carries the answer it got, as a real run's
"contradicted: …" verdict would. Always against a sandbox of its own, whatever the target."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from podlb_component.bce.security_groups import SecurityGroupApi
from podlb_component.sandbox.fake_bce import bcc_security_groups
from podlb_component.sandbox.fake_bce.bcc_security_groups import SecurityGroup, SecurityGroupBackend
from podlb_component.sandbox.fake_bce.routing import Request
from podlb_component.sandbox.fake_bce.rule_checks import new_id

from . import test_security_group_facts as facts
from .target import Target, create_groups, sandbox_target


@pytest.fixture
def sandbox() -> Iterator[tuple[Target, tuple[str, str], SecurityGroupApi]]:
    target = sandbox_target()
    try:
        yield target, create_groups(target), SecurityGroupApi(target.settings)
    finally:
        target.stop()


def test_a_fake_that_takes_a_duplicate_fails_its_fact(
    sandbox: tuple[Target, tuple[str, str], SecurityGroupApi], monkeypatch: pytest.MonkeyPatch
) -> None:
    def add_without_checking(self: SecurityGroupBackend, group: SecurityGroup, rule: dict[str, str]) -> None:
        group.rules.append({**rule, "id": new_id("r-"), "createdTime": "2026-01-01T00:00:00Z"})

    facts.test_bcc_duplicate_same_remark(*sandbox)  # the fake as it is passes
    monkeypatch.setattr(SecurityGroupBackend, "_add_rule", add_without_checking)
    with pytest.raises(AssertionError, match=r"an exact duplicate: Baidu answered HTTP 200 .*\(the fake: HTTP 409\)"):
        facts.test_bcc_duplicate_same_remark(*sandbox)


def test_a_fake_that_spells_the_rule_id_otherwise_fails_its_fact(
    sandbox: tuple[Target, tuple[str, str], SecurityGroupApi],
) -> None:
    target, _, podlb = sandbox
    assert target.fake is not None
    facts.test_bcc_authorize_lists_id(*sandbox)
    target.fake.state.security_groups.rule_id_key = "id"  # the other spelling of bcc_security_groups.RULE_ID_KEYS
    assert "id" in bcc_security_groups.RULE_ID_KEYS
    with pytest.raises(AssertionError, match=r"the listed rule has no securityGroupRuleId: \{.*'id': 'r-"):
        facts.test_bcc_authorize_lists_id(target, create_groups(target), podlb)  # groups without its rules


def test_a_fake_that_does_not_page_fails_its_fact(
    sandbox: tuple[Target, tuple[str, str], SecurityGroupApi], monkeypatch: pytest.MonkeyPatch
) -> None:
    def one_page(items: list[Any], request: Request, key: str, default_max: int = 1000) -> dict[str, Any]:
        """Everything at once, whatever maxKeys asked for."""
        return {key: items, "marker": "", "isTruncated": False, "maxKeys": request.int_query("maxKeys", default_max)}

    facts.test_list_paging(*sandbox)
    monkeypatch.setattr(bcc_security_groups, "page", one_page)
    with pytest.raises(AssertionError, match=r"GET /v2/securityGroup\?maxKeys=1 listed [2-9] groups"):
        facts.test_list_paging(*sandbox)
