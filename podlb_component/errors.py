"""The one exception type podlb raises for bad input (PodLbErrors, its subclass: several at once).

Every message names the input that is wrong, what is wrong with it and how to fix it, so a
failed `pulumi preview` in a PR check tells the author what to change without reading code.
A component checks its inputs each on its own (ErrorCollector) and raises every bad one
together, so one run names every mistake.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Sequence
from typing import ParamSpec, TypeVar

from pulumi import RunError

P = ParamSpec("P")
T = TypeVar("T")


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

    @property
    def errors(self) -> tuple[PodLbError, ...]:
        """Each invalid input this error stands for: itself (PodLbErrors: several)."""
        return (self,)

    @staticmethod
    def of(errors: Sequence[PodLbError]) -> PodLbError:
        """One error to raise for `errors` (at least one): a single one as itself, so code
        that reads `.field` sees what it always saw."""
        flat = [one for error in errors for one in error.errors]
        return flat[0] if len(flat) == 1 else PodLbErrors(flat)


class PodLbErrors(PodLbError):
    """Several independent invalid inputs, raised together. resource, field, problem and fix
    are the first one's (for code that reads one error); `errors` lists them all."""

    def __init__(self, errors: Sequence[PodLbError]) -> None:
        self._errors = tuple(one for error in errors for one in error.errors)
        first = self._errors[0]
        self.resource, self.field, self.problem, self.fix = first.resource, first.field, first.problem, first.fix
        # not PodLbError.__init__: the message is every error's, one after the other
        super(PodLbError, self).__init__("\n".join(str(error) for error in self._errors))

    @property
    def errors(self) -> tuple[PodLbError, ...]:
        return self._errors


class ErrorCollector:
    """Runs the independent checks of one component's inputs in turn, keeping every
    PodLbError, so a bad field doesn't hide the next one. A check that depends on another
    field asks `failed(field)` first and is skipped when that field is bad (its error would
    only repeat the first one)."""

    def __init__(self) -> None:
        self.errors: list[PodLbError] = []

    def check(self, check: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T | None:
        """check(*args, **kwargs), or None when it raised a PodLbError (which is kept)."""
        try:
            return check(*args, **kwargs)
        except PodLbError as exc:
            self.errors.extend(exc.errors)
            return None

    def failed(self, *fields: str) -> bool:
        """Whether any error kept so far is about one of `fields` or a part of it (ports[0].name is part of ports)."""
        return any(
            error.field == field or error.field.startswith((f"{field}.", f"{field}["))
            for error in self.errors
            for field in fields
        )

    def raise_errors(self) -> None:
        """Raise every error kept (one PodLbError, or PodLbErrors), if there is any."""
        if self.errors:
            raise PodLbError.of(self.errors)


def closest(value: object, choices: Iterable[str]) -> str | None:
    """The choice `value` is a near miss of, if any."""
    close = difflib.get_close_matches(str(value), list(choices), n=1, cutoff=0.6)
    return close[0] if close else None


def did_you_mean(value: object, choices: Iterable[str]) -> str:
    """' (did you mean 'x'?)' for a near miss, else ''."""
    close = closest(value, choices)
    return f" (did you mean {close!r}?)" if close else ""


def unknown_args(args: Iterable[str], known: Iterable[str]) -> list[str]:
    """The arguments that aren't known ones, sorted."""
    return sorted(set(args) - set(known))


def reject_unknown_args(resource: str, args: Iterable[str], known: Iterable[str]) -> None:
    """The misspelled or unknown arguments, each with the closest known one."""
    known = sorted(known)
    unknown = unknown_args(args, known)
    if unknown:
        hints = "".join(f"{name!r}{did_you_mean(name, known) or ''}; " for name in unknown).rstrip("; ")
        raise PodLbError(resource, ", ".join(unknown), f"unknown argument(s): {hints}", "use only: " + ", ".join(known))


def misspelt_fields(args: Iterable[str], known: Iterable[str]) -> set[str]:
    """The known arguments an unknown one is a near miss of: when one of those is missing, it
    was most likely misspelt, and the unknown argument's error already says so."""
    known = sorted(known)
    return {near for name in unknown_args(args, known) if (near := closest(name, known)) is not None}
