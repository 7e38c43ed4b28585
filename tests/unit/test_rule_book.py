"""The cluster's rule book: one rule per (group, port, protocol, source), with logical names
that depend only on what the rule is — never on which Service asked first."""

import pulumi
import pytest

from podlb_component.cluster.rule_book import RuleBook, choose_sources
from podlb_component.cluster.rule_budget import RuleBudget
from podlb_component.errors import PodLbError
from podlb_component.rules.value import OPEN_TO_WORLD


def planner(groups=("g-a",), vpc_cidr="10.0.0.0/8", limit=None):
    return RuleBook(list(groups), vpc_cidr, RuleBudget(limit))


def keys(specs):
    return [s.key for s in specs]


def test_one_rule_per_group_port_protocol_source():
    rules = planner(["g-a", "esg-b"]).rules_for(
        "web", [(8080, "TCP"), (8443, "TCP"), (5353, "UDP")], ["10.0.0.0/8", "192.168.1.0/24"]
    )
    assert len(rules) == 2 * 3 * 2
    assert {tuple(r.inputs.values()) for r in rules} == {
        (g, p, str(port), s)
        for g in ("g-a", "esg-b")
        for port, p in ((8080, "tcp"), (8443, "tcp"), (5353, "udp"))
        for s in ("10.0.0.0/8", "192.168.1.0/24")
    }
    assert len(set(keys(rules))) == len(rules)


def test_two_service_ports_on_one_target_port_need_one_rule():
    assert keys(planner().rules_for("web", [(8080, "TCP"), (8080, "TCP")], [OPEN_TO_WORLD])) == ["g-a-tcp-8080-any"]


def test_keys_do_not_depend_on_port_order():
    assert keys(planner().rules_for("a", [(1, "TCP"), (2, "UDP")], ["10.0.0.0/8"])) == keys(
        planner().rules_for("b", [(2, "UDP"), (1, "TCP")], ["10.0.0.0/8"])
    )


def test_duplicate_groups_collapse():
    assert len(planner(["g-a", "g-a"]).rules_for("web", [(80, "TCP")], ["10.0.0.0/8"])) == 1


def test_output_group_is_named_by_its_place_in_the_cluster_list():
    group = pulumi.Output.from_input("g-x")
    (rule,) = planner(["g-a", group]).rules_for("web", [(80, "TCP")], ["10.0.0.0/8"])[1:]
    assert rule.key == "sg1-tcp-80-10-0-0-0-8" and rule.inputs["security_group_id"] is group


def test_cluster_vpc_cidr_output_is_vpc_for_every_service():
    vpc = pulumi.Output.from_input("10.0.0.0/16")
    p = planner(vpc_cidr=vpc)
    assert (
        keys(p.rules_for("web", [(80, "TCP")], [vpc]))
        == keys(p.rules_for("api", [(80, "TCP")], [vpc]))
        == ["g-a-tcp-80-vpc"]
    )


@pytest.mark.parametrize("order", [("web", "api"), ("api", "web")])
def test_output_source_names_do_not_depend_on_declaration_order(order):
    """The old numbering ("src0", "src1" by first use) renamed rules when a Service was added
    ahead of another; names now come from the Service and its own list."""
    p = planner()
    named = {svc: keys(p.rules_for(svc, [(80, "TCP")], [pulumi.Output.from_input("203.0.113.0/24")])) for svc in order}
    assert named == {"web": ["g-a-tcp-80-web-src0"], "api": ["g-a-tcp-80-api-src0"]}


def test_plain_sources_are_shared_between_services():
    p = planner()
    assert keys(p.rules_for("web", [(80, "TCP")], ["203.0.113.0/24"])) == keys(
        p.rules_for("api", [(80, "TCP")], ["203.0.113.0/24"])
    )
    assert p.budget.totals() == {"g-a": 1}  # counted once


def test_quota_is_checked_before_anything_is_returned():
    p = planner(limit=2)
    p.rules_for("web", [(80, "TCP"), (81, "TCP")], ["10.0.0.0/8"])
    with pytest.raises(PodLbError) as err:
        p.rules_for("api", [(82, "TCP")], ["10.0.0.0/8"])
    assert "over its quota of 2" in str(err.value)


def test_sources_explicit_ranges_win():
    choice = choose_sources("web", ["1.2.3.0/24"], internal=True, vpc_cidr="10.0.0.0/8")
    assert choice.sources == ["1.2.3.0/24"] and choice.warning is None


def test_sources_internal_uses_vpc_cidr():
    assert choose_sources("web", None, internal=True, vpc_cidr="10.0.0.0/8").sources == ["10.0.0.0/8"]


def test_sources_internal_without_vpc_cidr_is_an_error():
    with pytest.raises(PodLbError) as err:
        choose_sources("web", None, internal=True, vpc_cidr=None)
    assert "vpc_cidr" in err.value.fix


def test_sources_public_default_warns():
    choice = choose_sources("web", None, internal=False, vpc_cidr="10.0.0.0/8")
    assert choice.sources == [OPEN_TO_WORLD]
    assert choice.warning and "load_balancer_source_ranges" in choice.warning
