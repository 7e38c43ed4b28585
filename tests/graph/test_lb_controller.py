"""lb_controller offline (no CCE API): validate on managed and standalone clusters, helm, ensure,
skip. The API-backed paths are in tests/wire/test_lb_controller_api.py."""

import pytest
from stacks import CLUSTER_ARGS, build, resolved

from podlb_component import PodDirectCluster
from podlb_component.testing.mock_engine import ADDON_TYPE, FakeCluster, run_program

DEPLOYMENT = "kubernetes:apps/v1:Deployment"
RELEASE = "kubernetes:helm.sh/v3:Release"
STANDALONE = {"cluster_type": "standalone"}


def deployment_reads(run):
    return [r for r in run.mocks.registrations if r.type == DEPLOYMENT and r.is_read]


@pytest.mark.parametrize("preview", [True, False])
def test_managed_cluster_offline_is_not_checked_and_says_so(preview):
    """The default: a managed cluster has no controller Deployment in kube-system, so nothing is
    read (the preview doesn't break) and a warning says how to get it checked."""
    run = build(service={}, preview=preview, fake=FakeCluster.cce_default(lb_controller=None))
    assert deployment_reads(run) == []
    assert any("can't check the add-on here" in w and "credentials" in w for w in run.warnings)
    (cluster,) = run.mocks.of_type("podlb:index:PodDirectCluster")
    check = cluster.outputs["lb_controller_check"]
    assert check["cluster_type"] == "managed" and check["cluster_type_from"] == "default (CCE API not read)"
    assert check["checked_by"].startswith("not checked")


@pytest.mark.parametrize("preview", [True, False])
def test_standalone_reads_the_deployment_through_the_component(preview):
    run = build(STANDALONE, service={}, preview=preview, fake=FakeCluster.cce_default(lb_controller=1))
    read = run.mocks.by_name("prod-lb-controller")
    assert read.read_id == "kube-system/cce-lb-controller" and read.type == DEPLOYMENT
    assert read.parent == run.mocks.by_name("prod").urn
    assert run.mocks.of_type(RELEASE) == []


@pytest.mark.parametrize("preview", [True, False])
def test_standalone_check_actually_ran(preview):
    program = lambda: PodDirectCluster("prod", {**CLUSTER_ARGS, **STANDALONE}).lb_controller_status  # noqa: E731
    assert resolved(run_program(program, preview=preview)) == "Deployment available"


def test_standalone_absent_addon_fails_naming_it():
    with pytest.raises(Exception) as err:
        build(STANDALONE, service={}, fake=FakeCluster.cce_default(lb_controller=None))
    assert "kube-system/cce-lb-controller" in str(err.value) and "does not exist" in str(err.value)


@pytest.mark.parametrize("preview", [True, False])
def test_standalone_unavailable_addon_fails_with_the_fix(preview):
    with pytest.raises(Exception) as err:
        build(STANDALONE, service={}, preview=preview, fake=FakeCluster.cce_default(lb_controller=0))
    text = str(err.value)
    assert "podlb prod: lb_controller" in text and "no available replica" in text
    assert "CCE console" in text and "lb_controller='ensure'" in text


def test_helm_creates_a_release_of_the_pinned_chart_with_release_options():
    run = build(
        {
            **STANDALONE,
            "lb_controller": "helm",
            "lb_controller_chart": {
                "repository": "https://charts.example.com/cce",
                "values": {"replicaCount": 2},
                "release_options": {"timeout": 600, "atomic": True},
            },
        },
        fake=FakeCluster.cce_default(lb_controller=None),
    )
    (release,) = run.mocks.of_type(RELEASE)
    assert release.inputs["chart"] == "cce-lb-controller" and release.inputs["version"] == "1.0.0"
    assert release.inputs["name"] == "cce-lb-controller" and release.inputs["namespace"] == "kube-system"
    assert release.inputs["repositoryOpts"]["repo"] == "https://charts.example.com/cce"
    assert release.inputs["values"] == {"replicaCount": 2}
    assert release.inputs["timeout"] == 600 and release.inputs["atomic"] is True
    assert deployment_reads(run) == []
    assert release.urn in run.mocks.by_name("web-service").dependencies


def test_install_is_the_old_name_of_helm_and_warns():
    run = build(
        {**STANDALONE, "lb_controller": "install", "lb_controller_chart": {"repository": "oci://r.example.com/c"}},
        service={},
    )
    (release,) = run.mocks.of_type(RELEASE)
    assert (
        release.inputs["chart"] == "oci://r.example.com/c/cce-lb-controller" and "repositoryOpts" not in release.inputs
    )
    assert any("now called 'helm'" in w for w in run.warnings)


def test_helm_on_a_managed_cluster_warns():
    run = build({"lb_controller": "helm", "lb_controller_chart": {"repository": "oci://r.example.com/c"}}, service={})
    assert any("compete" in w for w in run.warnings)


def test_helm_needs_a_repository():
    with pytest.raises(Exception) as err:
        build({"lb_controller": "helm"}, service={})
    assert "lb_controller_chart.repository" in str(err.value) and "'ensure'" in str(err.value)


def test_ensure_registers_the_addon_resource_before_the_services():
    run = build({"lb_controller": "ensure", "lb_controller_min_version": "1.3.6"})
    (addon,) = [r for r in run.mocks.of_type(ADDON_TYPE) if "addon_names" in r.inputs]
    assert addon.name == "prod-lb-controller-addon" and addon.parent == run.mocks.by_name("prod").urn
    assert addon.inputs["addon_names"] == ["cce-lb-controller"] and addon.inputs["min_version"] == "1.3.6"
    assert addon.urn in run.mocks.by_name("web-service").dependencies
    assert deployment_reads(run) == []


def test_skip_touches_nothing():
    run = build({"lb_controller": "skip"}, fake=FakeCluster.cce_default(lb_controller=None))
    assert not [r for r in run.mocks.registrations if r.type in (DEPLOYMENT, RELEASE)]
    assert not [r for r in run.mocks.of_type(ADDON_TYPE) if "addon_names" in r.inputs]


@pytest.mark.parametrize(
    ("args", "field"),
    [
        ({"lb_controller": "installed"}, "lb_controller"),
        ({"cluster_type": "dedicated"}, "cluster_type"),
        ({"lb_controller_min_version": "latest"}, "lb_controller_min_version"),
        ({"lb_controller_addon_names": []}, "lb_controller_addon_names"),
        ({"lb_controller_chart": {"repo": "x"}}, "lb_controller_chart"),
    ],
)
def test_bad_inputs_name_the_field(args, field):
    with pytest.raises(Exception) as err:
        build(args, service={})
    assert f"podlb prod: {field}" in str(err.value)
