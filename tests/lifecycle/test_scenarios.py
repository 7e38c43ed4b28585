"""Whole histories of `pulumi up`s against the fake BCE, through the real provider host: after
every step every port each Service needs is open, no cloud rule has two owners, nothing podlb
made is orphaned, and nothing foreign changes. Untouched Services keep their rules (same
resource, same cloud id) whatever happens to the others."""

import pytest
from helpers import GROUPS, Spec, Svc, audit, cloud_rules, foreign, rule_id, rules_of, seed

from tests.support.lifecycle import Lifecycle
from tests.support.provider_host import ProviderHostError

WEB = Svc("web", ports=(8080,), sources=("203.0.113.0/24",))
API = Svc("api", ports=(9090,), sources=("203.0.113.0/24",))
SHARED = Svc("shop", ports=(8080,), sources=("203.0.113.0/24",))  # needs exactly web's rule
ADMIN = Svc("admin", ports=(7070,), internal=True)
HAND_MADE = {
    "direction": "ingress",
    "protocol": "tcp",
    "portRange": "8080",
    "sourceIp": "203.0.113.0/24",
    "remark": "ops",
}
"""Someone's own rule for exactly the traffic WEB needs."""


@pytest.fixture
def life(fake_bce):
    seed(fake_bce)
    return Lifecycle(fake_bce)


def steps(life, *specs):
    """Run each version of the stack, auditing after each; returns the step logs."""
    before = foreign(life.fake)
    logs = []
    for spec in specs:
        logs.append(life.up(spec.program()))
        audit(life, spec, before)
    return logs


def test_add_a_service(life):
    _, log = steps(life, Spec([WEB]), Spec([WEB, API]))
    assert log.created and not (log.replaced or log.updated or log.deleted)


def test_add_one_ahead_of_an_existing_one(life):
    steps(life, Spec([WEB]))
    before = rules_of(life, "web")
    (log,) = steps(life, Spec([API, WEB]))
    assert rules_of(life, "web") == before  # same resources, same cloud rules
    assert not set(before) & set(log.replaced + log.updated + log.deleted)


def test_add_one_ahead_with_output_sources(life):
    web = Svc("web", sources=("198.51.100.0/24",), output_sources=True)
    api = Svc("api", sources=("192.0.2.0/24",), output_sources=True)
    steps(life, Spec([web]))
    before = rules_of(life, "web")
    (log,) = steps(life, Spec([api, web]))
    assert rules_of(life, "web") == before and not set(before) & set(log.replaced + log.deleted)


def test_a_shared_rule_outlives_one_of_its_services(life):
    steps(life, Spec([WEB, SHARED]))
    assert rules_of(life, "web") == rules_of(life, "shop")  # one owner: the cluster's rule
    shared = rules_of(life, "shop")
    (log,) = steps(life, Spec([SHARED]))
    assert rules_of(life, "shop") == shared and not log.deleted  # still needed by shop
    (log,) = steps(life, Spec([API]))
    assert set(log.deleted) == set(shared)


def test_remove_a_service(life):
    steps(life, Spec([WEB, API]))
    api_rules = rules_of(life, "api")
    (log,) = steps(life, Spec([WEB]))
    assert set(log.deleted) == set(api_rules)
    live = {rule_id(r) for _, r in cloud_rules(life.fake)}
    assert not set(api_rules.values()) & live


def test_rename_a_service(life):
    steps(life, Spec([WEB]))
    before = rules_of(life, "web")
    renamed = Svc("storefront", ports=WEB.ports, sources=WEB.sources)
    (log,) = steps(life, Spec([renamed]))
    assert rules_of(life, "storefront") == before and not log.created and not log.deleted


def test_rename_a_service_with_output_sources_on_a_normal_group(fake_bce):
    """An Output source's rule belongs to its Service, so a rename makes a new rule (a new
    owner token) before the old one goes: on a normal group both exist for a moment."""
    fake_bce.state.add_cce_cluster(
        "cce-life0001", "vpc-route-veth", vpc_cidr="10.0.0.0/16", node_security_groups=("g-node",)
    )
    life = Lifecycle(fake_bce)
    web = Svc("web", sources=("198.51.100.0/24",), output_sources=True)
    life.up(Spec([web]).program())
    log = life.up(Spec([Svc("store", sources=web.sources, output_sources=True)]).program())
    assert len(log.created) == 1 and len(log.deleted) == 1
    assert [r["sourceIp"] for _, r in cloud_rules(fake_bce)] == ["198.51.100.0/24"]


@pytest.mark.parametrize("output_sources", [False, True])
def test_change_a_source(life, output_sources):
    old = Svc("web", sources=("203.0.113.0/24",), output_sources=output_sources)
    new = Svc("web", sources=("198.51.100.0/24",), output_sources=output_sources)
    steps(life, Spec([old, API]))
    api_rules = rules_of(life, "api")
    (log,) = steps(life, Spec([new, API]))
    assert rules_of(life, "api") == api_rules
    if output_sources:  # same resource, new value: replaced, the new rule made first
        assert len(log.replaced) == len(GROUPS) and len(log.deleted) == len(GROUPS) and not log.created
    else:  # a plain value is part of the name: a new resource, the old one deleted
        assert len(log.created) == len(GROUPS) and len(log.deleted) == len(GROUPS)
    assert not any(
        "203.0.113.0/24" == r.get("sourceIp") and r["portRange"] == "8080" for _, r in cloud_rules(life.fake)
    )


def test_change_a_port(life):
    steps(life, Spec([WEB, API]))
    api_rules = rules_of(life, "api")
    (log,) = steps(life, Spec([Svc("web", ports=(8081,), sources=WEB.sources), API]))
    assert rules_of(life, "api") == api_rules and len(log.created) == len(log.deleted) == len(GROUPS)


def test_internal_service_uses_the_vpc_and_public_default_is_open(life):
    steps(life, Spec([ADMIN, Svc("open", ports=(8000,))]))


def test_hand_made_rule_with_the_same_fields_on_a_normal_group(fake_bce):
    """BCC counts the remark: podlb's rule is made beside the hand-made one, and neither an
    update nor the destroy touches it."""
    fake_bce.state.add_cce_cluster(
        "cce-life0001", "vpc-route-veth", vpc_cidr="10.0.0.0/16", node_security_groups=("g-node",)
    )
    fake_bce.state.security_groups.authorize("g-node", HAND_MADE)
    before = foreign(fake_bce)
    life = Lifecycle(fake_bce)
    life.up(Spec([WEB]).program())
    assert sorted(r["remark"] != "ops" for _, r in cloud_rules(fake_bce)) == [False, True]
    life.destroy()
    assert foreign(fake_bce) == before and [r["remark"] for _, r in cloud_rules(fake_bce)] == ["ops"]


def test_hand_made_rule_with_the_same_fields_on_an_enterprise_group(life):
    """Enterprise groups (strictest reading) refuse a second rule for the same traffic: `up`
    fails on that rule, naming its owner; nothing foreign changes and nothing is orphaned."""
    life.fake.state.enterprise_security_groups.authorize("esg-node", [{**HAND_MADE, "action": "allow", "priority": 5}])
    before = foreign(life.fake)
    with pytest.raises(ProviderHostError) as err:
        life.up(Spec([WEB]).program())
    assert "did not create" in err.value.details and "'ops'" in err.value.details
    assert foreign(life.fake) == before
    life.destroy()
    assert [r["remark"] for _, r in cloud_rules(life.fake)] == ["ops"]


def test_destroy_removes_every_rule_podlb_made_and_nothing_else(life):
    life.fake.state.security_groups.authorize(
        "g-node",
        {"direction": "ingress", "protocol": "tcp", "portRange": "22", "sourceIp": "10.0.0.0/8", "remark": "ssh"},
    )
    steps(life, Spec([WEB, API, SHARED, ADMIN]))
    before = foreign(life.fake)
    log = life.destroy()
    assert life.state == {} and len(log.deleted) == len(set(log.deleted))
    assert foreign(life.fake) == before and [r["remark"] for _, r in cloud_rules(life.fake)] == ["ssh"]


def test_refresh_after_an_out_of_band_delete_and_the_next_up_restores_it(life):
    steps(life, Spec([WEB]))
    name, rid = next(iter(rules_of(life, "web").items()))
    group = next(g for g, r in cloud_rules(life.fake) if rule_id(r) == rid)
    backend = (
        life.fake.state.enterprise_security_groups if group.startswith("esg-") else life.fake.state.security_groups
    )
    backend.delete_rule(rid)
    log = life.refresh()
    assert log.deleted == [name] and name not in life.state
    (log,) = steps(life, Spec([WEB]))
    assert log.created == [name]


def test_a_no_op_up_makes_no_writes(life):
    steps(life, Spec([WEB, API]))
    (log,) = steps(life, Spec([WEB, API]))
    assert log.writes == 0 and not (log.created or log.updated or log.replaced or log.deleted)


def test_a_revoke_without_the_remark_leaves_the_rule_open_and_destroy_deletes_it_by_id(fake_bce, bce_settings):
    """On a normal group the remark is part of a revoke's match (the documented model): a revoke
    without it matches nothing, answers 404 and leaves the rule open, so a 404 there doesn't
    mean "already gone". podlb's destroy deletes the rule by its id and leaves none."""
    from baidubce.services.bcc.bcc_model import SecurityGroupRuleModel

    from podlb_component.bce.clients import BccClient, BceApiError, call_bce, client_config

    seed(fake_bce)
    life = Lifecycle(fake_bce)
    life.up(Spec([WEB]).program())
    entry = next(e for e in life.state.values() if e.inputs["security_group_id"] == "g-node")
    bcc = BccClient(client_config(bce_settings, "bcc"))
    old_revoke = SecurityGroupRuleModel(
        direction="ingress", ethertype="IPv4", portRange="8080", protocol="tcp", sourceIp="203.0.113.0/24"
    )
    with pytest.raises(BceApiError) as err:
        call_bce("revoke", lambda: bcc.revoke_security_group_rule("g-node", old_revoke))
    assert err.value.not_found  # ... which doesn't mean "already gone"
    assert entry.id in {rule_id(r) for _, r in cloud_rules(fake_bce)}  # still open
    life.destroy()
    assert cloud_rules(fake_bce) == []
