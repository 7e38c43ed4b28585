"""Zero-downtime rolling updates for Pods behind a pod-direct Service.

When a Pod terminates, its removal from the BLB (via Endpoints and cce-lb-controller) races
with the Pod's death. A preStop sleep keeps the Pod serving until the BLB has dropped it, and
terminationGracePeriodSeconds must exceed the sleep or the kubelet kills it mid-sleep.

`with_graceful_shutdown` works on a pod spec dict; `graceful_shutdown_transform` applies it as a
Pulumi resource transform to Deployments whose Pod labels match a Service's selector.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from typing import Any

import pulumi

from .names import snake
from .plan_kind import PlanKind
from .values import is_whole_number

DEFAULT_SLEEP_SECONDS = 30
GRACE_MARGIN_SECONDS = 15
DEPLOYMENT_TYPE = "kubernetes:apps/v1:Deployment"

Warn = Callable[[str], None]


def _keys(style: str) -> dict[str, str]:
    spelt = snake if style == "snake" else str
    return {"grace": spelt("terminationGracePeriodSeconds"), "pre_stop": spelt("preStop")}


def _style_of(pod_spec: Mapping[str, Any]) -> str:
    """Pulumi Python accepts snake_case dicts, raw manifests are camelCase: answer in kind."""
    names = list(pod_spec)
    for container in pod_spec.get("containers") or []:
        if isinstance(container, Mapping):
            names += list(container)
            names += list(container.get("lifecycle") or {})
    return "snake" if any("_" in n for n in names) else "camel"


def with_graceful_shutdown(
    pod_spec: Mapping[str, Any],
    sleep_seconds: int = DEFAULT_SLEEP_SECONDS,
    warn: Warn | None = None,
) -> dict[str, Any]:
    """Return a copy of `pod_spec` whose containers sleep `sleep_seconds` in preStop and whose
    grace period exceeds that sleep (a larger existing grace period is kept).

    A container that already has a preStop hook is left alone and `warn` is told, since podlb
    can't know whether that hook waits long enough.
    """
    if not is_whole_number(sleep_seconds) or sleep_seconds < 1:
        raise ValueError(f"sleep_seconds must be a whole number >= 1, got {sleep_seconds!r}")
    spec = copy.deepcopy(dict(pod_spec))
    keys = _keys(_style_of(spec))
    for container in spec.get("containers") or []:
        lifecycle = container.setdefault("lifecycle", {})
        if lifecycle.get(keys["pre_stop"]):
            if warn is not None:
                warn(
                    f"container {container.get('name', '?')!r} already has a preStop hook; podlb "
                    f"left it alone: make sure it waits about {sleep_seconds}s so the BLB drops "
                    "the Pod before it stops"
                )
            continue
        lifecycle[keys["pre_stop"]] = {"exec": {"command": ["sleep", str(sleep_seconds)]}}
    current = spec.get(keys["grace"])
    if not isinstance(current, int) or current <= sleep_seconds:
        spec[keys["grace"]] = sleep_seconds + GRACE_MARGIN_SECONDS
    return spec


def _matches(selector: Mapping[str, str], labels: Mapping[str, Any]) -> bool:
    return bool(selector) and all(labels.get(k) == v for k, v in selector.items())


def graceful_shutdown_transform(
    selector: Mapping[str, str], sleep_seconds: int = DEFAULT_SLEEP_SECONDS
) -> pulumi.ResourceTransform:
    """A resource transform (for `ResourceOptions(transforms=[...])` or
    `pulumi.runtime.register_resource_transform`) that applies `with_graceful_shutdown` to
    every Deployment whose Pod template labels match `selector`; other resources pass through.
    """
    selector = dict(selector)

    def transform(args: pulumi.ResourceTransformArgs) -> pulumi.ResourceTransformResult | None:
        if args.type_ != DEPLOYMENT_TYPE or not isinstance(args.props, Mapping):
            return None
        props = copy.deepcopy(dict(args.props))
        template = (props.get("spec") or {}).get("template") or {}
        labels = (template.get("metadata") or {}).get("labels") or {}
        pod_spec = template.get("spec")
        if not isinstance(pod_spec, Mapping) or not _matches(selector, labels):
            return None

        def warn(message: str) -> None:
            pulumi.log.warn(f"{args.name}: {message}")

        template["spec"] = with_graceful_shutdown(pod_spec, sleep_seconds, warn)
        return pulumi.ResourceTransformResult(props=props, opts=args.opts)

    return transform


DEPLOYMENT_IN_PLAN = PlanKind(DEPLOYMENT_TYPE, manifest_title="Deployment")
"""`podlb plan`'s entry for Deployments (the Pods behind a Service): their manifests are shown."""
