"""Property tests: any input either builds a valid plan/graph or raises a named PodLbError;
never another exception, and never a registration before the error. Hostile strings included."""

import json

import kubernetes_validate
import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from podlb_component import PodDirectCluster, PodDirectService, PodLbError
from podlb_component.cli.render import to_yaml
from podlb_component.cluster.args import validate_cluster_args
from podlb_component.cluster.ipmasq import CCE_DEFAULT_CONFIG, MASQ_KEYS, IpMasqConfigError, merge_ip_masq_config
from podlb_component.service.args import validate_service_args
from podlb_component.service.manifest import service_manifest
from podlb_component.testing.mock_engine import run_program

HOSTILE = st.sampled_from(
    [
        "",
        " ",
        "a" * 300,
        "ünïcødé",
        "名字",
        "🚀",
        "key: value",
        "- item",
        "{a: b}",
        "[1, 2]",
        "'quoted'",
        '"dq"',
        "a\nb",
        "#comment",
        "&anchor",
        "*alias",
        "!!python/object",
        "%YAML 1.2",
        "---",
        "...",
        "null",
        "~",
        "true",
        "0x1F",
        "1e3",
        "c-abc",
        "cce-",
        "g-",
        "esg-",
        "10.0.0.0/8",
        "0.0.0.0/0",
        "::/0",
        "999.1.1.1/8",
        "http",
    ]
)
TEXT = st.one_of(HOSTILE, st.text(max_size=80))
SCALAR = st.one_of(TEXT, st.integers(-5, 70000), st.booleans(), st.none(), st.floats(allow_nan=False))
VALUE = st.one_of(SCALAR, st.lists(SCALAR, max_size=3), st.dictionaries(TEXT, SCALAR, max_size=3))

PORT = st.fixed_dictionaries(
    {},
    optional={
        "name": st.one_of(TEXT, st.sampled_from(["http", "https", "grpc"])),
        "port": st.one_of(st.integers(-1, 70000), SCALAR),
        "target_port": st.one_of(st.integers(-1, 70000), SCALAR),
        "protocol": st.one_of(st.sampled_from(["TCP", "UDP", "tcp", "SCTP"]), SCALAR),
    },
)
SERVICE_ARGS = st.fixed_dictionaries(
    {},
    optional={
        "namespace": st.one_of(st.sampled_from(["default", "shop"]), TEXT, SCALAR),
        "service_name": st.one_of(st.sampled_from(["web", "api-1"]), TEXT),
        "selector": st.one_of(
            st.dictionaries(st.sampled_from(["app", "tier"]), st.sampled_from(["web", "x"]), max_size=2),
            st.dictionaries(TEXT, SCALAR, max_size=2),
            SCALAR,
        ),
        "labels": st.one_of(st.dictionaries(TEXT, TEXT, max_size=2), SCALAR),
        "annotations": st.one_of(
            st.dictionaries(
                st.sampled_from(["a", "x.io/y", "service.beta.kubernetes.io/cce-load-balancer-backend-type"]),
                TEXT,
                max_size=3,
            ),
            st.dictionaries(TEXT, VALUE, max_size=2),
            SCALAR,
        ),
        "ports": st.one_of(st.lists(PORT, max_size=3), SCALAR),
        "internal": st.one_of(st.booleans(), SCALAR),
        "load_balancer_source_ranges": st.one_of(
            st.lists(st.one_of(st.sampled_from(["10.0.0.0/8", "1.2.3.4/32"]), TEXT), max_size=3), SCALAR
        ),
        "session_affinity": st.one_of(st.sampled_from(["None", "ClientIP"]), SCALAR),
        "expected_backends": st.one_of(st.integers(-1, 120), SCALAR),
        "bogus": VALUE,
    },
)
CLUSTER_ARGS = st.fixed_dictionaries(
    {},
    optional={
        "cluster_id": st.one_of(st.sampled_from(["cce-abc123", "c-old1", "cce-x"]), TEXT, SCALAR),
        "network_mode": st.one_of(
            st.sampled_from(["vpc-route-veth", "vpc-route-ipvlan", "vpc-eni", "kubenet", "vpc-route-auto-detect"]),
            TEXT,
            SCALAR,
        ),
        "nic_type": st.one_of(st.sampled_from(["veth", "ipvlan", "kubenet"]), SCALAR),
        "node_security_group_ids": st.one_of(
            st.lists(st.one_of(st.sampled_from(["g-1", "esg-2"]), TEXT), max_size=3), SCALAR
        ),
        "eni_security_group_ids": st.one_of(
            st.lists(st.one_of(st.sampled_from(["g-3", "esg-4"]), TEXT), max_size=3), SCALAR
        ),
        "vpc_cidr": st.one_of(st.sampled_from(["10.0.0.0/16"]), TEXT, SCALAR),
        "lb_controller": st.one_of(st.sampled_from(["validate", "install", "skip"]), SCALAR),
        "lb_controller_chart": st.one_of(
            st.fixed_dictionaries({}, optional={"repository": TEXT, "version": TEXT, "values": VALUE}), SCALAR
        ),
        "ip_masq": st.one_of(st.sampled_from(["auto", "skip"]), SCALAR),
        "backend_quota": st.one_of(st.integers(-1, 200), SCALAR),
        "security_group_rule_limit": st.one_of(st.integers(-1, 300), SCALAR),
        "discover": st.just(False),
    },
)


@settings(max_examples=400, deadline=None)
@given(SERVICE_ARGS)
def test_service_args_validate_or_name_the_problem(args):
    try:
        plan = validate_service_args("web", args, 50, "prod")
    except PodLbError as err:
        assert err.field and err.problem and err.fix
        event("refused")
        return
    event("valid")
    manifest = service_manifest(plan)
    kubernetes_validate.validate(json.loads(json.dumps(manifest)), kubernetes_validate.latest_version(), strict=True)
    assert yaml.safe_load(to_yaml(manifest)) == manifest  # hostile strings survive the YAML podlb prints


@settings(max_examples=400, deadline=None)
@given(CLUSTER_ARGS)
def test_cluster_args_validate_or_name_the_problem(args):
    try:
        plan = validate_cluster_args("prod", args)
    except PodLbError as err:
        assert err.field and err.problem and err.fix
        return
    assert plan.rule_group_ids


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(CLUSTER_ARGS, SERVICE_ARGS)
def test_graph_builds_or_registers_nothing_of_the_bad_component(cluster_args, service_args):
    registered: list[str] = []
    failed: list[str] = []

    def program():
        from pulumi.runtime.settings import SETTINGS

        mocks = SETTINGS.monitor.mocks
        try:
            cluster = PodDirectCluster("prod", cluster_args)
        except PodLbError:
            failed.append("prod")
            registered.extend(r.name for r in mocks.registrations)
            return
        try:
            PodDirectService("web", {"cluster": cluster, **service_args})
        except PodLbError:
            failed.append("web")
            registered.extend(r.name for r in mocks.registrations)

    try:
        run_program(program)
    except Exception as exc:  # a failure inside a callback must still be one of ours
        assert "podlb " in str(exc), repr(exc)
        return
    if failed == ["prod"]:
        assert registered == []
    elif failed == ["web"]:
        assert not any(n == "web" or n.startswith("web-") for n in registered)
    event(f"failed: {failed or 'nothing (graph built)'}")


YAML_KEY = st.one_of(HOSTILE, st.text(min_size=1, max_size=20)).filter(lambda k: k not in MASQ_KEYS)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(YAML_KEY, VALUE, max_size=6), st.booleans(), st.booleans())
def test_ip_masq_merge_keeps_every_other_key(others, v4, v6):
    document = yaml.safe_dump({**others, "masqOutBound": v4, "masqOutBoundIPv6": v6}, allow_unicode=True)
    merged = merge_ip_masq_config(document)
    assert yaml.safe_load(merged.config) == {
        **yaml.safe_load(document),
        "masqOutBound": False,
        "masqOutBoundIPv6": False,
    }


@settings(max_examples=300, deadline=None)
@given(st.one_of(TEXT, st.text(max_size=300)))
def test_ip_masq_merge_of_arbitrary_text_is_safe(document):
    try:
        merged = merge_ip_masq_config(document)
    except IpMasqConfigError:
        return
    before = yaml.safe_load(CCE_DEFAULT_CONFIG if merged.used_default else document) or {}
    after = yaml.safe_load(merged.config)
    assert after == {**before, "masqOutBound": False, "masqOutBoundIPv6": False}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(SERVICE_ARGS)
def test_services_on_a_valid_cluster_build_or_register_nothing(service_args):
    seen: dict[str, list[str]] = {}

    def program():
        from pulumi.runtime.settings import SETTINGS

        cluster = PodDirectCluster(
            "prod",
            {
                "cluster_id": "cce-abc123",
                "network_mode": "vpc-route-veth",
                "node_security_group_ids": ["g-1"],
                "vpc_cidr": "10.0.0.0/16",
            },
        )
        try:
            PodDirectService("web", {"cluster": cluster, **service_args})
        except PodLbError:
            seen["registered"] = [r.name for r in SETTINGS.monitor.mocks.registrations]
            return
        seen["built"] = [r.type for r in SETTINGS.monitor.mocks.registrations]

    run_program(program)
    if "registered" in seen:
        event("refused")
        assert not any(n == "web" or n.startswith("web-") for n in seen["registered"])
    else:
        event("built")
        assert "kubernetes:core/v1:Service" in seen["built"]
