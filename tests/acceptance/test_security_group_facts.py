"""One test per security-group fact of docs/bce-facts.md (the marker names its row). Each makes
the raw call and compares Baidu's answer with the fake's (the expected values), then runs
podlb's own client (bce/security_groups.py, as the plugin does) on the same situation, so a
contradiction shows both what Baidu said and what podlb made of it. Every rule lives in this
run's own groups; each test uses ports of its own."""

from __future__ import annotations

import uuid

import pytest

from podlb_component.bce.clients import BceApiError
from podlb_component.bce.security_groups import SecurityGroupApi
from podlb_component.rules.ownership import owner_remark
from podlb_component.rules.value import Rule

from .raw import Answer, call
from .target import RUN_PREFIX, Target, attr, bcc_rule, create_groups, delete_groups, esg_rule, leftovers, sweep

SOURCE = "203.0.113.0/24"


@pytest.fixture
def podlb(target: Target) -> SecurityGroupApi:
    return SecurityGroupApi(target.settings)


def fields(group: str, port: int, source: str = SOURCE) -> Rule:
    return Rule(
        security_group_id=group, direction="ingress", protocol="tcp", port_range=str(port), source_ip=source,
        ethertype="IPv4",
    )  # fmt: skip


def remark(target: Target, what: str) -> str:
    """A remark podlb would write (its owner token), unique to this run and test."""
    return owner_remark("podlb-acceptance", target.run_id, f"{what}-{uuid.uuid4().hex[:6]}")


def bcc_rules(target: Target, group: str) -> list[dict[str, object]]:
    answer = call(lambda: target.bcc.get_security_group_detail(group))
    assert answer.status == 200, f"GET /v2/securityGroup/{group}: {answer}"
    return list(answer.body.get("rules") or [])


def esg_rules(target: Target, group: str) -> list[dict[str, object]]:
    answer = call(lambda: target.esg.list_enterprise_security_groups(max_keys=1000))
    assert answer.status == 200, f"GET /v1/enterprise/security: {answer}"
    listed = [g for g in answer.body.get("enterpriseSecurityGroups") or [] if g.get("id") == group]
    assert listed, f"{group} is not in the listing ({answer.body.get('isTruncated') and 'truncated'})"
    return list(listed[0].get("rules") or [])


def on_port(rules: list[dict[str, object]], port: int) -> list[dict[str, object]]:
    return [r for r in rules if str(r.get("portRange")) == str(port)]


def authorize_bcc(target: Target, group: str, note: str, port: int, source: str = SOURCE) -> Answer:
    return call(lambda: target.bcc.authorize_security_group_rule(group, bcc_rule(note, port, source)))


def authorize_esg(target: Target, group: str, note: str, port: int) -> Answer:
    return call(lambda: target.esg.authorize_enterprise_security_group_rule(group, [esg_rule(note, port)]))


# -- normal groups (g-…) -----------------------------------------------------------------


@pytest.mark.fact("bcc-authorize-lists-id")
def test_bcc_authorize_lists_id(target: Target, groups: tuple[str, str], podlb: SecurityGroupApi) -> None:
    group = groups[0]
    answer = authorize_bcc(target, group, remark(target, "raw"), 7001)
    assert answer.status == 200, f"authorize: Baidu answered {answer}"
    (listed,) = on_port(bcc_rules(target, group), 7001)
    assert listed.get("securityGroupRuleId"), f"the listed rule has no securityGroupRuleId: {listed}"
    made = podlb.create_rule(fields(group, 7002), remark(target, "podlb"))
    assert [r.get("securityGroupRuleId") for r in on_port(bcc_rules(target, group), 7002)] == [made]


@pytest.mark.fact("bcc-duplicate-same-remark")
def test_bcc_duplicate_same_remark(target: Target, groups: tuple[str, str], podlb: SecurityGroupApi) -> None:
    group, note = groups[0], remark(target, "dup")
    assert authorize_bcc(target, group, note, 7011).status == 200
    again = authorize_bcc(target, group, note, 7011)
    assert again.status == 409, f"an exact duplicate: Baidu answered {again} (the fake: HTTP 409)"
    # podlb: a create whose first answer was lost finds its own rule on the 409 and adopts it
    own = remark(target, "podlb")
    first = podlb.create_rule(fields(group, 7012), own)
    assert podlb.create_rule(fields(group, 7012), own) == first


@pytest.mark.fact("bcc-duplicate-other-remark")
def test_bcc_duplicate_other_remark(target: Target, groups: tuple[str, str], podlb: SecurityGroupApi) -> None:
    group = groups[0]
    assert authorize_bcc(target, group, remark(target, "one"), 7021).status == 200
    other = authorize_bcc(target, group, remark(target, "two"), 7021)
    assert other.status == 200, f"the same rule, another remark: Baidu answered {other} (the fake: a 2nd rule)"
    assert len(on_port(bcc_rules(target, group), 7021)) == 2
    # podlb: a rule someone else holds for the same port doesn't stop podlb making its own
    made = podlb.create_rule(fields(group, 7021), remark(target, "podlb"))
    assert made in {r.get("securityGroupRuleId") for r in on_port(bcc_rules(target, group), 7021)}


@pytest.mark.fact("bcc-revoke-missing")
def test_bcc_revoke_missing(target: Target, groups: tuple[str, str], podlb: SecurityGroupApi) -> None:
    group, note = groups[0], remark(target, "never")
    answer = call(lambda: target.bcc.revoke_security_group_rule(group, bcc_rule(note, 7031)))
    assert answer.status == 404, f"revoking a rule never made: Baidu answered {answer} (the fake: HTTP 404)"
    podlb.delete_rule(fields(group, 7031), note, "")  # podlb: already gone is done, no error


@pytest.mark.fact("bcc-delete-missing-id")
def test_bcc_delete_missing_id(target: Target, groups: tuple[str, str], podlb: SecurityGroupApi) -> None:
    group, note = groups[0], remark(target, "gone")
    made = podlb.create_rule(fields(group, 7041), note)
    assert call(lambda: target.bcc.delete_security_group_rule(made)).status == 200
    again = call(lambda: target.bcc.delete_security_group_rule(made))
    assert again.status == 404, f"deleting a rule already deleted: Baidu answered {again} (the fake: HTTP 404)"
    podlb.delete_rule(fields(group, 7041), note, made)  # podlb: already gone is done, no error


@pytest.mark.fact("bcc-remark-update-keeps-id")
def test_bcc_remark_update_keeps_id(target: Target, groups: tuple[str, str], podlb: SecurityGroupApi) -> None:
    group, note = groups[0], remark(target, "before")
    made = podlb.create_rule(fields(group, 7051), note)
    renamed = remark(target, "after")
    answer = call(lambda: target.bcc.update_security_group_rule(made, remark=renamed))
    assert answer.status == 200, f"update remark: Baidu answered {answer}"
    (listed,) = on_port(bcc_rules(target, group), 7051)
    assert (listed.get("securityGroupRuleId"), listed.get("remark")) == (made, renamed), listed
    podlb.update_rule(group, made, renamed, {"remark": note})  # and podlb's own update, back
    (listed,) = on_port(bcc_rules(target, group), 7051)
    assert (listed.get("securityGroupRuleId"), listed.get("remark")) == (made, note), listed


@pytest.mark.fact("bcc-rewrites-values")
def test_bcc_rewrites_values(target: Target, groups: tuple[str, str], podlb: SecurityGroupApi) -> None:
    group, note = groups[0], remark(target, "host")
    assert authorize_bcc(target, group, note, 7061, "198.51.100.7/32").status == 200
    (listed,) = on_port(bcc_rules(target, group), 7061)
    assert listed.get("sourceIp") == "198.51.100.7", f"a /32 source came back as {listed.get('sourceIp')!r}"
    # podlb finds its rule in either spelling
    assert podlb.own_rule(fields(group, 7061, "198.51.100.7/32"), note, bcc_rules(target, group)) is not None


# -- enterprise groups (esg-…) -----------------------------------------------------------


@pytest.mark.fact("esg-authorize-lists-id")
def test_esg_authorize_lists_id(target: Target, groups: tuple[str, str], podlb: SecurityGroupApi) -> None:
    group = groups[1]
    answer = authorize_esg(target, group, remark(target, "raw"), 7101)
    assert answer.status == 200, f"authorize: Baidu answered {answer}"
    (listed,) = on_port(esg_rules(target, group), 7101)
    assert listed.get("enterpriseSecurityGroupRuleId"), f"no enterpriseSecurityGroupRuleId: {listed}"
    assert (listed.get("action"), int(str(listed.get("priority")))) == ("allow", 1000), listed
    made = podlb.create_rule(fields(group, 7102), remark(target, "podlb"))
    assert [r.get("enterpriseSecurityGroupRuleId") for r in on_port(esg_rules(target, group), 7102)] == [made]


@pytest.mark.fact("esg-duplicate-semantics")
def test_esg_duplicate_semantics(target: Target, groups: tuple[str, str], podlb: SecurityGroupApi) -> None:
    group = groups[1]
    assert authorize_esg(target, group, remark(target, "one"), 7111).status == 200
    other = authorize_esg(target, group, remark(target, "two"), 7111)
    assert other.status == 409, f"the same rule, another remark: Baidu answered {other} (the fake: HTTP 409)"
    # podlb never adopts a rule another remark holds: it says whose it is instead
    with pytest.raises(BceApiError, match="did not create"):
        podlb.create_rule(fields(group, 7111), remark(target, "podlb"))


@pytest.mark.fact("esg-delete-missing-id")
def test_esg_delete_missing_id(target: Target, groups: tuple[str, str], podlb: SecurityGroupApi) -> None:
    group, note = groups[1], remark(target, "gone")
    made = podlb.create_rule(fields(group, 7121), note)
    assert call(lambda: target.esg.delete_enterprise_security_group_rule(made)).status == 200
    again = call(lambda: target.esg.delete_enterprise_security_group_rule(made))
    assert again.status == 404, f"deleting a rule already deleted: Baidu answered {again} (the fake: HTTP 404)"
    podlb.delete_rule(fields(group, 7121), note, made)


# -- the groups themselves ---------------------------------------------------------------


@pytest.mark.fact("groups-create-delete")
def test_groups_create_list_delete(target: Target) -> None:
    normal, enterprise = create_groups(target)
    try:
        listed = dict(leftovers(target))
        assert listed.get(normal) == target.group_name and listed.get(enterprise) == target.group_name, listed
    finally:
        delete_groups(target, normal, enterprise)
    assert normal not in dict(leftovers(target)) and enterprise not in dict(leftovers(target))
    for group, delete in ((normal, target.bcc.delete_security_group),
                          (enterprise, target.esg.delete_enterprise_security_group)):  # fmt: skip
        again = call(lambda g=group, d=delete: d(g))  # type: ignore[misc]
        assert again.status == 404, f"deleting {group} again: Baidu answered {again} (the fake: HTTP 404)"


@pytest.mark.fact("list-paging")
def test_list_paging(target: Target, groups: tuple[str, str], podlb: SecurityGroupApi) -> None:
    extra = create_groups(target)  # a second group of each kind: a listing of one per page pages
    try:
        for what, list_page, key, mine in (
            ("GET /v2/securityGroup", lambda m: target.bcc.list_security_groups(vpc_id=target.vpc_id, marker=m,
             max_keys=1), "securityGroups", {groups[0], extra[0]}),
            ("GET /v1/enterprise/security", lambda m: target.esg.list_enterprise_security_groups(marker=m, max_keys=1),
             "enterpriseSecurityGroups", {groups[1], extra[1]}),
        ):  # fmt: skip
            seen: list[str] = []
            marker: str | None = None
            first = True
            while not mine <= set(seen):
                answer = call(lambda: list_page(marker))  # noqa: B023 (called at once)
                assert answer.status == 200, f"{what}?maxKeys=1: Baidu answered {answer}"
                items = answer.body.get(key) or []
                assert len(items) <= 1, f"{what}?maxKeys=1 listed {len(items)} groups"
                seen += [str(item.get("id")) for item in items]
                if first:  # more than one group exists
                    assert answer.body.get("isTruncated") is True, f"{what}?maxKeys=1, first page: {answer}"
                    first = False
                if not answer.body.get("isTruncated"):
                    break
                marker = answer.body.get("nextMarker")
                assert marker, f"{what}: a truncated page without nextMarker: {answer} (the fake: the next id)"
            assert mine <= set(seen) and len(seen) == len(set(seen)), f"{what}, page by page: {seen}"
        # podlb: an enterprise group's rules are found on whatever page it is listed
        podlb.list_page_size = 1
        assert podlb.group_rules(extra[1]) == [] and podlb.group_rules("esg-accmissing") is None
    finally:
        delete_groups(target, *extra)


def test_sweep_removes_the_leftovers_of_runs_and_nothing_else(target: Target) -> None:
    """Against the sandbox only: against a real account another run's groups would be swept too."""
    if target.real:
        pytest.skip("sweeping a real account is `python -m tests.acceptance --sweep`, not a test")
    leftover = attr(target.bcc.create_security_group(RUN_PREFIX + "interrupted", [], vpc_id=target.vpc_id),
                    "security_group_id")  # fmt: skip
    foreign = attr(target.bcc.create_security_group("someone-elses", [], vpc_id=target.vpc_id), "security_group_id")
    enterprise_leftover = attr(target.esg.create_enterprise_security_group(RUN_PREFIX + "x", rules=[]),
                               "enterprise_security_group_id")  # fmt: skip
    swept = {group for group, _ in sweep(target, keep_this_run=True)}
    assert {leftover, enterprise_leftover} <= swept and foreign not in swept
    names = {attr(g, "id") for g in attr(target.bcc.list_security_groups(vpc_id=target.vpc_id), "security_groups")}
    assert foreign in names and leftover not in names
    delete_groups(target, str(foreign))
