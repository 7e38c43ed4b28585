"""`import podlb`: podlb_component's public API under the distribution's name.

This package exists for the file beside it, pulumi-plugin.json: Pulumi's Python language host
finds a program's provider plugins by looking, for each installed distribution, in the package
named like it (`podlb`) for that file. So a stack whose virtualenv holds podlb gets the matching
`pulumi-resource-podlb` on `pulumi preview` with no other step (docs/design.md, "Getting the
plugin to the engine"). The file is generated: `python -m podlb_component.provider.schema --write`.
"""

from __future__ import annotations

from typing import Any

import podlb_component
from podlb_component import __all__ as __all__


def __getattr__(name: str) -> Any:
    return getattr(podlb_component, name)
