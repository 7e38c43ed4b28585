"""A deliberate mistake: a named target port. pod-direct traffic reaches the Pod on the target
port itself, which must be opened in a security group, so podlb needs the number.
`podlb plan examples/broken-project` exits 1 and says so (tests/cli/test_plan.py)."""

from podlb_component import PodDirectCluster, PodDirectService

cluster = PodDirectCluster(
    "prod",
    {"cluster_id": "cce-br0ken01", "network_mode": "vpc-route-veth", "node_security_group_ids": ["g-nodes0001"]},
)
PodDirectService(
    "web",
    {
        "cluster": cluster,
        "selector": {"app": "web"},
        "ports": [{"name": "http", "port": 80, "target_port": "http"}],
        "load_balancer_source_ranges": ["203.0.113.0/24"],
        "expected_backends": 4,
    },
)
