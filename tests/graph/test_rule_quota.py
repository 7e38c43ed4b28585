"""A stack that would overflow a security group's rule quota fails at preview, with the count."""

from collections import Counter

import pytest
from stacks import CLUSTER_ARGS

from podlb_component import PodDirectCluster, PodDirectService, PodLbError
from podlb_component.testing.mock_engine import RecordingMocks, run_program


def service(i, ranges):
    return {
        "selector": {"app": f"s{i}"},
        "ports": [{"name": "http", "port": 80, "target_port": 8000 + i}],
        "load_balancer_source_ranges": ranges,
        "expected_backends": 2,
    }


def test_overflowing_service_is_refused_before_registration():
    ranges = [f"10.{n}.0.0/16" for n in range(10)]  # 10 rules per Service on one group
    holder: dict[str, RecordingMocks] = {}

    def program():
        from pulumi.runtime.settings import SETTINGS

        holder["mocks"] = SETTINGS.monitor.mocks
        cluster = PodDirectCluster("prod", CLUSTER_ARGS)
        for i in range(11):
            PodDirectService(f"s{i}", {"cluster": cluster, **service(i, ranges)})

    with pytest.raises(PodLbError) as err:
        run_program(program)
    assert err.value.resource == "s10"
    assert "group g-node1 would hold 110 ingress rules (0 already there + 100 for other Services" in err.value.problem
    names = {r.name for r in holder["mocks"].registrations}
    assert "s9" in names and not any(n == "s10" or n.startswith("s10-") for n in names)


def test_raised_quota_lets_it_through():
    def program():
        cluster = PodDirectCluster("prod", {**CLUSTER_ARGS, "security_group_rule_limit": 200})
        for i in range(11):
            PodDirectService(f"s{i}", {"cluster": cluster, **service(i, [f"10.{n}.0.0/16" for n in range(10)])})

    run = run_program(program)
    assert Counter(r.inputs["security_group_id"] for r in run.mocks.rules()) == {"g-node1": 110}
