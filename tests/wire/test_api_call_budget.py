"""What `up`, a no-op `up`, a refresh and a destroy cost in BCE calls, run through the provider
host as the engine runs them (the benchmark's workload, smaller)."""

from benchmarks.workloads import api_workload


def test_call_counts():
    result = api_workload(services=10)
    assert result["rules"] == 20  # 10 Services x 2 node groups
    up = result["up"]
    # discovery: once per cluster, not per Service
    assert up["cce.getCluster"] == 1 and up["cce.listAddons"] == 1 and up["cce.listInstances"] == 1
    # each created rule: one write, and one read to learn its id (+ one read per group for the quota)
    assert up["bcc.authorizeRule"] == result["up_writes"] == 20
    assert up["bcc.getSecurityGroup"] <= 20 + 2
    assert result["noop_mutating_calls"] == 0 and result["noop_changed_rules"] == 0
    assert result["refresh"] == {"bcc.getSecurityGroup": 2}  # one read per group, not per rule
    assert result["refresh_missing_rules"] == 0
    # destroy: one delete by id per rule, one read per group (the ownership check), nothing left
    assert result["destroy"] == {"bcc.deleteRule": 20, "bcc.getSecurityGroup": 2}
    assert result["destroy_left"] == 0
