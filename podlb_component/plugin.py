"""The podlb plugin the engine starts (`pulumi-resource-podlb`, or `python -m podlb_component.plugin`):
the provider's custom resources (provider/server.py) and Construct for the components
(component_host.py), in one process."""

from __future__ import annotations

from .component_host import ComponentHost
from .provider.server import serve as serve_provider


def serve(argv: list[str] | None = None) -> None:
    serve_provider(argv, components=ComponentHost)


if __name__ == "__main__":
    serve()
