"""The podlb provider's resources as a Python program registers them (what a generated SDK
would hold): `Provider`, `SecurityGroupRule` and `CceAddon`. The engine runs their CRUD in the
`pulumi-resource-podlb` plugin (podlb_component/provider/), not in the program.

Both custom resources alias `pulumi-python:dynamic:Resource`, the type podlb 0.2.0 registered
them under, so a stack made by 0.2.0 keeps its rules across the upgrade (docs/design.md,
"Migration from 0.2.0")."""

from __future__ import annotations

from typing import Any, TypedDict

import pulumi

from .names import camel
from .plan_kind import CLOUD_RANK, PlanKind, PlannedResource
from .provider.publishing import PACKAGE, PLUGIN_DOWNLOAD_URL
from .rules.value import RuleOutputs, SecurityGroupRuleArgs, plan_row, resource_props
from .tokens import ADDON_TYPE, READ_CONFIG_MAP, RULE_TYPE
from .version import VERSION

DYNAMIC_TYPE = "pulumi-python:dynamic:Resource"
"""podlb 0.2.0's type for both (a dynamic resource): the alias that carries old state over."""


def _options(opts: pulumi.ResourceOptions | None) -> pulumi.ResourceOptions:
    return pulumi.ResourceOptions.merge(
        pulumi.ResourceOptions(
            version=VERSION, plugin_download_url=PLUGIN_DOWNLOAD_URL, aliases=[pulumi.Alias(type_=DYNAMIC_TYPE)]
        ),
        opts,
    )


class ProviderArgs(TypedDict, total=False):
    access_key_id: pulumi.Input[str]
    """BCE access key id (AK); else Pulumi config podlb:accessKeyId, else BCE_ACCESS_KEY_ID."""
    secret_access_key: pulumi.Input[str]
    """BCE secret access key (SK), kept secret; else podlb:secretAccessKey, else BCE_SECRET_ACCESS_KEY."""
    region: pulumi.Input[str]
    """BCE region ('bj' if unset); else podlb:region, else BCE_REGION."""
    endpoint: pulumi.Input[str]
    """One endpoint for every BCE service; else podlb:endpoint, else BCE_ENDPOINT."""


class Provider(pulumi.ProviderResource):
    """An explicit podlb provider, for a second account or region: pass it to a component as
    `opts=pulumi.ResourceOptions(providers={"podlb": provider})`."""

    def __init__(self, name: str, args: ProviderArgs | None = None, opts: pulumi.ResourceOptions | None = None) -> None:
        args = args or {}
        _check_explicit_provider(name, args)
        props: dict[str, Any] = {key: args.get(arg) for arg, key in ARG_KEYS.items()}
        if props["secretAccessKey"] is not None:
            props["secretAccessKey"] = pulumi.Output.secret(props["secretAccessKey"])
        opts = pulumi.ResourceOptions.merge(
            pulumi.ResourceOptions(
                version=VERSION, plugin_download_url=PLUGIN_DOWNLOAD_URL, additional_secret_outputs=["secretAccessKey"]
            ),
            opts,
        )
        super().__init__(PACKAGE, name, props, opts)


def _check_explicit_provider(name: str, args: ProviderArgs) -> None:
    """The provider's own CheckConfig, in the program, when every argument is a plain value: a
    bad one stops the program here with its message, not the engine aborting the program
    mid-flight (docs/real-engine.md, finding 19). Not under plan or mocks (no plugin runs)."""
    from .bce.settings import offline, under_mock_engine
    from .errors import PodLbError
    from .provider.config import check_config

    given = {key: args.get(arg) for arg, key in ARG_KEYS.items() if args.get(arg) is not None}
    if offline() or under_mock_engine() or not all(isinstance(v, str) for v in given.values()):
        return
    failures = check_config(given)
    if failures:
        raise PodLbError(
            name,
            ", ".join(next(arg for arg, key in ARG_KEYS.items() if key == f.property) for f in failures),
            "; ".join(f.reason for f in failures),
            "fix the podlb.Provider's arguments (README, 'Provider configuration')",
        )


ARG_KEYS = {field: camel(field) for field in ("access_key_id", "secret_access_key", "region", "endpoint")}
"""ProviderArgs -> the provider's config keys."""


# CceAddonArgs' docstrings are also the inputs' descriptions in the package schema (the schema
# generator, tests/support/schema_gen.py, reads them; provider/cce_addon.py holds the rest of its entry).


class SecurityGroupRule(pulumi.CustomResource, RuleOutputs):
    """An ingress rule in a normal or enterprise security group, owned by a podlb resource. Its
    fields are the rule's field table (rules/value.FIELDS)."""

    def __init__(self, name: str, args: SecurityGroupRuleArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(RULE_TYPE, name, resource_props(args), _options(opts))


class CceAddonArgs(TypedDict, total=False):
    cluster_id: pulumi.Input[str]
    """The cluster ('cce-…')."""
    addon_names: pulumi.Input[list[str]]
    """The add-on's possible names in the add-on API, tried in order."""
    min_version: pulumi.Input[str]
    """Oldest acceptable version; older installs are upgraded to the newest offered version."""
    timeout_seconds: pulumi.Input[int]
    """How long to wait for phase Running, in seconds (default 600)."""
    poll_seconds: pulumi.Input[float]
    """Pause between two polls of the add-on's phase, in seconds (default 10)."""


class CceAddon(pulumi.CustomResource):
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
            "addon_name": None,
            "installed_version": None,
            "phase": None,
            "version_check": None,
        }
        super().__init__(ADDON_TYPE, name, props, _options(opts))


def _rule_summary(rule: PlannedResource) -> str:
    i = rule.inputs
    return f"{i['security_group_id']} {i['protocol']}/{i['port_range']} from {i['source_ip']}, deleted on destroy"


def _rule_row(rule: PlannedResource) -> dict[str, Any]:
    return plan_row(rule.inputs)


def _addon_summary(addon: PlannedResource) -> str:
    i = addon.inputs
    return (
        f"add-on {'/'.join(i['addon_names'])} >= {i['min_version']}: installed or upgraded if needed, never uninstalled"
    )


SECURITY_GROUP_RULE_IN_PLAN = PlanKind(RULE_TYPE, rank=CLOUD_RANK, summary=_rule_summary, rule=_rule_row)
"""`podlb plan`'s entry for SecurityGroupRule: a line in the rules table."""
CCE_ADDON_IN_PLAN = PlanKind(ADDON_TYPE, rank=CLOUD_RANK, summary=_addon_summary)
"""`podlb plan`'s entry for CceAddon."""


__all__ = [
    "ADDON_TYPE",
    "READ_CONFIG_MAP",
    "RULE_TYPE",
    "CceAddon",
    "CceAddonArgs",
    "Provider",
    "ProviderArgs",
    "SecurityGroupRule",
    "SecurityGroupRuleArgs",
]


def read_config_map(
    namespace: str, name: str, access: dict[str, pulumi.Input[Any]], parent: pulumi.Resource
) -> pulumi.Output[dict[str, Any]]:
    """{found, data, error?} of the live ConfigMap, read by the podlb provider `parent` uses.
    `access`: kubeconfig/context/cluster, as pulumi-kubernetes' Provider takes them."""
    return pulumi.runtime.invoke_output(
        READ_CONFIG_MAP,
        {"namespace": namespace, "name": name, **access},
        # The version and URL pick the same default provider as the resources (default_<version>_<url>).
        opts=pulumi.InvokeOutputOptions(parent=parent, version=VERSION, plugin_download_url=PLUGIN_DOWNLOAD_URL),
    )
