"""podlb 0.2.0's dynamic providers, kept only so that state written by 0.2.0 stays readable.

A 0.2.0 stack holds its rules and add-on as `pulumi-python:dynamic:Resource`s whose
`__provider` input is a pickle of `podlb_component.bce.security_group_rule.SecurityGroupRuleProvider`
(or `…bce.cce_addon.CceAddonProvider`), by reference. After the upgrade the engine still calls
that provider, in `python -m pulumi.dynamic`, for what the old state alone decides: a refresh
before the upgrading `up` (Read), and a resource removed from the program in that same `up`
(Delete). Both run the provider's one implementation (provider/security_group_rule.py,
provider/cce_addon.py) with the credentials 0.2.0 stored in each resource (else the
environment). Nothing new is ever made through them. Kept until podlb 1.0 (README, "Upgrading
from 0.2.0")."""

from __future__ import annotations

from typing import Any

import pulumi.dynamic as dyn

from ..bce.settings import BceSettings
from .cce_addon import CceAddonType
from .clients import ProviderClients
from .resource import CustomResourceType
from .security_group_rule import SecurityGroupRuleType

UPGRADE_HINT = (
    "this resource was made by podlb 0.2.0 as a dynamic resource; podlb {version} manages it through the "
    "podlb provider: run `pulumi up` with the new podlb (nothing is re-created)"
)


class _Legacy(dyn.ResourceProvider):
    resource: CustomResourceType

    def _clients(self, props: dict[str, Any]) -> ProviderClients:
        return ProviderClients(BceSettings.resolve(props))

    def read(self, id_: str, props: dict[str, Any]) -> dyn.ReadResult:
        found = self.resource.read(self._clients(props), id_, props, props)
        if not found.id:
            return dyn.ReadResult("", {})
        # 0.2.0's outputs: the inputs (credentials included) plus what the read found
        return dyn.ReadResult(id_, {**props, **found.outputs})

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        self.resource.delete(self._clients(props), id_, props)

    def _refuse(self) -> Exception:
        from ..version import VERSION

        return RuntimeError(UPGRADE_HINT.format(version=VERSION))

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> dyn.CheckResult:
        raise self._refuse()

    def create(self, props: dict[str, Any]) -> dyn.CreateResult:
        raise self._refuse()

    def update(self, _id: str, _olds: dict[str, Any], _news: dict[str, Any]) -> dyn.UpdateResult:
        raise self._refuse()


class SecurityGroupRuleProvider(_Legacy):
    resource = SecurityGroupRuleType()


class CceAddonProvider(_Legacy):
    resource = CceAddonType()
