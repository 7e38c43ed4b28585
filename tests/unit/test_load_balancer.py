"""Typed BLB/EIP options: each documented rule (CCE zlako7b04, intl nm8fttmyy) as a test."""

import pytest

from podlb_component import cce_annotations as keys
from podlb_component.errors import PodLbError
from podlb_component.service.load_balancer import describe, validate_load_balancer


def plan(options, internal=False, annotations=None):
    return validate_load_balancer("web", options, internal, annotations or {})


def error(options, internal=False, annotations=None):
    with pytest.raises(PodLbError) as err:
        plan(options, internal, annotations)
    return err.value


def test_nothing_asked_nothing_emitted():
    assert plan(None).annotations == {} and plan(None).load_balancer_ip is None


def test_reuse_a_blb():
    result = plan({"existing_blb_id": "lb-0a1b2c3d"})
    assert result.annotations == {keys.LOAD_BALANCER_ID: "lb-0a1b2c3d"} and result.blb_id == "lb-0a1b2c3d"


@pytest.mark.parametrize("blb", ["0a1b2c3d", "lb-", "blb-12345678", "lb-12 45678", 42])
def test_blb_id_format_is_checked(blb):
    assert error({"existing_blb_id": blb}).field == "load_balancer.existing_blb_id"


def test_keep_a_public_ip():
    result = plan({"existing_eip": "180.76.1.2"})
    assert result.load_balancer_ip == "180.76.1.2" and result.annotations == {}


@pytest.mark.parametrize("ip", ["180.76.1", "2001:db8::1", "eip-abc"])
def test_existing_eip_must_be_an_ipv4_address(ip):
    assert "not an IPv4 address" in error({"existing_eip": ip}).problem


def test_existing_eip_and_internal_conflict():
    assert "no public IP" in error({"existing_eip": "180.76.1.2"}, internal=True).problem


def test_eip_and_internal_conflict():
    assert "gets no EIP" in error({"eip": {"bandwidth_mbps": 10}}, internal=True).problem


def test_eip_and_existing_eip_conflict():
    assert "pick one" in error({"eip": {}, "existing_eip": "180.76.1.2"}).fix


def test_eip_defaults_and_full_form():
    assert plan({"eip": {}}).annotations == {keys.EIP_BILLING_METHOD: "ByTraffic", keys.EIP_PAYMENT_TIMING: "Postpaid"}
    full = plan(
        {
            "eip": {
                "name": "shop-web",
                "billing_method": "ByBandwidth",
                "payment_timing": "Prepaid",
                "bandwidth_mbps": 200,
                "reservation_months": 12,
            }
        }
    )
    assert full.annotations == {
        keys.EIP_NAME: "shop-web",
        keys.EIP_BILLING_METHOD: "ByBandwidth",
        keys.EIP_PAYMENT_TIMING: "Prepaid",
        keys.EIP_BANDWIDTH: "200",
        keys.EIP_RESERVATION: "12",
    }


@pytest.mark.parametrize(
    ("eip", "top"),
    [
        ({"bandwidth_mbps": 500, "billing_method": "ByBandwidth"}, 200),
        ({"bandwidth_mbps": 201, "payment_timing": "Prepaid"}, 200),
        ({"bandwidth_mbps": 1001}, 1000),
        ({"bandwidth_mbps": 0}, 1000),
    ],
)
def test_bandwidth_ranges_depend_on_billing_and_payment(eip, top):
    err = error({"eip": eip})
    assert err.field == "load_balancer.eip.bandwidth_mbps" and f"1-{top} Mbps" in err.problem


def test_1000_mbps_by_traffic_is_fine():
    assert plan({"eip": {"bandwidth_mbps": 1000}}).annotations[keys.EIP_BANDWIDTH] == "1000"


def test_reservation_needs_prepaid():
    err = error({"eip": {"reservation_months": 12}})
    assert "Prepaid EIPs only" in err.problem and "payment_timing='Prepaid'" in err.fix


@pytest.mark.parametrize("months", [0, 10, 11, 13, 48, "12"])
def test_reservation_months_are_the_documented_ones(months):
    assert (
        "1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 24, 36"
        in error({"eip": {"payment_timing": "Prepaid", "reservation_months": months}}).problem
    )


@pytest.mark.parametrize("key", [keys.LOAD_BALANCER_ID, keys.EIP_BANDWIDTH, keys.INTERNAL_VPC])
def test_a_user_annotation_for_a_key_podlb_writes_is_a_conflict_naming_both(key):
    err = error(None, annotations={key: "x"})
    assert err.field == f"annotations[{key!r}]" and "podlb sets this annotation itself" in err.problem


def test_misspelled_cce_annotation_warns_with_the_closest_key():
    (warning,) = plan(None, annotations={"service.beta.kubernetes.io/cce-elastic-ip-bandwith-in-mbps": "10"}).warnings
    assert f"did you mean {keys.EIP_BANDWIDTH!r}?" in warning
    assert plan(None, annotations={"prometheus.io/scrape": "true"}).warnings == ()


def test_unknown_option_names_get_a_did_you_mean():
    assert "did you mean 'existing_blb_id'?" in error({"existing_blb": "lb-0a1b2c3d"}).problem


def test_plain_words():
    text = describe(
        {
            keys.LOAD_BALANCER_ID: "lb-0a1b2c3d",
            keys.EIP_BILLING_METHOD: "ByBandwidth",
            keys.EIP_PAYMENT_TIMING: "Prepaid",
            keys.EIP_BANDWIDTH: "100",
            keys.EIP_RESERVATION: "12",
        },
        None,
    )
    assert text == "reuses BLB lb-0a1b2c3d; new EIP Prepaid ByBandwidth 100 Mbps for 12 months"
    assert describe({}, "180.76.1.2") == "keeps EIP 180.76.1.2"
