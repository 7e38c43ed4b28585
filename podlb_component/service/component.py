"""PodDirectService: one pod-direct LoadBalancer Service, and the security-group rules it needs
(made by its cluster, and shared with other Services that need the same rule)."""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from .. import tokens
from ..cce_annotations import LOAD_BALANCER_ID
from ..cluster.component import PodDirectCluster
from ..cluster.contract import ClusterContract
from ..errors import PodLbError
from ..plan_kind import COMPONENT_RANK, SERVICE_RANK, PlanKind, PlannedResource
from ..resources import SecurityGroupRule
from ..rollout import DEFAULT_SLEEP_SECONDS, graceful_shutdown_transform
from .args import PodDirectServiceArgs, ServiceSpec, validate_service_args
from .load_balancer import describe
from .manifest import service_manifest
from .outputs import ServiceOutputs

SERVICE_TYPE = "kubernetes:core/v1:Service"


class PodDirectService(pulumi.ComponentResource):
    """A LoadBalancer Service whose BLB sends traffic straight to Pod IPs (backend type
    "eni"), with the targetPort opened in the security groups the cluster's mode selects."""

    TYPE = tokens.SERVICE_TYPE

    rules: list[SecurityGroupRule]
    """The security-group rules this Service needs (owned by its cluster, maybe shared)."""
    service: k8s.core.v1.Service
    """The Kubernetes Service."""
    service_name: pulumi.Output[str]
    """metadata.name of the Service."""
    namespace: pulumi.Output[str]
    """Namespace of the Service."""
    address: pulumi.Output[str | None]
    """The load balancer's ingress IP (or hostname) once the BLB exists."""
    blb_id: pulumi.Output[str | None]
    """The BLB id cce-lb-controller writes into service.beta.kubernetes.io/cce-load-balancer-id."""
    security_group_rule_ids: pulumi.Output[list[str]]
    """Cloud ids of the rules this Service depends on."""

    def __init__(self, name: str, args: PodDirectServiceArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        # Validate every plain input before anything is registered.
        cluster: object = args.get("cluster")
        # What the Service takes from its cluster, read once (a test may pass a hand-built one).
        contract = cluster.contract if isinstance(cluster, PodDirectCluster) else cluster
        if not isinstance(contract, ClusterContract):
            raise PodLbError(
                name,
                "cluster",
                f"must be a PodDirectCluster, got {type(cluster).__name__}",
                "create PodDirectCluster(...) once per cluster and pass it here",
            )
        service_args = {k: v for k, v in args.items() if k != "cluster"}
        spec = validate_service_args(name, service_args, contract.backend_quota, contract.cluster_name)
        manifest = service_manifest(spec, contract.cluster_id)
        if spec.load_balancer.blb_id:
            contract.claim_blb_ports(
                name, spec.load_balancer.blb_id, [(p.port, p.protocol) for p in spec.ports], spec.expected_backends
            )
        # The cluster owns the rules (shared by every Service that needs the same one).
        rules, source_warning = contract.rules_for(
            name, [(p.target_port, p.protocol) for p in spec.ports], spec.source_ranges, spec.internal
        )

        super().__init__(self.TYPE, name, None, opts)
        self._spec = spec
        if source_warning:
            pulumi.log.warn(source_warning, resource=self)
        for warning in spec.load_balancer.warnings:
            pulumi.log.warn(warning, resource=self)
        old = contract.blb_reuse_warning() if spec.load_balancer.blb_id else None
        if old:
            pulumi.log.warn(old, resource=self)
        if spec.expected_backends is None:
            pulumi.log.warn(
                f"expected_backends is not set, so podlb can't check the appblb quota of "
                f"{contract.backend_quota} Pod backends: set it to replicas (or HPA max) + maxSurge",
                resource=self,
            )

        self.rules = rules
        self.service = k8s.core.v1.Service(
            f"{name}-service",
            metadata=manifest["metadata"],
            spec=manifest["spec"],
            # Rules and cluster prerequisites first on create; on destroy the Service goes
            # first, so the BLB stops sending traffic before its rules close.
            opts=pulumi.ResourceOptions(
                parent=self, provider=contract.kubernetes_provider, depends_on=[*self.rules, *contract.prerequisites]
            ),
        )
        self.service_name = pulumi.Output.from_input(spec.service_name)
        self.namespace = pulumi.Output.from_input(spec.namespace)
        self.address = self.service.status.apply(_ingress_address)
        self.blb_id = self.service.metadata.apply(_blb_id)
        self.security_group_rule_ids = pulumi.Output.all(*[r.id for r in self.rules])
        self._outputs = ServiceOutputs(
            service_name=self.service_name,
            namespace=self.namespace,
            address=self.address,
            blb_id=self.blb_id,
            security_group_rule_ids=self.security_group_rule_ids,
        )
        self.register_outputs(self._outputs.registered())

    @property
    def outputs(self) -> ServiceOutputs:
        """Everything the Service registers as its outputs, as one value."""
        return self._outputs

    @property
    def spec(self) -> ServiceSpec:
        """The validated inputs (read-only)."""
        return self._spec

    plan = spec
    """The validated inputs under their 0.3.0 name (`spec` since 0.4.0)."""

    def graceful_shutdown_transform(self, sleep_seconds: int = DEFAULT_SLEEP_SECONDS) -> pulumi.ResourceTransform:
        """A transform for the Deployments behind this Service: preStop sleep + grace period,
        applied to those whose Pod labels match this Service's selector."""
        return graceful_shutdown_transform(self._spec.selector, sleep_seconds)


def _get(obj: Any, *names: str) -> Any:
    for n in names:
        if obj is None:
            return None
        obj = obj.get(n) if isinstance(obj, dict) else getattr(obj, n, None)
    return obj


def _ingress_address(status: Any) -> str | None:
    ingress = _get(status, "load_balancer", "ingress") or _get(status, "loadBalancer", "ingress") or []
    for entry in ingress:
        address = _get(entry, "ip") or _get(entry, "hostname")
        if address:
            return str(address)
    return None


def _blb_id(metadata: Any) -> str | None:
    annotations = _get(metadata, "annotations") or {}
    return annotations.get(LOAD_BALANCER_ID)


def _service_summary(service: PlannedResource) -> str:
    meta, spec = service.inputs.get("metadata", {}), service.inputs.get("spec", {})
    ports = ", ".join(f"{p.get('port')}->{p.get('targetPort')}/{p.get('protocol')}" for p in spec.get("ports", []))
    lb = describe(meta.get("annotations") or {}, spec.get("loadBalancerIP"))
    return f"{meta.get('namespace')}/{meta.get('name')} {spec.get('type')} {ports}" + (f"; {lb}" if lb else "")


def _service_label(service: PlannedResource) -> str:
    meta = service.inputs.get("metadata", {})
    return f"{meta.get('namespace')}/{meta.get('name')}"


# `podlb plan`'s entries for what a Service registers
SERVICE_COMPONENT_IN_PLAN = PlanKind(
    PodDirectService.TYPE, rank=COMPONENT_RANK, component=True, stands_for=SERVICE_TYPE
)
KUBERNETES_SERVICE_IN_PLAN = PlanKind(
    SERVICE_TYPE,
    rank=SERVICE_RANK,
    summary=_service_summary,
    manifest_title="Service",
    dependent_label=_service_label,
)
