"""Ownership remarks and rule matching across the spellings the API may answer in."""

import pytest

from podlb_component.rule_model import (
    REMARK_MAX,
    RuleFields,
    is_enterprise_group,
    owned_by_stack,
    owner_remark,
    owns,
    remark_owner,
)


def test_remark_carries_a_token_for_one_resource():
    remark = owner_remark("shop", "prod", "prod-rule-g-a-tcp-80-any")
    assert remark.startswith("podlb:") and remark.endswith(" shop/prod prod-rule-g-a-tcp-80-any")
    assert remark_owner(remark) and remark_owner(remark) != remark_owner(owner_remark("shop", "prod", "other"))
    assert remark_owner(remark) != remark_owner(owner_remark("shop", "dev", "prod-rule-g-a-tcp-80-any"))


def test_long_remarks_are_cut_after_the_token():
    long = owner_remark("p" * 100, "s" * 100, "c" * 63)
    assert len(long) == REMARK_MAX and remark_owner(long) is not None
    assert remark_owner(long) != remark_owner(owner_remark("p" * 100, "s" * 100, "d" * 63))


@pytest.mark.parametrize(
    ("live", "expected"),
    [
        ("same", True),
        ("token", True),  # same token, other human text
        ("other-resource", False),
        ("hand", False),
        ("", False),
        ("legacy-same-stack", True),
        ("legacy-other-stack", False),
    ],
)
def test_owns(live, expected):
    ours = owner_remark("shop", "prod", "prod-rule-x")
    remarks = {
        "same": ours,
        "token": ours.split(" ")[0] + " renamed/stack whatever",
        "other-resource": owner_remark("shop", "prod", "prod-rule-y"),
        "hand": "ops: keep 8080 open",
        "": "",
        "legacy-same-stack": "podlb shop/prod cluster prod",
        "legacy-other-stack": "podlb shop/dev cluster prod",
    }
    assert owns(remarks[live], ours) is expected


def test_owned_by_stack_counts_both_formats():
    assert owned_by_stack(owner_remark("shop", "prod", "r"), "shop", "prod")
    assert owned_by_stack("podlb shop/prod cluster c", "shop", "prod")
    assert not owned_by_stack(owner_remark("shop", "dev", "r"), "shop", "prod")
    assert not owned_by_stack("ops", "shop", "prod")


FIELDS = RuleFields("g-a", "ingress", "tcp", "8080", "203.0.113.7/32", "IPv4")


@pytest.mark.parametrize(
    "listed",
    [
        {"direction": "ingress", "protocol": "tcp", "portRange": "8080", "sourceIp": "203.0.113.7/32"},
        {
            "direction": "ingress",
            "protocol": "tcp",
            "portRange": "8080",
            "sourceIp": "203.0.113.7",
            "ethertype": "IPv4",
        },
        {"direction": "ingress", "protocol": "tcp", "portRange": "8080-8080", "sourceIp": "203.0.113.7"},
    ],
)
def test_rewritten_spellings_match(listed):
    assert FIELDS.matches(listed)


@pytest.mark.parametrize(
    "listed",
    [
        {"direction": "egress", "protocol": "tcp", "portRange": "8080", "sourceIp": "203.0.113.7"},
        {"direction": "ingress", "protocol": "udp", "portRange": "8080", "sourceIp": "203.0.113.7"},
        {"direction": "ingress", "protocol": "tcp", "portRange": "8081", "sourceIp": "203.0.113.7"},
        {"direction": "ingress", "protocol": "tcp", "portRange": "8080", "sourceIp": "203.0.113.0/24"},
        {"direction": "ingress", "protocol": "", "portRange": "", "sourceIp": ""},
    ],
)
def test_other_rules_do_not_match(listed):
    assert not FIELDS.matches(listed)


def test_world_matches_all():
    world = RuleFields("g-a", "ingress", "tcp", "80", "0.0.0.0/0", "IPv4")
    assert world.matches({"direction": "ingress", "protocol": "tcp", "portRange": "80", "sourceIp": "all"})
    assert world.matches({"direction": "ingress", "protocol": "tcp", "portRange": "80", "sourceIp": ""})


def test_enterprise_groups():
    assert is_enterprise_group("esg-1") and not is_enterprise_group("g-1")


@pytest.mark.parametrize(
    ("cidr", "problem", "fix"),
    [
        ("203.0.113.5", "is an address, not a CIDR block", "'203.0.113.5/32'"),
        ("2001:db8::1", "is an address", "'2001:db8::1/128'"),
        ("203.0.113.5/24", "host bits set: the block it names is 203.0.113.0/24", "'203.0.113.0/24'"),
        ("10.0.0.0/33", "is not a CIDR block", "10.0.0.0/16"),
    ],
)
def test_cidrs_are_taken_only_in_network_form(cidr, problem, fix):
    from podlb_component.errors import PodLbError
    from podlb_component.rule_model import check_cidr

    with pytest.raises(PodLbError) as err:
        check_cidr("web", "load_balancer_source_ranges[0]", cidr)
    assert problem in err.value.problem and fix in err.value.fix
    assert check_cidr("web", "x", "203.0.113.5/32") == "203.0.113.5/32"
