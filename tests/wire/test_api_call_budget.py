"""What `up`, a no-op `up` and a refresh cost in BCE calls (the benchmark's workload, smaller)."""

from benchmarks.workloads import api_workload


def test_call_counts():
    result = api_workload(services=10)
    assert result["rules"] == 20  # 10 Services x 2 node groups
    up = result["up"]
    assert up["cce.getCluster"] == 1 and up["cce.listAddons"] == 1  # once per cluster, not per Service
    assert up["bcc.authorizeRule"] == 20
    assert result["noop_mutating_calls"] == 0 and result["noop_changed_rules"] == 0
    assert result["refresh"] == {"bcc.getSecurityGroup": 2}  # one read per group, not per rule
    assert result["refresh_missing_rules"] == 0
