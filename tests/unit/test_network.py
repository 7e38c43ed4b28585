import pytest

from podlb_component.cluster.network import (
    NETWORK_MODES,
    check_cluster_id,
    check_security_group_id,
    network_profile,
    security_group_kind,
)
from podlb_component.errors import PodLbError


@pytest.mark.parametrize(
    ("mode", "scope", "nic"),
    [
        ("kubenet", "node", "kubenet"),
        ("vpc-route-veth", "node", "veth"),
        ("vpc-route-ipvlan", "node", "ipvlan"),
        ("vpc-cni", "eni", "veth"),
        ("vpc-eni", "eni", "veth"),
        ("vpc-secondary-ip-veth", "eni", "veth"),
        ("vpc-secondary-ip-ipvlan", "eni", "ipvlan"),
    ],
)
def test_mode_selects_groups_and_nic(mode, scope, nic):
    profile = network_profile("c", mode)
    assert (profile.security_group_scope, profile.nic_type) == (scope, nic)
    assert profile.is_ipvlan == (nic == "ipvlan")


def test_every_documented_mode_is_known():
    documented = {
        "kubenet",
        "vpc-route-veth",
        "vpc-route-ipvlan",
        "vpc-route-auto-detect",
        "vpc-cni",
        "vpc-eni",
        "vpc-secondary-ip-veth",
        "vpc-secondary-ip-ipvlan",
        "vpc-secondary-ip-auto-detect",
    }
    assert set(NETWORK_MODES) == documented


@pytest.mark.parametrize("mode", ["vpc-route-auto-detect", "vpc-secondary-ip-auto-detect"])
def test_auto_detect_needs_nic_type(mode):
    with pytest.raises(PodLbError) as err:
        network_profile("prod", mode)
    assert err.value.field == "nic_type"
    assert "set nic_type" in err.value.fix
    assert network_profile("prod", mode, "ipvlan").is_ipvlan


def test_auto_detect_scope_follows_family():
    assert network_profile("c", "vpc-route-auto-detect", "veth").security_group_scope == "node"
    assert network_profile("c", "vpc-secondary-ip-auto-detect", "veth").security_group_scope == "eni"


def test_vpc_cni_can_be_told_it_is_ipvlan():
    assert network_profile("c", "vpc-cni", "ipvlan").is_ipvlan


def test_contradicting_nic_type_is_an_error():
    with pytest.raises(PodLbError, match="contradicts"):
        network_profile("c", "vpc-route-ipvlan", "veth")


def test_unknown_mode_lists_the_valid_ones():
    with pytest.raises(PodLbError) as err:
        network_profile("prod", "vpc-route")
    assert err.value.field == "network_mode"
    assert "vpc-route-veth" in err.value.fix and "vpc-secondary-ip-ipvlan" in err.value.fix


def test_unknown_nic_type():
    with pytest.raises(PodLbError, match="nic_type"):
        network_profile("c", "vpc-route-auto-detect", "macvlan")


def test_old_generation_cluster_is_refused_with_reason():
    with pytest.raises(PodLbError) as err:
        check_cluster_id("prod", "c-abc123")
    assert "old-generation" in str(err.value) and "don't support pod-direct" in str(err.value)
    assert "cce-" in err.value.fix


@pytest.mark.parametrize("bad", ["", "cce-", "CCE-ABC", "cce-abc_1", "abc", None, 42, "cce-abc def"])
def test_malformed_cluster_ids(bad):
    with pytest.raises(PodLbError) as err:
        check_cluster_id("prod", bad)
    assert err.value.field == "cluster_id"


def test_good_cluster_id():
    assert check_cluster_id("prod", "cce-abc123de") == "cce-abc123de"


def test_security_group_kinds():
    assert security_group_kind("g-abc") == "normal"
    assert security_group_kind("esg-abc") == "enterprise"
    with pytest.raises(PodLbError, match="not a security group id"):
        check_security_group_id("c", "node_security_group_ids[0]", "sg-abc")
