"""PodDirectCluster: the once-per-cluster prerequisites of pod-direct LoadBalancer Services."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

import pulumi
import pulumi_kubernetes as k8s
from pulumi.output import contains_unknowns

from ..addon_model import find_addon, version_at_least
from ..bce.clients import BceApiError
from ..bce.discovery import DiscoveredCluster, discover_cluster
from ..bce.facts import FACTS_FILE, FactsFileError, facts_from_env
from ..bce.settings import offline, program_settings, renamed_config_keys, under_mock_engine
from ..errors import PodLbError
from ..plan_kind import COMPONENT_RANK, PlanKind, PlannedResource
from ..provider.config import check_config, stack_provider_config
from ..resources import CceAddon, SecurityGroupRule, read_config_map
from ..rules.ownership import owned_by_stack, owner_remark
from ..tokens import CLUSTER_TYPE, RULE_TYPE
from .args import (
    LB_CONTROLLER_CHART,
    ClusterSpec,
    PodDirectClusterArgs,
    apply_discovery,
    validate_cluster_args,
)
from .contract import ClusterContract
from .ipmasq import (
    IP_MASQ_CONFIGMAP,
    IP_MASQ_DATA_KEY,
    IP_MASQ_NAMESPACE,
    IpMasqConfigError,
    merge_ip_masq_data,
)
from .lb_controller import (
    CONSOLE_HINT,
    LB_CONTROLLER_DEPLOYMENT,
    LB_CONTROLLER_ID,
    LB_CONTROLLER_NAMESPACE,
    controller_check,
    lb_controller_problem,
)
from .network import SCOPES, check_cluster_id
from .outputs import ClusterOutputs, LbControllerCheck, SecurityGroupOrigin
from .rule_book import PlannedRule, RuleBook, choose_sources
from .rule_budget import RuleBudget

IP_MASQ_FIELD_MANAGER = "podlb-ip-masq"
CONFIG_MAP_PATCH_TYPE = "kubernetes:core/v1:ConfigMapPatch"
HELM_RELEASE_TYPE = "kubernetes:helm.sh/v3:Release"
KUBE_ACCESS_KEYS = ("kubeconfig", "context", "cluster")
"""The Kubernetes provider settings that say which cluster it reaches (kube_reads.KubeAccess)."""


def _state_keys(found: pulumi.Output[Any], keys: tuple[str, ...]) -> pulumi.Output[dict[str, Any]]:
    """`keys` of a getResource answer's `state`, unknown only if one of them is. (An `apply`
    would not run at preview: a new provider's `id` in that answer is unknown, and the SDK then
    calls the whole answer unknown.)"""
    picked = asyncio.ensure_future(_pick_state(found, keys))

    async def value() -> dict[str, Any]:
        return (await picked)[0]

    async def known() -> bool:
        return (await picked)[1]

    return pulumi.Output(set(), value(), known(), found.is_secret())


async def _pick_state(found: pulumi.Output[Any], keys: tuple[str, ...]) -> tuple[dict[str, Any], bool]:
    # The SDK calls the whole answer unknown when anything in it is (the id): look inside.
    got = await found.future(with_unknowns=True)
    state = got.get("state") if isinstance(got, Mapping) else None
    if not isinstance(state, Mapping):  # no answer at all: unknown, never "no settings"
        return {}, False
    chosen = {k: state.get(k) for k in keys}
    return chosen, not contains_unknowns(chosen)


def _inputs_of(access: pulumi.Input[Mapping[str, Any]]) -> dict[str, pulumi.Input[Any]]:
    """An access mapping, known now or later, as the invoke's top-level inputs."""
    if isinstance(access, Mapping):
        return dict(access)
    whole: pulumi.Output[Mapping[str, Any]] = pulumi.Output.from_input(access)

    def key(k: str) -> pulumi.Output[Any]:
        return whole.apply(lambda got: got.get(k))

    return {k: key(k) for k in KUBE_ACCESS_KEYS}


class PodDirectCluster(pulumi.ComponentResource):
    """Checks or installs cce-lb-controller, fixes ip-masq on IPVLAN clusters, and holds the
    cluster facts (network mode, security groups, VPC CIDR, quota) its Services use."""

    TYPE = CLUSTER_TYPE

    kubernetes_provider: pulumi.ProviderResource | None
    """The Kubernetes provider every child (and every Service of this cluster) uses: the one made
    from `kubeconfig`, else the one from `opts`, else None (the ambient provider)."""
    cluster_id: pulumi.Output[str]
    """The CCE cluster id, checked (new-generation) once known."""
    network_mode: str
    """The container network mode in force (given or discovered)."""
    nic_type: str
    """veth, ipvlan or kubenet."""
    rule_security_group_ids: list[pulumi.Input[str]]
    """The groups that get the Services' targetPort rules (node or ENI groups, by mode)."""
    security_groups: list[SecurityGroupOrigin]
    """Every node and ENI group: its id, role, whether it gets rules, and where podlb learnt of it."""
    lb_controller_status: pulumi.Output[str]
    """What the cce-lb-controller check found (or that it was skipped, or the ensured version)."""
    lb_controller_check: LbControllerCheck
    """How the add-on is checked: mode, cluster type and where that came from, what is read."""
    ip_masq_config: pulumi.Output[str | None]
    """The ip-masq agent's config document podlb writes (None when it isn't managed)."""

    def __init__(self, name: str, args: PodDirectClusterArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        # Everything up to super().__init__ may raise PodLbError; nothing is registered then.
        _refuse_renamed_config(name)
        self._discovered = _discover(name, args)
        notes: list[str] = []
        given = dict(args)
        if self._discovered is not None:
            found = {
                "network_mode": self._discovered.network_mode,
                "vpc_cidr": self._discovered.vpc_cidr,
                "node_security_group_ids": self._discovered.node_security_group_ids,
                "eni_security_group_ids": self._discovered.eni_security_group_ids,
            }
            args, notes = apply_discovery(name, args, found)  # type: ignore[assignment]
        spec = validate_cluster_args(name, args)
        self._controller = controller_check(
            spec.lb_controller,
            spec.cluster_type,
            self._discovered.master_type if self._discovered else None,
            self._discovered.addons if self._discovered else None,
            spec.addon_names,
            spec.min_version,
            offline=offline(),
        )
        if self._controller.problem:
            raise PodLbError(name, "lb_controller", self._controller.problem, CONSOLE_HINT)
        if given.get("lb_controller") == "install":
            notes.append("lb_controller='install' is now called 'helm'; 'install' will be removed in a later podlb")
        notes.extend(self._controller.warnings)
        super().__init__(self.TYPE, name, None, opts)
        self._spec = spec
        self.name = name
        project, stack = pulumi.get_project(), pulumi.get_stack()
        budget = RuleBudget(
            spec.rule_limit,
            {  # rules this stack doesn't own (its own are planned again below)
                group: sum(1 for remark in remarks if not owned_by_stack(remark, project, stack))
                for group, remarks in (self._discovered.ingress_rules if self._discovered else {}).items()
            },
        )
        self._rule_book = RuleBook(spec.rule_group_ids, spec.vpc_cidr, budget)
        self._rules: dict[str, SecurityGroupRule] = {}
        self._podlb_config_checked = False
        self._blb_ports: dict[str, dict[tuple[int, str], str]] = {}
        self._blb_backends: dict[str, dict[str, int]] = {}
        for note in notes:
            pulumi.log.warn(note, resource=self)
        if args.get("kubeconfig") is not None:
            self.kubernetes_provider = k8s.Provider(
                f"{name}-k8s", kubeconfig=args["kubeconfig"], opts=pulumi.ResourceOptions(parent=self)
            )
        else:
            self.kubernetes_provider = self.get_provider("kubernetes:index:Provider")
        self._prerequisites: list[pulumi.Resource] = []

        # A cluster id that comes from another resource is checked once it is known.
        self.cluster_id = pulumi.Output.from_input(spec.cluster_id).apply(lambda cid: check_cluster_id(name, cid))
        self.lb_controller_status = pulumi.Output.from_input(self._lb_controller(name, spec))
        self.ip_masq_config = self._ip_masq(name, args) if spec.manage_ip_masq else pulumi.Output.from_input(None)

        self.network_mode, self.nic_type = spec.profile.mode, spec.profile.nic_type
        self.rule_security_group_ids = list(spec.rule_group_ids)
        self.security_groups = security_group_origins(spec, given, self._discovered)
        self.lb_controller_check = {
            "mode": self._controller.mode,
            "cluster_type": self._controller.cluster_type,
            "cluster_type_from": self._controller.cluster_type_from,
            "checked_by": self._controller.source,
        }
        self._outputs = ClusterOutputs(
            cluster_id=self.cluster_id,
            network_mode=self.network_mode,
            nic_type=self.nic_type,
            rule_security_group_ids=self.rule_security_group_ids,
            security_groups=self.security_groups,
            lb_controller=self.lb_controller_status,
            lb_controller_check=self.lb_controller_check,
            ip_masq_config=self.ip_masq_config,
        )
        self.register_outputs(self._outputs.registered())

    @property
    def outputs(self) -> ClusterOutputs:
        """Everything the cluster registers as its outputs, as one value."""
        return self._outputs

    @property
    def spec(self) -> ClusterSpec:
        """The validated inputs (read-only)."""
        return self._spec

    plan = spec
    """The validated inputs under their 0.3.0 name (`spec` since 0.4.0)."""

    @property
    def contract(self) -> ClusterContract:
        """Everything a PodDirectService takes from this cluster, in one value."""
        return ClusterContract(
            cluster_name=self.name,
            cluster_id=self.cluster_id,
            backend_quota=self._spec.backend_quota,
            kubernetes_provider=self.kubernetes_provider,
            prerequisites=self.prerequisites,
            blb_reuse_warning=self.controller_too_old_for_blb_reuse,
            rules_for=self.rules_for,
            claim_blb_ports=self.claim_blb_ports,
        )

    @property
    def prerequisites(self) -> tuple[pulumi.Resource, ...]:
        """What every Service of this cluster waits for: the add-on check/install, the ip-masq patch."""
        return tuple(self._prerequisites)

    @property
    def discovered(self) -> DiscoveredCluster | None:
        """What the CCE API reported about the cluster (None without discovery)."""
        return self._discovered

    def rules_for(
        self,
        service: str,
        target_ports: list[tuple[int, str]],
        source_ranges: tuple[pulumi.Input[str], ...] = (),
        internal: bool = False,
    ) -> tuple[list[SecurityGroupRule], str | None]:
        """The rules (owned by this cluster) that open `target_ports` for a Service, and a
        warning about their sources if any. Services that need the same rule share it, and it
        exists exactly while some Service of the program needs it. Raises PodLbError, before
        registering anything, when the Service's sources or the groups' quotas don't allow it."""
        sources = choose_sources(service, source_ranges, internal, self._spec.vpc_cidr)
        specs = self._rule_book.rules_for(service, target_ports, sources.sources)
        return [self._rule(spec) for spec in specs], sources.warning

    def controller_too_old_for_blb_reuse(self) -> str | None:
        """Baidu's page says BLB reuse needs cce-lb-controller "1.30.1" or later, while its
        changelog numbers versions 1.3.x: warn below 1.3.1 (the likely meaning), when discovery
        reported a version, and say which reading was used."""
        if self._discovered is None:
            return None
        state, _ = find_addon(self._discovered.addons, self._spec.addon_names)
        version = state.installed_version if state else None
        if version is None or version_at_least(version, "1.3.1") is not False:
            return None
        return (
            f"existing_blb_id: cce-lb-controller is at {version}; reusing a BLB needs 1.30.1 or later per Baidu's "
            "page (read here as 1.3.1, the changelog's numbering): upgrade the add-on (lb_controller='ensure' with "
            "lb_controller_min_version='1.3.1') or the controller may ignore the annotation"
        )

    def claim_blb_ports(
        self, service: str, blb_id: str, ports: list[tuple[int, str]], expected_backends: int | None = None
    ) -> None:
        """Services that reuse one BLB may not listen on the same port (nm8fttmyy): the second
        one is refused at preview, naming the first. Their backends add up against the BLB's
        one quota (seed guide: 50 Pod backends per application BLB; bce-facts.md)."""
        if expected_backends is not None:
            sharing = self._blb_backends.setdefault(blb_id, {})
            sharing[service] = expected_backends
            total = sum(sharing.values())
            quota = self._spec.backend_quota
            if total > quota:
                shares = " + ".join(f"{n} ({name})" for name, n in sharing.items())
                raise PodLbError(
                    service,
                    "expected_backends",
                    f"the Services reusing BLB {blb_id} would give it {shares} = {total} Pod backends, but one "
                    f"application BLB takes at most {quota} (backend_quota of cluster {self.name!r}); "
                    f"{total - quota} Pods would get no traffic",
                    f"give one of these Services its own BLB (leave existing_blb_id unset), lower their replicas "
                    f"to fit {quota} together, or ask Baidu support to raise the quota and set backend_quota",
                )
        taken = self._blb_ports.setdefault(blb_id, {})
        for port, protocol in ports:
            holder = taken.get((port, protocol))
            if holder is not None and holder != service:
                raise PodLbError(
                    service,
                    "load_balancer.existing_blb_id",
                    f"BLB {blb_id} already listens on {port}/{protocol} for Service {holder!r} of this cluster",
                    "give this Service another port, or its own BLB",
                )
        for port, protocol in ports:
            taken[(port, protocol)] = service

    def _rule(self, planned: PlannedRule) -> SecurityGroupRule:
        if planned.key not in self._rules:
            self._check_podlb_config()
            name = f"{self.name}-rule-{planned.key}"
            self._rules[planned.key] = SecurityGroupRule(
                name,
                # the owner token: this resource, and no other, may adopt or change the rule
                {**planned.inputs, "remark": owner_remark(pulumi.get_project(), pulumi.get_stack(), name)},
                opts=pulumi.ResourceOptions(parent=self),
            )
        return self._rules[planned.key]

    def _check_podlb_config(self) -> None:
        """The default podlb provider's configuration, checked before the first podlb resource
        registers: the provider's own CheckConfig would say the same, but the engine then
        aborts the program mid-flight and the SDK prints its traceback under the message."""
        if self._podlb_config_checked:
            return
        self._podlb_config_checked = True
        if offline() or under_mock_engine() or self.get_provider(RULE_TYPE) is not None:
            return  # no plugin runs here, or an explicit podlb.Provider checks its own arguments
        failures = check_config(stack_provider_config())
        if failures:
            raise PodLbError(
                self.name,
                ", ".join(f"podlb:{f.property}" for f in failures),
                "; ".join(f.reason for f in failures),
                "configure the podlb provider (README, 'Provider configuration'), or pass a podlb.Provider in "
                "opts.providers",
            )

    def _child(self, **kwargs: Any) -> pulumi.ResourceOptions:
        return pulumi.ResourceOptions(parent=self, provider=self.kubernetes_provider, **kwargs)

    def _lb_controller(self, name: str, spec: ClusterSpec) -> pulumi.Input[str]:
        check = self._controller
        if spec.lb_controller == "skip":
            return "skipped"
        if spec.lb_controller == "helm":
            return self._helm_release(name, spec)
        if spec.lb_controller == "ensure":
            self._check_podlb_config()
            addon = CceAddon(
                f"{name}-lb-controller-addon",
                {
                    "cluster_id": spec.cluster_id,
                    "addon_names": list(spec.addon_names),
                    "min_version": spec.min_version,
                    "timeout_seconds": spec.addon_timeout_seconds,
                    # 60 polls over the timeout, at most every 10 s
                    "poll_seconds": min(10.0, spec.addon_timeout_seconds / 60),
                },
                # Services wait for it; it is never uninstalled (its delete is a no-op)
                opts=pulumi.ResourceOptions(parent=self),
            )
            self._prerequisites.append(addon)
            return pulumi.Output.all(addon.addon_name, addon.installed_version, addon.phase).apply(
                lambda v: f"{v[0]} {v[1]} {v[2]} (ensured through the CCE add-on API)"
            )
        if not check.read_deployment:
            return check.summary or "not checked"
        # standalone cluster: read the live Deployment through the same provider the children
        # use. A missing object fails the read itself (the engine reports "resource
        # 'kube-system/cce-lb-controller' does not exist" on this resource); an existing but
        # unusable one is reported below with the fix.
        deployment = k8s.apps.v1.Deployment.get(f"{name}-lb-controller", LB_CONTROLLER_ID, opts=self._child())
        self._prerequisites.append(deployment)

        def verdict(values: list[Any]) -> str:
            metadata, spec, status = values
            problem = lb_controller_problem({"metadata": metadata, "spec": _as_dict(spec), "status": _as_dict(status)})
            if problem:
                raise PodLbError(name, "lb_controller", problem, CONSOLE_HINT)
            return ((check.summary + "; ") if check.summary else "") + "Deployment available"

        return pulumi.Output.all(deployment.metadata, deployment.spec, deployment.status).apply(verdict)

    def _helm_release(self, name: str, spec: ClusterSpec) -> pulumi.Output[str]:
        repository = str(spec.chart["repository"])
        oci = repository.startswith("oci://")
        options = dict(spec.chart.get("release_options") or {})
        release = k8s.helm.v3.Release(
            f"{name}-lb-controller",
            k8s.helm.v3.ReleaseArgs(
                **{
                    **options,
                    "name": LB_CONTROLLER_DEPLOYMENT,
                    "namespace": LB_CONTROLLER_NAMESPACE,
                    "chart": f"{repository.rstrip('/')}/{LB_CONTROLLER_CHART}" if oci else LB_CONTROLLER_CHART,
                    "repository_opts": None if oci else k8s.helm.v3.RepositoryOptsArgs(repo=repository),
                    "version": spec.chart["version"],
                    "values": dict(spec.chart.get("values") or {}),
                }
            ),
            opts=self._child(),
        )
        self._prerequisites.append(release)
        return release.status.apply(lambda s: f"installed ({s.status})" if s else "installing")

    def _kube_access(self, args: PodDirectClusterArgs) -> pulumi.Input[Mapping[str, Any]]:
        """How podlb's provider reaches the cluster the Kubernetes children go to: the same
        settings as their Kubernetes provider (KubeAccess; unset keys fall back as that provider's do)."""
        if args.get("kubeconfig") is not None:
            return {"kubeconfig": args["kubeconfig"]}
        if self.kubernetes_provider is not None:  # an explicit provider: its settings, as the engine holds them
            urn = self.kubernetes_provider.urn
            # Without the provider as a dependency: the engine answers an invoke that depends on a
            # resource pending creation with "unknown", and a new provider's settings are known at
            # preview (its urn resolves once the engine holds them).
            detached = pulumi.Output(set(), urn.future(), urn.is_known(), urn.is_secret())
            found = pulumi.runtime.invoke_output("pulumi:pulumi:getResource", {"urn": detached})
            return _state_keys(found, KUBE_ACCESS_KEYS)
        config = pulumi.Config("kubernetes")  # the default provider: the stack's kubernetes:* config
        return {
            "kubeconfig": config.get_secret("kubeconfig"),
            "context": config.get("context"),
            "cluster": config.get("cluster"),
        }

    def _ip_masq(self, name: str, args: PodDirectClusterArgs) -> pulumi.Output[str | None]:
        # Read the live document, through the cluster the patch goes to, in an invoke: a
        # `ConfigMap.get` would keep the pre-patch object in state, and the first refresh after
        # `up` would report it changed (docs/real-engine.md, finding 1).
        self._check_podlb_config()
        current = read_config_map(IP_MASQ_NAMESPACE, IP_MASQ_CONFIGMAP, _inputs_of(self._kube_access(args)), self)

        def merged(read: Mapping[str, Any]) -> str:
            if read.get("error"):
                raise PodLbError(
                    name,
                    "ip_masq",
                    f"could not read ConfigMap {IP_MASQ_NAMESPACE}/{IP_MASQ_CONFIGMAP}: {read['error']}",
                    "give the cluster access that can get ConfigMaps in kube-system (kubeconfig, or the Kubernetes "
                    "provider's settings), or set ip_masq='skip' and set masqOutBound/masqOutBoundIPv6 to false "
                    "yourself",
                )
            if not read.get("found"):
                raise PodLbError(
                    name,
                    "ip_masq",
                    f"ConfigMap {IP_MASQ_NAMESPACE}/{IP_MASQ_CONFIGMAP} does not exist: CCE creates it with the "
                    "cluster's ip-masq-agent",
                    "check that the kubeconfig points at the CCE cluster, or set ip_masq='skip'",
                )
            data = read.get("data")
            try:
                result = merge_ip_masq_data(data if isinstance(data, Mapping) else None)
            except IpMasqConfigError as exc:
                raise PodLbError(
                    name,
                    "ip_masq",
                    f"ConfigMap {IP_MASQ_NAMESPACE}/{IP_MASQ_CONFIGMAP}: {exc}",
                    "repair that document (kubectl -n kube-system edit configmap cce-ip-masq-agent) "
                    "or set ip_masq='skip' and set masqOutBound/masqOutBoundIPv6 to false yourself",
                ) from None
            if result.used_default:
                pulumi.log.warn(
                    f"could not read the '{IP_MASQ_DATA_KEY}' document of ConfigMap "
                    f"{IP_MASQ_NAMESPACE}/{IP_MASQ_CONFIGMAP}; writing CCE's default document "
                    "with masqOutBound/masqOutBoundIPv6 false. Check it: custom "
                    "nonMasqueradeCIDRs would be replaced",
                    resource=self,
                )
            return result.config

        # The kubeconfig makes the read secret; the document it returns holds CIDRs, not secrets.
        document = pulumi.Output.unsecret(current.apply(merged))
        patch = k8s.core.v1.ConfigMapPatch(
            f"{name}-ip-masq-agent",
            metadata={
                "name": IP_MASQ_CONFIGMAP,
                "namespace": IP_MASQ_NAMESPACE,
                "annotations": {
                    # One fixed field manager, so every run owns exactly the same field.
                    "pulumi.com/patchFieldManager": IP_MASQ_FIELD_MANAGER,
                    # The add-on's installer owns `config`; take it over rather than fail.
                    "pulumi.com/patchForce": "true",
                },
            },
            data={IP_MASQ_DATA_KEY: document},
            # Deleting a patch removes the fields it manages, i.e. the whole `config`
            # document: removing podlb must leave the agent's config in place.
            opts=self._child(retain_on_delete=True),
        )
        self._prerequisites.append(patch)
        return document


def _config_map_patch_summary(patch: PlannedResource) -> str:
    meta = patch.inputs.get("metadata", {})
    return f"patches {meta.get('namespace')}/{meta.get('name')}" + (
        ", kept on delete" if patch.retain_on_delete else ""
    )


def _helm_release_summary(release: PlannedResource) -> str:
    i = release.inputs
    return f"helm chart {i.get('chart')} {i.get('version')} into {i.get('namespace')}"


# `podlb plan`'s entries for what the cluster registers (its outputs: ClusterOutputs)
CLUSTER_IN_PLAN = PlanKind(PodDirectCluster.TYPE, rank=COMPONENT_RANK, component=True)
CONFIG_MAP_PATCH_IN_PLAN = PlanKind(
    CONFIG_MAP_PATCH_TYPE, summary=_config_map_patch_summary, manifest_title="ConfigMap patch"
)
HELM_RELEASE_IN_PLAN = PlanKind(HELM_RELEASE_TYPE, summary=_helm_release_summary)


def security_group_origins(
    spec: ClusterSpec, given: dict[str, Any], discovered: DiscoveredCluster | None
) -> list[SecurityGroupOrigin]:
    """Each node and ENI group, whether it gets rules, and where podlb learnt of it (an input,
    or where the CCE API lists it) — shown by `podlb plan` and kept in the stack's outputs."""
    rows: list[SecurityGroupOrigin] = []
    for scope in SCOPES.values():
        for group in scope.pick(spec.node_group_ids, spec.eni_group_ids):
            if given.get(scope.field) or discovered is None or not isinstance(group, str):
                origin = f"input {scope.field}"
            else:
                origin = "; ".join(discovered.group_origins.get(group, ())) or "CCE API"
            rows.append({"id": group, "role": scope.name, "gets_rules": scope == spec.profile.scope, "from": origin})
    return rows


def _refuse_renamed_config(name: str) -> None:
    """podlb 0.2.0 read `bce:*` config; the provider plugin gets only `podlb:*` keys from the
    engine, so an old key would silently not be used: stop at preview and say how to move it."""
    old = renamed_config_keys()
    if old:
        moves = "; ".join(
            f"pulumi config set {'--secret ' if k.endswith('secretAccessKey') else ''}podlb:{k.split(':')[1]} "
            f'"$(pulumi config get {k})" && pulumi config rm {k}'
            for k in old
        )
        raise PodLbError(
            name,
            ", ".join(old),
            "podlb reads its BCE settings from podlb:* config now (the provider plugin is given only its own "
            "package's keys), so these would be ignored",
            f"rename them: {moves}",
        )


def _discover(name: str, args: PodDirectClusterArgs) -> DiscoveredCluster | None:
    """One CCE API read per cluster, when asked for or when credentials are configured."""
    wanted = args.get("discover")
    if wanted is False:
        return None
    cluster_id = args.get("cluster_id")
    if offline():  # podlb plan: discovery comes from a facts file, never from the cloud
        return _discover_from_facts(name, wanted, cluster_id)
    settings = program_settings()
    if settings is None or not isinstance(cluster_id, str):
        if wanted:
            raise PodLbError(
                name,
                "discover",
                "is True, but "
                + (
                    "no BCE credentials are configured"
                    if settings is None
                    else "cluster_id is not known until another resource exists"
                ),
                "set podlb:accessKeyId and podlb:secretAccessKey (or BCE_ACCESS_KEY_ID/BCE_SECRET_ACCESS_KEY), "
                "or leave discover unset and give network_mode and the security groups yourself",
            )
        return None
    check_cluster_id(name, cluster_id)
    try:
        return discover_cluster(settings, cluster_id)
    except BceApiError as exc:
        raise PodLbError(
            name,
            "discover",
            f"reading cluster {cluster_id} from the CCE API failed: {exc}",
            "check cluster_id, podlb:region (or podlb:endpoint) and the credentials; or set discover=False "
            "and give network_mode and the security groups yourself",
        ) from None


def _discover_from_facts(name: str, wanted: bool | None, cluster_id: object) -> DiscoveredCluster | None:
    """Under `podlb plan`: the cluster's entry in the facts file plan was given (podlb discover
    wrote it); none when there is no entry, unless discover=True asks for one."""
    try:
        facts = facts_from_env()
    except FactsFileError as exc:
        raise PodLbError(name, "discover", str(exc), "fix or regenerate the facts file, or pass --facts") from None
    entry = facts.get(cluster_id) if isinstance(cluster_id, str) else None
    if entry is not None:
        check_cluster_id(name, entry.cluster.cluster_id)
        return entry.cluster
    if wanted:
        where = f"{next(iter(facts.values())).source} has no entry for it" if facts else f"there is no {FACTS_FILE}"
        raise PodLbError(
            name,
            "discover",
            f"is True, but podlb plan is offline (it never calls the CCE API) and {where}",
            f"run `podlb discover --cluster-id {cluster_id if isinstance(cluster_id, str) else 'cce-…'}` once "
            f"with read-only BCE credentials and commit the {FACTS_FILE} it writes beside Pulumi.yaml (or pass "
            "--facts FILE); or give network_mode and the security groups yourself",
        )
    return None


def _as_dict(value: Any) -> Any:
    """Pulumi gives nested output types as objects or dicts depending on the SDK; make dicts."""
    if value is None or isinstance(value, (str, int, float, bool, list)):
        return value
    if isinstance(value, dict):
        return value
    return {k: v for k, v in vars(value).items() if not k.startswith("_")} if hasattr(value, "__dict__") else value
