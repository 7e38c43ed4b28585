"""lb_controller: validate / install / skip."""

import pytest
from stacks import build, resolved

from podlb_component.testing.mock_engine import FakeCluster

DEPLOYMENT = "kubernetes:apps/v1:Deployment"
RELEASE = "kubernetes:helm.sh/v3:Release"


@pytest.mark.parametrize("preview", [True, False])
def test_validate_reads_the_deployment_through_the_component(preview):
    run = build(service={}, preview=preview, fake=FakeCluster.cce_default(lb_controller=1))
    read = run.mocks.by_name("prod-lb-controller")
    assert read.read_id == "kube-system/cce-lb-controller" and read.type == DEPLOYMENT
    assert read.parent == run.mocks.by_name("prod").urn
    assert run.mocks.of_type(RELEASE) == []


@pytest.mark.parametrize("preview", [True, False])
def test_validate_check_actually_ran(preview):
    from stacks import CLUSTER_ARGS

    from podlb_component import PodDirectCluster
    from podlb_component.testing.mock_engine import run_program

    run = run_program(lambda: PodDirectCluster("prod", CLUSTER_ARGS).lb_controller_status, preview=preview)
    assert resolved(run) == "available"  # live objects are read in preview too


def test_validate_absent_addon_fails_naming_it():
    with pytest.raises(Exception) as err:
        build(service={}, fake=FakeCluster.cce_default(lb_controller=None))
    assert "kube-system/cce-lb-controller" in str(err.value) and "does not exist" in str(err.value)


@pytest.mark.parametrize("preview", [True, False])
def test_validate_unavailable_addon_fails_with_install_hint(preview):
    with pytest.raises(Exception) as err:
        build(service={}, preview=preview, fake=FakeCluster.cce_default(lb_controller=0))
    text = str(err.value)
    assert "podlb prod: lb_controller" in text and "no available replica" in text
    assert "cce-lb-controller, version 1.0.0" in text and "lb_controller='install'" in text


def test_install_creates_a_helm_release_of_the_pinned_chart():
    run = build(
        {
            "lb_controller": "install",
            "lb_controller_chart": {"repository": "https://charts.example.com/cce", "values": {"replicaCount": 2}},
        },
        fake=FakeCluster.cce_default(lb_controller=None),
    )
    (release,) = run.mocks.of_type(RELEASE)
    assert release.inputs["chart"] == "cce-lb-controller" and release.inputs["version"] == "1.0.0"
    assert release.inputs["name"] == "cce-lb-controller" and release.inputs["namespace"] == "kube-system"
    assert release.inputs["repositoryOpts"]["repo"] == "https://charts.example.com/cce"
    assert release.inputs["values"] == {"replicaCount": 2}
    assert not [r for r in run.mocks.registrations if r.type == DEPLOYMENT and r.is_read]
    assert release.urn in run.mocks.by_name("web-service").dependencies


def test_install_from_oci_and_other_version():
    run = build(
        {
            "lb_controller": "install",
            "lb_controller_chart": {"repository": "oci://registry.example.com/charts", "version": "1.0.2"},
        },
        service={},
    )
    (release,) = run.mocks.of_type(RELEASE)
    assert release.inputs["chart"] == "oci://registry.example.com/charts/cce-lb-controller"
    assert release.inputs["version"] == "1.0.2" and "repositoryOpts" not in release.inputs


def test_skip_touches_nothing():
    run = build({"lb_controller": "skip"}, fake=FakeCluster.cce_default(lb_controller=None))
    assert not [r for r in run.mocks.registrations if r.type in (DEPLOYMENT, RELEASE)]
