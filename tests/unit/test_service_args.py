from dataclasses import replace

import pytest

from podlb_component.cce_annotations import BACKEND_TYPE as BACKEND_TYPE_ANNOTATION
from podlb_component.errors import PodLbError
from podlb_component.service.args import validate_service_args
from podlb_component.service.manifest import service_manifest

BASE = {"selector": {"app": "web"}, "ports": [{"name": "http", "port": 80, "target_port": 8080}]}


def validate(**overrides):
    return validate_service_args("web", {**BASE, **overrides}, backend_quota=50, cluster_name="prod")


def error(**overrides) -> PodLbError:
    with pytest.raises(PodLbError) as err:
        validate(**overrides)
    return err.value


def test_defaults():
    plan = validate()
    assert (plan.namespace, plan.service_name, plan.session_affinity, plan.internal) == (
        "default",
        "web",
        "None",
        False,
    )
    assert plan.ports[0].protocol == "TCP" and plan.ports[0].target_port == 8080


def test_target_port_defaults_to_port_and_protocol_is_normalised():
    plan = validate(ports=[{"port": 53, "protocol": "udp"}])
    assert (plan.ports[0].target_port, plan.ports[0].protocol) == (53, "UDP")


def test_named_target_port_is_refused_with_reason():
    err = error(ports=[{"name": "http", "port": 80, "target_port": "http"}])
    assert err.field == "ports[0].target_port"
    assert "can't be opened in a security group" in err.problem
    assert "target_port=8080" in err.fix


@pytest.mark.parametrize(
    "ports",
    [
        [{"name": "a", "port": 80, "target_port": 8080}, {"name": "b", "port": 80, "target_port": 8081}],
        [{"name": "a", "port": 80}, {"name": "a", "port": 81}],
    ],
)
def test_duplicate_ports_or_names(ports):
    err = error(ports=ports)
    assert "duplicate" in err.problem


def test_one_port_number_on_tcp_and_udp_is_two_ports():
    plan = validate(ports=[{"name": "t", "port": 53, "protocol": "TCP"}, {"name": "u", "port": 53, "protocol": "UDP"}])
    assert [(p.name, p.port, p.target_port, p.protocol) for p in plan.ports] == [
        ("t", 53, 53, "TCP"),
        ("u", 53, 53, "UDP"),
    ]
    assert service_manifest(plan)["spec"]["ports"] == [
        {"port": 53, "targetPort": 53, "protocol": "TCP", "name": "t"},
        {"port": 53, "targetPort": 53, "protocol": "UDP", "name": "u"},
    ]


@pytest.mark.parametrize(
    ("ports", "field"),
    [
        ([], "ports"),
        (None, "ports"),
        ([{"port": 0}], "ports[0].port"),
        ([{"port": 70000}], "ports[0].port"),
        ([{"port": True}], "ports[0].port"),
        ([{"port": 80, "target_port": 0}], "ports[0].target_port"),
        ([{"port": 80, "protocol": "SCTP"}], "ports[0].protocol"),
        ([{"port": 80, "name": "HTTP"}], "ports[0].name"),
        ([{"port": 80, "nodePort": 30000}], "ports[0]"),
        ([{"port": 80}, {"port": 81}], "ports"),
    ],
)
def test_bad_ports(ports, field):
    assert error(ports=ports).field == field


def test_quota_exceeded_shows_arithmetic_and_fix():
    err = error(expected_backends=51)
    assert err.field == "expected_backends"
    assert "51" in err.problem and "50" in err.problem and "51 - 50 = 1" in err.problem
    assert "raise" in err.fix and "backend_quota" in err.fix


def test_quota_boundary():
    assert validate(expected_backends=50).expected_backends == 50


@pytest.mark.parametrize("selector", [None, {}, "app=web", {"app": 1}, {"bad key!": "x"}])
def test_bad_selector(selector):
    assert error(selector=selector).field.startswith("selector")


def test_conflicting_backend_type_annotation():
    err = error(annotations={BACKEND_TYPE_ANNOTATION: "bcc"})
    assert "'eni'" in err.problem and BACKEND_TYPE_ANNOTATION in err.field


def test_a_backend_type_eni_annotation_is_kept_and_changes_nothing_else():
    plan = validate(annotations={BACKEND_TYPE_ANNOTATION: "eni"})
    assert plan == replace(validate(), annotations={BACKEND_TYPE_ANNOTATION: "eni"})


def test_non_string_annotation_value():
    assert "quote it" in error(annotations={"prometheus.io/scrape": True}).fix


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("namespace", "Shop"),
        ("service_name", "1web"),
        ("service_name", "w" * 64),
        ("session_affinity", "Sticky"),
        ("internal", "yes"),
        ("load_balancer_source_ranges", "10.0.0.0/8"),
        ("load_balancer_source_ranges", ["10.0.0.0/33"]),
        ("expected_backends", 0),
        ("labels", {"team": "a b"}),
    ],
)
def test_other_bad_inputs(field, value):
    assert error(**{field: value}).field.startswith(field)


def test_unknown_argument():
    assert "selectors" in error(selectors={"a": "b"}).field


def test_manifest_shape():
    plan = validate(
        namespace="shop",
        internal=True,
        annotations={"prometheus.io/scrape": "true"},
        load_balancer_source_ranges=["10.0.0.0/8"],
        session_affinity="ClientIP",
    )
    m = service_manifest(plan)
    assert m["metadata"]["annotations"] == {
        "prometheus.io/scrape": "true",
        BACKEND_TYPE_ANNOTATION: "eni",
        "service.beta.kubernetes.io/cce-load-balancer-internal-vpc": "true",
    }
    assert m["spec"] == {
        "type": "LoadBalancer",
        "selector": {"app": "web"},
        "ports": [{"name": "http", "port": 80, "targetPort": 8080, "protocol": "TCP"}],
        "sessionAffinity": "ClientIP",
        "loadBalancerSourceRanges": ["10.0.0.0/8"],
    }


def test_misspelled_argument_gets_a_did_you_mean():
    import pytest as _pytest

    from podlb_component.errors import PodLbError
    from podlb_component.service.args import validate_service_args

    with _pytest.raises(PodLbError) as err:
        validate_service_args(
            "web", {"selector": {"a": "b"}, "ports": [{"port": 80}], "load_balancer_source_range": []}, 50, "c"
        )
    assert "did you mean 'load_balancer_source_ranges'?" in err.value.problem
