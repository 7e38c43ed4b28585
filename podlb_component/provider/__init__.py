"""The podlb provider plugin (`pulumi-resource-podlb`): the custom resources podlb's components
create, served over gRPC to the Pulumi engine. Calls `bce/` and the pure models, nothing above."""

from .server import RESOURCES, PodlbProvider, serve

__all__ = ["RESOURCES", "PodlbProvider", "serve"]
