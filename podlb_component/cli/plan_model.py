"""What `podlb plan` found: the model its renderers print (cli/render.py) and its `-o json|yaml`
document. plan.py builds it from a run of the program."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Plan:
    project: str
    stack: str
    resources: list[dict[str, Any]] = field(default_factory=list)
    rules: list[dict[str, Any]] = field(default_factory=list)
    security_groups: list[dict[str, Any]] = field(default_factory=list)
    """Each cluster's node and ENI groups: which get rules, and where podlb learnt of them."""
    assumed: dict[str, str] = field(default_factory=dict)
    """Live objects the program reads, and what plan assumed they hold."""
    lb_controller: list[dict[str, Any]] = field(default_factory=list)
    """Per cluster: how the cce-lb-controller add-on is checked or installed."""
    manifests: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[dict[str, Any]] = field(default_factory=list)
    """Each warning with the resource it is about: resource (name), type, kubernetes
    (namespace/name of the object it stands for, if any) and message."""
    errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    python: str = ""
    """The interpreter the program ran with, and why that one."""
    outputs: list[str] = field(default_factory=list)

    @property
    def rules_per_group(self) -> dict[str, int]:
        return dict(Counter(str(r["group"]) for r in self.rules))

    def as_dict(self) -> dict[str, Any]:
        return {
            "project": self.project,
            "stack": self.stack,
            "python": self.python,
            "assumed_cluster": self.assumed,
            "lb_controller": self.lb_controller,
            "resources": self.resources,
            "security_groups": self.security_groups,
            "security_group_rules": self.rules,
            "rules_per_group": self.rules_per_group,
            "kubernetes_objects": self.manifests,
            "warnings": self.warnings,
            "errors": self.errors,
            "notes": self.notes,
            "outputs": self.outputs,
        }
