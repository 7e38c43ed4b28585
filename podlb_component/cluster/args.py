"""PodDirectClusterArgs and its validation (pure: no resource is touched here)."""

from __future__ import annotations

import inspect
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, TypedDict

import pulumi
from typing_extensions import Required

from ..addon_model import parse_version
from ..bce.settings import offline
from ..errors import ErrorCollector, PodLbError, misspelt_fields, reject_unknown_args
from ..rules.value import check_cidr
from ..values import is_whole_number
from .lb_controller import ADDON_NAMES, DEFAULT_MIN_VERSION, ClusterType
from .network import (
    NETWORK_MODES,
    NIC_TYPES,
    NetworkProfile,
    check_cluster_id,
    check_security_group_id,
    network_profile,
)

LB_CONTROLLER_CHART = "cce-lb-controller"
LB_CONTROLLER_CHART_VERSION = "1.0.0"  # the version the CCE guide says to install
DEFAULT_BACKEND_QUOTA = 50  # appblb Pod backends, CCE default
LB_CONTROLLER_MODES = ("validate", "ensure", "helm", "skip", "install")


SET_BY_PODLB = ("name", "namespace", "chart", "version", "values", "repository_opts")
"""ReleaseArgs fields podlb sets itself (version and values come from the chart's own fields)."""


class LbControllerChartArgs(TypedDict, total=False):
    """For `lb_controller="helm"` (standalone clusters whose operators serve the chart from their
    own catalogue): where the chart comes from, its values, and any other Helm Release option."""

    repository: str
    """Helm repository URL, or an `oci://` registry, that serves chart cce-lb-controller
    (required: podlb doesn't guess where your catalogue is)."""
    version: str
    """Chart version. Default: "1.0.0", the version the CCE guide names."""
    values: Mapping[str, Any]
    """Chart values, passed to Helm unchanged."""
    release_options: Mapping[str, Any]
    """Any other `kubernetes.helm.v3.ReleaseArgs` field (e.g. timeout, atomic,
    skip_await, max_history), passed unchanged; podlb sets name, namespace, chart, version,
    values and the repository."""


class PodDirectClusterArgs(TypedDict, total=False):
    cluster_id: Required[pulumi.Input[str]]
    """CCE cluster id (required). Must be a new-generation cluster ('cce-…'); old 'c-…'
    clusters don't support pod-direct Services."""
    network_mode: str
    """CCE container network mode (`containerNetworkConfig.mode`), e.g. "vpc-route-ipvlan" or
    "vpc-secondary-ip-veth" (required). Decides which security groups get rules and
    whether NICs are IPVLAN."""
    nic_type: Literal["veth", "ipvlan", "kubenet"]
    """Container NIC type; required for the *-auto-detect modes, else implied by the mode."""
    node_security_group_ids: Sequence[pulumi.Input[str]]
    """Security groups of the cluster's nodes: get the targetPort rules in VPC-route and
    kubenet modes. Items may be Outputs; the list itself must be plain."""
    eni_security_group_ids: Sequence[pulumi.Input[str]]
    """Security groups of the cluster's ENIs: get the targetPort rules in VPC-CNI modes."""
    vpc_cidr: pulumi.Input[str]
    """The VPC's CIDR: default rule source for internal load balancers."""
    kubeconfig: pulumi.Input[str]
    """Kubeconfig of the cluster. When set, the component makes its own Kubernetes provider
    for every child; otherwise the provider from `opts` (or the ambient one) is used."""
    lb_controller: Literal["validate", "ensure", "helm", "skip", "install"]
    """"validate" (default): check the add-on — through the CCE add-on API when discovery runs
    (installed, Running, at least `lb_controller_min_version`), plus Deployment
    kube-system/cce-lb-controller on standalone clusters; offline, a managed cluster can't be
    checked (warning) and a standalone one is checked by its Deployment. "ensure": install the
    add-on through the CCE add-on API when it is absent, upgrade it when it is older than
    `lb_controller_min_version`, and wait until it runs (never uninstalled, never downgraded).
    "helm": install chart cce-lb-controller with Helm (standalone clusters; needs
    `lb_controller_chart.repository`). "skip": do nothing. "install" is the old name of "helm"."""
    cluster_type: Literal["managed", "standalone"]
    """Where the LB controller runs: "managed" clusters run it on Baidu's side, "standalone"
    clusters in kube-system. Default: from the CCE API (masterType) when discovery runs, else
    "managed" (Baidu is discontinuing standalone clusters)."""
    lb_controller_min_version: str
    """Oldest acceptable add-on version, e.g. "1.3.6". Default "1.0.0" (the seed guide's)."""
    lb_controller_addon_names: Sequence[str]
    """The add-on's name(s) in the CCE add-on API, tried in order. Default ["cce-lb-controller"]
    (the API name is undocumented; if your cluster lists it differently, podlb's error shows
    the names it lists)."""
    lb_controller_timeout_seconds: int
    """How long "ensure" waits for the add-on to be Running. Default 600."""
    lb_controller_chart: LbControllerChartArgs
    """Chart repository/version/values/Release options for `lb_controller="helm"`."""
    ip_masq: Literal["auto", "skip"]
    """"auto" (default): on IPVLAN clusters set masqOutBound/masqOutBoundIPv6 to false in
    ConfigMap kube-system/cce-ip-masq-agent, keeping every other key; "skip": leave it."""
    backend_quota: int
    """Most Pod backends one application BLB may have. Default 50 (CCE's default quota)."""
    security_group_rule_limit: int
    """Ingress rules a security group may hold. Default: Baidu's quota, 100 for regular groups
    and 150 for enterprise groups; set it after raising the quota in the Quota Center."""
    discover: bool
    """Ask the CCE API (one call per cluster) for the network mode, VPC CIDR, node and ENI
    security groups and the add-on's state. Default: on when BCE credentials are configured
    (Pulumi config bce:* or env BCE_*), never in `podlb plan`. Explicit inputs always win."""


@dataclass(frozen=True)
class ClusterSpec:
    """Validated, defaulted cluster inputs."""

    cluster_id: pulumi.Input[str]
    profile: NetworkProfile
    rule_group_ids: tuple[pulumi.Input[str], ...]
    node_group_ids: tuple[pulumi.Input[str], ...]
    eni_group_ids: tuple[pulumi.Input[str], ...]
    vpc_cidr: pulumi.Input[str] | None
    lb_controller: str
    chart: LbControllerChartArgs
    manage_ip_masq: bool
    cluster_type: ClusterType | None
    """As given; None: decided by discovery, else managed."""
    min_version: str
    addon_names: tuple[str, ...]
    addon_timeout_seconds: int
    backend_quota: int
    rule_limit: int | None


_KNOWN_FIELDS = set(PodDirectClusterArgs.__annotations__)


def _group_list(resource: str, field: str, value: object) -> tuple[pulumi.Input[str], ...]:
    """A plain list of group ids (or Outputs), every item checked."""
    if value is None:
        return ()
    if isinstance(value, pulumi.Output) or isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
        raise PodLbError(
            resource,
            field,
            "must be a list of security group ids (items may be Outputs): podlb creates rules "
            "per group, so it must know how many groups there are at preview time",
            f"pass e.g. {field}=['g-abc123'] or [group.id]",
        )
    found = ErrorCollector()
    for i, gid in enumerate(value):
        found.check(_group_id, resource, f"{field}[{i}]", gid)
    found.raise_errors()
    return tuple(value)


def _group_id(resource: str, field: str, gid: object) -> None:
    if isinstance(gid, str):
        check_security_group_id(resource, field, gid)
    elif not isinstance(gid, pulumi.Output):
        raise PodLbError(resource, field, f"must be a group id string, got {gid!r}", "use a 'g-…' or 'esg-…' id")


STRUCTURAL_FIELDS = ("network_mode", "nic_type", "lb_controller", "ip_masq", "cluster_type")
"""Inputs that decide which resources podlb creates: plain values only."""


def validate_cluster_args(resource: str, args: Mapping[str, object]) -> ClusterSpec:
    """Check and default every plain input, each on its own, so a bad one doesn't hide the next;
    raise PodLbError naming every bad one (PodLbErrors when several), in the order below (the
    first is the one earlier podlb named alone, which the error tests rely on). A check that
    reads another field is skipped when that one is bad: its error would only repeat it."""
    found = ErrorCollector()
    found.check(reject_unknown_args, resource, args, _KNOWN_FIELDS)
    misspelt = misspelt_fields(args, _KNOWN_FIELDS)

    def required(field: str) -> bool:
        # a required field missing because it was misspelt is reported once: as the unknown one
        return field in args or field not in misspelt

    cluster_id = args.get("cluster_id")
    if not isinstance(cluster_id, pulumi.Output) and required("cluster_id"):
        found.check(check_cluster_id, resource, cluster_id)
    found.check(_discover_flag, resource, args.get("discover"))
    for field in STRUCTURAL_FIELDS:
        found.check(_known_at_preview, resource, field, args.get(field))
    profile = (
        found.check(_profile, resource, args)
        if required("network_mode") and not found.failed("network_mode", "nic_type")
        else None
    )
    nodes = found.check(_group_list, resource, "node_security_group_ids", args.get("node_security_group_ids"))
    enis = found.check(_group_list, resource, "eni_security_group_ids", args.get("eni_security_group_ids"))
    selected = (
        found.check(_rule_groups, resource, profile, nodes, enis)
        if profile is not None and nodes is not None and enis is not None
        else None
    )
    vpc_cidr = found.check(_vpc_cidr, resource, args.get("vpc_cidr"))
    controller = _lb_controller(resource, args, found)
    ip_masq = None if found.failed("ip_masq") else found.check(_ip_masq, resource, args.get("ip_masq", "auto"))
    quota = found.check(_backend_quota, resource, args.get("backend_quota", DEFAULT_BACKEND_QUOTA))
    rule_limit = found.check(_rule_limit, resource, args.get("security_group_rule_limit"))
    found.raise_errors()
    # no error: every check returned its value
    assert profile is not None and nodes is not None and enis is not None and selected is not None
    assert controller is not None and ip_masq is not None and quota is not None
    return ClusterSpec(
        cluster_id=cluster_id,  # type: ignore[arg-type]
        profile=profile,
        rule_group_ids=selected,
        node_group_ids=nodes,
        eni_group_ids=enis,
        vpc_cidr=vpc_cidr,
        lb_controller=controller.mode,
        chart=controller.chart,
        manage_ip_masq=ip_masq and profile.is_ipvlan,
        backend_quota=quota,
        rule_limit=rule_limit,
        cluster_type=controller.cluster_type,
        min_version=controller.min_version,
        addon_names=controller.addon_names,
        addon_timeout_seconds=controller.timeout_seconds,
    )


def _discover_flag(resource: str, discover: object) -> None:
    if discover is not None and not isinstance(discover, bool):
        raise PodLbError(
            resource,
            "discover",
            f"must be True or False, got {discover!r}",
            "leave it unset to discover whenever BCE credentials are configured",
        )


def _known_at_preview(resource: str, field: str, value: object) -> None:
    if isinstance(value, pulumi.Output):
        raise PodLbError(
            resource,
            field,
            "is an Output, but it decides which resources podlb creates (and which security groups get "
            "rules), which must be known at preview time",
            "pass a plain value (a literal, or stack config read with pulumi.Config)",
        )


def _profile(resource: str, args: Mapping[str, object]) -> NetworkProfile:
    """The network mode's profile: which groups get rules, and the NIC type."""
    if "network_mode" not in args:
        if offline():
            raise PodLbError(
                resource,
                "network_mode",
                "is required: podlb plan is offline, so it can't discover the cluster's network mode from the "
                "CCE API (and no facts file lists this cluster)",
                "set network_mode (e.g. 'vpc-route-veth') and the security groups, or run `podlb discover "
                "--cluster-id …` once and commit the podlb.facts.yaml it writes beside Pulumi.yaml",
            )
        raise PodLbError(
            resource,
            "network_mode",
            "is required when it isn't discovered (discovery reads the CCE API, with BCE credentials and a "
            "cluster_id known at preview)",
            "set the cluster's container network mode, e.g. 'vpc-route-veth', or configure BCE credentials "
            "(podlb:accessKeyId, podlb:secretAccessKey) so podlb reads it from the CCE API",
        )
    mode, nic_type = args.get("network_mode"), args.get("nic_type")
    found = ErrorCollector()
    if not isinstance(mode, str):  # (a list isn't even comparable to the names)
        found.errors.append(
            PodLbError(
                resource, "network_mode", f"must be a string, got {mode!r}", "use one of " + ", ".join(NETWORK_MODES)
            )
        )
    elif mode not in NETWORK_MODES:
        found.check(network_profile, resource, mode)  # names the unknown mode, and the nearest one
    if nic_type is not None and not isinstance(nic_type, str):
        found.errors.append(
            PodLbError(
                resource, "nic_type", f"must be a string, got {nic_type!r}", "use one of " + ", ".join(NIC_TYPES)
            )
        )
    found.raise_errors()
    # what nic_type may be depends on the mode: checked together, once the mode is known
    return network_profile(resource, mode, nic_type)


def _rule_groups(
    resource: str, profile: NetworkProfile, nodes: tuple[pulumi.Input[str], ...], enis: tuple[pulumi.Input[str], ...]
) -> tuple[pulumi.Input[str], ...]:
    """The groups that get the rules: the nodes' or the ENIs', by mode; never none."""
    scope = profile.scope
    selected = scope.pick(nodes, enis)
    if not selected:
        raise PodLbError(
            resource,
            scope.field,
            f"is empty, but in network mode {profile.mode!r} pod-direct traffic is filtered by "
            f"the security groups of {scope.holders}, so the targetPort must be opened there",
            f"list the groups bound to {scope.holders} (CCE console -> cluster -> {scope.label} security groups)",
        )
    return selected


def _vpc_cidr(resource: str, vpc_cidr: object) -> pulumi.Input[str] | None:
    if isinstance(vpc_cidr, str):
        check_cidr(resource, "vpc_cidr", vpc_cidr)
    elif vpc_cidr is not None and not isinstance(vpc_cidr, pulumi.Output):
        raise PodLbError(resource, "vpc_cidr", f"must be a CIDR string, got {vpc_cidr!r}", "e.g. '192.168.0.0/16'")
    return vpc_cidr


@dataclass(frozen=True)
class _ControllerInputs:
    mode: str
    chart: LbControllerChartArgs
    cluster_type: ClusterType | None
    min_version: str
    addon_names: tuple[str, ...]
    timeout_seconds: int


CONTROLLER_FIELDS = (
    "lb_controller",
    "lb_controller_chart",
    "cluster_type",
    "lb_controller_min_version",
    "lb_controller_addon_names",
    "lb_controller_timeout_seconds",
)


def _lb_controller(resource: str, args: Mapping[str, object], found: ErrorCollector) -> _ControllerInputs | None:
    """How the cce-lb-controller add-on is checked or installed, and what counts as new enough:
    each input checked on its own, its errors kept in `found`; None when one of them is bad.
    lb_controller and cluster_type were checked already when they are Outputs."""
    mode = None if found.failed("lb_controller") else found.check(_lb_controller_mode, resource, args)
    chart = found.check(_chart, resource, args.get("lb_controller_chart"), mode)
    cluster_type = None  # unset: discovery decides, else managed
    if not found.failed("cluster_type"):
        cluster_type = found.check(_cluster_type, resource, args.get("cluster_type"))
    min_version = found.check(_min_version, resource, args.get("lb_controller_min_version", DEFAULT_MIN_VERSION))
    names = found.check(_addon_names, resource, args.get("lb_controller_addon_names", ADDON_NAMES))
    timeout = found.check(_addon_timeout, resource, args.get("lb_controller_timeout_seconds", 600))
    if found.failed(*CONTROLLER_FIELDS):
        return None
    assert mode is not None and chart is not None and min_version is not None  # no error: each was checked
    assert names is not None and timeout is not None
    return _ControllerInputs(mode, chart, cluster_type, min_version, names, timeout)


def _lb_controller_mode(resource: str, args: Mapping[str, object]) -> str:
    lb_controller = args.get("lb_controller", "validate")
    if lb_controller not in LB_CONTROLLER_MODES:
        raise PodLbError(
            resource,
            "lb_controller",
            f"must be one of {', '.join(map(repr, LB_CONTROLLER_MODES[:-1]))}, got {lb_controller!r}",
            "'validate' checks the add-on, 'ensure' installs or upgrades it through the CCE API, "
            "'helm' installs its chart with Helm, 'skip' leaves it to you",
        )
    assert isinstance(lb_controller, str)
    return "helm" if lb_controller == "install" else lb_controller  # "install": the old name (podlb 0.1)


def _chart(resource: str, raw: object, mode: str | None) -> LbControllerChartArgs:
    """lb_controller_chart: known keys, Release options podlb doesn't set, and a repository
    for lb_controller='helm' (`mode`; None: that mode is bad, so not asked)."""
    raw = raw or {}
    if not isinstance(raw, Mapping):
        raise PodLbError(
            resource,
            "lb_controller_chart",
            f"must be a mapping, got {raw!r}",
            "e.g. lb_controller_chart={'repository': '<chart repo URL>'}",
        )
    chart = dict(raw)
    found = ErrorCollector()
    bad_keys = set(chart) - set(LbControllerChartArgs.__annotations__)
    if bad_keys:
        found.errors.append(
            PodLbError(
                resource,
                "lb_controller_chart",
                f"unknown keys {sorted(bad_keys)}",
                "use repository, version, values and release_options (any other Helm Release field)",
            )
        )
    found.check(_check_release_options, resource, chart.get("release_options"))
    # with an unknown key (likely a misspelt repository), a missing repository is that mistake again
    if mode == "helm" and not chart.get("repository") and not bad_keys:
        found.errors.append(
            PodLbError(
                resource,
                "lb_controller_chart.repository",
                "is required with lb_controller='helm': podlb doesn't guess where your cluster's Helm "
                "chart catalogue is served from",
                "set lb_controller_chart={'repository': '<chart repo URL>'}, or use lb_controller='ensure' "
                "to install the add-on through the CCE add-on API (no chart URL needed)",
            )
        )
    found.raise_errors()
    chart.setdefault("version", LB_CONTROLLER_CHART_VERSION)
    return chart  # type: ignore[return-value]


def _cluster_type(resource: str, cluster_type: object) -> ClusterType | None:
    if cluster_type not in (None, "managed", "standalone"):
        raise PodLbError(
            resource,
            "cluster_type",
            f"must be 'managed' or 'standalone', got {cluster_type!r}",
            "CCE console -> cluster -> basic info shows the master type (托管 = managed, 独立 = standalone)",
        )
    return cluster_type


def _min_version(resource: str, min_version: object) -> str:
    if not isinstance(min_version, str) or parse_version(min_version) is None:
        raise PodLbError(
            resource,
            "lb_controller_min_version",
            f"{min_version!r} is not a version",
            "write it as the CCE console shows versions, e.g. '1.3.6'",
        )
    return min_version


def _addon_names(resource: str, names: object) -> tuple[str, ...]:
    if (
        isinstance(names, str)
        or not isinstance(names, Sequence)
        or not names
        or not all(isinstance(n, str) and n for n in names)
    ):
        raise PodLbError(
            resource,
            "lb_controller_addon_names",
            f"must be a non-empty list of add-on names, got {names!r}",
            "leave it unset for ['cce-lb-controller']",
        )
    return tuple(names)


def _addon_timeout(resource: str, timeout: object) -> int:
    if not is_whole_number(timeout) or timeout < 1:
        raise PodLbError(
            resource, "lb_controller_timeout_seconds", f"must be a whole number >= 1, got {timeout!r}", "e.g. 600"
        )
    return timeout


def _ip_masq(resource: str, ip_masq: object) -> bool:
    """Whether ip-masq is podlb's to manage (on IPVLAN clusters)."""
    if ip_masq not in ("auto", "skip"):
        raise PodLbError(
            resource,
            "ip_masq",
            f"must be 'auto' or 'skip', got {ip_masq!r}",
            "'auto' manages cce-ip-masq-agent on IPVLAN clusters",
        )
    return ip_masq == "auto"


def _backend_quota(resource: str, quota: object) -> int:
    if not is_whole_number(quota) or quota < 1:
        raise PodLbError(
            resource,
            "backend_quota",
            f"must be a whole number >= 1, got {quota!r}",
            "leave it at 50 unless Baidu raised your appblb backend quota",
        )
    return quota


def _rule_limit(resource: str, rule_limit: object) -> int | None:
    if rule_limit is not None and (not is_whole_number(rule_limit) or rule_limit < 1):
        raise PodLbError(
            resource,
            "security_group_rule_limit",
            f"must be a whole number >= 1, got {rule_limit!r}",
            "leave it unset to use Baidu's default quota (100 regular, 150 enterprise)",
        )
    return rule_limit


def _comparable(value: object) -> object:
    if isinstance(value, (list, tuple)):
        return frozenset(value)
    return value


def apply_discovery(
    resource: str, args: Mapping[str, Any], found: Mapping[str, Any]
) -> tuple[dict[str, Any], list[str]]:
    """Fill inputs the user left unset from what the CCE API reported; explicit inputs win,
    and a contradiction is reported as a warning (it is usually a stale copy-paste)."""
    merged = dict(args)
    warnings: list[str] = []
    for field, value in found.items():
        if value is None or value == () or value == []:
            continue
        given = args.get(field)
        if given is None:
            merged[field] = list(value) if isinstance(value, tuple) else value
            continue
        items = given if isinstance(given, (list, tuple)) else [given]
        if any(isinstance(x, pulumi.Output) for x in items):
            continue  # not comparable until known
        if _comparable(given) != _comparable(value):
            warnings.append(
                f"{field} is set to {given!r}, but the CCE API reports {value!r} for this cluster; "
                f"using {given!r} as given"
            )
    return merged, warnings


def _check_release_options(resource: str, options: object) -> None:
    """release_options are splatted into kubernetes.helm.v3.ReleaseArgs: a key it doesn't take
    would fail there, deep in the Helm release, and one podlb sets would be silently overridden."""
    if options is None:
        return
    field = "lb_controller_chart.release_options"
    if not isinstance(options, Mapping):
        raise PodLbError(resource, field, f"must be a map of ReleaseArgs fields, got {type(options).__name__}",
                         "e.g. {'skip_await': True, 'timeout': 600}")  # fmt: skip
    from pulumi_kubernetes.helm.v3 import ReleaseArgs  # only here: the validation stays light otherwise

    known = set(inspect.signature(ReleaseArgs.__init__).parameters) - {"self", "__self__"}
    unknown = sorted(str(k) for k in options if k not in known)
    if unknown:
        raise PodLbError(
            resource,
            field,
            f"{', '.join(unknown)}: not a field of kubernetes.helm.v3.ReleaseArgs",
            "use ReleaseArgs field names (Python: skip_await, max_history, timeout; TypeScript, Go and YAML: "
            "skipAwait, maxHistory, timeout)",
        )
    taken = sorted(str(k) for k in options if k in SET_BY_PODLB)
    if taken:
        raise PodLbError(
            resource,
            field,
            f"{', '.join(taken)}: podlb sets {'it' if len(taken) == 1 else 'them'} itself",
            "set the chart's version and values in lb_controller_chart.version and .values; podlb names the "
            "release, its namespace, chart and repository",
        )
