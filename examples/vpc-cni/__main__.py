"""VPC-CNI (secondary IP, veth) cluster: the targetPort opens in the *ENI* security groups
(one enterprise, one normal here); no ip-masq change is needed with veth NICs. The app's
Deployment gets a preStop sleep through the Service's transform, so rolling updates drop nothing."""

import pulumi
import pulumi_kubernetes as k8s

from podlb_component import PodDirectCluster, PodDirectService

config = pulumi.Config()

cluster = PodDirectCluster(
    "prod",
    {
        "cluster_id": config.require("clusterId"),
        "network_mode": "vpc-secondary-ip-veth",
        "eni_security_group_ids": config.require_object("eniSecurityGroupIds"),
        "backend_quota": 50,
    },
)

api = PodDirectService(
    "api",
    {
        "cluster": cluster,
        "selector": {"app": "api"},
        "ports": [
            {"name": "grpc", "port": 9090, "target_port": 9090},
            {"name": "metrics", "port": 9100, "target_port": 9100},
        ],
        "internal": True,
        "load_balancer_source_ranges": ["10.20.0.0/16"],
        "expected_backends": 8,
    },
)

k8s.apps.v1.Deployment(
    "api",
    spec={
        "replicas": 6,
        "strategy": {"rollingUpdate": {"maxSurge": 2, "maxUnavailable": 0}},
        "selector": {"matchLabels": {"app": "api"}},
        "template": {
            "metadata": {"labels": {"app": "api"}},
            "spec": {
                "containers": [
                    {
                        "name": "api",
                        "image": "registry.baidubce.com/demo/api:1.4.2",
                        "ports": [{"containerPort": 9090}, {"containerPort": 9100}],
                    }
                ]
            },
        },
    },
    opts=pulumi.ResourceOptions(transforms=[api.graceful_shutdown_transform(sleep_seconds=30)]),
)

pulumi.export("api_address", api.address)
