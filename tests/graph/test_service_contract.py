"""A PodDirectService takes everything from its cluster through one value, ClusterContract: a
Service built from a hand-built contract (no PodDirectCluster) registers what the contract says."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_kubernetes as k8s
import pytest
from stacks import CLUSTER_ARGS, SERVICE_ARGS, resolved

from podlb_component import PodDirectCluster, PodDirectService, PodLbError, SecurityGroupRule
from podlb_component.cluster.contract import ClusterContract
from podlb_component.testing.mock_engine import run_program

BLB = "lb-0a1b2c3d"
SOURCE_WARNING = "sources: the test's own warning"
REUSE_WARNING = "existing_blb_id: the test's controller is too old"


@dataclass
class Calls:
    """What the Service asked of the hand-built contract."""

    rules_for: list[tuple[Any, ...]] = field(default_factory=list)
    claims: list[tuple[Any, ...]] = field(default_factory=list)
    reuse_asked: int = 0


def contract(calls: Calls, *, provider: pulumi.ProviderResource | None, ready: pulumi.Resource) -> ClusterContract:
    def rules_for(
        service: str, target_ports: list[tuple[int, str]], source_ranges: tuple[Any, ...], internal: bool
    ) -> tuple[list[SecurityGroupRule], str | None]:
        calls.rules_for.append((service, target_ports, source_ranges, internal))
        rules = [
            SecurityGroupRule(
                f"hand-rule-{port}",
                {"security_group_id": "g-hand", "protocol": protocol.lower(), "port_range": str(port)},
            )
            for port, protocol in target_ports
        ]
        return rules, SOURCE_WARNING

    def claim_blb_ports(service: str, blb_id: str, ports: list[tuple[int, str]], expected_backends: int | None) -> None:
        calls.claims.append((service, blb_id, ports, expected_backends))

    def blb_reuse_warning() -> str | None:
        calls.reuse_asked += 1
        return REUSE_WARNING

    return ClusterContract(
        cluster_name="hand-built",
        cluster_id=pulumi.Output.from_input("cce-hand0001"),
        backend_quota=7,
        kubernetes_provider=provider,
        prerequisites=(ready,),
        blb_reuse_warning=blb_reuse_warning,
        rules_for=rules_for,
        claim_blb_ports=claim_blb_ports,
    )


def test_a_service_is_built_from_a_hand_built_contract() -> None:
    calls = Calls()

    def program() -> Any:
        provider = k8s.Provider("kube", kubeconfig="apiVersion: v1\nkind: Config\n")
        # a custom resource: depending on a component means depending on its children
        ready = k8s.core.v1.ConfigMap("ready", data={"ready": "yes"}, opts=pulumi.ResourceOptions(provider=provider))
        service = PodDirectService(
            "web",
            {
                "cluster": contract(calls, provider=provider, ready=ready),  # type: ignore[typeddict-item]
                **SERVICE_ARGS,
                "expected_backends": None,
                "ports": [
                    {"name": "http", "port": 80, "target_port": 8080},
                    {"name": "dns", "port": 53, "protocol": "UDP"},
                ],
                "load_balancer": {"existing_blb_id": BLB},
            },
        )
        return {"rule_ids": service.security_group_rule_ids, "blb_id": service.blb_id}

    run = run_program(program, preview=False)
    outputs = resolved(run)
    # the callables were asked once each, with the Service's own needs
    assert calls.claims == [("web", BLB, [(80, "TCP"), (53, "UDP")], None)]
    assert calls.rules_for == [("web", [(8080, "TCP"), (53, "UDP")], (), False)]
    assert calls.reuse_asked == 1
    rules = {r.name: r for r in run.mocks.rules()}
    assert sorted(rules) == ["hand-rule-53", "hand-rule-8080"]
    # the mock engine's rule ids: "r-" and a hash of the name
    assert sorted(outputs["rule_ids"]) == sorted(f"r-{hashlib.sha256(n.encode()).hexdigest()[:8]}" for n in rules)
    assert outputs["blb_id"] == BLB

    service = run.mocks.by_name("web-service")
    assert service.inputs["metadata"]["annotations"]["podlb.io/cce-cluster-id"] == "cce-hand0001"
    assert service.parent == run.mocks.by_name("web").urn
    # created through the contract's provider, after its rules and prerequisites
    assert service.provider.startswith(run.mocks.by_name("kube").urn + "::")
    assert set(service.dependencies) == {
        rules["hand-rule-8080"].urn,
        rules["hand-rule-53"].urn,
        run.mocks.by_name("ready").urn,
    }

    # the warnings, in the Service's order: sources, then BLB reuse, then the quota it can't check
    component_urn = run.mocks.by_name("web").urn
    mine = [d.message for d in run.diagnostics if d.urn == component_urn and d.severity == "warning"]
    assert mine == [
        SOURCE_WARNING,
        REUSE_WARNING,
        "expected_backends is not set, so podlb can't check the appblb quota of 7 Pod backends: set it to "
        "replicas (or HPA max) + maxSurge",
    ]


def test_the_contracts_quota_and_name_check_the_service() -> None:
    calls = Calls()

    def program() -> Any:
        ready = pulumi.ComponentResource("test:index:Prerequisite", "ready")
        PodDirectService(
            "web",
            {"cluster": contract(calls, provider=None, ready=ready), **SERVICE_ARGS, "expected_backends": 8},  # type: ignore[typeddict-item]
        )

    with pytest.raises(PodLbError) as caught:
        run_program(program)
    assert "backend_quota of cluster 'hand-built'" in str(caught.value) and "7" in str(caught.value)
    assert calls.rules_for == [] and calls.claims == []  # refused before asking the cluster for anything


def test_a_cluster_hands_out_its_contract() -> None:
    seen: dict[str, Any] = {}

    def program() -> Any:
        cluster = PodDirectCluster("prod", {**CLUSTER_ARGS, "network_mode": "vpc-route-ipvlan", "backend_quota": 30})
        handed = cluster.contract
        seen.update(contract=handed, prerequisites=cluster.prerequisites)
        return pulumi.Output.all(handed.cluster_id, cluster.cluster_id)

    run = run_program(program, preview=False)
    assert resolved(run) == ["cce-abc123de", "cce-abc123de"]
    handed = seen["contract"]
    assert (handed.cluster_name, handed.backend_quota, handed.kubernetes_provider) == ("prod", 30, None)
    assert handed.prerequisites == seen["prerequisites"] and len(handed.prerequisites) == 1  # the ip-masq patch
    assert handed.blb_reuse_warning() is None  # nothing discovered: no version to judge


@pytest.mark.parametrize("given", [None, "prod", {"cluster_id": "cce-abc123de"}])
def test_anything_else_as_cluster_is_refused(given: object) -> None:
    def program() -> Any:
        PodDirectService("web", {"cluster": given, **SERVICE_ARGS})  # type: ignore[typeddict-item]

    with pytest.raises(PodLbError) as caught:
        run_program(program)
    assert f"must be a PodDirectCluster, got {type(given).__name__}" in str(caught.value)
