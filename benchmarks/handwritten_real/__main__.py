"""The hand-written baseline of the real-engine benchmark: from the same stack config as the
root project, the same Kubernetes Services and the same podlb custom resources (one
SecurityGroupRule per Service, group and source), registered directly, without the components."""

import pulumi
import pulumi_kubernetes as k8s

from podlb_component.resources import SecurityGroupRule
from podlb_component.rules.ownership import owner_remark
from podlb_component.service.args import validate_service_args
from podlb_component.service.manifest import service_manifest

config = pulumi.Config("podlb")
cluster = config.require_object("cluster")
for raw in config.require_object("services"):
    name = raw["name"]
    plan = validate_service_args(name, {k: v for k, v in raw.items() if k != "name"}, 50, "cluster")
    rules = []
    for group in cluster["node_security_group_ids"]:
        for port in plan.ports:
            for source in plan.source_ranges:
                rule_name = f"{name}-rule-{group}-{port.target_port}"
                rule = SecurityGroupRule(
                    rule_name,
                    {
                        "security_group_id": group,
                        "protocol": port.protocol.lower(),
                        "port_range": str(port.target_port),
                        "source_ip": source,
                        "remark": owner_remark(pulumi.get_project(), pulumi.get_stack(), rule_name),
                    },
                )
                rules.append(rule)
    manifest = service_manifest(plan, cluster["cluster_id"])
    k8s.core.v1.Service(
        f"{name}-service",
        metadata=manifest["metadata"],
        spec=manifest["spec"],
        opts=pulumi.ResourceOptions(depends_on=rules),
    )
