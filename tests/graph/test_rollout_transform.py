"""The zero-downtime transform, registered through resource options, reaches the Deployment."""

import pulumi
import pulumi_kubernetes as k8s
from stacks import CLUSTER_ARGS, SERVICE_ARGS

from podlb_component import PodDirectCluster, PodDirectService
from podlb_component.testing.mock_engine import run_program


def deployment(name: str, labels: dict, transform) -> k8s.apps.v1.Deployment:
    return k8s.apps.v1.Deployment(
        name,
        spec={
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {"containers": [{"name": "app", "image": "nginx:1.27"}]},
            },
        },
        opts=pulumi.ResourceOptions(transforms=[transform]),
    )


def test_transform_applies_to_matching_deployments_only():
    def program():
        cluster = PodDirectCluster("prod", CLUSTER_ARGS)
        web = PodDirectService("web", {"cluster": cluster, **SERVICE_ARGS})
        deployment("web-app", {"app": "web"}, web.graceful_shutdown_transform())
        deployment("api-app", {"app": "api"}, web.graceful_shutdown_transform())

    run = run_program(program)
    web_pod = run.mocks.by_name("web-app").inputs["spec"]["template"]["spec"]
    assert web_pod["containers"][0]["lifecycle"]["preStop"]["exec"]["command"] == ["sleep", "30"]
    assert web_pod["terminationGracePeriodSeconds"] > 30
    api_pod = run.mocks.by_name("api-app").inputs["spec"]["template"]["spec"]
    assert "lifecycle" not in api_pod["containers"][0]
