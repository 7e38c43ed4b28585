"""podlb: pod-direct LoadBalancer Services on Baidu CCE as Pulumi components.

from podlb_component import PodDirectCluster, PodDirectService
"""

from .cluster.args import LbControllerChartArgs, PodDirectClusterArgs
from .cluster.component import PodDirectCluster
from .errors import PodLbError
from .resources import CceAddon, Provider, ProviderArgs, SecurityGroupRule, SecurityGroupRuleArgs
from .rollout import graceful_shutdown_transform, with_graceful_shutdown
from .service.args import PodDirectServiceArgs, ServicePortArgs
from .service.component import PodDirectService

__all__ = [
    "CceAddon",
    "LbControllerChartArgs",
    "PodDirectCluster",
    "PodDirectClusterArgs",
    "PodDirectService",
    "PodDirectServiceArgs",
    "PodLbError",
    "Provider",
    "ProviderArgs",
    "SecurityGroupRule",
    "SecurityGroupRuleArgs",
    "ServicePortArgs",
    "graceful_shutdown_transform",
    "with_graceful_shutdown",
]
