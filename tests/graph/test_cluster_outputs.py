"""PodDirectCluster's registered outputs are written from one typed value, ClusterOutputs, and
read back through it (as `podlb plan` does, seeing only what the engine recorded)."""

from __future__ import annotations

from dataclasses import fields
from typing import Any

from stacks import CLUSTER_ARGS, resolved

from podlb_component import PodDirectCluster
from podlb_component.cluster.outputs import ClusterOutputs
from podlb_component.testing.mock_engine import run_program


def _cluster_run(network_mode: str) -> tuple[ClusterOutputs, dict[str, Any], dict[str, Any]]:
    seen: dict[str, Any] = {}

    def program() -> Any:
        cluster = PodDirectCluster("prod", {**CLUSTER_ARGS, "network_mode": network_mode})
        seen.update(check=cluster.lb_controller_check, groups=cluster.security_groups)
        return {"status": cluster.lb_controller_status, "ip_masq": cluster.ip_masq_config}

    run = run_program(program, preview=False)
    values = resolved(run)
    (registration,) = run.mocks.of_type(PodDirectCluster.TYPE)
    return ClusterOutputs.read_back(registration.outputs), registration.outputs, {**seen, **values}


def test_every_key_is_a_field_and_reads_back_typed() -> None:
    outputs, registered, seen = _cluster_run("vpc-route-ipvlan")
    assert set(registered) == {f.name for f in fields(ClusterOutputs)}
    assert outputs.lb_controller_check == seen["check"]
    assert outputs.lb_controller_check["mode"] == "validate"
    assert outputs.security_groups == seen["groups"]
    assert [g["id"] for g in outputs.security_groups] == ["g-node1", "esg-eni1"]
    assert (outputs.cluster_id, outputs.network_mode, outputs.nic_type) == (
        "cce-abc123de",
        "vpc-route-ipvlan",
        "ipvlan",
    )
    assert outputs.rule_security_group_ids == ["g-node1"]
    assert outputs.lb_controller == seen["status"]
    assert outputs.ip_masq_config == seen["ip_masq"] and "masqOutBound: false" in outputs.ip_masq_config


def test_an_output_that_is_none_reads_back_as_none() -> None:
    """The engine never receives a None output (veth clusters get no ip-masq patch)."""
    outputs, registered, seen = _cluster_run("vpc-route-veth")
    assert seen["ip_masq"] is None
    assert "ip_masq_config" not in registered
    assert outputs.ip_masq_config is None and outputs.nic_type == "veth"
