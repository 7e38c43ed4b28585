"""An application team's stack: its Deployment, made rollout-safe with `with_graceful_shutdown`,
behind a pod-direct Service whose backend count is derived from the Deployment's own numbers."""

import pulumi
import pulumi_kubernetes as k8s

from podlb_component import PodDirectCluster, PodDirectService, with_graceful_shutdown

config = pulumi.Config()
replicas = int(config.get("replicas") or 3)
max_surge = 1
labels = {"app": "orders"}

cluster = PodDirectCluster(
    "cluster",
    {
        "cluster_id": config.require("clusterId"),
        "network_mode": "vpc-route-veth",
        "node_security_group_ids": [config.require("nodeSecurityGroupId")],
        "lb_controller": "skip",  # the platform team's stack checks the add-on
    },
)

pod_spec = with_graceful_shutdown(
    {
        "containers": [
            {"name": "orders", "image": "registry.baidubce.com/shop/orders:2.3.0", "ports": [{"containerPort": 8080}]}
        ]
    },
    sleep_seconds=30,
)
k8s.apps.v1.Deployment(
    "orders",
    spec={
        "replicas": replicas,
        "strategy": {"rollingUpdate": {"maxSurge": max_surge, "maxUnavailable": 0}},
        "selector": {"matchLabels": labels},
        "template": {"metadata": {"labels": labels}, "spec": pod_spec},
    },
)

orders = PodDirectService(
    "orders",
    {
        "cluster": cluster,
        "selector": labels,
        "ports": [{"name": "http", "port": 80, "target_port": 8080}],
        "load_balancer_source_ranges": ["198.51.100.0/24"],
        "expected_backends": replicas + max_surge,
    },
)

pulumi.export("orders_address", orders.address)
