"""What PodDirectCluster registers as its outputs, as one typed value: the field names are the
keys, so `podlb plan`, which sees only what the engine recorded, reads them back through the
same class instead of by spelt-out keys."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any, TypedDict

import pulumi


class LbControllerCheck(TypedDict):
    """How the cce-lb-controller add-on is checked."""

    mode: str
    """lb_controller: validate, ensure, helm or skip."""
    cluster_type: str
    """managed or standalone."""
    cluster_type_from: str
    """Where the cluster type came from (an input, the CCE API, the default)."""
    checked_by: str
    """What is read or done to check it."""


# "from" is a keyword, hence the functional form.
SecurityGroupOrigin = TypedDict(
    "SecurityGroupOrigin",
    {"id": pulumi.Input[str], "role": str, "gets_rules": bool, "from": str},
)
"""A node or ENI group: its id, role (node/eni), whether it gets the Services' rules, and where
podlb learnt of it."""
SECURITY_GROUP_ORIGIN_FIELDS = {
    "id": "The security group's id ('g-…' or 'esg-…').",
    "role": "Whose group it is: 'node' (the cluster's nodes) or 'eni' (the Pods' ENIs).",
    "gets_rules": "Whether it gets the Services' targetPort rules (the network mode decides which role does).",
    "from": "Where podlb learnt of it: the input that lists it, or where the CCE API lists it.",
}
"""One description per key of SecurityGroupOrigin (its keys aren't all identifiers, so no docstrings):
the schema's (its generator, tests/support/schema_gen.py)."""


@dataclass(frozen=True)
class ClusterOutputs:
    """PodDirectCluster's registered outputs."""

    cluster_id: pulumi.Input[str]
    network_mode: str
    nic_type: str
    rule_security_group_ids: list[pulumi.Input[str]]
    security_groups: list[SecurityGroupOrigin]
    lb_controller: pulumi.Input[str]
    """What the cce-lb-controller check found (or that it was skipped, or the ensured version):
    the component's `lb_controller_status`."""
    lb_controller_check: LbControllerCheck
    ip_masq_config: pulumi.Input[str | None]

    def registered(self) -> dict[str, Any]:
        """As `register_outputs` takes them (not `dataclasses.asdict`: it would deep-copy the Outputs)."""
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def read_back(cls, registered: Mapping[str, Any]) -> ClusterOutputs:
        """The outputs as the engine recorded them: wire values, unknowns as `pulumi.output.Unknown`;
        a None value never reaches the engine, so its key is missing and reads back as None."""
        values: dict[str, Any] = {f.name: registered.get(f.name) for f in fields(cls)}
        return cls(**values)
