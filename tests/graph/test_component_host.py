"""Construct's own part (component_host.py), under the mock engine: wire-shaped inputs (every
number a double) build the same components a Python program builds, a Service's reference to its
cluster resolves to the cluster built in this process for this deployment, and what can't be
built is refused by name. The real engine's side is tests/e2e/test_yaml.py."""

from __future__ import annotations

import json
from typing import Any

import pulumi
import pytest
from stacks import CLUSTER_ARGS, resolved

from podlb_component import PodLbError
from podlb_component.component_host import CLUSTER_TYPE, SERVICE_TYPE, ComponentBuilder, ConstructedClusters
from podlb_component.names import camel
from podlb_component.provider.schema import committed
from podlb_component.testing.mock_engine import run_program

SCHEMA = json.loads(committed())
WIRE_SERVICE = {  # as the engine sends a YAML program's Service: schema names, numbers as doubles
    "namespace": "shop",
    "selector": {"app": "shop"},
    "ports": [{"name": "http", "port": 80.0, "targetPort": 8080.0}],
    "expectedBackends": 20.0,
}
WIRE_CLUSTER = {camel(k): v for k, v in CLUSTER_ARGS.items()} | {"backendQuota": 50.0}


def build(service: dict[str, Any]) -> tuple[Any, ConstructedClusters]:
    clusters = ConstructedClusters()
    clusters.deployment("127.0.0.1:1")

    def program() -> Any:
        builder = ComponentBuilder(clusters, SCHEMA)
        made = builder.construct("prod", CLUSTER_TYPE, WIRE_CLUSTER, pulumi.ResourceOptions())

        def service_of(urn: str) -> Any:
            cluster = clusters.construct("prod", CLUSTER_TYPE, urn)  # as the SDK deserializes a reference
            return builder.construct("shop", SERVICE_TYPE, {"cluster": cluster, **service}, pulumi.ResourceOptions())

        return {
            "cluster_state": made.state,
            "service_state": pulumi.Output.from_input(made.urn).apply(lambda urn: service_of(urn).state),
        }

    return run_program(program, preview=False), clusters


def test_wire_inputs_build_the_components_a_python_program_builds() -> None:
    run, _ = build(WIRE_SERVICE)
    outputs = resolved(run)
    assert set(outputs["cluster_state"]) == set(SCHEMA["resources"][CLUSTER_TYPE]["properties"])
    assert set(outputs["service_state"]) == set(SCHEMA["resources"][SERVICE_TYPE]["properties"])
    service = run.mocks.by_name("shop-service")
    assert service.inputs["spec"]["ports"] == [{"name": "http", "port": 80, "protocol": "TCP", "targetPort": 8080}]
    rules = run.mocks.rules()
    assert {r.inputs["port_range"] for r in rules} == {"8080"}  # a whole number, not "8080.0"
    assert all(r.parent == run.mocks.by_name("prod").urn for r in rules)  # owned by the cluster


def test_a_plain_input_from_an_output_is_refused_by_its_path() -> None:
    with pytest.raises(PodLbError) as caught:
        build({**WIRE_SERVICE, "selector": {"app": pulumi.Output.from_input("shop")}})
    assert caught.value.resource == "shop" and caught.value.field == "selector.app"
    assert "plain input" in caught.value.problem and "write the value itself" in caught.value.fix


def test_a_cluster_of_another_provider_or_deployment_is_refused() -> None:
    clusters = ConstructedClusters()
    clusters.deployment("127.0.0.1:1")
    marker: Any = object()
    clusters.add("urn:pulumi:dev::p::podlb:index:PodDirectCluster::prod", marker)
    assert clusters.construct("prod", CLUSTER_TYPE, "urn:pulumi:dev::p::podlb:index:PodDirectCluster::prod") is marker
    with pytest.raises(PodLbError) as caught:
        clusters.construct("other", CLUSTER_TYPE, "urn:pulumi:dev::p::podlb:index:PodDirectCluster::other")
    assert caught.value.field == "cluster" and "same podlb provider" in caught.value.fix
    clusters.deployment("127.0.0.1:1")  # the same deployment: kept
    assert clusters.construct("prod", CLUSTER_TYPE, "urn:pulumi:dev::p::podlb:index:PodDirectCluster::prod") is marker
    clusters.deployment("127.0.0.1:2")  # the next one (`pulumi up` after its preview): forgotten
    with pytest.raises(PodLbError):
        clusters.construct("prod", CLUSTER_TYPE, "urn:pulumi:dev::p::podlb:index:PodDirectCluster::prod")


def test_an_unknown_component_type_is_refused() -> None:
    builder = ComponentBuilder(ConstructedClusters(), SCHEMA)
    with pytest.raises(PodLbError) as caught:
        builder.construct("x", "podlb:index:PodDirectIngress", {}, pulumi.ResourceOptions())
    assert "podlb:index:PodDirectCluster" in caught.value.fix


def test_release_options_reach_the_helm_release_in_its_own_names() -> None:
    clusters = ConstructedClusters()
    chart = {"repository": "https://charts.example/cce", "releaseOptions": {"skipAwait": True, "maxHistory": 3.0}}

    def program() -> Any:
        made = ComponentBuilder(clusters, SCHEMA).construct(
            "prod", CLUSTER_TYPE, {**WIRE_CLUSTER, "lbController": "helm", "lbControllerChart": chart},
            pulumi.ResourceOptions(),
        )  # fmt: skip
        return {"cluster_state": made.state}

    run = run_program(program, preview=False)
    resolved(run)
    release = run.mocks.by_name("prod-lb-controller")
    assert release.inputs["skipAwait"] is True and release.inputs["maxHistory"] == 3, release.inputs
