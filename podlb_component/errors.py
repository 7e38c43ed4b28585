"""The one exception type podlb raises for bad input.

Every message names the input that is wrong, what is wrong with it and how to fix it, so a
failed `pulumi preview` in a PR check tells the author what to change without reading code.
"""

from __future__ import annotations


class PodLbError(ValueError):
    """Invalid input to a podlb component (raised before any resource is registered)."""

    def __init__(self, resource: str, field: str, problem: str, fix: str) -> None:
        self.resource = resource
        self.field = field
        self.problem = problem
        self.fix = fix
        super().__init__(f"podlb {resource}: {field}: {problem}\n  fix: {fix}")
