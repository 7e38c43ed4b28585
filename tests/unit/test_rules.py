"""Ownership remarks and rule matching across the spellings the API may answer in."""

import sys

import pytest

from podlb_component.rules.ownership import owned_by_stack, owner_remark, owns, remark_owner
from podlb_component.rules.value import REMARK_MAX, Rule, is_enterprise_group


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


RULE = Rule("g-a", "ingress", "tcp", "8080", "203.0.113.7/32", "IPv4")


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
    assert RULE.matches(listed)


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
    assert not RULE.matches(listed)


def test_world_matches_all():
    world = Rule("g-a", "ingress", "tcp", "80", "0.0.0.0/0", "IPv4")
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
    from podlb_component.rules.value import check_cidr

    with pytest.raises(PodLbError) as err:
        check_cidr("web", "load_balancer_source_ranges[0]", cidr)
    assert problem in err.value.problem and fix in err.value.fix
    assert check_cidr("web", "x", "203.0.113.5/32") == "203.0.113.5/32"


# -- the field table: what is derived from it ---------------------------------------------------
def test_the_provider_s_field_lists_are_those_it_had_before_the_table():
    from podlb_component.rules import value

    assert value.INPUTS == ("security_group_id", "protocol", "port_range", "source_ip", "remark")
    assert value.OUTPUTS == (*value.INPUTS, "ethertype", "direction", "rule_id")
    assert value.IDENTITY_FIELDS == (
        "security_group_id",
        "protocol",
        "port_range",
        "source_ip",
        "ethertype",
        "direction",
    )
    assert value.PLAN_COLUMNS == (("group", "GROUP"), ("protocol", "PROTOCOL"), ("port", "PORT"), ("source", "SOURCE"))


def test_the_bce_body_of_a_normal_and_an_enterprise_rule():
    normal = Rule("g-a", "ingress", "tcp", "8080", "203.0.113.7/32", "IPv4")
    assert normal.body("podlb:abc") == {
        "protocol": "tcp",
        "portRange": "8080",
        "sourceIp": "203.0.113.7/32",
        "ethertype": "IPv4",
        "direction": "ingress",
        "remark": "podlb:abc",
    }
    assert Rule("esg-a", "ingress", "udp", "53", "10.0.0.0/8", "IPv4").body("r") == {
        "protocol": "udp",
        "portRange": "53",
        "sourceIp": "10.0.0.0/8",
        "ethertype": "IPv4",
        "direction": "ingress",
        "remark": "r",
        "action": "allow",
        "priority": 1000,
    }


def test_the_check_derives_ethertype_and_direction_and_names_each_refused_field():
    from podlb_component.rules.value import checked_inputs

    inputs, refused = checked_inputs(
        {"security_group_id": "g-a", "protocol": "tcp", "port_range": "80", "source_ip": "2001:db8::/32"}
    )
    assert refused == [] and inputs["ethertype"] == "IPv6" and inputs["direction"] == "ingress"
    assert inputs["remark"] == ""  # the in-place field's default
    inputs, refused = checked_inputs(
        {"security_group_id": "x", "protocol": "icmp", "port_range": "9-1", "source_ip": "1.2.3.4"}
    )
    assert [field for field, _ in refused] == ["security_group_id", "protocol", "port_range", "source_ip"]
    assert "ethertype" not in inputs  # not derived from a refused source


def _load_edited_value_module(old: str, new: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """rules/value.py with `old` replaced by `new`, loaded as a module of the package."""
    import types
    from pathlib import Path

    from podlb_component.rules import value

    source = Path(value.__file__).read_text(encoding="utf-8")
    assert old in source
    module = types.ModuleType("podlb_component.rules._edited_value")
    module.__package__ = "podlb_component.rules"
    monkeypatch.setitem(sys.modules, module.__name__, module)  # dataclasses look their module up there
    exec(compile(source.replace(old, new, 1), "value.py (edited)", "exec"), module.__dict__)


@pytest.mark.parametrize(
    ("old", "new", "said"),
    [  # a field declared in the Args, the outputs or the Rule value and not in the table
        ("    remark: pulumi.Input[str]\n", "    remark: pulumi.Input[str]\n    weight: pulumi.Input[int]\n",
         r"SecurityGroupRuleArgs declares .*'weight'.* but FIELDS says"),
        ("    remark: pulumi.Output[str]\n", "", r"RuleOutputs declares .* but FIELDS says .*'remark'"),
        ("    ethertype: str\n", "    ethertype: str\n    weight: int = 0\n", r"Rule declares .*'weight'"),
        # a row without what its role needs
        ("        derive=_ethertype_of,\n", "", r"the derived field 'ethertype' has no derive"),
        ("        canonical=canonical_port_range,\n", "", r"the identity field 'port_range' has no canonical"),
        ('        update_keyword="remark",\n', "", r"the in_place field 'remark' has no update_keyword"),
    ],
)  # fmt: skip
def test_a_declaration_or_row_that_disagrees_with_the_table_stops_the_module_loading(old, new, said, monkeypatch):
    with pytest.raises(TypeError, match=said):
        _load_edited_value_module(old, new, monkeypatch)


def test_the_module_as_shipped_loads(monkeypatch):
    _load_edited_value_module("OPEN_TO_WORLD", "OPEN_TO_WORLD", monkeypatch)


def test_a_refresh_keeps_our_spelling_and_takes_a_real_change():
    from podlb_component.rules.value import refreshed

    ours = {"security_group_id": "g-a", "protocol": "tcp", "port_range": "8080", "source_ip": "203.0.113.7/32",
            "remark": "r", "ethertype": "IPv4", "direction": "ingress"}  # fmt: skip
    same = {"protocol": "tcp", "portRange": "8080-8080", "sourceIp": "203.0.113.7", "remark": "r2"}
    assert refreshed(ours, same) == {**ours, "remark": "r2"}
    edited = {"protocol": "tcp", "portRange": "9090", "sourceIp": "203.0.113.7", "remark": "r"}
    assert refreshed(ours, edited) == {**ours, "port_range": "9090", "source_ip": "203.0.113.7"}
    # edited to another protocol, with fields the listing leaves out: ours kept, derived ones untouched
    udp = {"protocol": "udp", "ethertype": "IPv6", "direction": "egress"}
    assert refreshed(ours, udp) == {**ours, "protocol": "udp", "remark": ""}


def test_in_place_changes_are_the_in_place_fields_that_changed_keyed_for_bce():
    from podlb_component.rules.value import in_place_changes

    olds = {"security_group_id": "g-a", "remark": "podlb:1 a/b r"}
    assert in_place_changes(olds, {**olds, "remark": "podlb:1 a/b s"}) == {"remark": "podlb:1 a/b s"}
    assert in_place_changes(olds, {**olds, "port_range": "81"}) == {}  # identity: a replace, not an update
    assert in_place_changes({"remark": None}, {"remark": ""}) == {}  # unset reads as the default


def test_letting_in_keeps_the_rules_that_open_the_port():
    from podlb_component.rules.value import letting_in

    opening = {"protocol": "tcp", "portRange": "8000-9000", "sourceIp": "10.0.0.0/8"}
    others = [{**opening, "portRange": "80"}, {**opening, "direction": "egress"}, {**opening, "action": "deny"}]
    assert letting_in([*others, opening], 8080, "TCP") == [opening]
    assert letting_in(others, 8080, "tcp") == []


def test_plan_s_rules_table_has_the_table_s_columns_and_shows_a_missing_field_as_a_dash():
    import io

    from podlb_component.cli.plan_model import Plan
    from podlb_component.cli.render import render_text
    from podlb_component.rules.value import plan_row

    row = plan_row({"security_group_id": "g-a", "protocol": "tcp", "port_range": "80", "source_ip": None})
    assert list(row) == ["group", "protocol", "port", "source", "remark"] and row["remark"] == ""
    out = io.StringIO()
    render_text(Plan("p", "s", rules=[{**row, "used_by": ["default/web"]}]), out)
    lines = out.getvalue().splitlines()
    start = lines.index("Security-group rules: 1")
    header, line = (text.split() for text in lines[start + 1 : start + 3])
    assert header == ["GROUP", "PROTOCOL", "PORT", "SOURCE", "USED", "BY"]
    assert line == ["g-a", "tcp", "80", "-", "default/web"]
