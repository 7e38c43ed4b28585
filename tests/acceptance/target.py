"""Where the acceptance suite runs: Baidu (PODLB_ACCEPTANCE=real, with credentials, a region and
a VPC of the account) or, by default and in CI, the fake BCE that `podlb sandbox` serves, started
here on 127.0.0.1. The suite only ever works inside security groups it created itself, named
with RUN_PREFIX so that a sweep can find the leftovers of an interrupted run, and only those."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from baidubce.services.bcc.bcc_model import SecurityGroupRuleModel
from baidubce.services.esg.esg_model import EnterpriseSecurityGroupRuleModel

from podlb_component.bce.clients import BccClient, EsgClient, client_config
from podlb_component.bce.settings import BceSettings
from podlb_component.sandbox.fake_bce import FakeBce, FakeBceState

from .recording import Seed

RUN_PREFIX = "podlb-acc-"
"""Every group the suite creates is named RUN_PREFIX + run id; nothing else is ever touched."""
SANDBOX_VPC = "vpc-acceptance1"
SANDBOX_CLUSTER = "cce-acceptance1"
REAL_ENV = ("BCE_ACCESS_KEY_ID", "BCE_SECRET_ACCESS_KEY", "PODLB_ACCEPTANCE_VPC_ID")


class TargetError(RuntimeError):
    """The environment doesn't say where to run (a real run without its settings)."""


@dataclass
class Target:
    kind: str
    """"real" (Baidu) or "sandbox" (the fake BCE)."""
    settings: BceSettings
    vpc_id: str
    region: str
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex[:8])
    fake: FakeBce | None = None
    cluster_id: str | None = None
    """A `cce-` cluster the CCE facts read (never write); None: they are not exercised."""

    @property
    def real(self) -> bool:
        return self.kind == "real"

    @property
    def bcc(self) -> BccClient:
        return BccClient(client_config(self.settings, "bcc"))

    @property
    def esg(self) -> EsgClient:
        return EsgClient(client_config(self.settings, "bcc"))

    @property
    def group_name(self) -> str:
        return RUN_PREFIX + self.run_id

    def stop(self) -> None:
        if self.fake is not None:
            self.fake.stop()


def target_from_env(env: Mapping[str, str] | None = None) -> Target:
    env = os.environ if env is None else env
    if env.get("PODLB_ACCEPTANCE", "sandbox") == "real":
        missing = [name for name in REAL_ENV if not env.get(name)]
        if missing:
            raise TargetError(
                f"PODLB_ACCEPTANCE=real needs {', '.join(missing)} (and BCE_REGION, default bj): "
                "see tests/acceptance/README.md"
            )
        region = env.get("BCE_REGION", "bj")
        settings = BceSettings(
            access_key_id=env["BCE_ACCESS_KEY_ID"],
            secret_access_key=env["BCE_SECRET_ACCESS_KEY"],
            region=region,
            endpoint=env.get("BCE_ENDPOINT") or None,
        )
        cluster = env.get("PODLB_ACCEPTANCE_CLUSTER_ID") or None
        return Target("real", settings, env["PODLB_ACCEPTANCE_VPC_ID"], region, cluster_id=cluster)
    return sandbox_target()


def sandbox_target(vpc_id: str = SANDBOX_VPC, cluster_id: str = SANDBOX_CLUSTER, seed: Seed | None = None) -> Target:
    """The fake BCE on 127.0.0.1, with one VPC and one `cce-` cluster (also what a recording is
    replayed against: then the cluster is the recorded one, `seed`)."""
    access_key, secret = "AKacceptance" + uuid.uuid4().hex[:8], uuid.uuid4().hex
    state = FakeBceState(credentials={access_key: secret})
    # the reading docs/bce-facts.md states (bcc-rewrites-values); the fake's default is the other
    state.security_groups.rewrite_values = state.enterprise_security_groups.rewrite_values = True
    if seed is None:
        state.add_cce_cluster(
            cluster_id, "vpc-route-ipvlan", vpc_id=vpc_id, vpc_cidr="192.168.0.0/16",
            node_security_groups=("g-accnodes1",), lb_controller="1.3.13",
        )  # fmt: skip
    else:
        seed.into(state, cluster_id, vpc_id)
    fake = FakeBce(state).start()
    settings = BceSettings(access_key_id=access_key, secret_access_key=secret, region="bj", endpoint=fake.endpoint)
    return Target("sandbox", settings, vpc_id, "sandbox", fake=fake, cluster_id=cluster_id)


def attr(response: Any, name: str) -> Any:
    """A field of an SDK response (the SDK turns camelCase into snake_case attributes)."""
    return getattr(response, name, None)


def create_groups(target: Target) -> tuple[str, str]:
    """A normal and an enterprise group of this run, empty, in the target's VPC."""
    name, desc = target.group_name, f"podlb acceptance run {target.run_id}; delete if no run is going on"
    normal = target.bcc.create_security_group(name, [], vpc_id=target.vpc_id, desc=desc)
    enterprise = target.esg.create_enterprise_security_group(name, rules=[], desc=desc)
    return str(attr(normal, "security_group_id")), str(attr(enterprise, "enterprise_security_group_id"))


def delete_groups(target: Target, *group_ids: str) -> None:
    for group_id in group_ids:
        if group_id.startswith("esg-"):
            target.esg.delete_enterprise_security_group(group_id)
        else:
            target.bcc.delete_security_group(group_id)


def listed(list_page: Callable[[str | None], Any], key: str) -> Iterator[Any]:
    """Every item of a BCE listing, page after page: `list_page(marker)` answers one page, which
    says `isTruncated` and, when it is, the `nextMarker` to ask for next (list-paging)."""
    marker: str | None = None
    while True:
        page = list_page(marker)
        yield from attr(page, key) or []
        if not attr(page, "is_truncated"):
            return
        marker = attr(page, "next_marker")


def leftovers(target: Target) -> list[tuple[str, str]]:
    """(id, name) of every group in the target's VPC (normal) or account (enterprise) whose name
    starts with RUN_PREFIX: this run's and what interrupted runs left."""
    normal = listed(lambda m: target.bcc.list_security_groups(vpc_id=target.vpc_id, marker=m), "security_groups")
    enterprise = listed(lambda m: target.esg.list_enterprise_security_groups(marker=m), "enterprise_security_groups")
    return [
        (str(attr(group, "id")), str(attr(group, "name")))
        for group in (*normal, *enterprise)
        if str(attr(group, "name") or "").startswith(RUN_PREFIX)
    ]


def sweep(target: Target, *, keep_this_run: bool = False) -> list[tuple[str, str]]:
    """Delete what interrupted runs left (RUN_PREFIX groups only; with keep_this_run, not this
    run's own); returns what was deleted."""
    gone = [(g, name) for g, name in leftovers(target) if not (keep_this_run and name == target.group_name)]
    delete_groups(target, *(group_id for group_id, _ in gone))
    return gone


def bcc_rule(remark: str, port: int, source: str = "203.0.113.0/24") -> SecurityGroupRuleModel:
    return SecurityGroupRuleModel(
        remark=remark, direction="ingress", ethertype="IPv4", portRange=str(port), protocol="tcp", sourceIp=source
    )


def esg_rule(remark: str, port: int, source: str = "203.0.113.0/24") -> EnterpriseSecurityGroupRuleModel:
    """An allow rule as podlb makes them (lowest precedence)."""
    return EnterpriseSecurityGroupRuleModel(
        remark=remark, direction="ingress", ethertype="IPv4", portRange=str(port), protocol="tcp", sourceIp=source,
        action="allow", priority=1000,
    )  # fmt: skip
