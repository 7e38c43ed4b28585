"""`python -m podlb_component.provider`: the same plugin as the `pulumi-resource-podlb` script."""

from .server import serve

serve()
