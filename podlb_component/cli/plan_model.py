"""What `podlb plan` found: the model its renderers print (cli/render.py) and its `-o json|yaml`
document. plan.py builds it from a run of the program."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from ..errors import PodLbError

FIX_MARK = "\n  fix: "
"""How every podlb message sets its fix apart from the problem."""


@dataclass(frozen=True)
class PlanError:
    """One reason plan refuses the stack: what it is about and how to fix it. resource and
    field are empty when it isn't about one input (a bad path, a program that fails), fix when
    there is nothing general to say."""

    message: str
    resource: str = ""
    field: str = ""
    fix: str = ""

    @classmethod
    def of(cls, error: PodLbError) -> list[PlanError]:
        """Each invalid input a PodLbError (or PodLbErrors) names."""
        return [cls(one.problem, one.resource, one.field, one.fix) for one in error.errors]

    @classmethod
    def from_text(cls, text: str) -> PlanError:
        """An error known only by its text (a ProjectError's): the problem, then any fix."""
        message, _, fix = text.partition(FIX_MARK)
        return cls(message, fix=fix)

    def text(self) -> str:
        """As people read it: "podlb web: ports[0].target_port: problem", then the fix line
        (a PodLbError's own wording)."""
        if self.resource and self.field:
            head = f"podlb {self.resource}: {self.field}: {self.message}"
        else:
            head = f"{self.resource}: {self.message}" if self.resource else self.message
        return head + (FIX_MARK + self.fix if self.fix else "")

    def as_dict(self) -> dict[str, str]:
        return {"resource": self.resource, "field": self.field, "message": self.message, "fix": self.fix}


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
    errors: list[PlanError] = field(default_factory=list)
    """Every reason the stack is refused, in the order the program met them."""
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
            "errors": [error.as_dict() for error in self.errors],  # {resource, field, message, fix} each
            "notes": self.notes,
            "outputs": self.outputs,
        }
