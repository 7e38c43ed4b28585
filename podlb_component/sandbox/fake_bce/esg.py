"""Fake enterprise security groups (`/v1/enterprise/security`): model, then HTTP handlers.

Field names follow bce-sdk-go's `EnterpriseSecurityGroup` / `EnterpriseSecurityGroupRule`
(services/esg) and bce-python-sdk's `esg_client.py`: rules are authorized in a list, updated
and deleted by id (`PUT`/`DELETE /v1/enterprise/security/rule/{id}`); there is no revoke by
fields. Whether the remark is part of a rule's identity is not documented for enterprise groups,
so the fake takes the stricter reading: a rule equal to an existing one in everything but its
remark is a 409 duplicate. Also stricter than documented: `action` and `priority` are required
and unknown fields are rejected.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ...bce.limits import ENTERPRISE_GROUP_RULES_PER_DIRECTION
from .errors import bad_request, conflict, not_found
from .routing import Request, Response, Route, page, route
from .rule_checks import ClientTokens, check_common, new_id, rewrite_like_bce, string_fields

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
UNIQUE_BY = tuple(k for k in IDENTITY if k != "priority")
"""Undocumented for enterprise groups; the strictest reading: a rule that lets in the same
traffic (whatever its remark or priority) is a duplicate."""
# what the SDK sends (unset fields as null) and what listings return
RULE_FIELDS = {
    *IDENTITY,
    "remark",
    "enterpriseSecurityGroupId",
    "enterpriseSecurityGroupRuleId",
    "createdTime",
    "updatedTime",
}


def normalise_rule(raw: Any) -> dict[str, Any]:
    rule: dict[str, Any] = string_fields(raw, RULE_FIELDS, {*IDENTITY, "remark"} - {"priority"})
    if rule["action"] not in ("allow", "deny"):
        raise bad_request(f"action must be allow or deny, got {rule['action']!r}")
    priority = raw.get("priority")
    if isinstance(priority, bool) or not isinstance(priority, int) or not 1 <= priority <= 1000:
        raise bad_request(f"priority must be an integer 1-1000, got {priority!r}")
    rule["priority"] = priority
    check_common(rule)
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
        self.rewrite_values = False
        """Store and answer rules in the rewritten forms of `rule_checks.rewrite_like_bce`."""
        self._tokens = ClientTokens()

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
        fingerprint = ClientTokens.fingerprint("authorize", group_id, rules)
        if self._tokens.already_done(token, fingerprint):
            return
        if self.rewrite_values:
            rules = [rewrite_like_bce(r) for r in rules]
        for rule in rules:
            if any(all(r[k] == rule[k] for k in UNIQUE_BY) for r in group.rules):
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
        self._tokens.remember(token, fingerprint)

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
        group, rule = self.find_rule(rule_id)
        updated = normalise_rule({**{k: v for k, v in rule.items() if k in RULE_FIELDS}, **changes})
        if self.rewrite_values:
            updated = rewrite_like_bce(updated)
        if any(other is not rule and all(other[k] == updated[k] for k in UNIQUE_BY) for other in group.rules):
            raise conflict("EnterpriseSecurityGroup.RuleDuplicated", "the same rule already exists")
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
