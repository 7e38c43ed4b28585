"""CceAddon: make sure a CCE add-on (the LB controller) is installed, Running and recent enough,
through the CCE v2 add-on API — a Pulumi dynamic resource for `lb_controller="ensure"`.

create/update: list the cluster's add-ons; install the add-on when it isn't installed, upgrade
it (to the newest version CCE offers) when it is older than `min_version`, and poll until it is
Running, Failed, or the timeout passes. Installing is asynchronous (phases Installing/Upgrading,
bce-sdk-go types/addon.go), and an install or upgrade whose answer was lost is found by the next
listing, so a retry never installs twice. It never downgrades, and delete never uninstalls:
other Services (and other stacks) depend on the controller. Like SecurityGroupRule, the
provider runs in `python -m pulumi.dynamic`, builds its clients from its own (secret) inputs,
and holds nothing.
"""

from __future__ import annotations

import logging
import time
from typing import Any, TypedDict

import pulumi
import pulumi.dynamic as dyn

from ..cluster.lb_controller import (
    BROKEN,
    IN_PROGRESS,
    RUNNING,
    AddonState,
    find_addon,
    parse_version,
    version_at_least,
)
from .cce import CceClient
from .clients import BceApiError, client_config
from .settings import CREDENTIALS_INPUT, BceSettings

log = logging.getLogger("podlb.cce_addon")
CHANGING_INPUTS = ("addon_names", "min_version", "timeout_seconds", "poll_seconds", CREDENTIALS_INPUT)


class CceAddonArgs(TypedDict, total=False):
    cluster_id: pulumi.Input[str]
    """The cluster ('cce-…')."""
    addon_names: pulumi.Input[list[str]]
    """The add-on's possible names in the add-on API, tried in order."""
    min_version: pulumi.Input[str]
    """Oldest acceptable version; older installs are upgraded to the newest offered version."""
    timeout_seconds: pulumi.Input[int]
    """How long to wait for Running."""
    poll_seconds: pulumi.Input[float]
    """Pause between two polls."""
    bce_credentials: pulumi.Input[Any]
    """Secret {access_key_id, secret_access_key, region, endpoint}; env is used when unset."""


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


def ensure_addon(props: dict[str, Any]) -> dict[str, Any]:
    """Install or upgrade as needed, wait for Running; the add-on's state as outputs."""
    settings = BceSettings.resolve(props)
    client = CceClient(client_config(settings, "cce"))
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
        **props,
        "addon_name": state.name,
        "installed_version": state.installed_version,
        "phase": state.phase,
        "version_check": version_check,
    }


def check_addon_inputs(news: dict[str, Any]) -> list[dyn.CheckFailure]:
    failures = []
    if not str(news.get("cluster_id") or "").startswith("cce-"):
        failures.append(dyn.CheckFailure("cluster_id", f"{news.get('cluster_id')!r} is not a 'cce-…' cluster id"))
    names = news.get("addon_names")
    if not isinstance(names, list) or not names or not all(isinstance(n, str) and n for n in names):
        failures.append(dyn.CheckFailure("addon_names", "must be a non-empty list of names"))
    if parse_version(news.get("min_version")) is None:
        failures.append(dyn.CheckFailure("min_version", f"{news.get('min_version')!r} is not a version"))
    return failures


class CceAddonProvider(dyn.ResourceProvider):
    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> dyn.CheckResult:
        return dyn.CheckResult(dict(news), check_addon_inputs(news))

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> dyn.DiffResult:
        replaces = ["cluster_id"] if olds.get("cluster_id") != news.get("cluster_id") else []
        changes = bool(replaces) or any(olds.get(k) != news.get(k) for k in CHANGING_INPUTS)
        return dyn.DiffResult(changes=changes, replaces=replaces, delete_before_replace=False)

    def create(self, props: dict[str, Any]) -> dyn.CreateResult:
        outs = ensure_addon(props)
        return dyn.CreateResult(f"{props['cluster_id']}/{outs['addon_name']}", outs)

    def update(self, _id: str, _olds: dict[str, Any], news: dict[str, Any]) -> dyn.UpdateResult:
        return dyn.UpdateResult(ensure_addon(news))

    def read(self, id_: str, props: dict[str, Any]) -> dyn.ReadResult:
        client = CceClient(client_config(BceSettings.resolve(props), "cce"))
        state, _ = find_addon(client.list_addons(str(props["cluster_id"])), list(props["addon_names"]))
        if state is None or state.installed_version is None:
            return dyn.ReadResult("", {})  # uninstalled out of band: the next `up` installs it again
        enough = version_at_least(state.installed_version, str(props["min_version"]))
        return dyn.ReadResult(id_, _outputs(props, state, "ok" if enough else "unknown"))

    def delete(self, _id: str, _props: dict[str, Any]) -> None:
        """Never uninstalls: the controller serves every LoadBalancer Service of the cluster."""


class CceAddon(dyn.Resource):
    """The cce-lb-controller add-on, installed and upgraded as needed (never removed)."""

    addon_name: pulumi.Output[str]
    installed_version: pulumi.Output[str]
    phase: pulumi.Output[str]
    version_check: pulumi.Output[str]

    def __init__(self, name: str, args: CceAddonArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        props: dict[str, Any] = {
            "cluster_id": args.get("cluster_id"),
            "addon_names": args.get("addon_names"),
            "min_version": args.get("min_version"),
            "timeout_seconds": args.get("timeout_seconds", 600),
            "poll_seconds": args.get("poll_seconds", 10),
            CREDENTIALS_INPUT: args.get(CREDENTIALS_INPUT),
            "addon_name": None,
            "installed_version": None,
            "phase": None,
            "version_check": None,
        }
        opts = pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(additional_secret_outputs=[CREDENTIALS_INPUT]))
        super().__init__(CceAddonProvider(), name, props, opts)


__all__ = ["AddonError", "CceAddon", "CceAddonArgs", "CceAddonProvider", "ensure_addon"]
