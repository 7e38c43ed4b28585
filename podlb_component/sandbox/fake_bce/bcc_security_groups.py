"""Fake BCC security groups (`/v2/securityGroup`): model, then HTTP handlers.

Field names follow bce-sdk-go's `SecurityGroupModel`, `GetSecurityGroupDetailResult` and
`SecurityGroupRuleVo` (services/bcc/api/model.go). Rule identity follows Baidu's VPC API pages
for authorizing and revoking a rule (cloud.baidu.com/doc/VPC/s/Mkmd2b0na, /jkmd281hj) and
bce-sdk-go doc/BCC.md: a rule is unique by remark, protocol, direction, portRange,
sourceIp|destIp and sourceGroupId|destGroupId — two rules that differ only in their remark are
two rules; an exact duplicate is refused (409); a revoke must name all of them, remark included,
or it matches nothing (404). Rules can also be deleted by id
(`DELETE /v2/securityGroup/rule/{id}`, bce-python-sdk `BccClient.delete_security_group_rule`).

Where Baidu's behaviour isn't documented the fake is stricter: unknown rule fields are rejected,
a remark is at most 128 characters, a revoke compares the request as sent with the rule as
stored (no normalisation), and the duplicate-rule error code (`SecurityGroup.RuleDuplicated`) is
this fake's name for it — clients must key on the HTTP status, not on the code.

Groups are created and deleted as well:
- `POST /v2/securityGroup?clientToken=…` with `{name, desc, vpcId, rules, tags}` answers
  `{"securityGroupId": "g-…"}`: bce-python-sdk `BccClient.create_security_group`, bce-sdk-go
  `CreateSecurityGroupArgs` / `CreateSecurityGroupResult` (services/bcc/api/model.go), Baidu's 创建安全组
  page (cloud.baidu.com/doc/BCC/s/0jwvynwij) and the VPC API's "Create Security Group"
  (intl.cloud.baidu.com/doc/VPC/s/5kx8nim03). The name is required, 1-65 characters of letters,
  digits, Chinese and `-_/.`, and begins with a letter (both pages); the rules take the same checks,
  uniqueness (409) and quota as an authorize. The clientToken is honoured as for rules: the same token
  with the same body answers the id the first create made.
- `DELETE /v2/securityGroup/{id}` (bce-python-sdk `BccClient.delete_security_group`, bce-sdk-go
  `DeleteSecurityGroup` in services/bcc/api/securityGroup.go; no clientToken): 404 `NoSuchObject` for a
  group that does not exist, 409 `SecurityGroup.InstancesAssociatedSecurityGroupCanNotBeDeleted` for one
  bound to an instance (VPC API "Delete Security Group", intl.cloud.baidu.com/doc/VPC/s/qkx8nilv2).

Stricter than documented, on creating and deleting: `vpcId` is required (the VPC API page says so,
the BCC page says optional), `rules` must be a list (the BCC page: required; bce-sdk-go may send
null), `desc` must be a string of at most DESC_MAX characters (the fake's limit), tags must be
`{tagKey, tagValue}` with distinct non-empty keys, unknown body fields are refused, a rule in a create
names no group of its own, and "bound" takes in the ENIs and CCE clusters that carry the group (see
state.py), besides its instances; a group that another group's rule names (sourceGroupId/destGroupId)
cannot be deleted either (409, `SecurityGroup.InUseByRule`, the fake's name). Whether a name must be
unique is not documented; the fake does not refuse a second group of the same name, because
podlb's acceptance suite makes two (tests/acceptance: the session's groups and the leftovers test
share the run's name), and running that suite against the real cloud settles it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ...bce.limits import NORMAL_GROUP_RULES_PER_DIRECTION
from .errors import BceFault, bad_request, conflict, not_found
from .routing import Request, Response, Route, page, route
from .rule_checks import ClientTokens, check_common, new_id, rewrite_like_bce, string_fields

RULE_FIELDS = {
    "remark",
    "direction",
    "ethertype",
    "portRange",
    "protocol",
    "sourceGroupId",
    "sourceIp",
    "destGroupId",
    "destIp",
    "securityGroupId",
}
IDENTITY = ("direction", "ethertype", "portRange", "protocol", "sourceGroupId", "sourceIp", "destGroupId", "destIp")
"""Every field of a rule but its remark (what listings echo)."""
UNIQUE_BY = ("remark", "protocol", "direction", "portRange", "sourceIp", "destIp", "sourceGroupId", "destGroupId")
"""The documented uniqueness key (VPC API pages above). `ethertype` is left out, which is the
stricter reading for duplicates: it follows from the address anyway."""
RULE_ID_KEYS = ("securityGroupRuleId", "id")
"""The two spellings of a listed rule's id: bce-sdk-go's model (services/bcc/api/model.go,
SecurityGroupRuleModel field SecurityGroupRuleId, `json:"securityGroupRuleId,omitempty"`), and the example
answer on Baidu's 查看安全组详情 page (GET /v2/securityGroup/{id}, aca.bce.baidu.com/doc/VPC/s/4m20c3qkh),
whose rules carry their id as `id`. Which one BCE sends isn't settled: clients must read both."""


GROUP_FIELDS = {"name", "desc", "vpcId", "rules", "tags"}
"""A create's body: bce-sdk-go CreateSecurityGroupArgs; bce-python-sdk sends the same names."""
NAME_PATTERN = re.compile(r"[A-Za-z][A-Za-z0-9\u4e00-\u9fff\-_/.]{0,64}")
"""1-65 characters beginning with a letter: letters, digits, Chinese and `-_/.`, which the Chinese
创建安全组 page and the English "Create enterprise security group" page
(intl.cloud.baidu.com/en/doc/VPC/s/gl5gqhqtk-intl-en) both name. The pages disagree on the rest (a
space on the Chinese page, `\\` on the English ones): the fake refuses those."""
DESC_MAX = 200
"""Undocumented: the fake's limit."""


def check_group_name(raw: Any) -> str:
    """A group's name as a create sends it (normal and enterprise groups alike)."""
    if not isinstance(raw, str) or not raw:
        raise bad_request("name is required", "MissingParameter")
    if not NAME_PATTERN.fullmatch(raw):
        raise bad_request(
            f"name {raw!r} must be 1-65 letters, digits, Chinese or -_/. and begin with a letter",
            "SecurityGroup.InvalidName",
        )
    return raw


def check_desc(raw: Any, null_allowed: bool = False) -> str:
    if raw is None and null_allowed:
        return ""
    if not isinstance(raw, str):
        raise bad_request("desc must be a string")
    if len(raw) > DESC_MAX:
        raise bad_request(f"desc is longer than {DESC_MAX} characters")
    return raw


def check_tags(raw: Any) -> list[dict[str, str]]:
    """`[{tagKey, tagValue}]` (bce-sdk-go model.TagModel, bce-python-sdk TagModel; the Python
    model sends an unset value as null, read as "")."""
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise bad_request("tags must be a list")
    tags: list[dict[str, str]] = []
    for tag in raw:
        if not isinstance(tag, dict) or set(tag) - {"tagKey", "tagValue"}:
            raise bad_request('a tag must be {"tagKey": …, "tagValue": …}')
        key, value = tag.get("tagKey"), tag.get("tagValue")
        if not isinstance(key, str) or not key or not isinstance(value, (str, type(None))):
            raise bad_request(f"tag {tag!r} needs a non-empty tagKey and a string tagValue")
        if any(t["tagKey"] == key for t in tags):
            raise bad_request(f"tag key {key!r} is given twice")
        tags.append({"tagKey": key, "tagValue": value or ""})
    return tags


def unknown_fields(body: dict[str, Any], allowed: set[str]) -> None:
    unknown = set(body) - allowed
    if unknown:
        raise bad_request(f"unknown fields {sorted(unknown)}")


def normalise_rule(raw: Any) -> dict[str, str]:
    """Validate a rule as the API receives it."""
    rule = string_fields(raw, RULE_FIELDS, RULE_FIELDS - {"securityGroupId"})
    check_common(rule)
    if rule["sourceIp"] and rule["sourceGroupId"]:
        raise bad_request("sourceIp and sourceGroupId are exclusive")
    return rule


def new_group_id(prefix: str, taken: dict[str, Any]) -> str:
    """A new group id shaped like BCE's (`g-` or `esg-` and eight characters, as `g-nky7qeom` in the
    API pages' examples), never one a seed already used."""
    while True:
        group_id = new_id(prefix)
        if group_id not in taken:
            return group_id


@dataclass
class SecurityGroup:
    id: str
    name: str
    vpc_id: str
    desc: str = ""
    rules: list[dict[str, str]] = field(default_factory=list)
    instance_ids: list[str] = field(default_factory=list)
    sg_version: int = 1
    tags: list[dict[str, str]] = field(default_factory=list)

    def summary(self, rule_id_key: str = RULE_ID_KEYS[0]) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "desc": self.desc,
            "vpcId": self.vpc_id,
            "rules": [self._rule_model(r, rule_id_key) for r in self.rules],
            "tags": [dict(t) for t in self.tags],
            "createdTime": "2026-01-01T00:00:00Z",
        }

    def detail(self, rule_id_key: str = RULE_ID_KEYS[0]) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "vpcId": self.vpc_id,
            "desc": self.desc,
            "createdTime": "2026-01-01T00:00:00Z",
            "sgVersion": self.sg_version,
            "bindInstanceNum": len(self.instance_ids),
            "rules": [self._rule_vo(r, rule_id_key) for r in self.rules],
            "tags": [dict(t) for t in self.tags],
        }

    def _rule_model(self, rule: dict[str, str], rule_id_key: str) -> dict[str, str]:
        return {
            **{k: rule[k] for k in IDENTITY if rule[k]},
            "remark": rule["remark"],
            "direction": rule["direction"],
            "securityGroupId": self.id,
            rule_id_key: rule["id"],
        }

    def _rule_vo(self, rule: dict[str, str], rule_id_key: str) -> dict[str, str]:
        return {
            **{k: rule[k] for k in IDENTITY},
            "remark": rule["remark"],
            "securityGroupUuid": self.id,
            "securityGroupId": self.id,
            rule_id_key: rule["id"],
            "createdTime": rule["createdTime"],
            "updatedTime": rule["createdTime"],
        }


class SecurityGroupBackend:
    """State of normal security groups; raises BceFault, knows nothing of HTTP."""

    def __init__(self, rule_limit: int | None = NORMAL_GROUP_RULES_PER_DIRECTION) -> None:
        self.groups: dict[str, SecurityGroup] = {}
        self.rule_limit = rule_limit
        """Rules per direction (Baidu's default quota); None: unlimited."""
        self.rewrite_values = False
        """Store and answer rules in the rewritten forms of `rule_checks.rewrite_like_bce`."""
        self.rule_id_key = RULE_ID_KEYS[0]
        """The key listings and group details give each rule's id under (one of RULE_ID_KEYS)."""
        self.bound_to: Callable[[str], list[str]] = lambda group_id: []
        """What else holds a group (ENIs, clusters), so that it can't be deleted; FakeBceState
        wires it."""
        self._tokens = ClientTokens()
        self._created: dict[str, str] = {}
        """clientToken -> the id the create with that token made."""

    def add_group(
        self,
        group_id: str,
        vpc_id: str,
        name: str = "",
        instance_ids: list[str] | None = None,
        rules: list[dict[str, Any]] | None = None,
    ) -> SecurityGroup:
        group = SecurityGroup(group_id, name or group_id, vpc_id, instance_ids=list(instance_ids or []))
        self.groups[group_id] = group
        for raw in rules or []:
            self.authorize(group_id, raw)
        return group

    def get(self, group_id: str) -> SecurityGroup:
        if group_id not in self.groups:
            raise not_found("SecurityGroup.NotFound", f"security group {group_id} does not exist")
        return self.groups[group_id]

    def create_group(self, body: dict[str, Any], token: str | None = None) -> str:
        """CreateSecurityGroup: the new group's id (see the module docstring)."""
        unknown_fields(body, GROUP_FIELDS)
        name = check_group_name(body.get("name"))
        desc = check_desc(body.get("desc", ""))
        vpc_id = body.get("vpcId")
        if not isinstance(vpc_id, str) or not vpc_id.startswith("vpc-"):
            raise bad_request(f"vpcId is required (vpc-…), got {vpc_id!r}", "MissingParameter")
        raw_rules = body.get("rules")
        if not isinstance(raw_rules, list):
            raise bad_request("rules must be a list (it may be empty)")
        for raw in raw_rules:
            if isinstance(raw, dict) and raw.get("securityGroupId"):
                raise bad_request("a rule in a create cannot name a security group: the group has no id yet")
        rules = [normalise_rule(raw) for raw in raw_rules]
        tags = check_tags(body.get("tags"))
        fingerprint = ClientTokens.fingerprint("create", name, desc, vpc_id, rules, tags)
        if self._tokens.already_done(token, fingerprint):
            return self._created[str(token)]
        group = SecurityGroup(new_group_id("g-", self.groups), name, vpc_id, desc=desc, tags=tags)
        self.groups[group.id] = group
        try:
            for rule in rules:
                self._add_rule(group, rule)
        except BceFault:  # all or nothing
            del self.groups[group.id]
            raise
        self._tokens.remember(token, fingerprint)
        if token:
            self._created[token] = group.id
        return group.id

    def delete_group(self, group_id: str) -> None:
        """DeleteSecurityGroup (see the module docstring)."""
        group = self.groups.get(group_id)
        if group is None:
            raise not_found("NoSuchObject", f"security group {group_id} does not exist")
        holders = [*group.instance_ids, *self.bound_to(group_id)]
        if holders:
            raise conflict(
                "SecurityGroup.InstancesAssociatedSecurityGroupCanNotBeDeleted",
                f"security group {group_id} is bound to {', '.join(holders)}",
            )
        referrers = [
            other.id
            for other in self.groups.values()
            if other is not group and any(group_id in (r["sourceGroupId"], r["destGroupId"]) for r in other.rules)
        ]
        if referrers:
            raise conflict(
                "SecurityGroup.InUseByRule", f"rules of {', '.join(referrers)} name security group {group_id}"
            )
        del self.groups[group_id]

    def authorize(self, group_id: str, raw: Any, token: str | None = None, sg_version: str | None = None) -> None:
        group = self.get(group_id)
        rule = normalise_rule(raw)
        fingerprint = ClientTokens.fingerprint("authorize", group_id, rule)
        if self._tokens.already_done(token, fingerprint):
            return
        self._check_version(group, sg_version)
        self._add_rule(group, rule)
        self._tokens.remember(token, fingerprint)

    def _add_rule(self, group: SecurityGroup, rule: dict[str, str]) -> None:
        """A checked rule into the group: unique (409) and within the quota (400)."""
        group_id = group.id
        stored = rewrite_like_bce(rule) if self.rewrite_values else rule
        if any(all(r[k] == stored[k] for k in UNIQUE_BY) for r in group.rules):
            raise conflict("SecurityGroup.RuleDuplicated", "the same rule already exists in the security group")
        same_direction = sum(1 for r in group.rules if r["direction"] == rule["direction"])
        if self.rule_limit is not None and same_direction >= self.rule_limit:
            raise BceFault(
                400,
                "SecurityGroup.RuleQuotaExceeded",
                f"security group {group_id} already has {same_direction} {rule['direction']} rules "
                f"(limit {self.rule_limit} per direction)",
            )
        group.rules.append({**stored, "id": new_id("r-"), "createdTime": "2026-01-01T00:00:00Z"})
        group.sg_version += 1

    def revoke(self, group_id: str, raw: Any, sg_version: str | None = None) -> None:
        group = self.get(group_id)
        rule = normalise_rule(raw)
        self._check_version(group, sg_version)
        for existing in group.rules:
            # every documented field, remark included, exactly as stored; the ethertype only
            # when the request names one (the SDK sends unset fields as null)
            same_ethertype = not raw.get("ethertype") or existing["ethertype"] == rule["ethertype"]
            if all(existing[k] == rule[k] for k in UNIQUE_BY) and same_ethertype:
                group.rules.remove(existing)
                group.sg_version += 1
                return
        raise not_found("SecurityGroup.RuleNotExist", "the rule does not exist in the security group")

    def find_rule(self, rule_id: str) -> tuple[SecurityGroup, dict[str, str]]:
        for group in self.groups.values():
            for rule in group.rules:
                if rule["id"] == rule_id:
                    return group, rule
        raise not_found("SecurityGroup.RuleNotExist", f"security group rule {rule_id} does not exist")

    def delete_rule(self, rule_id: str) -> None:
        group, rule = self.find_rule(rule_id)
        group.rules.remove(rule)
        group.sg_version += 1

    def update_rule(self, body: dict[str, Any]) -> None:
        rule_id = body.get("securityGroupRuleId")
        if not isinstance(rule_id, str):
            raise bad_request("securityGroupRuleId is required")
        group, rule = self.find_rule(rule_id)
        changes = {k: v for k, v in body.items() if k != "securityGroupRuleId"}
        candidate = normalise_rule({**{k: rule[k] for k in RULE_FIELDS - {"securityGroupId"}}, **changes})
        if self.rewrite_values:
            candidate = rewrite_like_bce(candidate)
        # the update may not turn the rule into a duplicate of another (same uniqueness key)
        if any(other is not rule and all(other[k] == candidate[k] for k in UNIQUE_BY) for other in group.rules):
            raise conflict("SecurityGroup.RuleDuplicated", "the same rule already exists in the security group")
        rule.update(candidate)
        group.sg_version += 1

    @staticmethod
    def _check_version(group: SecurityGroup, sg_version: str | None) -> None:
        if sg_version not in (None, "") and sg_version != str(group.sg_version):
            raise conflict(
                "SecurityGroup.VersionMismatch", f"sgVersion {sg_version} is stale, the group is at {group.sg_version}"
            )


# -- HTTP ------------------------------------------------------------------------------------
def _list(backend: SecurityGroupBackend, req: Request) -> Response:
    groups = list(backend.groups.values())
    if req.query.get("vpcId"):
        groups = [g for g in groups if g.vpc_id == req.query["vpcId"]]
    if req.query.get("instanceId"):
        groups = [g for g in groups if req.query["instanceId"] in g.instance_ids]
    if req.query.get("securityGroupId"):
        groups = [g for g in groups if g.id == req.query["securityGroupId"]]
    if req.query.get("securityGroupIds"):
        wanted = set(req.query["securityGroupIds"].split(","))
        groups = [g for g in groups if g.id in wanted]
    return 200, page([g.summary(backend.rule_id_key) for g in groups], req, "securityGroups")


def _rule_body(req: Request) -> Any:
    body = req.json_object()
    if set(body) != {"rule"}:
        raise bad_request('the body must be {"rule": {...}}')
    return body["rule"]


def routes(backend: SecurityGroupBackend) -> list[Route]:
    def authorize(r: Request) -> Response:
        backend.authorize(r.params["id"], _rule_body(r), r.query.get("clientToken"), r.query.get("sgVersion"))
        return 200, None

    def revoke(r: Request) -> Response:
        backend.revoke(r.params["id"], _rule_body(r), r.query.get("sgVersion"))
        return 200, None

    def update(r: Request) -> Response:
        backend.update_rule(r.json_object())
        return 200, None

    def delete(r: Request) -> Response:
        backend.delete_rule(r.params["rule"])
        return 200, None

    def detail(r: Request) -> Response:
        return 200, backend.get(r.params["id"]).detail(backend.rule_id_key)

    def create(r: Request) -> Response:
        return 200, {"securityGroupId": backend.create_group(r.json_object(), r.query.get("clientToken"))}

    def delete_group(r: Request) -> Response:
        backend.delete_group(r.params["id"])
        return 200, None

    group = r"/v2/securityGroup/(?P<id>g-[^/]+)"
    return [
        route("bcc.listSecurityGroups", "GET", r"/v2/securityGroup", lambda r: _list(backend, r)),
        route("bcc.createSecurityGroup", "POST", r"/v2/securityGroup", create, mutating=True),
        route("bcc.deleteSecurityGroup", "DELETE", r"/v2/securityGroup/(?P<id>[^/]+)", delete_group, mutating=True),
        route("bcc.authorizeRule", "PUT", group, authorize, query_flag="authorizeRule", mutating=True),
        route("bcc.revokeRule", "PUT", group, revoke, query_flag="revokeRule", mutating=True),
        route("bcc.updateRule", "PUT", r"/v2/securityGroup/rule/update", update, mutating=True),
        route("bcc.deleteRule", "DELETE", r"/v2/securityGroup/rule/(?P<rule>[^/]+)", delete, mutating=True),
        route("bcc.getSecurityGroup", "GET", group, detail),
    ]
