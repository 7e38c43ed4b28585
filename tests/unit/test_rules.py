import pulumi
import pytest

from podlb_component.errors import PodLbError
from podlb_component.service.rules import (
    OPEN_TO_WORLD,
    REMARK_MAX,
    choose_sources,
    derive_rules,
    owner_remark,
)


def test_one_rule_per_group_port_protocol_source():
    rules = derive_rules(
        ["g-a", "esg-b"], [(8080, "TCP"), (8443, "TCP"), (5353, "UDP")], ["10.0.0.0/8", "192.168.1.0/24"], "r"
    )
    assert len(rules) == 2 * 3 * 2
    assert {(r.security_group_id, r.protocol, r.port, r.source_cidr) for r in rules} == {
        (g, p, port, s)
        for g in ("g-a", "esg-b")
        for port, p in ((8080, "tcp"), (8443, "tcp"), (5353, "udp"))
        for s in ("10.0.0.0/8", "192.168.1.0/24")
    }
    assert len({r.key for r in rules}) == len(rules)


def test_two_service_ports_on_one_target_port_need_one_rule():
    rules = derive_rules(["g-a"], [(8080, "TCP"), (8080, "TCP")], [OPEN_TO_WORLD], "r")
    assert len(rules) == 1 and rules[0].key == "g-a-tcp-8080-any"


def test_keys_are_stable_and_do_not_depend_on_order_of_ports():
    a = derive_rules(["g-a"], [(1, "TCP"), (2, "UDP")], ["10.0.0.0/8"], "r")
    b = derive_rules(["g-a"], [(2, "UDP"), (1, "TCP")], ["10.0.0.0/8"], "r")
    assert [r.key for r in a] == [r.key for r in b]


def test_duplicate_groups_collapse():
    assert len(derive_rules(["g-a", "g-a"], [(80, "TCP")], ["10.0.0.0/8"], "r")) == 1


def test_output_values_get_positional_keys():
    group = pulumi.Output.from_input("g-x")
    rules = derive_rules([group], [(80, "TCP")], ["10.0.0.0/8"], "r")
    assert rules[0].key == "sg0-tcp-80-10-0-0-0-8" and rules[0].security_group_id is group


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


def test_remark_names_owner_and_is_bounded():
    assert owner_remark("proj", "prod", "cluster") == "podlb proj/prod cluster cluster"
    long = owner_remark("p" * 100, "s" * 100, "c" * 63)
    assert len(long) == REMARK_MAX and long.startswith("podlb ppp")
    assert long != owner_remark("p" * 100, "s" * 100, "d" * 63)


def test_same_output_object_names_the_same_rule():
    from podlb_component.service.rules import ValueNames

    names = ValueNames()
    cidr, other = pulumi.Output.from_input("10.0.0.0/8"), pulumi.Output.from_input("10.0.0.0/8")
    a = derive_rules(["g-a"], [(80, "TCP")], [cidr], "r", names)
    b = derive_rules(["g-a"], [(80, "TCP")], [cidr], "r", names)
    c = derive_rules(["g-a"], [(80, "TCP")], [other], "r", names)
    assert a[0].key == b[0].key == "g-a-tcp-80-src0" and c[0].key == "g-a-tcp-80-src1"
