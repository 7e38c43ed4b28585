"""SecurityGroupRule: one ingress rule in a Baidu security group, as a Pulumi dynamic resource.

The provider runs in the Pulumi engine's dynamic-provider process (`python -m pulumi.dynamic`),
not in the program: it builds its SDK clients inside each method from the resource's own
(secret) inputs and holds no credentials of its own, so nothing secret is pickled into the
state with it. Normal groups (`g-…`) go through BCC's /v2/securityGroup API, enterprise groups
(`esg-…`) through /v1/enterprise/security.

The rule's remark carries its owner token (rule_model.owner_remark): the provider adopts,
changes and deletes only a rule with this resource's own token.
"""

from __future__ import annotations

import ipaddress
from typing import Any, TypedDict

import pulumi
import pulumi.dynamic as dyn

from ..rule_model import REMARK_MAX, RuleFields, cidr_problem, is_security_group_id, owns
from .security_groups import SecurityGroupApi
from .settings import CREDENTIALS_INPUT, BceSettings

IDENTITY_FIELDS = ("security_group_id", "protocol", "port_range", "source_ip", "ethertype", "direction")


class SecurityGroupRuleArgs(TypedDict, total=False):
    security_group_id: pulumi.Input[str]
    """'g-…' (normal) or 'esg-…' (enterprise) group that gets the rule."""
    protocol: pulumi.Input[str]
    """'tcp' or 'udp'."""
    port_range: pulumi.Input[str]
    """A port ('8080') or a range ('8000-8080')."""
    source_ip: pulumi.Input[str]
    """Source CIDR of the ingress rule."""
    remark: pulumi.Input[str]
    """Names the owning resource (rule_model.owner_remark); at most 128 characters."""
    bce_credentials: pulumi.Input[Any]
    """Secret {access_key_id, secret_access_key, region, endpoint}; env is used when unset."""


def _port_range_ok(value: object) -> bool:
    if not isinstance(value, str):
        return False
    parts = value.split("-")
    if len(parts) not in (1, 2) or not all(p.isdigit() for p in parts):
        return False
    numbers = [int(p) for p in parts]
    return all(1 <= n <= 65535 for n in numbers) and numbers == sorted(numbers)


def check_rule_inputs(news: dict[str, Any]) -> tuple[dict[str, Any], list[dyn.CheckFailure]]:
    """Validate and normalise inputs before any API call; derive `ethertype` and `direction`."""
    failures: list[dyn.CheckFailure] = []
    inputs = dict(news)
    group = inputs.get("security_group_id")
    if not is_security_group_id(group):
        failures.append(dyn.CheckFailure("security_group_id", f"{group!r} is not a 'g-…' or 'esg-…' security group id"))
    protocol = inputs.get("protocol")
    if protocol not in ("tcp", "udp"):
        failures.append(dyn.CheckFailure("protocol", f"must be 'tcp' or 'udp', got {protocol!r}"))
    if not _port_range_ok(inputs.get("port_range")):
        failures.append(
            dyn.CheckFailure("port_range", f"must be a port 1-65535 or a range 'a-b', got {inputs.get('port_range')!r}")
        )
    source = inputs.get("source_ip")
    problem = cidr_problem(str(source))
    if problem:
        failures.append(dyn.CheckFailure("source_ip", f"{problem[0]}; {problem[1]}"))
    else:
        inputs["ethertype"] = "IPv6" if ipaddress.ip_network(str(source)).version == 6 else "IPv4"
    remark = inputs.get("remark") or ""
    if not isinstance(remark, str) or len(remark) > REMARK_MAX:
        failures.append(dyn.CheckFailure("remark", f"must be a string of at most {REMARK_MAX} characters"))
    inputs["direction"] = "ingress"
    return inputs, failures


def _fields(props: dict[str, Any]) -> RuleFields:
    return RuleFields(
        security_group_id=props["security_group_id"],
        direction=props.get("direction") or "ingress",
        protocol=props["protocol"],
        port_range=props["port_range"],
        source_ip=props["source_ip"],
        ethertype=props.get("ethertype") or "IPv4",
    )


def _outputs(props: dict[str, Any], rule_id: str) -> dict[str, Any]:
    return {**props, "rule_id": rule_id}


class SecurityGroupRuleProvider(dyn.ResourceProvider):
    """CRUD of one rule through bce-python-sdk (see security_groups.SecurityGroupApi)."""

    def _api(self, props: dict[str, Any]) -> SecurityGroupApi:
        return SecurityGroupApi(BceSettings.resolve(props))

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> dyn.CheckResult:
        inputs, failures = check_rule_inputs(news)
        return dyn.CheckResult(inputs, failures)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> dyn.DiffResult:
        replaces = [k for k in IDENTITY_FIELDS if olds.get(k) != news.get(k)]
        changes = (
            bool(replaces)
            or olds.get("remark") != news.get("remark")
            or olds.get(CREDENTIALS_INPUT) != news.get(CREDENTIALS_INPUT)
        )
        # Only the remark changes in place. A new identity is a new rule, made before the old
        # one is deleted (they differ, so both may exist for a moment: the port never closes).
        return dyn.DiffResult(changes=changes, replaces=replaces, delete_before_replace=False)

    def create(self, props: dict[str, Any]) -> dyn.CreateResult:
        rule_id = self._api(props).create_rule(_fields(props), props.get("remark") or "")
        return dyn.CreateResult(rule_id, _outputs(props, rule_id))

    def read(self, id_: str, props: dict[str, Any]) -> dyn.ReadResult:
        found = self._api(props).rule_by_id(props["security_group_id"], id_)
        if found is None or not owns(found.get("remark") or "", props.get("remark") or ""):
            # Deleted out of band, or re-labelled by someone (then it is theirs): gone for
            # Pulumi. An empty id is how a provider says so; `ReadResult(None, None)` crashes
            # the provider host (it writes into the outputs).
            return dyn.ReadResult("", {})
        refreshed = {**props, "remark": found.get("remark") or ""}
        # The API may answer in another spelling of the same rule (x/32 as x, …): keep ours
        # then, or every refresh would show a change; a real change (edited by id) shows.
        if not _fields(props).matches(found):
            refreshed.update(
                port_range=found.get("portRange") or props["port_range"],
                source_ip=found.get("sourceIp") or props["source_ip"],
                protocol=found.get("protocol") or props["protocol"],
            )
        return dyn.ReadResult(id_, _outputs(refreshed, id_))

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> dyn.UpdateResult:
        if olds.get("remark") != news.get("remark"):
            self._api(news).update_remark(
                news["security_group_id"], id_, olds.get("remark") or "", news.get("remark") or ""
            )
        return dyn.UpdateResult(_outputs(news, id_))

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        self._api(props).delete_rule(_fields(props), props.get("remark") or "", id_)


class SecurityGroupRule(dyn.Resource):
    """An ingress rule in a normal or enterprise security group, owned by a podlb Service."""

    rule_id: pulumi.Output[str]
    security_group_id: pulumi.Output[str]
    protocol: pulumi.Output[str]
    port_range: pulumi.Output[str]
    source_ip: pulumi.Output[str]
    remark: pulumi.Output[str]

    def __init__(self, name: str, args: SecurityGroupRuleArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        props: dict[str, Any] = {
            "security_group_id": args.get("security_group_id"),
            "protocol": args.get("protocol"),
            "port_range": args.get("port_range"),
            "source_ip": args.get("source_ip"),
            "remark": args.get("remark", ""),
            CREDENTIALS_INPUT: args.get(CREDENTIALS_INPUT),
            "rule_id": None,
            "ethertype": None,
            "direction": None,
        }
        opts = pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(additional_secret_outputs=[CREDENTIALS_INPUT]))
        super().__init__(SecurityGroupRuleProvider(), name, props, opts)


__all__ = ["SecurityGroupRule", "SecurityGroupRuleArgs", "SecurityGroupRuleProvider"]
