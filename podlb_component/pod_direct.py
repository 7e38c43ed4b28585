"""The pod-direct rules that read Kubernetes objects, written once: `podlb doctor`, the
CrossGuard pack and the components decide with these. Standard library only, and no import of
podlb: the policy pack, which runs without podlb, loads this file by path (as it loads
cce_annotations.py).

Sources: the seed guide (../shared/reference/cce-pod-direct-lb.md): new-generation clusters
only, the targetPort opened in a security group (a port number, then), a preStop sleep with a
longer grace period; Kubernetes' PodSpec reference for the grace period's default (30 s).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

OLD_GENERATION_ID = re.compile(r"^c-[A-Za-z0-9]+$")
"""An old-generation CCE cluster's id: no pod-direct Services there."""
NEW_GENERATION_ID = re.compile(r"^cce-[a-z0-9]+$")
DEFAULT_GRACE_SECONDS = 30
"""terminationGracePeriodSeconds when a Pod doesn't set it (Kubernetes PodSpec)."""


def named_target_port(port: Mapping[str, Any]) -> str | None:
    """The port's targetPort (its port when unset) when that is a name: a security group opens
    numbers, and pod-direct traffic arrives on the targetPort itself."""
    target = port.get("targetPort", port.get("port"))
    return target if isinstance(target, str) and not target.isdigit() else None


def pre_stop_sleep_seconds(container: Mapping[str, Any]) -> int | None:
    """How long the container's preStop exec hook sleeps: the last word of its command that is a
    number (`["sleep", "30"]`; a number the engine sent as one, too), or None."""
    lifecycle = container.get("lifecycle") or {}
    command = ((lifecycle.get("preStop") or {}).get("exec") or {}).get("command") or []
    for word in reversed(command):
        if isinstance(word, str) and word.isdigit():
            return int(word)
        if isinstance(word, (int, float)) and not isinstance(word, bool):
            return int(word)
    return None


@dataclass(frozen=True)
class Shutdown:
    """How one container of a Pod stops during a rolling update."""

    sleep: int | None
    """Its preStop sleep in seconds; None: it doesn't sleep."""
    grace: Any
    """The Pod's terminationGracePeriodSeconds (the default when unset; as given otherwise)."""

    @property
    def grace_too_short(self) -> bool:
        """The kubelet kills it mid-sleep."""
        number = isinstance(self.grace, (int, float)) and not isinstance(self.grace, bool)
        return self.sleep is not None and number and self.grace <= self.sleep

    @property
    def drops_traffic(self) -> bool:
        """The BLB may still send it requests after it stopped serving."""
        return self.sleep is None or self.grace_too_short


def shutdown_of(pod_spec: Mapping[str, Any], container: Mapping[str, Any]) -> Shutdown:
    return Shutdown(
        pre_stop_sleep_seconds(container), pod_spec.get("terminationGracePeriodSeconds", DEFAULT_GRACE_SECONDS)
    )
