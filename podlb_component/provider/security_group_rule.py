"""`podlb:bce:SecurityGroupRule`: one ingress rule in a normal (`g-…`, BCC /v2/securityGroup) or
enterprise (`esg-…`, /v1/enterprise/security) security group. Its fields, their checks and
which of them make a new rule are the rule's field table (rules/value.FIELDS).

The rule's remark carries its owner token (rules/ownership.owner_remark): the provider adopts,
changes and deletes only a rule with this resource's own token. Only the in-place fields (the
remark) change in place; any other field is a new rule, made before the old one is deleted (both
may exist for a moment, so the port never closes)."""

from __future__ import annotations

from typing import Any

from ..rules.ownership import owns
from ..rules.value import (
    ID_FIELD,
    IDENTITY_FIELDS,
    OWNER_FIELD,
    STATE_FIELDS,
    Rule,
    checked_inputs,
    in_place_changes,
    refreshed,
    schema_entry,
)
from ..tokens import RULE_TYPE
from .clients import ProviderClients
from .resource import Checked, CheckFailure, Diff, Read, migrating

TOKEN = RULE_TYPE


def check_rule_inputs(news: dict[str, Any]) -> Checked:
    """Validate and normalise inputs before any API call; derive `ethertype` and `direction`."""
    inputs, refused = checked_inputs(news)
    return Checked(inputs, [CheckFailure(field, why) for field, why in refused])


def _owner(props: dict[str, Any]) -> str:
    """The remark: which podlb resource owns the rule."""
    return str(props.get(OWNER_FIELD.name) or "")


def _outputs(props: dict[str, Any], rule_id: str) -> dict[str, Any]:
    return {**{k: props.get(k) for k in STATE_FIELDS}, ID_FIELD: rule_id}


def _inputs(outputs: dict[str, Any]) -> dict[str, Any]:
    return {k: outputs[k] for k in STATE_FIELDS if k in outputs}


class SecurityGroupRuleType:
    token = TOKEN
    schema: dict[str, Any] = schema_entry()

    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> Checked:
        return check_rule_inputs(news)

    def diff(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> Diff:
        replaces = tuple(k for k in IDENTITY_FIELDS if olds.get(k) != news.get(k))
        # State from podlb 0.2.0 (a dynamic resource) changes in place — never a replace, which
        # would delete the very rule the new resource adopts (docs/design.md, "Migration").
        return Diff(bool(replaces) or bool(in_place_changes(olds, news)) or migrating(olds), replaces)

    def create(self, clients: ProviderClients, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        rule_id = clients.security_groups.create_rule(Rule.of(inputs), _owner(inputs))
        return rule_id, _outputs(inputs, rule_id)

    def read(self, clients: ProviderClients, id_: str, outputs: dict[str, Any], inputs: dict[str, Any]) -> Read:
        found = clients.security_groups.rule_by_id(outputs["security_group_id"], id_)
        if found is None or not owns(found.get(str(OWNER_FIELD.api)) or "", _owner(outputs)):
            # Deleted out of band, or re-labelled by someone (then it is theirs): gone for Pulumi.
            return Read("")
        clean = _outputs(refreshed(outputs, found), id_)
        return Read(id_, clean, _inputs(clean))

    def update(self, clients: ProviderClients, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> dict[str, Any]:
        changes = in_place_changes(olds, news)
        if changes:
            clients.security_groups.update_rule(news["security_group_id"], id_, _owner(olds), changes)
        return _outputs(news, id_)

    def delete(self, clients: ProviderClients, id_: str, outputs: dict[str, Any]) -> None:
        clients.security_groups.delete_rule(Rule.of(outputs), _owner(outputs), id_)
