"""Each CrossGuard policy's validate, called with properties shaped as the engine sends them."""

import podlb_policies as p  # podlb_component/policy_pack/ is on pytest's pythonpath (pyproject.toml)
import pytest
from pulumi_policy import EnforcementLevel, PolicyResource, ResourceValidationArgs, StackValidationArgs

BACKEND = "service.beta.kubernetes.io/cce-load-balancer-backend-type"


def service(ports=None, annotations=None, ranges=None, namespace="shop", selector=None):
    spec = {
        "type": "LoadBalancer",
        "selector": selector or {"app": "web"},
        "ports": ports or [{"name": "http", "port": 80, "targetPort": 8080, "protocol": "TCP"}],
    }
    if ranges is not None:
        spec["loadBalancerSourceRanges"] = ranges
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "web", "namespace": namespace, "annotations": {BACKEND: "eni", **(annotations or {})}},
        "spec": spec,
    }


def deployment(containers, grace=None, labels=None, namespace="shop"):
    pod = {"containers": containers}
    if grace is not None:
        pod["terminationGracePeriodSeconds"] = grace
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": namespace},
        "spec": {
            "selector": {"matchLabels": labels or {"app": "web"}},
            "template": {"metadata": {"labels": labels or {"app": "web"}}, "spec": pod},
        },
    }


def sleeping(seconds="30"):
    return {"name": "app", "image": "nginx", "lifecycle": {"preStop": {"exec": {"command": ["sleep", seconds]}}}}


def run_resource(policy, props, type_="kubernetes:core/v1:Service"):
    violations = []
    args = ResourceValidationArgs(type_, props, f"urn:pulumi:s::p::{type_}::x", "x", None, None)
    policy.validate(args, lambda message, urn=None: violations.append(message))
    return violations


def resource(type_, props, name="x"):
    return PolicyResource(type_, props, f"urn:pulumi:s::p::{type_}::{name}", name, None, None, None, [], {})


def run_stack(policy, *resources):
    violations = []
    policy.validate(StackValidationArgs(list(resources)), lambda message, urn=None: violations.append((message, urn)))
    return violations


def test_levels_are_deliberate():
    levels = {pol.name: pol.enforcement_level for pol in p.ALL_POLICIES}
    advisory = {"pod-direct-source-ranges", "cce-annotations-are-known"}
    assert all(levels[name] == EnforcementLevel.ADVISORY for name in advisory)
    assert all(level == EnforcementLevel.MANDATORY for name, level in levels.items() if name not in advisory)


def test_misspelled_cce_annotation_is_an_advisory_with_the_closest_key():
    from podlb_component import cce_annotations

    assert p.CCE_ANNOTATIONS is not None and p.CCE_ANNOTATIONS.KNOWN == cce_annotations.KNOWN  # the one list
    typo = "service.beta.kubernetes.io/cce-load-balancer-internal-vcp"
    (message,) = p.unknown_cce_annotations(service(annotations={typo: "true"}))
    assert "did you mean 'service.beta.kubernetes.io/cce-load-balancer-internal-vpc'?" in message
    assert list(p.unknown_cce_annotations(service(annotations={"prometheus.io/scrape": "true"}))) == []


def test_an_exported_pack_checks_annotations_without_podlb_installed(tmp_path):
    """The pack runs in its own venv, which has only pulumi-policy, outside a checkout. The pack
    `podlb policy-pack` writes carries the annotation list; a hand-copied pack without it
    refuses to start instead of checking nothing."""
    import shutil
    import subprocess
    import sys

    from podlb_component.cli.policy_pack import PACK_DIR, export_policy_pack

    pack = export_policy_pack(tmp_path / "pack")
    code = (
        "import sys; sys.modules['podlb_component'] = None\n"
        "import podlb_policies as p\n"
        "svc = {'metadata': {'annotations': {'service.beta.kubernetes.io/cce-load-balancer-internal-vcp': 'true'}}}\n"
        "assert list(p.unknown_cce_annotations(svc)), 'the typo was not reported'\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=pack, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    by_hand = tmp_path / "by-hand"
    shutil.copytree(PACK_DIR, by_hand, ignore=shutil.ignore_patterns("__pycache__"))
    done = subprocess.run([sys.executable, "-c", code], cwd=by_hand, capture_output=True, text=True, check=False)
    assert done.returncode != 0 and "podlb policy-pack DIR" in done.stderr


def test_numeric_target_ports():
    assert run_resource(p.NUMERIC_TARGET_PORTS, service()) == []
    (message,) = run_resource(
        p.NUMERIC_TARGET_PORTS, service(ports=[{"name": "http", "port": 80, "targetPort": "http"}])
    )
    assert "named port 'http'" in message
    classic = service(ports=[{"port": 80, "targetPort": "http"}])
    classic["metadata"]["annotations"] = {}
    assert run_resource(p.NUMERIC_TARGET_PORTS, classic) == []  # not pod-direct: not our business


def test_backend_type_must_be_eni():
    assert run_resource(p.BACKEND_TYPE_IS_ENI, service()) == []
    assert len(run_resource(p.BACKEND_TYPE_IS_ENI, service(annotations={BACKEND: "nodeport"}))) == 1


def test_source_ranges_advisory():
    assert len(run_resource(p.SOURCE_RANGES, service())) == 1
    assert len(run_resource(p.SOURCE_RANGES, service(ranges=["0.0.0.0/0"]))) == 1
    assert run_resource(p.SOURCE_RANGES, service(ranges=["203.0.113.0/24"])) == []
    internal = service(annotations={"service.beta.kubernetes.io/cce-load-balancer-internal-vpc": "true"})
    assert run_resource(p.SOURCE_RANGES, internal) == []


def test_old_cluster_by_annotation():
    assert len(run_resource(p.NEW_GENERATION_CLUSTER, service(annotations={p.CLUSTER_ID_ANNOTATION: "c-0ld1"}))) == 1
    assert run_resource(p.NEW_GENERATION_CLUSTER, service(annotations={p.CLUSTER_ID_ANNOTATION: "cce-new1"})) == []


def test_old_cluster_anywhere_in_stack():
    cluster = resource("baiducloud:index/ccev2Cluster:Ccev2Cluster", {"clusterId": "c-legacy9"})
    violations = run_stack(p.NO_OLD_CLUSTERS_IN_STACK, resource(p.SERVICE, service()), cluster)
    assert len(violations) == 1 and "c-legacy9" in violations[0][0]
    assert run_stack(p.NO_OLD_CLUSTERS_IN_STACK, cluster) == []  # no pod-direct Service: fine


@pytest.mark.parametrize(
    ("containers", "grace", "expected"),
    [
        ([sleeping()], 45, 0),
        ([sleeping()], None, 1),  # default grace period 30 = sleep 30: killed mid-sleep
        ([sleeping()], 30, 1),
        ([{"name": "app", "image": "nginx"}], 60, 1),
        ([sleeping(), {"name": "sidecar", "image": "envoy"}], 60, 1),
    ],
)
def test_graceful_shutdown(containers, grace, expected):
    violations = run_stack(
        p.GRACEFUL_SHUTDOWN,
        resource(p.SERVICE, service()),
        resource(p.DEPLOYMENT, deployment(containers, grace), "web-deploy"),
    )
    assert len(violations) == expected
    assert all(urn.endswith("::web-deploy") for _, urn in violations)


def test_graceful_shutdown_only_for_deployments_behind_pod_direct_services():
    other_ns = resource(p.DEPLOYMENT, deployment([{"name": "a", "image": "x"}], namespace="other"))
    other_labels = resource(p.DEPLOYMENT, deployment([{"name": "a", "image": "x"}], labels={"app": "api"}))
    assert run_stack(p.GRACEFUL_SHUTDOWN, resource(p.SERVICE, service()), other_ns, other_labels) == []
