import pulumi
import pytest

from podlb_component.rollout import graceful_shutdown_transform, with_graceful_shutdown


def pod(**extra):
    return {"containers": [{"name": "app", "image": "nginx"}], **extra}


def test_adds_prestop_and_grace_period():
    spec = with_graceful_shutdown(pod())
    assert spec["containers"][0]["lifecycle"]["preStop"] == {"exec": {"command": ["sleep", "30"]}}
    assert spec["terminationGracePeriodSeconds"] > 30


def test_does_not_mutate_input():
    original = pod()
    with_graceful_shutdown(original)
    assert "lifecycle" not in original["containers"][0]


def test_larger_existing_grace_period_is_kept_smaller_one_raised():
    assert with_graceful_shutdown(pod(terminationGracePeriodSeconds=120))["terminationGracePeriodSeconds"] == 120
    assert with_graceful_shutdown(pod(terminationGracePeriodSeconds=30))["terminationGracePeriodSeconds"] > 30
    assert with_graceful_shutdown(pod(), sleep_seconds=60)["terminationGracePeriodSeconds"] > 60


def test_existing_prestop_left_alone_with_warning():
    hook = {"exec": {"command": ["/drain.sh"]}}
    spec = pod()
    spec["containers"][0]["lifecycle"] = {"preStop": hook}
    warnings = []
    out = with_graceful_shutdown(spec, warn=warnings.append)
    assert out["containers"][0]["lifecycle"]["preStop"] == hook
    assert len(warnings) == 1 and "'app'" in warnings[0]


def test_snake_case_dicts_get_snake_case_keys():
    spec = {"containers": [{"name": "app", "image": "x", "image_pull_policy": "Always"}]}
    out = with_graceful_shutdown(spec, sleep_seconds=10)
    assert out["containers"][0]["lifecycle"]["pre_stop"]["exec"]["command"] == ["sleep", "10"]
    assert out["termination_grace_period_seconds"] == 25


@pytest.mark.parametrize("bad", [0, -1, True, "30"])
def test_bad_sleep(bad):
    with pytest.raises(ValueError):
        with_graceful_shutdown(pod(), sleep_seconds=bad)


def deployment_props(labels):
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "spec": {"selector": {"matchLabels": labels}, "template": {"metadata": {"labels": labels}, "spec": pod()}},
    }


def call(transform, type_, props):
    return transform(pulumi.ResourceTransformArgs(True, type_, "d", props, pulumi.ResourceOptions()))


def test_transform_applies_to_matching_deployment_only():
    transform = graceful_shutdown_transform({"app": "web"})
    result = call(transform, "kubernetes:apps/v1:Deployment", deployment_props({"app": "web", "tier": "fe"}))
    assert result is not None
    containers = result.props["spec"]["template"]["spec"]["containers"]
    assert containers[0]["lifecycle"]["preStop"]["exec"]["command"] == ["sleep", "30"]
    assert call(transform, "kubernetes:apps/v1:Deployment", deployment_props({"app": "api"})) is None
    assert call(transform, "kubernetes:core/v1:Service", deployment_props({"app": "web"})) is None
