"""Pure: the CCE add-on API's view of an add-on — its phases, its versions, and the entry for
one add-on in a ListAddons answer. Below both `bce/` (which installs and upgrades add-ons) and
`cluster/` (which judges whether the LB controller is usable), so neither imports the other.

Phases and fields: bce-sdk-go services/cce/v2/types/addon.go.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

RUNNING = "Running"
IN_PROGRESS = ("Installing", "Upgrading")
BROKEN = ("Failed", "Abnormal")


# -- versions ---------------------------------------------------------------------------------
_SEMVER = re.compile(r"^v?(\d+)\.(\d+)(?:\.(\d+))?")
_DATE = re.compile(r"^(\d{4})\.(\d{1,2})\.(\d{1,2})(?:\.(\d+))?$")


def parse_version(text: str | None) -> tuple[str, tuple[int, ...]] | None:
    """("semver", (1, 3, 13)) or ("date", (2022, 11, 8, 1552)) — older installs report
    date-style versions — or None for anything else."""
    value = (text or "").strip()
    date = _DATE.match(value)
    if date:
        return "date", tuple(int(g or 0) for g in date.groups())
    semver = _SEMVER.match(value)
    if semver:
        return "semver", tuple(int(g or 0) for g in semver.groups())
    return None


def version_at_least(installed: str | None, minimum: str) -> bool | None:
    """True/False when the two compare; None when they don't (a date-style version against a
    numbered one, or an unparseable version): a caller warns instead of guessing."""
    a, b = parse_version(installed), parse_version(minimum)
    if a is None or b is None or a[0] != b[0]:
        return None
    return a[1] >= b[1]


# -- the add-on as the CCE API lists it -------------------------------------------------------
@dataclass(frozen=True)
class AddonState:
    name: str
    installed_version: str | None
    """None: listed but not installed."""
    phase: str | None
    latest_version: str | None
    managed: bool
    allow_install: bool


def _instance(item: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The installed instance: `instance`, or the first of `multiInstances` (types/addon.go:
    multi-instance add-ons list their instances there)."""
    if item.get("instance"):
        return item["instance"]  # type: ignore[no-any-return]
    multi = [i for i in item.get("multiInstances") or [] if i]
    return multi[0] if multi else None


def find_addon(items: Iterable[Mapping[str, Any]], names: Sequence[str]) -> tuple[AddonState | None, list[str]]:
    """The first of `names` the list holds, and every name the list holds (for the error)."""
    listed = {str((item.get("meta") or {}).get("name") or ""): item for item in items}
    for name in names:
        item = listed.get(name)
        if item is None:
            continue
        meta = item.get("meta") or {}
        instance = _instance(item) or {}
        return (
            AddonState(
                name=name,
                installed_version=instance.get("installedVersion") or None,
                phase=(instance.get("status") or {}).get("phase") or None,
                latest_version=meta.get("latestVersion") or None,
                managed=bool(meta.get("managed")),
                allow_install=bool((meta.get("installInfo") or {}).get("allowInstall", True)),
            ),
            sorted(n for n in listed if n),
        )
    return None, sorted(n for n in listed if n)
