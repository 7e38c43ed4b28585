"""Baidu's default security-group quotas, from the VPC "Usage restrictions" page
(intl.cloud.baidu.com/en/doc/VPC/s/9jwvytur6-intl-en, updated 2025-10-16): a regular group
allows 100 rules per direction, an enterprise group 150 ingress and 150 egress rules. Both can
be raised through the Quota Center, hence the `security_group_rule_limit` input."""

from __future__ import annotations

from ..rules.value import is_enterprise_group

NORMAL_GROUP_RULES_PER_DIRECTION = 100
ENTERPRISE_GROUP_RULES_PER_DIRECTION = 150


def default_rule_limit(group_id: str) -> int:
    return ENTERPRISE_GROUP_RULES_PER_DIRECTION if is_enterprise_group(group_id) else NORMAL_GROUP_RULES_PER_DIRECTION
