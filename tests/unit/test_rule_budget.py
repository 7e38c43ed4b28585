import pytest

from podlb_component.cluster.rule_budget import RuleBudget
from podlb_component.errors import PodLbError


def test_default_limits_are_baidus_quota():
    budget = RuleBudget()
    assert budget.limit("g-a") == 100 and budget.limit("esg-a") == 150
    assert RuleBudget(limit_override=300).limit("g-a") == 300


def test_reserve_counts_existing_and_earlier_services():
    budget = RuleBudget(existing={"g-a": 90})
    budget.reserve("web", [(f"web{i}", "g-a") for i in range(6)])
    budget.reserve("web2", [("web0", "g-a")])  # a shared rule is counted once
    with pytest.raises(PodLbError) as err:
        budget.reserve("api", [(f"api{i}", "g-a") for i in range(5)])
    assert (
        "101 ingress rules (90 already there + 6 for other Services of this stack + 5 for this one)"
        in err.value.problem
    )
    assert "Quota Center" in err.value.fix and "security_group_rule_limit" in err.value.fix
    assert budget.totals() == {"g-a": 96}  # the refused Service reserved nothing


def test_exactly_at_the_limit_is_fine_and_outputs_are_skipped():
    budget = RuleBudget()
    budget.reserve("web", [(f"r{i}", "esg-a") for i in range(150)] + [("out", object())])
    assert budget.totals() == {"esg-a": 150}
