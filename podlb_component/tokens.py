"""The Pulumi type tokens podlb's package schema declares, defined once: the components, the
provider's custom resources and its function. Changing one breaks every stack that has it in
state (the engine keys resources by type), so they never change."""

from __future__ import annotations

CLUSTER_TYPE = "podlb:index:PodDirectCluster"
SERVICE_TYPE = "podlb:index:PodDirectService"
COMPONENT_TYPES = (CLUSTER_TYPE, SERVICE_TYPE)

RULE_TYPE = "podlb:bce:SecurityGroupRule"
ADDON_TYPE = "podlb:bce:CceAddon"
CUSTOM_TYPES = (RULE_TYPE, ADDON_TYPE)
"""What the podlb provider plugin creates, reads, updates and deletes."""

READ_CONFIG_MAP = "podlb:kubernetes:readConfigMap"
"""The provider's function: a live ConfigMap's data, read without keeping it in state."""
