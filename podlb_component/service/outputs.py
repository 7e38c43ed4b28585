"""What PodDirectService registers as its outputs, as one typed value: the field names are the
keys (and the schema's output properties; the schema generator, tests/support/schema_gen.py, reads this class)."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

import pulumi


@dataclass(frozen=True)
class ServiceOutputs:
    """PodDirectService's registered outputs (each described by the component's attribute of that name)."""

    service_name: pulumi.Output[str]
    namespace: pulumi.Output[str]
    address: pulumi.Output[str | None]
    blb_id: pulumi.Output[str | None]
    security_group_rule_ids: pulumi.Output[list[str]]

    def registered(self) -> dict[str, Any]:
        """As `register_outputs` takes them."""
        return {f.name: getattr(self, f.name) for f in fields(self)}
