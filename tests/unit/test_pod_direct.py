"""The pod-direct rules doctor, the policy pack and the components share (pod_direct.py)."""

from __future__ import annotations

import pytest

from podlb_component.pod_direct import (
    DEFAULT_GRACE_SECONDS,
    NEW_GENERATION_ID,
    OLD_GENERATION_ID,
    named_target_port,
    pre_stop_sleep_seconds,
    shutdown_of,
)


@pytest.mark.parametrize(
    ("port", "named"),
    [
        ({"port": 80, "targetPort": "http"}, "http"),
        ({"port": 80, "targetPort": "8080"}, None),  # a number, spelt as a string
        ({"port": 80, "targetPort": 8080}, None),
        ({"port": 80}, None),  # targetPort defaults to port
        ({"port": "web"}, "web"),
    ],
)
def test_a_target_port_is_named_only_when_it_is_not_a_number(port: dict[str, object], named: str | None) -> None:
    assert named_target_port(port) == named


def sleeping(*command: object) -> dict[str, object]:
    return {"name": "app", "lifecycle": {"preStop": {"exec": {"command": list(command)}}}}


@pytest.mark.parametrize(
    ("container", "seconds"),
    [
        (sleeping("sleep", "30"), 30),
        (sleeping("sleep", 45), 45),  # the engine may send a number as one
        (sleeping("/bin/sleep", "10", "extra"), 10),  # the last number
        (sleeping("sleep", True), None),  # a bool is no number of seconds
        (sleeping("nginx", "-s", "quit"), None),
        ({"name": "app"}, None),
        ({"name": "app", "lifecycle": {"preStop": {"httpGet": {"path": "/stop"}}}}, None),
    ],
)
def test_the_pre_stop_sleep_is_the_last_number_of_the_exec_command(
    container: dict[str, object], seconds: int | None
) -> None:
    assert pre_stop_sleep_seconds(container) == seconds


def test_a_container_drops_traffic_without_a_sleep_or_with_a_grace_period_not_longer() -> None:
    assert shutdown_of({}, sleeping("sleep", "30")).grace == DEFAULT_GRACE_SECONDS
    assert shutdown_of({}, sleeping("sleep", "30")).drops_traffic  # 30 s default grace = the sleep
    assert not shutdown_of({"terminationGracePeriodSeconds": 45}, sleeping("sleep", "30")).drops_traffic
    no_sleep = shutdown_of({"terminationGracePeriodSeconds": 45}, {"name": "app"})
    assert no_sleep.drops_traffic and not no_sleep.grace_too_short
    unknown = shutdown_of({"terminationGracePeriodSeconds": "later"}, sleeping("sleep", "30"))
    assert not unknown.grace_too_short  # a grace period that isn't a number is not judged here


@pytest.mark.parametrize(
    ("cluster_id", "old", "new"),
    [("c-Ab12", True, False), ("cce-ab12cd34", False, True), ("cce-AB12", False, False), ("x-1", False, False)],
)
def test_cluster_generations_by_id(cluster_id: str, old: bool, new: bool) -> None:
    assert (bool(OLD_GENERATION_ID.match(cluster_id)), bool(NEW_GENERATION_ID.match(cluster_id))) == (old, new)
