"""`podlb doctor`'s reading of a listed rule is podlb's own (rules.value): the same rule that
podlb recognises as the one it made is one doctor counts as letting the target port in."""

from __future__ import annotations

import pytest

from podlb_component.cluster.network import SCOPES
from podlb_component.doctor.checks import rules
from podlb_component.rules.value import Rule


def listed(**fields: str) -> dict[str, str]:
    return {"protocol": "tcp", "portRange": "8080", "sourceIp": "0.0.0.0/0", "ethertype": "IPv4", **fields}


@pytest.mark.parametrize(
    ("rule", "covered"),
    [
        (listed(direction="ingress"), True),
        (listed(), True),  # listed without a direction: ingress, as rules.value reads it
        (listed(direction="egress"), False),
        (listed(direction="ingress", protocol="TCP"), True),
        (listed(direction="ingress", protocol="all", portRange=""), True),
        (listed(direction="ingress", portRange="8000-9000"), True),
        (listed(direction="ingress", portRange="80"), False),
        (listed(direction="ingress", action="deny"), False),
    ],
)
def test_doctor_counts_a_rule_as_podlb_reads_it(rule: dict[str, str], covered: bool) -> None:
    (check,) = rules([(8080, "tcp")], {"g-nodes": [rule]}, SCOPES["node"])
    assert (check.status == "pass") is covered, check


def test_the_rule_podlb_made_is_one_doctor_counts_whatever_direction_the_listing_omits() -> None:
    fields = Rule(
        security_group_id="g-nodes", direction="ingress", protocol="tcp", port_range="8080", source_ip="0.0.0.0/0",
        ethertype="IPv4",
    )  # fmt: skip
    for rule in (listed(direction="ingress"), listed()):
        assert fields.matches(rule)
        (check,) = rules([(8080, "tcp")], {"g-nodes": [rule]}, SCOPES["node"])
        assert check.status == "pass", check
