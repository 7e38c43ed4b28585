"""Fake enterprise security groups (`/v1/enterprise/security`): model, then HTTP handlers.

Field names follow bce-sdk-go's `EnterpriseSecurityGroup` / `EnterpriseSecurityGroupRule`
(services/esg) and bce-python-sdk's `esg_client.py`: rules are authorized in a list, updated
and deleted by id (`PUT`/`DELETE /v1/enterprise/security/rule/{id}`); there is no revoke by
fields. Whether the remark is part of a rule's identity is not documented for enterprise groups,
so the fake takes the stricter reading: a rule equal to an existing one in everything but its
remark is a 409 duplicate (within one request too). Also stricter than documented: `action` and
`priority` are required and unknown fields are rejected.

Groups are created and deleted as well:
- `POST /v1/enterprise/security?clientToken=…` with `{name, desc, rules, tags}` answers
  `{"enterpriseSecurityGroupId": "esg-…"}`: bce-python-sdk `EsgClient.create_enterprise_security_group`
  (which sends `desc` as null when unset), bce-sdk-go `CreateEsgArgs` / `CreateEsgResult`
  (services/esg/model.go, which sends unset `rules` and `tags` as null), and Baidu's "Create
  enterprise security group" page (intl.cloud.baidu.com/en/doc/VPC/s/gl5gqhqtk-intl-en): the name is
  required, 1-65 characters beginning with a letter (checked as for normal groups,
  bcc_security_groups.NAME_PATTERN); rules are optional, at most MAX_RULES_PER_CREATE of them. An
  enterprise group belongs to no VPC (no `vpcId` in either SDK). The clientToken is honoured as for
  rules: the same token with the same body answers the id the first create made.
- `DELETE /v1/enterprise/security/{id}?clientToken=…` (bce-python-sdk
  `EsgClient.delete_enterprise_security_group`, bce-sdk-go `DeleteEsg` in services/esg/esg.go): 404
  `Esg.EsgResourceNotExist`, 409 `Esg.EsgBindStatusInvalid` for a group bound to an instance ("Delete
  enterprise security group", intl.cloud.baidu.com/en/doc/VPC/s/yl5jcu51m-intl-en). A replay with the
  token of a delete that succeeded does nothing (rule_checks.ClientTokens).

Stricter than documented, on creating and deleting: unknown body fields are refused, `desc` is a
string of at most bcc_security_groups.DESC_MAX characters (or null, as the Python SDK sends it),
tags must be `{tagKey, tagValue}` with distinct keys, a rule in a create carries no id, group or
times, and "bound" takes in the ENIs and CCE clusters that carry the group (see state.py), besides
its instances. Names need not be unique, as for normal groups (see bcc_security_groups.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ...bce.limits import ENTERPRISE_GROUP_RULES_PER_DIRECTION
from .bcc_security_groups import check_desc, check_group_name, check_tags, new_group_id, unknown_fields
from .errors import BceFault, bad_request, conflict, not_found
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

GROUP_FIELDS = {"name", "desc", "rules", "tags"}
"""A create's body: bce-sdk-go CreateEsgArgs; bce-python-sdk sends the same names."""
MAX_RULES_PER_CREATE = 20
""""The number of enterprise security group rules created per operation must not exceed 20"
(the create page above)."""
SERVER_SET = ("enterpriseSecurityGroupId", "enterpriseSecurityGroupRuleId", "createdTime", "updatedTime")
"""Rule fields the API sets; a create's rules leave them unset (the SDK sends them as null)."""


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
    desc: str = ""
    tags: list[dict[str, str]] = field(default_factory=list)

    def model(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "desc": self.desc,
            "tags": [dict(t) for t in self.tags],
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
        self.bound_to: Callable[[str], list[str]] = lambda group_id: []
        """What else holds a group (ENIs, clusters), so that it can't be deleted; FakeBceState
        wires it."""
        self._tokens = ClientTokens()
        self._created: dict[str, str] = {}
        """clientToken -> the id the create with that token made."""

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

    def create_group(self, body: dict[str, Any], token: str | None = None) -> str:
        """Create an enterprise group: the new group's id (see the module docstring)."""
        unknown_fields(body, GROUP_FIELDS)
        name = check_group_name(body.get("name"))
        desc = check_desc(body.get("desc"), null_allowed=True)
        raw_rules = body.get("rules")
        if raw_rules is None:
            raw_rules = []
        if not isinstance(raw_rules, list):
            raise bad_request("rules must be a list")
        if len(raw_rules) > MAX_RULES_PER_CREATE:
            raise bad_request(f"at most {MAX_RULES_PER_CREATE} rules can be created at once, got {len(raw_rules)}")
        for raw in raw_rules:
            if isinstance(raw, dict) and any(raw.get(k) for k in SERVER_SET):
                raise bad_request(f"a rule in a create sets none of {list(SERVER_SET)}")
        rules = [normalise_rule(r) for r in raw_rules]
        tags = check_tags(body.get("tags"))
        fingerprint = ClientTokens.fingerprint("create", name, desc, rules, tags)
        if self._tokens.already_done(token, fingerprint):
            return self._created[str(token)]
        group = EnterpriseSecurityGroup(new_group_id("esg-", self.groups), name, desc=desc, tags=tags)
        self.groups[group.id] = group
        try:
            self._add_rules(group, rules)
        except BceFault:  # all or nothing
            del self.groups[group.id]
            raise
        self._tokens.remember(token, fingerprint)
        if token:
            self._created[token] = group.id
        return group.id

    def delete_group(self, group_id: str, token: str | None = None) -> None:
        """Delete an enterprise group (see the module docstring)."""
        fingerprint = ClientTokens.fingerprint("delete", group_id)
        if self._tokens.already_done(token, fingerprint):
            return
        group = self.groups.get(group_id)
        if group is None:
            raise not_found("Esg.EsgResourceNotExist", f"enterprise security group {group_id} does not exist")
        holders = [*group.instance_ids, *self.bound_to(group_id)]
        if holders:
            raise conflict(
                "Esg.EsgBindStatusInvalid", f"enterprise security group {group_id} is bound to {', '.join(holders)}"
            )
        del self.groups[group_id]
        self._tokens.remember(token, fingerprint)

    def authorize(self, group_id: str, raw_rules: Any, token: str | None = None) -> None:
        group = self.get(group_id)
        if not isinstance(raw_rules, list) or not raw_rules:
            raise bad_request("rules must be a non-empty list")
        rules = [normalise_rule(r) for r in raw_rules]
        fingerprint = ClientTokens.fingerprint("authorize", group_id, rules)
        if self._tokens.already_done(token, fingerprint):
            return
        self._add_rules(group, rules)
        self._tokens.remember(token, fingerprint)

    def _add_rules(self, group: EnterpriseSecurityGroup, rules: list[dict[str, Any]]) -> None:
        """Checked rules into the group, all or none: unique (409), within the quota (400)."""
        group_id = group.id
        if self.rewrite_values:
            rules = [rewrite_like_bce(r) for r in rules]
        for i, rule in enumerate(rules):
            if any(all(r[k] == rule[k] for k in UNIQUE_BY) for r in group.rules + rules[:i]):
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

    def create(r: Request) -> Response:
        group_id = backend.create_group(r.json_object(), r.query.get("clientToken"))
        return 200, {"enterpriseSecurityGroupId": group_id}

    def delete_group(r: Request) -> Response:
        backend.delete_group(r.params["id"], r.query.get("clientToken"))
        return 200, None

    def update(r: Request) -> Response:
        backend.update_rule(r.params["rule"], r.json_object())
        return 200, None

    return [
        route("esg.list", "GET", r"/v1/enterprise/security", listing),
        route("esg.create", "POST", r"/v1/enterprise/security", create, mutating=True),
        route("esg.delete", "DELETE", r"/v1/enterprise/security/(?P<id>[^/]+)", delete_group, mutating=True),
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
