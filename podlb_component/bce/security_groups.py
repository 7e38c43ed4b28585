"""Security-group rules through bce-python-sdk: normal groups (BCC /v2/securityGroup) and
enterprise groups (/v1/enterprise/security), behind one small interface."""

from __future__ import annotations

import contextlib
import io
import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from baidubce.services.bcc.bcc_client import BccClient
from baidubce.services.bcc.bcc_model import SecurityGroupRuleModel
from baidubce.services.esg.esg_client import EsgClient
from baidubce.services.esg.esg_model import EnterpriseSecurityGroupRuleModel

from .clients import BceApiError, call_bce, client_config
from .settings import BceSettings

ESG_ALLOW_PRIORITY = 1000  # lowest precedence: podlb's allow rules never override a deny


@dataclass(frozen=True)
class RuleIdentity:
    """The fields that make two rules the same rule (BCE rejects a duplicate of these)."""

    security_group_id: str
    direction: str
    protocol: str
    port_range: str
    source_ip: str
    ethertype: str

    @property
    def enterprise(self) -> bool:
        return self.security_group_id.startswith("esg-")

    def matches(self, rule: dict[str, Any]) -> bool:
        return (
            rule.get("direction") == self.direction
            and (rule.get("protocol") or "") == self.protocol
            and (rule.get("portRange") or "") == self.port_range
            and (rule.get("sourceIp") or "") == self.source_ip
            and (rule.get("ethertype") or "IPv4") == self.ethertype
            and (not self.enterprise or rule.get("action", "allow") == "allow")
        )


def _body(response: Any) -> dict[str, Any]:
    """The response's JSON with BCE's own field names (the SDK's attributes are renamed)."""
    raw = getattr(response, "raw_data", None)
    return json.loads(raw) if raw else {}


class _ReadCache:
    """Per-process cache of group rules for the read path. A `pulumi refresh` reads every rule,
    and rules share a few groups: each group is fetched once per run, not once per rule.
    Entries live READ_TTL seconds, and any write through this process drops the group's entry."""

    READ_TTL = 20.0

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: dict[tuple[str, ...], tuple[float, Any]] = {}
        self._key_locks: dict[tuple[str, ...], threading.Lock] = {}

    def get(self, key: tuple[str, ...], fetch: Callable[[], Any]) -> Any:
        with self._lock:
            key_lock = self._key_locks.setdefault(key, threading.Lock())
        with key_lock:  # concurrent readers of one group share one fetch
            entry = self._entries.get(key)
            if entry is not None and entry[0] > time.monotonic():
                return entry[1]
            value = fetch()
            self._entries[key] = (time.monotonic() + self.READ_TTL, value)
            return value

    def drop(self, key: tuple[str, ...]) -> None:
        self._entries.pop(key, None)

    def clear(self) -> None:
        self._entries.clear()


READ_CACHE = _ReadCache()


class SecurityGroupApi:
    def __init__(self, settings: BceSettings) -> None:
        config = client_config(settings, "bcc")
        self._bcc = BccClient(config)
        self._esg = EsgClient(config)
        self._account = (str(settings.endpoint_for("bcc")), settings.access_key_id)

    def _cache_key(self, group_id: str) -> tuple[str, ...]:
        return (*self._account, group_id)

    # -- reads -------------------------------------------------------------------------
    def group_rules(self, group_id: str) -> list[dict[str, Any]] | None:
        """All rules of a group; None when the group doesn't exist."""
        if group_id.startswith("esg-"):
            for group in self._enterprise_groups():
                if group.get("id") == group_id:
                    return list(group.get("rules") or [])
            return None
        try:
            detail = call_bce(
                f"GET /v2/securityGroup/{group_id}", lambda: self._bcc.get_security_group_detail(group_id)
            )
        except BceApiError as exc:
            if exc.not_found:
                return None
            raise
        return list(_body(detail).get("rules") or [])

    def rules_of(self, group_ids: list[str]) -> dict[str, list[dict[str, Any]] | None]:
        """Rules of several groups: one GET per normal group, one listing for all enterprise ones."""
        result: dict[str, list[dict[str, Any]] | None] = {}
        enterprise = [g for g in group_ids if g.startswith("esg-")]
        if enterprise:
            listed = {g.get("id"): list(g.get("rules") or []) for g in self._enterprise_groups()}
            result.update({g: listed.get(g) for g in enterprise})
        for group in group_ids:
            if not group.startswith("esg-"):
                result[group] = self.group_rules(group)
        return result

    def _enterprise_groups(self) -> Iterator[dict[str, Any]]:
        marker: str | None = None
        while True:
            page = _body(
                call_bce(
                    "GET /v1/enterprise/security",
                    lambda m=marker: self._esg.list_enterprise_security_groups(marker=m, max_keys=1000),
                )
            )
            yield from page.get("enterpriseSecurityGroups") or []
            if not page.get("isTruncated"):
                return
            marker = page.get("nextMarker")

    @staticmethod
    def _rule_id(rule: dict[str, Any]) -> str | None:
        return rule.get("securityGroupRuleId") or rule.get("enterpriseSecurityGroupRuleId")

    def find_rule(self, identity: RuleIdentity) -> dict[str, Any] | None:
        for rule in self.group_rules(identity.security_group_id) or []:
            if identity.matches(rule):
                return rule
        return None

    def _find_quietly(self, identity: RuleIdentity) -> dict[str, Any] | None:
        """find_rule, or None when the read fails too (the original error is the one to report)."""
        try:
            return self.find_rule(identity)
        except BceApiError:
            return None

    def find_rule_by_id(self, group_id: str, rule_id: str) -> dict[str, Any] | None:
        rules = READ_CACHE.get(self._cache_key(group_id), lambda: self.group_rules(group_id))
        for rule in rules or []:
            if self._rule_id(rule) == rule_id:
                return rule
        return None

    # -- writes ------------------------------------------------------------------------
    def ensure_rule(self, identity: RuleIdentity, remark: str, token: str) -> str:
        """Create the rule (idempotent through `token`) and return its id. A rule that exists
        already with the same remark is adopted; one with another remark is someone else's."""
        group = identity.security_group_id
        READ_CACHE.drop(self._cache_key(group))
        try:
            if identity.enterprise:
                model = EnterpriseSecurityGroupRuleModel(
                    remark=remark,
                    direction=identity.direction,
                    ethertype=identity.ethertype,
                    portRange=identity.port_range,
                    protocol=identity.protocol,
                    sourceIp=identity.source_ip,
                    action="allow",
                    priority=ESG_ALLOW_PRIORITY,
                )
                call_bce(
                    f"PUT /v1/enterprise/security/{group}?authorizeRule",
                    lambda: self._esg.authorize_enterprise_security_group_rule(group, [model], client_token=token),
                )
            else:
                model = SecurityGroupRuleModel(
                    remark=remark,
                    direction=identity.direction,
                    ethertype=identity.ethertype,
                    portRange=identity.port_range,
                    protocol=identity.protocol,
                    sourceIp=identity.source_ip,
                )
                call_bce(
                    f"PUT /v2/securityGroup/{group}?authorizeRule",
                    lambda: self._bcc.authorize_security_group_rule(group, model, client_token=token),
                )
        except BceApiError as exc:
            if not exc.conflict:
                # The answer may have been lost after BCE made the rule: if it is there with our
                # remark, it is ours (adopt it, or it would be orphaned outside Pulumi's state).
                if exc.status is not None and 400 <= exc.status < 500 and exc.status != 429:
                    raise
                made = self._find_quietly(identity)
                if made is not None and (made.get("remark") or "") == remark and self._rule_id(made):
                    return str(self._rule_id(made))
                raise
            existing = self.find_rule(identity)
            if existing is None or (existing.get("remark") or "") != remark:
                owner = existing.get("remark") if existing else None
                raise BceApiError(
                    exc.call,
                    f"group {group} already has a rule for {identity.protocol}/{identity.port_range} "
                    f"from {identity.source_ip} that podlb did not create (remark {owner!r}); podlb "
                    "won't adopt or change it: delete it, or import it into this stack",
                    exc.status,
                    exc.code,
                    exc.request_id,
                ) from None
        try:
            rule = self.find_rule(identity)
            if rule is None or self._rule_id(rule) is None:
                raise BceApiError(f"GET rules of {group}", "the rule was accepted but is not listed in the group")
        except BceApiError as exc:
            # Made but not confirmed: Pulumi won't record it, so take it back where the API
            # allows it without an id (normal groups). Otherwise it stays, with our remark, and
            # the next create adopts it (same clientToken), never duplicating it.
            if not identity.enterprise:
                try:
                    self.delete_rule(identity, "")
                except BceApiError:
                    pass
            raise BceApiError(
                exc.call,
                f"{exc.message} (the rule was created but could not be confirmed"
                + ("; it was revoked again)" if not identity.enterprise else "; the next `pulumi up` adopts it)"),
                exc.status,
                exc.code,
                exc.request_id,
            ) from None
        return str(self._rule_id(rule))

    def update_remark(self, group_id: str, rule_id: str, remark: str) -> None:
        READ_CACHE.drop(self._cache_key(group_id))
        if group_id.startswith("esg-"):
            # The SDK prints this call's path, params and body to stdout; keep it quiet.
            with contextlib.redirect_stdout(io.StringIO()):
                call_bce(
                    f"PUT /v1/enterprise/security/rule/{rule_id}",
                    lambda: self._esg.update_enterprise_security_group_rule(rule_id, remark=remark),
                )
        else:
            call_bce(
                f"PUT /v2/securityGroup/rule/update ({rule_id})",
                lambda: self._bcc.update_security_group_rule(rule_id, remark=remark),
            )

    def delete_rule(self, identity: RuleIdentity, rule_id: str) -> None:
        """Revoke (normal) or delete by id (enterprise); a rule already gone is success."""
        group = identity.security_group_id
        READ_CACHE.drop(self._cache_key(group))
        try:
            if identity.enterprise:
                call_bce(
                    f"DELETE /v1/enterprise/security/rule/{rule_id}",
                    lambda: self._esg.delete_enterprise_security_group_rule(rule_id),
                )
            else:
                model = SecurityGroupRuleModel(
                    direction=identity.direction,
                    ethertype=identity.ethertype,
                    portRange=identity.port_range,
                    protocol=identity.protocol,
                    sourceIp=identity.source_ip,
                )
                call_bce(
                    f"PUT /v2/securityGroup/{group}?revokeRule",
                    lambda: self._bcc.revoke_security_group_rule(group, model),
                )
        except BceApiError as exc:
            if not exc.not_found:
                raise
