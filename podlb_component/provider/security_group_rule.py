"""`podlb:bce:SecurityGroupRule`: one ingress rule in a normal (`g-…`, BCC /v2/securityGroup) or
enterprise (`esg-…`, /v1/enterprise/security) security group.

The rule's remark carries its owner token (rule_model.owner_remark): the provider adopts,
changes and deletes only a rule with this resource's own token. Only the remark changes in
place; any other field is a new rule, made before the old one is deleted (both may exist for a
moment, so the port never closes)."""

from __future__ import annotations

import ipaddress
from typing import Any

from ..rule_model import REMARK_MAX, RuleFields, cidr_problem, is_security_group_id, owns
from ..tokens import RULE_TYPE
from .clients import ProviderClients
from .resource import Checked, CheckFailure, Diff, Read, migrating

TOKEN = RULE_TYPE
IDENTITY_FIELDS = ("security_group_id", "protocol", "port_range", "source_ip", "ethertype", "direction")
INPUTS = ("security_group_id", "protocol", "port_range", "source_ip", "remark")
OUTPUTS = (*INPUTS, "ethertype", "direction", "rule_id")


def _port_range_ok(value: object) -> bool:
    if not isinstance(value, str):
        return False
    parts = value.split("-")
    if len(parts) not in (1, 2) or not all(p.isdigit() for p in parts):
        return False
    numbers = [int(p) for p in parts]
    return all(1 <= n <= 65535 for n in numbers) and numbers == sorted(numbers)


def check_rule_inputs(news: dict[str, Any]) -> Checked:
    """Validate and normalise inputs before any API call; derive `ethertype` and `direction`."""
    failures: list[CheckFailure] = []
    inputs = {k: news[k] for k in INPUTS if k in news}
    group = inputs.get("security_group_id")
    if not is_security_group_id(group):
        failures.append(CheckFailure("security_group_id", f"{group!r} is not a 'g-…' or 'esg-…' security group id"))
    protocol = inputs.get("protocol")
    if protocol not in ("tcp", "udp"):
        failures.append(CheckFailure("protocol", f"must be 'tcp' or 'udp', got {protocol!r}"))
    if not _port_range_ok(inputs.get("port_range")):
        failures.append(
            CheckFailure("port_range", f"must be a port 1-65535 or a range 'a-b', got {inputs.get('port_range')!r}")
        )
    source = inputs.get("source_ip")
    problem = cidr_problem(str(source))
    if problem:
        failures.append(CheckFailure("source_ip", f"{problem[0]}; {problem[1]}"))
    else:
        inputs["ethertype"] = "IPv6" if ipaddress.ip_network(str(source)).version == 6 else "IPv4"
    remark = inputs.setdefault("remark", "")
    if not isinstance(remark, str) or len(remark) > REMARK_MAX:
        failures.append(CheckFailure("remark", f"must be a string of at most {REMARK_MAX} characters"))
    inputs["direction"] = "ingress"
    return Checked(inputs, failures)


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
    return {**{k: props.get(k) for k in OUTPUTS if k != "rule_id"}, "rule_id": rule_id}


def _inputs(outputs: dict[str, Any]) -> dict[str, Any]:
    return {k: outputs[k] for k in (*INPUTS, "ethertype", "direction") if k in outputs}


class SecurityGroupRuleType:
    token = TOKEN

    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> Checked:
        return check_rule_inputs(news)

    def diff(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> Diff:
        replaces = tuple(k for k in IDENTITY_FIELDS if olds.get(k) != news.get(k))
        # State from podlb 0.2.0 (a dynamic resource) changes in place — never a replace, which
        # would delete the very rule the new resource adopts (docs/design.md, "Migration").
        changes = bool(replaces) or olds.get("remark") != news.get("remark") or migrating(olds)
        return Diff(changes, replaces)

    def create(self, clients: ProviderClients, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        rule_id = clients.security_groups.create_rule(_fields(inputs), inputs.get("remark") or "")
        return rule_id, _outputs(inputs, rule_id)

    def read(self, clients: ProviderClients, id_: str, outputs: dict[str, Any], inputs: dict[str, Any]) -> Read:
        found = clients.security_groups.rule_by_id(outputs["security_group_id"], id_)
        if found is None or not owns(found.get("remark") or "", outputs.get("remark") or ""):
            # Deleted out of band, or re-labelled by someone (then it is theirs): gone for Pulumi.
            return Read("")
        refreshed = {**outputs, "remark": found.get("remark") or ""}
        # The API may answer in another spelling of the same rule (x/32 as x, …): keep ours
        # then, or every refresh would show a change; a real change (edited by id) shows.
        if not _fields(outputs).matches(found):
            refreshed.update(
                port_range=found.get("portRange") or outputs["port_range"],
                source_ip=found.get("sourceIp") or outputs["source_ip"],
                protocol=found.get("protocol") or outputs["protocol"],
            )
        clean = _outputs(refreshed, id_)
        return Read(id_, clean, _inputs(clean))

    def update(self, clients: ProviderClients, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> dict[str, Any]:
        if olds.get("remark") != news.get("remark"):
            clients.security_groups.update_remark(
                news["security_group_id"], id_, olds.get("remark") or "", news.get("remark") or ""
            )
        return _outputs(news, id_)

    def delete(self, clients: ProviderClients, id_: str, outputs: dict[str, Any]) -> None:
        clients.security_groups.delete_rule(_fields(outputs), outputs.get("remark") or "", id_)

    schema: dict[str, Any] = {
        "description": "An ingress rule in a Baidu security group, owned by one podlb resource (its remark says "
        "which); podlb adopts, changes and deletes only rules that carry its own owner token.",
        "requiredInputs": ["security_group_id", "protocol", "port_range", "source_ip"],
        "properties": {
            "security_group_id": {"type": "string", "description": "The group that holds the rule."},
            "protocol": {"type": "string", "description": "'tcp' or 'udp'."},
            "port_range": {"type": "string", "description": "The port or port range."},
            "source_ip": {"type": "string", "description": "Source CIDR."},
            "remark": {"type": "string", "description": "The rule's remark (owner token first)."},
            "ethertype": {"type": "string", "description": "'IPv4' or 'IPv6', from the source CIDR."},
            "direction": {"type": "string", "description": "Always 'ingress'."},
            "rule_id": {"type": "string", "description": "The rule's id in BCE."},
        },
        "required": ["security_group_id", "protocol", "port_range", "source_ip", "remark", "rule_id"],
    }
