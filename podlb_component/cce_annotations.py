"""The cce-lb-controller's Service annotations podlb knows, each with its source — the one list
podlb's components, `podlb plan` and the CrossGuard pack (policy_pack/) use. Standard library only,
so the policy pack can load it without podlb's dependencies.

Sources: CCE "LoadBalancer Service 注解/使用说明" (cloud.baidu.com/doc/CCE/s/zlako7b04), "Service
reuses existing BLB" (intl.cloud.baidu.com/en/doc/CCE/s/nm8fttmyy-intl-en), and the seed guide
(../shared/reference/cce-pod-direct-lb.md) for the backend type.
"""

from __future__ import annotations

import difflib

PREFIX = "service.beta.kubernetes.io/cce-"

BACKEND_TYPE = "service.beta.kubernetes.io/cce-load-balancer-backend-type"
""""eni": the BLB sends traffic straight to Pod IPs (seed guide)."""
INTERNAL_VPC = "service.beta.kubernetes.io/cce-load-balancer-internal-vpc"
""""true": a VPC-internal BLB, no EIP (zlako7b04)."""
LOAD_BALANCER_ID = "service.beta.kubernetes.io/cce-load-balancer-id"
"""Reuse an existing application BLB of the cluster's VPC; otherwise the controller writes the
id of the BLB it created here (zlako7b04, nm8fttmyy)."""
EIP_NAME = "service.beta.kubernetes.io/cce-elastic-ip-name"
EIP_PAYMENT_TIMING = "service.beta.kubernetes.io/cce-elastic-ip-payment-timing"
"""Prepaid | Postpaid (default Postpaid) (zlako7b04)."""
EIP_BILLING_METHOD = "service.beta.kubernetes.io/cce-elastic-ip-billing-method"
"""ByTraffic | ByBandwidth (default ByTraffic) (zlako7b04)."""
EIP_BANDWIDTH = "service.beta.kubernetes.io/cce-elastic-ip-bandwidth-in-mbps"
"""1-1000 for ByTraffic, 1-200 for Prepaid or ByBandwidth (default 1000) (zlako7b04)."""
EIP_RESERVATION = "service.beta.kubernetes.io/cce-elastic-ip-reservation-length"
"""Months, Prepaid only: 1-9, 12, 24, 36 (zlako7b04)."""

PODLB_CLUSTER_ID = "podlb.io/cce-cluster-id"
"""podlb's own annotation, not the controller's: the cluster a PodDirectService was made for, so
that a policy can refuse an old-generation (`c-`) one."""

KNOWN: dict[str, str] = {
    BACKEND_TYPE: "backend type (eni = pod-direct)",
    INTERNAL_VPC: "internal (VPC-only) BLB",
    LOAD_BALANCER_ID: "the BLB (reused, or the one CCE created)",
    EIP_NAME: "EIP name",
    EIP_PAYMENT_TIMING: "EIP payment timing",
    EIP_BILLING_METHOD: "EIP billing method",
    EIP_BANDWIDTH: "EIP bandwidth (Mbps)",
    EIP_RESERVATION: "EIP reservation length (months)",
}


def unknown_cce_key(key: str) -> str | None:
    """For a `service.beta.kubernetes.io/cce-…` key podlb doesn't know: a warning naming the
    closest known key (the controller ignores a misspelled key silently). None otherwise."""
    if not key.startswith(PREFIX) or key in KNOWN:
        return None
    close = difflib.get_close_matches(key, list(KNOWN), n=1, cutoff=0.8)
    hint = f"did you mean {close[0]!r}?" if close else "check the spelling against CCE's annotation list"
    return (
        f"annotation {key!r} is not a cce-lb-controller annotation podlb knows "
        f"(the controller ignores unknown keys): {hint}"
    )
