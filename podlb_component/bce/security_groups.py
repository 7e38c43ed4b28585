"""Security-group rules through bce-python-sdk: normal groups (BCC /v2/securityGroup) and
enterprise groups (/v1/enterprise/security), behind one small interface.

Ownership (rules/ownership.owns) is checked here, against the live rule, before every change: podlb
adopts a rule only when it carries this resource's own owner token (a create whose answer was
lost), and never updates or deletes a rule whose remark isn't its own."""

from __future__ import annotations

import contextlib
import io
import json
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from baidubce.services.bcc.bcc_model import SecurityGroupRuleModel
from baidubce.services.esg.esg_model import EnterpriseSecurityGroupRuleModel

from ..rules.ownership import owns
from ..rules.value import OWNER_FIELD, Rule, is_enterprise_group
from .clients import TOO_MANY_REQUESTS, BccClient, BceApiError, EsgClient, call_bce, client_config
from .settings import BceSettings


def _body(response: Any) -> dict[str, Any]:
    """The response's JSON with BCE's own field names (the SDK's attributes are renamed)."""
    raw = getattr(response, "raw_data", None)
    return json.loads(raw) if raw else {}


def _bcc_rule(fields: Rule, remark: str) -> Any:
    """The SDK's model of a normal group's rule: what authorize sends, and what revoke must
    repeat exactly (remark included) to match it."""
    return SecurityGroupRuleModel(**fields.body(remark))


def _rule_id(rule: dict[str, Any]) -> str | None:
    # bce-sdk-go's SecurityGroupRuleModel says `securityGroupRuleId`; the example on Baidu's
    # 查看安全组详情 page says `id`; enterprise groups say `enterpriseSecurityGroupRuleId`.
    return rule.get("securityGroupRuleId") or rule.get("enterpriseSecurityGroupRuleId") or rule.get("id")


class _ReadCache:
    """Per-process cache of group rules for reads and deletes. A `pulumi refresh` reads every
    rule and a destroy deletes every rule, and rules share a few groups: each group is fetched
    once per run, not once per rule. Entries live READ_TTL seconds; a create drops the group's
    entry and a delete removes its rule from it.

    A create needs a listing begun after its own write (`after`): creates of one group that
    finish while a listing is under way wait for it and share the next one, so an `up` that
    makes many rules at once reads each group a few times, not once per rule."""

    READ_TTL = 20.0

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: dict[tuple[str, ...], tuple[float, Any]] = {}
        """key -> (expires, rules)"""
        self._fresh: dict[tuple[str, ...], tuple[float, Any]] = {}
        """key -> (when the listing began, rules): the newest listing a create read"""
        self._key_locks: dict[tuple[str, ...], threading.Lock] = {}

    def _key_lock(self, key: tuple[str, ...]) -> threading.Lock:
        with self._lock:
            return self._key_locks.setdefault(key, threading.Lock())

    def get(self, key: tuple[str, ...], fetch: Callable[[], Any]) -> Any:
        with self._key_lock(key):  # concurrent readers of one group share one fetch
            entry = self._entries.get(key)
            if entry is not None and entry[0] > time.monotonic():
                return entry[1]
            value = fetch()
            self.put(key, value)
            return value

    def after(self, key: tuple[str, ...], since: float, fetch: Callable[[], Any], gather: float = 0.0) -> Any:
        """A listing of the group begun at or after `since` (a monotonic time). Kept apart from
        the cache `get` reads: a create's listing never stands in for a later read or delete.
        Waits `gather` seconds first, so creates the engine runs at once share one listing."""
        time.sleep(gather)
        with self._key_lock(key):
            fresh = self._fresh.get(key)
            if fresh is not None and fresh[0] >= since:
                return fresh[1]
            began = time.monotonic()
            value = fetch()
            self._fresh[key] = (began, value)
            return value

    def put(self, key: tuple[str, ...], value: Any) -> None:
        with self._lock:
            self._entries[key] = (time.monotonic() + self.READ_TTL, value)

    def drop(self, key: tuple[str, ...]) -> None:
        self._entries.pop(key, None)

    def forget_rule(self, key: tuple[str, ...], rule_id: str) -> None:
        """A rule this process deleted: drop it from the cached listing instead of dropping the
        listing, so a destroy reads each group once, not once per rule."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None and entry[1] is not None:
                kept = [r for r in entry[1] if _rule_id(r) != rule_id]
                self._entries[key] = (entry[0], kept)

    def clear(self) -> None:
        self._entries.clear()
        self._fresh.clear()


READ_CACHE = _ReadCache()


class SecurityGroupApi:
    list_page_size = 1000
    """maxKeys of the enterprise-group listing, the API's largest (each page answers
    isTruncated and nextMarker: docs/bce-facts.md, list-paging)."""

    def __init__(self, settings: BceSettings) -> None:
        config = client_config(settings, "bcc")
        self._bcc = BccClient(config)
        self._esg = EsgClient(config)
        self._account = (str(settings.endpoint_for("bcc")), settings.access_key_id)
        self._gather_seconds = settings.gather_ms / 1000

    def _cache_key(self, group_id: str) -> tuple[str, ...]:
        return (*self._account, group_id)

    # -- reads -------------------------------------------------------------------------
    def group_rules(self, group_id: str) -> list[dict[str, Any]] | None:
        """All rules of a group, read now; None when the group doesn't exist."""
        if is_enterprise_group(group_id):
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

    def cached_group_rules(self, group_id: str) -> list[dict[str, Any]] | None:
        return READ_CACHE.get(self._cache_key(group_id), lambda: self.group_rules(group_id))  # type: ignore[no-any-return]

    def rules_of(self, group_ids: list[str]) -> dict[str, list[dict[str, Any]] | None]:
        """Rules of several groups: one GET per normal group, one listing for all enterprise ones."""
        result: dict[str, list[dict[str, Any]] | None] = {}
        enterprise = [g for g in group_ids if is_enterprise_group(g)]
        if enterprise:
            listed = {g.get("id"): list(g.get("rules") or []) for g in self._enterprise_groups()}
            result.update({g: listed.get(g) for g in enterprise})
        for group in group_ids:
            if not is_enterprise_group(group):
                result[group] = self.group_rules(group)
        return result

    def _enterprise_groups(self) -> Iterator[dict[str, Any]]:
        marker: str | None = None
        while True:

            def listing(m: str | None = marker) -> Any:
                return self._esg.list_enterprise_security_groups(marker=m, max_keys=self.list_page_size)

            page = _body(call_bce("GET /v1/enterprise/security", listing))
            yield from page.get("enterpriseSecurityGroups") or []
            if not page.get("isTruncated"):
                return
            marker = page.get("nextMarker")

    def rule_by_id(self, group_id: str, rule_id: str, *, fresh: bool = False) -> dict[str, Any] | None:
        """The listed rule with this id. From the cached listing unless `fresh`; a rule missing
        from a cached listing is looked for again in a fresh one before it counts as gone."""
        if not fresh:
            found = next((r for r in self.cached_group_rules(group_id) or [] if _rule_id(r) == rule_id), None)
            if found is not None:
                return found
        rules = self.group_rules(group_id)
        READ_CACHE.put(self._cache_key(group_id), rules)
        return next((r for r in rules or [] if _rule_id(r) == rule_id), None)

    @staticmethod
    def own_rule(fields: Rule, remark: str, rules: list[dict[str, Any]] | None) -> dict[str, Any] | None:
        """The rule with these fields that this resource owns (by remark), if listed."""
        return next((r for r in rules or [] if fields.matches(r) and owns(r.get("remark") or "", remark)), None)

    def _own_rule_quietly(self, fields: Rule, remark: str) -> dict[str, Any] | None:
        """own_rule on a fresh read, or None when the read fails too (the first error is the
        one to report)."""
        try:
            return self.own_rule(fields, remark, self.group_rules(fields.security_group_id))
        except BceApiError:
            return None

    # -- writes ------------------------------------------------------------------------
    def create_rule(self, fields: Rule, remark: str) -> str:
        """Make the rule and return its id: one write and one read.

        The clientToken is new for every create (the SDK reuses it for its own retries): BCE's
        token memory is undocumented and may outlive the rule, and a reused token could then
        make a later re-create a silent no-op. A create whose answer was lost is found instead
        by the owner token in its remark, which identifies this resource alone."""
        group = fields.security_group_id
        READ_CACHE.drop(self._cache_key(group))
        token = "podlb-" + uuid.uuid4().hex
        try:
            self._authorize(fields, remark, token)
        except BceApiError as exc:
            if exc.conflict:
                # An identical rule exists: ours (made by an earlier try whose answer was lost),
                # or someone else's (a different remark, on enterprise groups or where the API
                # doesn't count the remark): never adopt that one.
                rules = self.group_rules(group)
                mine = self.own_rule(fields, remark, rules)
                if mine is not None and _rule_id(mine):
                    return str(_rule_id(mine))
                raise self._foreign_rule_error(exc, fields, rules) from None
            if exc.status is not None and 400 <= exc.status < 500 and exc.status != TOO_MANY_REQUESTS:
                raise
            # The answer may have been lost after BCE made the rule: if it is there with our
            # owner token, it is ours (adopt it, or it would be orphaned outside Pulumi's state).
            made = self._own_rule_quietly(fields, remark)
            if made is not None and _rule_id(made):
                return str(_rule_id(made))
            raise
        written = time.monotonic()
        try:
            listed = READ_CACHE.after(
                self._cache_key(group), written, lambda: self.group_rules(group), self._gather_seconds
            )
            mine = self.own_rule(fields, remark, listed)
            if mine is None or _rule_id(mine) is None:
                raise BceApiError(f"GET rules of {group}", "the rule was accepted but is not listed in the group")
        except BceApiError as exc:
            # Made but not confirmed: Pulumi won't record it. Take it back where the API allows
            # it without an id (a normal group's revoke names the remark too, so it can only
            # match ours); otherwise it stays with our owner token and the next create adopts it.
            if not fields.enterprise:
                try:
                    self._revoke(fields, remark)
                except BceApiError:
                    pass
            raise BceApiError(
                exc.call,
                f"{exc.message} (the rule was created but could not be confirmed"
                + ("; it was revoked again)" if not fields.enterprise else "; the next `pulumi up` adopts it)"),
                exc.status,
                exc.code,
                exc.request_id,
            ) from None
        return str(_rule_id(mine))

    def _foreign_rule_error(self, exc: BceApiError, fields: Rule, rules: list[dict[str, Any]] | None) -> BceApiError:
        same = [r for r in rules or [] if fields.matches(r)]
        owners = ", ".join(repr(r.get("remark") or "") for r in same) or "not listed"
        return BceApiError(
            exc.call,
            f"group {fields.security_group_id} already has a rule for {fields.protocol}/{fields.port_range} "
            f"from {fields.source_ip} that this resource did not create (remark {owners}); podlb won't adopt "
            "or change a rule it doesn't own: delete that rule, or leave this port to it and remove the "
            "Service's need for it",
            exc.status,
            exc.code,
            exc.request_id,
        )

    def _authorize(self, fields: Rule, remark: str, token: str) -> None:
        group = fields.security_group_id
        if fields.enterprise:
            esg_model = EnterpriseSecurityGroupRuleModel(**fields.body(remark))
            call_bce(
                f"PUT /v1/enterprise/security/{group}?authorizeRule",
                lambda: self._esg.authorize_enterprise_security_group_rule(group, [esg_model], client_token=token),
            )
            return
        model = _bcc_rule(fields, remark)
        call_bce(
            f"PUT /v2/securityGroup/{group}?authorizeRule",
            lambda: self._bcc.authorize_security_group_rule(group, model, client_token=token),
        )

    def _revoke(self, fields: Rule, remark: str) -> None:
        """Revoke a normal group's rule by its fields, remark included (BCC matches all of them)."""
        group = fields.security_group_id
        model = _bcc_rule(fields, remark)
        call_bce(
            f"PUT /v2/securityGroup/{group}?revokeRule", lambda: self._bcc.revoke_security_group_rule(group, model)
        )

    def update_rule(self, group_id: str, rule_id: str, old_remark: str, changes: Mapping[str, Any]) -> None:
        """Change the in-place fields of a rule this resource owns (checked on a fresh read).
        `changes`: the SDK update call's keyword -> new value (rules/value.in_place_changes)."""
        new_remark = str(changes.get(str(OWNER_FIELD.update_keyword), old_remark))
        live = self.rule_by_id(group_id, rule_id, fresh=True)
        if live is None:
            raise BceApiError(
                f"GET rules of {group_id}",
                f"rule {rule_id} is no longer in group {group_id}: run `pulumi refresh`, then `pulumi up` "
                "makes it again",
            )
        if not (owns(live.get("remark") or "", old_remark) or owns(live.get("remark") or "", new_remark)):
            raise BceApiError(
                f"PUT rule {rule_id}",
                f"rule {rule_id} in {group_id} now has remark {live.get('remark')!r}, which isn't podlb's: "
                "podlb won't change a rule it doesn't own; run `pulumi refresh` to let it go",
            )
        READ_CACHE.drop(self._cache_key(group_id))
        if is_enterprise_group(group_id):
            # The SDK prints this call's path, params and body to stdout; keep it quiet.
            with contextlib.redirect_stdout(io.StringIO()):
                call_bce(
                    f"PUT /v1/enterprise/security/rule/{rule_id}",
                    lambda: self._esg.update_enterprise_security_group_rule(rule_id, **changes),
                )
        else:
            call_bce(
                f"PUT /v2/securityGroup/rule/update ({rule_id})",
                lambda: self._bcc.update_security_group_rule(rule_id, **changes),
            )

    def delete_rule(self, fields: Rule, remark: str, rule_id: str) -> None:
        """Delete the rule this resource owns: by id; by its fields only when there is no id.

        A rule already gone is success. A rule whose remark someone changed is no longer
        podlb's: it is left alone (and `read` reports it gone). A revoke that answers 404 while
        the rule is still listed (the API answers in another spelling) is not success: the
        listed rule is deleted by its id."""
        group = fields.security_group_id
        key = self._cache_key(group)
        if rule_id:
            live = self.rule_by_id(group, rule_id)
            if live is None or not owns(live.get("remark") or "", remark):
                return
            self._delete_by_id(group, rule_id)
            READ_CACHE.forget_rule(key, rule_id)
            return
        READ_CACHE.drop(key)
        if not fields.enterprise:
            try:
                self._revoke(fields, remark)
                return
            except BceApiError as exc:
                if not exc.not_found:
                    raise
        left = self.own_rule(fields, remark, self.group_rules(group))
        if left is not None and _rule_id(left):
            self._delete_by_id(group, str(_rule_id(left)))

    def _delete_by_id(self, group_id: str, rule_id: str) -> None:
        try:
            if is_enterprise_group(group_id):
                call_bce(
                    f"DELETE /v1/enterprise/security/rule/{rule_id}",
                    lambda: self._esg.delete_enterprise_security_group_rule(rule_id),
                )
            else:
                call_bce(
                    f"DELETE /v2/securityGroup/rule/{rule_id}",
                    lambda: self._bcc.delete_security_group_rule(rule_id),
                )
        except BceApiError as exc:
            if not exc.not_found:  # already gone: done
                raise
