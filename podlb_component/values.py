"""Checks of plain input values shared by the validators (standard library only, so the pure
planners can use them without Pulumi)."""

from __future__ import annotations

from typing import TypeGuard


def is_whole_number(value: object) -> TypeGuard[int]:
    """An int that isn't a bool: True is an int to Python, never a port or a count to podlb."""
    return isinstance(value, int) and not isinstance(value, bool)
