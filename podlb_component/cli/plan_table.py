"""`podlb plan`'s table: type token -> what plan does with a resource of that type. Each entry
is defined beside the code that registers the resource (podlb_component/plan_kind.py says what
an entry holds); a type without one is listed with no summary and no manifest."""

from __future__ import annotations

from ..cluster.component import CLUSTER_IN_PLAN, CONFIG_MAP_PATCH_IN_PLAN, HELM_RELEASE_IN_PLAN
from ..plan_kind import PlanKind
from ..resources import CCE_ADDON_IN_PLAN, SECURITY_GROUP_RULE_IN_PLAN
from ..rollout import DEPLOYMENT_IN_PLAN
from ..service.component import KUBERNETES_SERVICE_IN_PLAN, SERVICE_COMPONENT_IN_PLAN

PLAN_TABLE: dict[str, PlanKind] = {
    kind.type: kind
    for kind in (
        CLUSTER_IN_PLAN,
        SERVICE_COMPONENT_IN_PLAN,
        HELM_RELEASE_IN_PLAN,
        CONFIG_MAP_PATCH_IN_PLAN,
        SECURITY_GROUP_RULE_IN_PLAN,
        CCE_ADDON_IN_PLAN,
        KUBERNETES_SERVICE_IN_PLAN,
        DEPLOYMENT_IN_PLAN,
    )
}


def kind_of(type_token: str) -> PlanKind:
    """The table's entry for `type_token`, or the plain default."""
    return PLAN_TABLE.get(type_token) or PlanKind(type_token)
