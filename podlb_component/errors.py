"""The one exception type podlb raises for bad input.

Every message names the input that is wrong, what is wrong with it and how to fix it, so a
failed `pulumi preview` in a PR check tells the author what to change without reading code.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from pulumi import RunError


class PodLbError(RunError, ValueError):
    """Invalid input to a podlb component (raised before any resource is registered).

    A `pulumi.RunError`: Pulumi's program runner prints its message alone, no traceback (the
    message already names the input and the fix)."""

    def __init__(self, resource: str, field: str, problem: str, fix: str) -> None:
        self.resource = resource
        self.field = field
        self.problem = problem
        self.fix = fix
        super().__init__(f"podlb {resource}: {field}: {problem}\n  fix: {fix}")


def did_you_mean(value: object, choices: Iterable[str]) -> str:
    """' (did you mean 'x'?)' for a near miss, else ''."""
    close = difflib.get_close_matches(str(value), list(choices), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def reject_unknown_args(resource: str, args: Iterable[str], known: Iterable[str]) -> None:
    """The first misspelled or unknown argument, with the closest known one."""
    known = sorted(known)
    unknown = sorted(set(args) - set(known))
    if unknown:
        hints = "".join(f"{name!r}{did_you_mean(name, known) or ''}; " for name in unknown).rstrip("; ")
        raise PodLbError(resource, ", ".join(unknown), f"unknown argument(s): {hints}", "use only: " + ", ".join(known))
