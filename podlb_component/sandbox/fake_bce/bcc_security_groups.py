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
"""

from __future__ import annotations

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


def normalise_rule(raw: Any) -> dict[str, str]:
    """Validate a rule as the API receives it."""
    rule = string_fields(raw, RULE_FIELDS, RULE_FIELDS - {"securityGroupId"})
    check_common(rule)
    if rule["sourceIp"] and rule["sourceGroupId"]:
        raise bad_request("sourceIp and sourceGroupId are exclusive")
    return rule


@dataclass
class SecurityGroup:
    id: str
    name: str
    vpc_id: str
    desc: str = ""
    rules: list[dict[str, str]] = field(default_factory=list)
    instance_ids: list[str] = field(default_factory=list)
    sg_version: int = 1

    def summary(self, rule_id_key: str = RULE_ID_KEYS[0]) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "desc": self.desc,
            "vpcId": self.vpc_id,
            "rules": [self._rule_model(r, rule_id_key) for r in self.rules],
            "tags": [],
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
            "tags": [],
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
        self._tokens = ClientTokens()

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

    def authorize(self, group_id: str, raw: Any, token: str | None = None, sg_version: str | None = None) -> None:
        group = self.get(group_id)
        rule = normalise_rule(raw)
        fingerprint = ClientTokens.fingerprint("authorize", group_id, rule)
        if self._tokens.already_done(token, fingerprint):
            return
        self._check_version(group, sg_version)
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
        self._tokens.remember(token, fingerprint)

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

    group = r"/v2/securityGroup/(?P<id>g-[^/]+)"
    return [
        route("bcc.listSecurityGroups", "GET", r"/v2/securityGroup", lambda r: _list(backend, r)),
        route("bcc.authorizeRule", "PUT", group, authorize, query_flag="authorizeRule", mutating=True),
        route("bcc.revokeRule", "PUT", group, revoke, query_flag="revokeRule", mutating=True),
        route("bcc.updateRule", "PUT", r"/v2/securityGroup/rule/update", update, mutating=True),
        route("bcc.deleteRule", "DELETE", r"/v2/securityGroup/rule/(?P<rule>[^/]+)", delete, mutating=True),
        route("bcc.getSecurityGroup", "GET", group, detail),
    ]
