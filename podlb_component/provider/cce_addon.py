"""`podlb:bce:CceAddon`: make sure a CCE add-on (the LB controller) is installed, Running and
recent enough, through the CCE v2 add-on API — for `lb_controller="ensure"`.

create/update: list the cluster's add-ons; install the add-on when it isn't installed, upgrade
it (to the newest version CCE offers) when it is older than `min_version`, and poll until it is
Running, Failed, or the timeout passes. Installing is asynchronous (phases Installing/Upgrading,
bce-sdk-go types/addon.go), and an install or upgrade whose answer was lost is found by the next
listing, so a retry never installs twice. It never downgrades, and delete never uninstalls:
other Services (and other stacks) depend on the controller.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from ..addon_model import BROKEN, IN_PROGRESS, RUNNING, AddonState, find_addon, parse_version, version_at_least
from ..bce.cce import CceClient
from ..bce.clients import BceApiError
from ..tokens import ADDON_TYPE
from .clients import ProviderClients
from .resource import Checked, CheckFailure, Diff, Read, migrating

log = logging.getLogger("podlb.cce_addon")
TOKEN = ADDON_TYPE
INPUTS = ("cluster_id", "addon_names", "min_version", "timeout_seconds", "poll_seconds")
CHANGING_INPUTS = ("addon_names", "min_version", "timeout_seconds", "poll_seconds")
DEFAULTS = {"timeout_seconds": 600, "poll_seconds": 10}


class AddonError(RuntimeError):
    pass


def _state(client: CceClient, cluster_id: str, names: list[str]) -> AddonState:
    state, listed = find_addon(client.list_addons(cluster_id), names)
    if state is None:
        raise AddonError(
            f"cluster {cluster_id}: the CCE add-on API lists no add-on named {', '.join(map(repr, names))} "
            f"(it lists: {', '.join(listed) or 'nothing'}); set lb_controller_addon_names to the name your "
            "cluster uses, or install the LB controller from the CCE console"
        )
    return state


def _wait(client: CceClient, cluster_id: str, names: list[str], deadline: float, poll: float) -> AddonState:
    while True:
        state = _state(client, cluster_id, names)
        if state.phase == RUNNING:
            return state
        if state.phase in BROKEN or state.installed_version is None:
            raise AddonError(
                f"cluster {cluster_id}: add-on {state.name!r} is {state.phase or 'not installed'} "
                f"({state.installed_version or '-'}); see the CCE console (cluster -> add-ons) for why"
            )
        if time.monotonic() >= deadline:
            raise AddonError(
                f"cluster {cluster_id}: add-on {state.name!r} is still {state.phase} after the timeout; it may "
                "finish on its own: run `pulumi up` again (podlb resumes waiting, it doesn't install twice), "
                "or raise lb_controller_timeout_seconds"
            )
        log.info("add-on %s on %s: %s %s", state.name, cluster_id, state.phase, state.installed_version)
        time.sleep(poll)


def ensure_addon(client: CceClient, props: dict[str, Any]) -> dict[str, Any]:
    """Install or upgrade as needed, wait for Running; the add-on's state as outputs."""
    cluster_id, names = str(props["cluster_id"]), list(props["addon_names"])
    minimum = str(props["min_version"])
    deadline = time.monotonic() + float(props.get("timeout_seconds") or 600)
    poll = float(props.get("poll_seconds") or 10)

    state = _state(client, cluster_id, names)
    if state.installed_version is None:
        if not state.allow_install:
            raise AddonError(f"cluster {cluster_id}: CCE doesn't allow installing {state.name!r} on this cluster")
        log.info("installing add-on %s on %s", state.name, cluster_id)
        try:
            client.install_addon(cluster_id, state.name)
        except BceApiError as exc:
            if not exc.conflict:  # 409: installed meanwhile (a retry whose first answer was lost)
                raise
    if state.installed_version is None or state.phase in IN_PROGRESS:
        state = _wait(client, cluster_id, names, deadline, poll)
    elif state.phase in BROKEN:
        raise AddonError(
            f"cluster {cluster_id}: add-on {state.name!r} ({state.installed_version}) is {state.phase}; repair it "
            "in the CCE console (cluster -> add-ons); podlb doesn't reinstall a broken add-on"
        )

    enough = version_at_least(state.installed_version, minimum)
    if enough is False:
        latest = state.latest_version
        newer = version_at_least(latest, state.installed_version or "")  # never downgrade
        if version_at_least(latest, minimum) is not True or newer is not True:
            raise AddonError(
                f"cluster {cluster_id}: add-on {state.name!r} is at {state.installed_version}, below min_version "
                f"{minimum}, and the newest version CCE offers is {latest!r}"
            )
        log.info("upgrading add-on %s on %s from %s to %s", state.name, cluster_id, state.installed_version, latest)
        try:
            client.upgrade_addon(cluster_id, state.name, latest)
        except BceApiError as exc:
            if not exc.conflict:  # 409: an upgrade is already under way
                raise
        state = _wait(client, cluster_id, names, deadline, poll)
        enough = version_at_least(state.installed_version, minimum)
        if enough is False:
            raise AddonError(
                f"cluster {cluster_id}: add-on {state.name!r} is Running at {state.installed_version} after the "
                f"upgrade, still below {minimum}"
            )
    return _outputs(props, state, "ok" if enough else "unknown")


def _outputs(props: dict[str, Any], state: AddonState, version_check: str) -> dict[str, Any]:
    return {
        **{k: props.get(k) for k in INPUTS},
        "addon_name": state.name,
        "installed_version": state.installed_version,
        "phase": state.phase,
        "version_check": version_check,
    }


def check_addon_inputs(news: dict[str, Any]) -> list[CheckFailure]:
    failures: list[CheckFailure] = []
    if not str(news.get("cluster_id") or "").startswith("cce-"):
        failures.append(CheckFailure("cluster_id", f"{news.get('cluster_id')!r} is not a 'cce-…' cluster id"))
    names = news.get("addon_names")
    if not isinstance(names, list) or not names or not all(isinstance(n, str) and n for n in names):
        failures.append(CheckFailure("addon_names", "must be a non-empty list of names"))
    if parse_version(news.get("min_version")) is None:
        failures.append(CheckFailure("min_version", f"{news.get('min_version')!r} is not a version"))
    return failures


OUTPUTS = ("addon_name", "installed_version", "phase", "version_check")


class CceAddonType:
    token = TOKEN

    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> Checked:
        inputs = {**DEFAULTS, **{k: news[k] for k in INPUTS if news.get(k) is not None}}
        return Checked(inputs, check_addon_inputs(inputs))

    def diff(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> Diff:
        replaces = ("cluster_id",) if olds.get("cluster_id") != news.get("cluster_id") else ()
        changes = bool(replaces) or migrating(olds) or any(olds.get(k) != news.get(k) for k in CHANGING_INPUTS)
        return Diff(changes, replaces)

    def create(self, clients: ProviderClients, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        outs = ensure_addon(clients.cce, inputs)
        return f"{inputs['cluster_id']}/{outs['addon_name']}", outs

    def read(self, clients: ProviderClients, id_: str, outputs: dict[str, Any], inputs: dict[str, Any]) -> Read:
        state, _ = find_addon(clients.cce.list_addons(str(outputs["cluster_id"])), list(outputs["addon_names"]))
        if state is None or state.installed_version is None:
            return Read("")  # uninstalled out of band: the next `up` installs it again
        enough = version_at_least(state.installed_version, str(outputs["min_version"]))
        refreshed = _outputs(outputs, state, "ok" if enough else "unknown")
        return Read(id_, refreshed, {k: refreshed[k] for k in INPUTS})

    def update(self, clients: ProviderClients, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> dict[str, Any]:
        if migrating(olds) and not any(olds.get(k) != news.get(k) for k in CHANGING_INPUTS):
            # podlb 0.2.0's state, same inputs: keep what it recorded, call nothing
            return {**{k: news.get(k) for k in INPUTS}, **{k: olds.get(k) for k in OUTPUTS}}
        return ensure_addon(clients.cce, news)

    def delete(self, clients: ProviderClients, id_: str, outputs: dict[str, Any]) -> None:
        """Never uninstalls: the controller serves every LoadBalancer Service of the cluster."""

    schema: dict[str, Any] = {
        "description": "The cce-lb-controller add-on of a CCE cluster, installed and upgraded through the CCE add-on "
        "API as needed; never downgraded, never uninstalled.",
        "requiredInputs": ["cluster_id", "addon_names", "min_version"],
        "properties": {
            "cluster_id": {"type": "string", "description": "The cluster."},
            "addon_names": {"type": "array", "items": {"type": "string"}, "description": "Names tried."},
            "min_version": {"type": "string", "description": "Oldest acceptable version."},
            "timeout_seconds": {"type": "integer", "description": "How long to wait for Running."},
            "poll_seconds": {"type": "number", "description": "Pause between two polls."},
            "addon_name": {"type": "string", "description": "The name the add-on API lists it by."},
            "installed_version": {"type": "string", "description": "The version installed."},
            "phase": {"type": "string", "description": "The add-on's phase (Running once ensured)."},
            "version_check": {
                "type": "string",
                "description": "'ok', or 'unknown' when the installed version can't be compared with min_version.",
            },
        },
        "required": ["cluster_id", "addon_names", "min_version", "addon_name", "installed_version", "phase"],
    }
