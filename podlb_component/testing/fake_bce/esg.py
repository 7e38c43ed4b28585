"""Fake enterprise security groups (`/v1/enterprise/security`): model, then HTTP handlers.

Field names follow bce-sdk-go's `EnterpriseSecurityGroup` / `EnterpriseSecurityGroupRule`.
Stricter than documented: `action` and `priority` are required, unknown fields are rejected,
and a rule equal to an existing one in everything but its remark is a 409 duplicate.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from ...bce.limits import ENTERPRISE_GROUP_RULES_PER_DIRECTION
from .bcc_security_groups import REMARK_MAX, check_cidr, check_port_range, new_id
from .errors import bad_request, conflict, not_found
from .routing import Request, Response, Route, page, route

RULE_FIELDS = {
    "remark",
    "direction",
    "ethertype",
    "portRange",
    "sourcePortRange",
    "protocol",
    "sourceIp",
    "destIp",
    "enterpriseSecurityGroupId",
    "action",
    "localIp",
    "priority",
    "remoteIpSet",
    "remoteIpGroup",
    "createdTime",
    "updatedTime",
    "enterpriseSecurityGroupRuleId",
}
IDENTITY = (
    "direction",
    "ethertype",
    "portRange",
    "sourcePortRange",
    "protocol",
    "sourceIp",
    "destIp",
    "localIp",
    "remoteIpSet",
    "remoteIpGroup",
    "action",
    "priority",
)


def normalise_rule(raw: Any) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise bad_request("each rule must be an object")
    unknown = set(raw) - RULE_FIELDS
    if unknown:
        raise bad_request(f"unknown rule fields {sorted(unknown)}")
    rule: dict[str, Any] = {k: ("" if raw.get(k) is None else str(raw.get(k))) for k in IDENTITY if k != "priority"}
    rule["remark"] = "" if raw.get("remark") is None else str(raw["remark"])
    if rule["direction"] not in ("ingress", "egress"):
        raise bad_request(f"direction must be ingress or egress, got {rule['direction']!r}")
    if rule["action"] not in ("allow", "deny"):
        raise bad_request(f"action must be allow or deny, got {rule['action']!r}")
    priority = raw.get("priority")
    if isinstance(priority, bool) or not isinstance(priority, int) or not 1 <= priority <= 1000:
        raise bad_request(f"priority must be an integer 1-1000, got {priority!r}")
    rule["priority"] = priority
    rule["ethertype"] = rule["ethertype"] or "IPv4"
    if rule["ethertype"] not in ("IPv4", "IPv6"):
        raise bad_request(f"ethertype must be IPv4 or IPv6, got {rule['ethertype']!r}")
    if rule["protocol"] not in ("", "all", "tcp", "udp", "icmp"):
        raise bad_request(f"protocol {rule['protocol']!r} is not tcp, udp, icmp or all")
    check_port_range(rule["portRange"])
    check_cidr(rule["sourceIp"], rule["ethertype"], "sourceIp")
    check_cidr(rule["destIp"], rule["ethertype"], "destIp")
    if len(rule["remark"]) > REMARK_MAX:
        raise bad_request(f"remark is longer than {REMARK_MAX} characters")
    return rule


@dataclass
class EnterpriseSecurityGroup:
    id: str
    name: str
    rules: list[dict[str, Any]] = field(default_factory=list)
    instance_ids: list[str] = field(default_factory=list)

    def model(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "desc": "",
            "tags": [],
            "createdTime": "2026-01-01T00:00:00Z",
            "updatedTime": "2026-01-01T00:00:00Z",
            "rules": [{**r, "enterpriseSecurityGroupId": self.id} for r in self.rules],
        }


class EnterpriseSecurityGroupBackend:
    def __init__(self, rule_limit: int | None = ENTERPRISE_GROUP_RULES_PER_DIRECTION) -> None:
        self.groups: dict[str, EnterpriseSecurityGroup] = {}
        self.rule_limit = rule_limit
        self._tokens: dict[str, str] = {}

    def add_group(
        self,
        group_id: str,
        name: str = "",
        instance_ids: list[str] | None = None,
        rules: list[dict[str, Any]] | None = None,
    ) -> EnterpriseSecurityGroup:
        group = EnterpriseSecurityGroup(group_id, name or group_id, instance_ids=list(instance_ids or []))
        self.groups[group_id] = group
        if rules:
            self.authorize(group_id, rules)
        return group

    def get(self, group_id: str) -> EnterpriseSecurityGroup:
        if group_id not in self.groups:
            raise not_found("EnterpriseSecurityGroup.NotFound", f"enterprise security group {group_id} does not exist")
        return self.groups[group_id]

    def authorize(self, group_id: str, raw_rules: Any, token: str | None = None) -> None:
        group = self.get(group_id)
        if not isinstance(raw_rules, list) or not raw_rules:
            raise bad_request("rules must be a non-empty list")
        rules = [normalise_rule(r) for r in raw_rules]
        fingerprint = json.dumps(["authorize", group_id, rules], sort_keys=True)
        if token and token in self._tokens:
            if self._tokens[token] != fingerprint:
                raise conflict("IdempotentParameterMismatch", f"clientToken {token} was used for another request")
            return
        for rule in rules:
            if any(all(r[k] == rule[k] for k in IDENTITY) for r in group.rules):
                raise conflict("EnterpriseSecurityGroup.RuleDuplicated", "the same rule already exists")
        for direction in {r["direction"] for r in rules}:
            total = sum(1 for r in group.rules + rules if r["direction"] == direction)
            if self.rule_limit is not None and total > self.rule_limit:
                raise bad_request(
                    f"enterprise security group {group_id} would have {total} {direction} rules "
                    f"(limit {self.rule_limit} per direction)",
                    "EnterpriseSecurityGroup.RuleQuotaExceeded",
                )
        for rule in rules:
            group.rules.append(
                {
                    **rule,
                    "enterpriseSecurityGroupRuleId": new_id("esgr-"),
                    "createdTime": "2026-01-01T00:00:00Z",
                    "updatedTime": "2026-01-01T00:00:00Z",
                }
            )
        if token:
            self._tokens[token] = fingerprint

    def find_rule(self, rule_id: str) -> tuple[EnterpriseSecurityGroup, dict[str, Any]]:
        for group in self.groups.values():
            for rule in group.rules:
                if rule["enterpriseSecurityGroupRuleId"] == rule_id:
                    return group, rule
        raise not_found(
            "EnterpriseSecurityGroup.RuleNotExist", f"enterprise security group rule {rule_id} does not exist"
        )

    def delete_rule(self, rule_id: str) -> None:
        group, rule = self.find_rule(rule_id)
        group.rules.remove(rule)

    def update_rule(self, rule_id: str, changes: dict[str, Any]) -> None:
        _, rule = self.find_rule(rule_id)
        updated = normalise_rule({**{k: v for k, v in rule.items() if k in RULE_FIELDS}, **changes})
        rule.update(updated)


def routes(backend: EnterpriseSecurityGroupBackend) -> list[Route]:
    def listing(r: Request) -> Response:
        groups = list(backend.groups.values())
        if r.query.get("instanceId"):
            groups = [g for g in groups if r.query["instanceId"] in g.instance_ids]
        return 200, page([g.model() for g in groups], r, "enterpriseSecurityGroups")

    def authorize(r: Request) -> Response:
        body = r.json_object()
        if set(body) != {"rules"}:
            raise bad_request('the body must be {"rules": [...]}')
        backend.authorize(r.params["id"], body["rules"], r.query.get("clientToken"))
        return 200, None

    def delete(r: Request) -> Response:
        backend.delete_rule(r.params["rule"])
        return 200, None

    def update(r: Request) -> Response:
        backend.update_rule(r.params["rule"], r.json_object())
        return 200, None

    return [
        route("esg.list", "GET", r"/v1/enterprise/security", listing),
        route(
            "esg.authorizeRule",
            "PUT",
            r"/v1/enterprise/security/(?P<id>esg-[^/]+)",
            authorize,
            query_flag="authorizeRule",
            mutating=True,
        ),
        route("esg.deleteRule", "DELETE", r"/v1/enterprise/security/rule/(?P<rule>[^/]+)", delete, mutating=True),
        route("esg.updateRule", "PUT", r"/v1/enterprise/security/rule/(?P<rule>[^/]+)", update, mutating=True),
    ]
