"""podlb: pod-direct LoadBalancer Services on Baidu CCE as Pulumi components.

from podlb_component import PodDirectCluster, PodDirectService
"""

from .bce.security_group_rule import SecurityGroupRule, SecurityGroupRuleArgs
from .cluster.args import LbControllerChartArgs, PodDirectClusterArgs
from .cluster.component import PodDirectCluster
from .errors import PodLbError
from .rollout import graceful_shutdown_transform, with_graceful_shutdown
from .service.args import PodDirectServiceArgs, ServicePortArgs
from .service.component import PodDirectService

__all__ = [
    "LbControllerChartArgs",
    "PodDirectCluster",
    "PodDirectClusterArgs",
    "PodDirectService",
    "PodDirectServiceArgs",
    "PodLbError",
    "SecurityGroupRule",
    "SecurityGroupRuleArgs",
    "ServicePortArgs",
    "graceful_shutdown_transform",
    "with_graceful_shutdown",
]
