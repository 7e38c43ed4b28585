"""Creating and deleting security groups in the fake BCE, as an acceptance suite does against the
real cloud: the real bce-python-sdk clients over HTTP (normal groups with BccClient, enterprise
groups with EsgClient)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from baidubce.exception import BceHttpClientError
from baidubce.services.bcc.bcc_client import BccClient
from baidubce.services.bcc.bcc_model import SecurityGroupRuleModel, TagModel
from baidubce.services.esg.esg_client import EsgClient
from baidubce.services.esg.esg_model import EnterpriseSecurityGroupRuleModel

from podlb_component.bce.clients import client_config
from podlb_component.bce.settings import BceSettings
from podlb_component.sandbox.fake_bce import FakeBce
from podlb_component.sandbox.fake_bce.eni import Eni

VPC = "vpc-acc"


def body(response: Any) -> Any:
    return json.loads(response.raw_data)


def failure(call: Callable[[], object]) -> BceHttpClientError:
    """The SDK's own error for a refused call (status and BCE code as the SDK parsed them)."""
    with pytest.raises(BceHttpClientError) as err:
        call()
    return err.value


def rule(port: str = "8080", source: str = "10.0.0.0/8", **extra: str) -> SecurityGroupRuleModel:
    return SecurityGroupRuleModel(
        remark="acc", direction="ingress", ethertype="IPv4", portRange=port, protocol="tcp", sourceIp=source, **extra
    )


def esg_rule(port: str = "8080", priority: int = 1000) -> EnterpriseSecurityGroupRuleModel:
    return EnterpriseSecurityGroupRuleModel(
        remark="acc",
        direction="ingress",
        ethertype="IPv4",
        portRange=port,
        protocol="tcp",
        sourceIp="10.0.0.0/8",
        action="allow",
        priority=priority,
    )


@pytest.fixture
def bcc(bce_settings: BceSettings) -> BccClient:
    return BccClient(client_config(bce_settings, "bcc"))


@pytest.fixture
def esg(bce_settings: BceSettings) -> EsgClient:
    return EsgClient(client_config(bce_settings, "bcc"))


def listed(bcc: BccClient, vpc_id: str = VPC) -> dict[str, dict[str, Any]]:
    return {g["id"]: g for g in body(bcc.list_security_groups(vpc_id=vpc_id))["securityGroups"]}


def listed_esgs(esg: EsgClient) -> dict[str, dict[str, Any]]:
    return {g["id"]: g for g in body(esg.list_enterprise_security_groups())["enterpriseSecurityGroups"]}


# -- normal groups -------------------------------------------------------------------------------
def test_normal_group_create_list_authorize_delete(fake_bce: FakeBce, bcc: BccClient) -> None:
    fake_bce.state.security_groups.add_group("g-seeded", "vpc-other")
    created = body(
        bcc.create_security_group(
            "podlb-acc-a1", [], vpc_id=VPC, desc="made by the acceptance suite", tags=[TagModel("owner", "podlb")]
        )
    )
    assert set(created) == {"securityGroupId"}
    group_id = created["securityGroupId"]
    assert group_id.startswith("g-") and group_id != "g-seeded"

    group = listed(bcc)[group_id]
    assert (group["name"], group["desc"], group["vpcId"]) == ("podlb-acc-a1", "made by the acceptance suite", VPC)
    assert group["tags"] == [{"tagKey": "owner", "tagValue": "podlb"}] and group["rules"] == []
    assert group_id not in listed(bcc, "vpc-other")  # the vpcId filter
    detail = body(bcc.get_security_group_detail(group_id))
    assert (detail["name"], detail["desc"], detail["vpcId"]) == ("podlb-acc-a1", "made by the acceptance suite", VPC)

    bcc.authorize_security_group_rule(group_id, rule())
    (stored,) = body(bcc.get_security_group_detail(group_id))["rules"]
    assert (stored["portRange"], stored["sourceIp"], stored["remark"]) == ("8080", "10.0.0.0/8", "acc")

    bcc.delete_security_group(group_id)
    assert group_id not in listed(bcc)
    assert failure(lambda: bcc.get_security_group_detail(group_id)).status_code == 404
    again = failure(lambda: bcc.delete_security_group(group_id))
    assert (again.status_code, again.code) == (404, "NoSuchObject")
    assert "g-seeded" in listed(bcc, "vpc-other")  # the other group stays
    assert fake_bce.count("bcc.createSecurityGroup", mutating=True) == 1
    assert fake_bce.count("bcc.deleteSecurityGroup", mutating=True) == 2


def test_normal_group_created_with_rules_all_or_nothing(fake_bce: FakeBce, bcc: BccClient) -> None:
    group_id = body(bcc.create_security_group("with-rules", [rule("80"), rule("443")], vpc_id=VPC))["securityGroupId"]
    assert sorted(r["portRange"] for r in listed(bcc)[group_id]["rules"]) == ["443", "80"]
    # a duplicate within the create (the documented uniqueness key): 409, and no group is left behind
    assert failure(lambda: bcc.create_security_group("dup-rules", [rule(), rule()], vpc_id=VPC)).status_code == 409
    assert [g["name"] for g in listed(bcc).values()] == ["with-rules"]
    # a rule in a create can't name a group: the group has no id yet
    named = rule(securityGroupId=group_id)
    assert failure(lambda: bcc.create_security_group("named", [named], vpc_id=VPC)).status_code == 400
    assert failure(lambda: bcc.create_security_group("bad-port", [rule("0")], vpc_id=VPC)).status_code == 400
    assert len(listed(bcc)) == 1


def test_normal_group_create_refuses_bad_bodies(fake_bce: FakeBce, bcc: BccClient) -> None:
    for name in ("", "1starts-with-digit", "-dash", "has space", "x" * 66, "semi;colon"):
        assert failure(lambda name=name: bcc.create_security_group(name, [], vpc_id=VPC)).status_code == 400, name
    assert body(bcc.create_security_group("x" * 65, [], vpc_id=VPC))["securityGroupId"].startswith("g-")
    assert body(bcc.create_security_group("a-b_c/d.e安全组1", [], vpc_id=VPC))["securityGroupId"].startswith("g-")
    missing_vpc = failure(lambda: bcc.create_security_group("no-vpc", []))
    assert missing_vpc.status_code == 400
    assert failure(lambda: bcc.create_security_group("long-desc", [], vpc_id=VPC, desc="d" * 201)).status_code == 400
    twice = [TagModel("k", "1"), TagModel("k", "2")]
    assert failure(lambda: bcc.create_security_group("tags", [], vpc_id=VPC, tags=twice)).status_code == 400
    # unknown fields are refused (sent as the SDK sends its own body)
    extra = json.dumps({"name": "extra", "rules": [], "vpcId": VPC, "colour": "red"})
    assert failure(lambda: bcc._send_request(b"POST", b"/securityGroup", extra)).status_code == 400
    null_rules = json.dumps({"name": "null-rules", "rules": None, "vpcId": VPC})
    assert failure(lambda: bcc._send_request(b"POST", b"/securityGroup", null_rules)).status_code == 400
    assert len(fake_bce.state.security_groups.groups) == 2


def test_same_name_twice_is_two_groups(fake_bce: FakeBce, bcc: BccClient, esg: EsgClient) -> None:
    """Undocumented either way; the acceptance suite's session groups and its leftovers test share a name."""
    first, second = (body(bcc.create_security_group("twin", [], vpc_id=VPC))["securityGroupId"] for _ in "12")
    assert first != second and {g["name"] for g in listed(bcc).values()} == {"twin"} and len(listed(bcc)) == 2
    made = [body(esg.create_enterprise_security_group("twin", []))["enterpriseSecurityGroupId"] for _ in "12"]
    assert made[0] != made[1] and set(listed_esgs(esg)) == set(made)


def test_normal_group_create_honours_client_token(fake_bce: FakeBce, bcc: BccClient) -> None:
    first = body(bcc.create_security_group("tok", [], vpc_id=VPC, client_token="t-1"))["securityGroupId"]
    replay = body(bcc.create_security_group("tok", [], vpc_id=VPC, client_token="t-1"))["securityGroupId"]
    assert replay == first and list(listed(bcc)) == [first]
    mismatch = failure(lambda: bcc.create_security_group("other", [], vpc_id=VPC, client_token="t-1"))
    assert mismatch.status_code == 409
    # without a token of its own the SDK sends a fresh one: a second create is a second group
    assert body(bcc.create_security_group("tok", [], vpc_id=VPC))["securityGroupId"] != first
    assert len(listed(bcc)) == 2


def test_normal_group_delete_refused_while_held(fake_bce: FakeBce, bcc: BccClient) -> None:
    fake_bce.state.security_groups.add_group("g-bound", VPC, instance_ids=["i-1"])
    bound = failure(lambda: bcc.delete_security_group("g-bound"))
    assert (bound.status_code, bound.code) == (409, "SecurityGroup.InstancesAssociatedSecurityGroupCanNotBeDeleted")

    on_eni = body(bcc.create_security_group("on-eni", [], vpc_id=VPC))["securityGroupId"]
    fake_bce.state.enis.add(Eni("eni-1", VPC, security_group_ids=[on_eni]))
    assert failure(lambda: bcc.delete_security_group(on_eni)).status_code == 409
    fake_bce.state.enis.enis.clear()
    bcc.delete_security_group(on_eni)

    fake_bce.state.add_cce_cluster("cce-acc", vpc_id=VPC, node_security_groups=("g-node",))
    assert failure(lambda: bcc.delete_security_group("g-node")).status_code == 409

    target = body(bcc.create_security_group("target", [], vpc_id=VPC))["securityGroupId"]
    peer = body(bcc.create_security_group("peer", [], vpc_id=VPC))["securityGroupId"]
    by_group = SecurityGroupRuleModel(remark="peer", direction="ingress", protocol="tcp", sourceGroupId=target)
    bcc.authorize_security_group_rule(peer, by_group)
    assert failure(lambda: bcc.delete_security_group(target)).status_code == 409
    bcc.delete_security_group(peer)
    bcc.delete_security_group(target)
    assert set(listed(bcc)) == {"g-bound", "g-node"}


# -- enterprise groups ---------------------------------------------------------------------------
def test_enterprise_group_create_list_authorize_delete(fake_bce: FakeBce, esg: EsgClient) -> None:
    fake_bce.state.enterprise_security_groups.add_group("esg-seeded")
    created = body(esg.create_enterprise_security_group("podlb-acc-e1", [], desc="made by the acceptance suite"))
    assert set(created) == {"enterpriseSecurityGroupId"}
    group_id = created["enterpriseSecurityGroupId"]
    assert group_id.startswith("esg-") and group_id != "esg-seeded"

    group = listed_esgs(esg)[group_id]
    assert (group["name"], group["desc"], group["rules"]) == ("podlb-acc-e1", "made by the acceptance suite", [])

    esg.authorize_enterprise_security_group_rule(group_id, [esg_rule()])
    (stored,) = listed_esgs(esg)[group_id]["rules"]
    assert (stored["portRange"], stored["action"], stored["priority"]) == ("8080", "allow", 1000)

    esg.delete_enterprise_security_group(group_id)
    assert group_id not in listed_esgs(esg) and "esg-seeded" in listed_esgs(esg)
    again = failure(lambda: esg.delete_enterprise_security_group(group_id))
    assert (again.status_code, again.code) == (404, "Esg.EsgResourceNotExist")
    assert fake_bce.count("esg.create", mutating=True) == 1
    assert fake_bce.count("esg.delete", mutating=True) == 2


def test_enterprise_group_create_checks(fake_bce: FakeBce, esg: EsgClient) -> None:
    no_desc = body(esg.create_enterprise_security_group("no-desc", [esg_rule("80")]))["enterpriseSecurityGroupId"]
    group = listed_esgs(esg)[no_desc]
    assert group["desc"] == "" and [r["portRange"] for r in group["rules"]] == ["80"]
    for name in ("", "9lives", "x" * 66):
        assert failure(lambda name=name: esg.create_enterprise_security_group(name, [])).status_code == 400, name
    too_many = [esg_rule(str(port)) for port in range(1, 22)]
    assert failure(lambda: esg.create_enterprise_security_group("many", too_many)).status_code == 400
    twice = [esg_rule("81"), esg_rule("81", priority=5)]
    assert failure(lambda: esg.create_enterprise_security_group("twice", twice)).status_code == 409
    extra = json.dumps({"name": "extra", "desc": None, "rules": [], "vpcId": "vpc-1"})
    assert failure(lambda: esg._send_request(b"POST", b"/enterprise/security", extra)).status_code == 400
    assert list(listed_esgs(esg)) == [no_desc]


def test_enterprise_group_client_tokens(fake_bce: FakeBce, esg: EsgClient) -> None:
    first = body(esg.create_enterprise_security_group("tok", [], client_token="c-1"))["enterpriseSecurityGroupId"]
    replay = body(esg.create_enterprise_security_group("tok", [], client_token="c-1"))["enterpriseSecurityGroupId"]
    assert replay == first and list(listed_esgs(esg)) == [first]
    assert failure(lambda: esg.create_enterprise_security_group("tok2", [], client_token="c-1")).status_code == 409
    esg.delete_enterprise_security_group(first, client_token="d-1")
    esg.delete_enterprise_security_group(first, client_token="d-1")  # a replay of a delete that succeeded
    assert failure(lambda: esg.delete_enterprise_security_group(first, client_token="d-2")).status_code == 404


def test_enterprise_group_delete_refused_while_held(fake_bce: FakeBce, esg: EsgClient) -> None:
    fake_bce.state.enterprise_security_groups.add_group("esg-bound", instance_ids=["i-9"])
    bound = failure(lambda: esg.delete_enterprise_security_group("esg-bound"))
    assert (bound.status_code, bound.code) == (409, "Esg.EsgBindStatusInvalid")
    on_eni = body(esg.create_enterprise_security_group("on-eni", []))["enterpriseSecurityGroupId"]
    fake_bce.state.enis.add(Eni("eni-1", VPC, enterprise_security_group_ids=[on_eni]))
    assert failure(lambda: esg.delete_enterprise_security_group(on_eni)).status_code == 409
    fake_bce.state.add_cce_cluster("cce-acc", node_security_groups=(), eni_security_groups=("esg-eni",))
    assert failure(lambda: esg.delete_enterprise_security_group("esg-eni")).status_code == 409
    assert set(listed_esgs(esg)) == {"esg-bound", on_eni, "esg-eni"}
