"""provider/wire.py: an output whose input was secret comes back secret (the engine's own
`annotateSecrets` rule, pulumi 3.276), and Construct's inputs are shaped by the schema."""

from __future__ import annotations

import asyncio
import json
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pulumi
import pytest
from pulumi.runtime import rpc

from podlb_component.provider import wire
from podlb_component.provider.schema import committed

SCHEMA = json.loads(committed())
SERVICE = SCHEMA["resources"]["podlb:index:PodDirectService"]["inputProperties"]
CLUSTER = SCHEMA["resources"]["podlb:index:PodDirectCluster"]["inputProperties"]
TYPES = SCHEMA["types"]


def secret(value: Any) -> Any:
    return rpc.wrap_rpc_secret(value)


def test_an_output_whose_input_was_secret_is_secret_again() -> None:
    ins = {"source_ip": secret("10.0.0.0/8"), "port_range": "80", "gone": secret("x")}
    outs = {"source_ip": "10.0.0.0/8", "port_range": "80", "rule_id": "r-1"}
    annotated = wire.annotate_secrets(outs, ins)
    assert annotated == {"source_ip": secret("10.0.0.0/8"), "port_range": "80", "rule_id": "r-1"}


def test_maps_are_followed_key_by_key_unless_secret_as_a_whole() -> None:
    ins = {"tags": {"a": secret("1"), "b": "2"}, "whole": secret({"k": "v"}), "list": ["x", secret("y")]}
    outs = {"tags": {"a": "1", "b": "2"}, "whole": {"k": "v"}, "list": ["x", "y"]}
    annotated = wire.annotate_secrets(outs, ins)
    assert annotated["tags"] == {"a": secret("1"), "b": "2"}
    assert annotated["whole"] == secret({"k": "v"})
    assert annotated["list"] == secret(["x", "y"])  # a list holding a secret is secret whole


def test_an_output_already_secret_is_not_wrapped_twice() -> None:
    assert wire.annotate_secrets({"k": secret("v")}, {"k": secret("v")}) == {"k": secret("v")}


def test_properties_reach_the_resources_unwrapped_however_deep() -> None:
    struct = wire.to_struct({"a": secret("x"), "b": {"c": secret(["y"])}, "d": None})
    assert wire.properties_of(struct) == {"a": "x", "b": {"c": ["y"]}}
    assert wire.raw_properties(struct)["a"] == secret("x")
    assert wire.has_secrets(wire.raw_properties(struct)["b"])


def test_component_numbers_become_whole_where_the_schema_says_integer() -> None:
    inputs = {
        "ports": [{"name": "http", "port": 80.0, "targetPort": 8080.0}],
        "expectedBackends": 20.0,
        "selector": {"app": "shop", "tier_name": "web"},
        "loadBalancer": {"eip": {"bandwidthMbps": 100.0, "name": "e"}},
    }
    args = wire.component_args(inputs, SERVICE, TYPES)
    assert args["ports"] == [{"name": "http", "port": 80, "target_port": 8080}]  # the Python Args' names
    assert type(args["ports"][0]["port"]) is int and type(args["expected_backends"]) is int
    assert type(args["load_balancer"]["eip"]["bandwidth_mbps"]) is int
    assert args["selector"] == {"app": "shop", "tier_name": "web"}  # a map's keys are the user's own
    # a fraction stays a float: the component's own check names it ("must be a whole number")
    assert wire.component_args({"backendQuota": 50.5}, CLUSTER, TYPES) == {"backend_quota": 50.5}


def test_release_options_keys_are_field_names_and_helm_values_keys_the_users_own() -> None:
    chart = {
        "repository": "https://charts.example.com",
        "values": {"replicaCount": 2.0, "image": {"pullPolicy": "Always"}},
        "releaseOptions": {"skipAwait": True, "maxHistory": 3.0, "timeout": 600.0},
    }
    args = wire.component_args({"lbControllerChart": chart}, CLUSTER, TYPES)["lb_controller_chart"]
    assert args["release_options"] == {"skip_await": True, "max_history": 3.0, "timeout": 600.0}
    assert args["values"] == {"replicaCount": 2.0, "image": {"pullPolicy": "Always"}}


def test_outputs_take_the_schema_names_however_deep() -> None:
    properties = SCHEMA["resources"]["podlb:index:PodDirectCluster"]["properties"]
    state = wire.component_state(
        {"cluster_id": "cce-1", "security_groups": [{"id": "g-1", "role": "node", "gets_rules": True, "from": "x"}]},
        properties,
        TYPES,
    )
    assert state == {
        "clusterId": "cce-1",
        "securityGroups": [{"id": "g-1", "role": "node", "getsRules": True, "from": "x"}],
    }


def test_messages_are_respelt_in_the_schema_names() -> None:
    text = "podlb shop: load_balancer.existing_blb_id: taken\n  fix: set expected_backends (or lb_controller='skip')"
    names = {"load_balancer", "existing_blb_id", "expected_backends", "lb_controller"}
    assert wire.in_schema_names(text, names) == (
        "podlb shop: loadBalancer.existingBlbId: taken\n  fix: set expectedBackends (or lbController='skip')"
    )


def test_a_plain_input_from_an_output_is_refused_by_its_path_and_others_pass() -> None:
    async def shape() -> tuple[Any, list[str]]:
        refused = []
        for inputs in (
            {"selector": {"app": pulumi.Output.from_input("shop")}},
            {"ports": [{"port": pulumi.Output.from_input(80.0)}]},
            {"expectedBackends": pulumi.Output.from_input(3.0)},
        ):
            with pytest.raises(wire.PlainInputError) as raised:
                wire.component_args(inputs, SERVICE, TYPES)
            refused.append(raised.value.path)
        args = wire.component_args(
            {"namespace": pulumi.Output.from_input("shop"), "loadBalancerSourceRanges": [pulumi.Output.secret("x")]},
            SERVICE,
            TYPES,
        )
        return await args["namespace"].future(), refused

    with ThreadPoolExecutor(1) as thread:  # its own event loop: the main thread's stays the tests'
        namespace, refused = thread.submit(asyncio.run, shape()).result()
    assert namespace == "shop"
    assert refused == ["selector.app", "ports[0].port", "expectedBackends"]


def test_unknowns_and_resources_pass_untouched() -> None:
    marker = object()
    args = wire.component_args({"cluster": marker, "namespace": wire.UNKNOWN}, SERVICE, TYPES)
    assert args["cluster"] is marker and args["namespace"] == wire.UNKNOWN
