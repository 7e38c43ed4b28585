"""Pure: the BLB and EIP options of a pod-direct Service, typed and checked at preview, turned
into the cce-lb-controller's annotations (podlb_component/cce_annotations.py lists them with
their sources) and `spec.loadBalancerIP`.

The controller ignores a misspelled or out-of-range annotation silently; here each option is a
field with a docstring, the documented ranges are checked together, and podlb is the only writer
of the keys it emits (a user annotation for one of them is an error naming the field to use).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, TypedDict

from .. import cce_annotations as keys
from ..errors import PodLbError, reject_unknown_args
from ..values import is_whole_number

BLB_ID = re.compile(r"^lb-[0-9a-zA-Z]{6,32}$")
"""Application BLB ids look like lb-xxxxxxxx; the exact length isn't documented."""
RESERVATION_MONTHS = (1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 24, 36)


class EipArgs(TypedDict, total=False):
    """The EIP cce-lb-controller buys for a public BLB (zlako7b04)."""

    name: str
    """EIP name."""
    billing_method: Literal["ByTraffic", "ByBandwidth"]
    """Default "ByTraffic"."""
    payment_timing: Literal["Postpaid", "Prepaid"]
    """Default "Postpaid"."""
    bandwidth_mbps: int
    """1-1000 with ByTraffic (Postpaid); 1-200 with ByBandwidth or Prepaid. Default 1000."""
    reservation_months: int
    """Prepaid only: 1-9, 12, 24 or 36."""


class LoadBalancerArgs(TypedDict, total=False):
    """Typed BLB/EIP options of a PodDirectService."""

    existing_blb_id: str
    """Reuse this application BLB ('lb-…') of the cluster's VPC — not one CCE created for another
    Service, not across clusters, and no two Services on the same port. Needs cce-lb-controller
    1.30.1 or later per Baidu's page (possibly meaning 1.3.1)."""
    existing_eip: str
    """Keep this public IP: an EIP you own becomes `spec.loadBalancerIP`, and stays yours when the
    Service is deleted. Not with `internal`."""
    eip: EipArgs
    """The EIP CCE buys for this Service. Not with `internal` or `existing_eip`."""


@dataclass(frozen=True)
class LoadBalancerSpec:
    annotations: dict[str, str]
    load_balancer_ip: str | None
    blb_id: str | None
    warnings: tuple[str, ...]


def _bad(resource: str, field: str, problem: str, fix: str) -> PodLbError:
    return PodLbError(resource, f"load_balancer.{field}", problem, fix)


def _eip(resource: str, eip: Any) -> dict[str, str]:
    if not isinstance(eip, Mapping):
        raise _bad(resource, "eip", f"must be a mapping, got {eip!r}", "e.g. eip={'bandwidth_mbps': 100}")
    reject_unknown_args(f"{resource} load_balancer.eip", eip, EipArgs.__annotations__)
    billing = eip.get("billing_method", "ByTraffic")
    if billing not in ("ByTraffic", "ByBandwidth"):
        raise _bad(resource, "eip.billing_method", f"must be 'ByTraffic' or 'ByBandwidth', got {billing!r}", "pick one")
    timing = eip.get("payment_timing", "Postpaid")
    if timing not in ("Postpaid", "Prepaid"):
        raise _bad(resource, "eip.payment_timing", f"must be 'Postpaid' or 'Prepaid', got {timing!r}", "pick one")
    capped = billing == "ByBandwidth" or timing == "Prepaid"
    top = 200 if capped else 1000
    bandwidth = eip.get("bandwidth_mbps")
    if bandwidth is not None and (not is_whole_number(bandwidth) or not 1 <= bandwidth <= top):
        why = "with ByBandwidth or Prepaid" if capped else "with ByTraffic"
        raise _bad(
            resource,
            "eip.bandwidth_mbps",
            f"{bandwidth!r} is out of range: {why} an EIP takes 1-{top} Mbps",
            f"use 1-{top}" + ("" if capped else ", or bill ByBandwidth/Prepaid for 1-200"),
        )
    months = eip.get("reservation_months")
    if months is not None:
        if timing != "Prepaid":
            raise _bad(
                resource,
                "eip.reservation_months",
                f"is set ({months!r}) but payment_timing is {timing!r}: a reservation is for Prepaid EIPs only",
                "set payment_timing='Prepaid', or drop reservation_months",
            )
        if not is_whole_number(months) or months not in RESERVATION_MONTHS:
            raise _bad(
                resource,
                "eip.reservation_months",
                f"must be one of {', '.join(map(str, RESERVATION_MONTHS))} months, got {months!r}",
                "e.g. 12",
            )
    name = eip.get("name")
    if name is not None and (not isinstance(name, str) or not name.strip()):
        raise _bad(resource, "eip.name", f"must be a non-empty string, got {name!r}", "e.g. 'shop-web'")
    out = {keys.EIP_BILLING_METHOD: billing, keys.EIP_PAYMENT_TIMING: timing}
    if name is not None:
        out[keys.EIP_NAME] = name
    if bandwidth is not None:
        out[keys.EIP_BANDWIDTH] = str(bandwidth)
    if months is not None:
        out[keys.EIP_RESERVATION] = str(months)
    return out


OWNED_BY_FIELD = {
    keys.LOAD_BALANCER_ID: "load_balancer.existing_blb_id",
    keys.INTERNAL_VPC: "internal",
    keys.EIP_NAME: "load_balancer.eip.name",
    keys.EIP_PAYMENT_TIMING: "load_balancer.eip.payment_timing",
    keys.EIP_BILLING_METHOD: "load_balancer.eip.billing_method",
    keys.EIP_BANDWIDTH: "load_balancer.eip.bandwidth_mbps",
    keys.EIP_RESERVATION: "load_balancer.eip.reservation_months",
}
"""Keys podlb writes from typed inputs: nobody else may set them on a PodDirectService."""


def validate_load_balancer(
    resource: str, options: object, internal: bool, user_annotations: Mapping[str, Any]
) -> LoadBalancerSpec:
    """Check the options together; the annotations podlb emits for them, and warnings."""
    for key, field in OWNED_BY_FIELD.items():
        if key in user_annotations:
            raise PodLbError(
                resource,
                f"annotations[{key!r}]",
                f"podlb sets this annotation itself, from {field}; both would write it",
                f"remove the annotation and set {field}",
            )
    warnings = tuple(w for w in (keys.unknown_cce_key(k) for k in user_annotations) if w)
    if options is None:
        return LoadBalancerSpec({}, None, None, warnings)
    if not isinstance(options, Mapping):
        raise PodLbError(resource, "load_balancer", f"must be a mapping, got {options!r}", "see LoadBalancerArgs")
    reject_unknown_args(f"{resource} load_balancer", options, LoadBalancerArgs.__annotations__)
    annotations: dict[str, str] = {}
    blb = options.get("existing_blb_id")
    if blb is not None:
        if not isinstance(blb, str) or not BLB_ID.match(blb):
            raise _bad(
                resource,
                "existing_blb_id",
                f"{blb!r} is not an application BLB id",
                "copy the id ('lb-…') from the BLB console: an application BLB in the cluster's VPC",
            )
        annotations[keys.LOAD_BALANCER_ID] = blb
    eip_ip = options.get("existing_eip")
    if eip_ip is not None:
        if internal:
            raise _bad(
                resource, "existing_eip", "an internal (VPC-only) BLB has no public IP", "drop existing_eip or internal"
            )
        try:
            address = ipaddress.ip_address(str(eip_ip))
        except ValueError:
            address = None
        if address is None or address.version != 4 or not isinstance(eip_ip, str):
            raise _bad(
                resource, "existing_eip", f"{eip_ip!r} is not an IPv4 address", "the EIP's address, e.g. '180.76.1.2'"
            )
    if options.get("eip") is not None:
        if internal:
            raise _bad(resource, "eip", "an internal (VPC-only) BLB gets no EIP", "drop eip, or internal")
        if eip_ip is not None:
            raise _bad(
                resource, "eip", "is set together with existing_eip, which keeps an EIP you already own", "pick one"
            )
        annotations.update(_eip(resource, options["eip"]))
    return LoadBalancerSpec(annotations, eip_ip, blb, warnings)


def describe(annotations: Mapping[str, Any], load_balancer_ip: Any) -> str:
    """The BLB/EIP settings of a Service manifest in plain words (for `podlb plan`)."""
    words: list[str] = []
    if annotations.get(keys.INTERNAL_VPC) == "true":
        words.append("internal BLB (no EIP)")
    if annotations.get(keys.LOAD_BALANCER_ID):
        words.append(f"reuses BLB {annotations[keys.LOAD_BALANCER_ID]}")
    if load_balancer_ip:
        words.append(f"keeps EIP {load_balancer_ip}")
    if keys.EIP_BILLING_METHOD in annotations:
        eip = f"new EIP {annotations[keys.EIP_PAYMENT_TIMING]} {annotations[keys.EIP_BILLING_METHOD]}"
        if keys.EIP_BANDWIDTH in annotations:
            eip += f" {annotations[keys.EIP_BANDWIDTH]} Mbps"
        if keys.EIP_RESERVATION in annotations:
            eip += f" for {annotations[keys.EIP_RESERVATION]} months"
        if keys.EIP_NAME in annotations:
            eip += f" named {annotations[keys.EIP_NAME]!r}"
        words.append(eip)
    return "; ".join(words)
