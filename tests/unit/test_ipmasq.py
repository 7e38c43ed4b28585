import pytest
import yaml

from podlb_component.cluster.ipmasq import (
    CCE_DEFAULT_CONFIG,
    IpMasqConfigError,
    merge_ip_masq_config,
    merge_ip_masq_data,
)


def _without_masq(doc: str) -> dict:
    parsed = yaml.safe_load(doc)
    return {k: v for k, v in parsed.items() if k not in ("masqOutBound", "masqOutBoundIPv6")}


def test_default_document_only_flips_the_two_keys():
    merged = merge_ip_masq_config(CCE_DEFAULT_CONFIG)
    after = yaml.safe_load(merged.config)
    assert after["masqOutBound"] is False and after["masqOutBoundIPv6"] is False
    assert _without_masq(merged.config) == _without_masq(CCE_DEFAULT_CONFIG)
    assert merged.changed_keys == ("masqOutBound", "masqOutBoundIPv6")
    assert not merged.used_default
    # textual diff is exactly the two lines
    pairs = zip(CCE_DEFAULT_CONFIG.splitlines(), merged.config.splitlines(), strict=True)
    changed = [(a, b) for a, b in pairs if a != b]
    assert changed == [
        ("masqOutBound: true", "masqOutBound: false"),
        ("masqOutBoundIPv6: true", "masqOutBoundIPv6: false"),
    ]


def test_custom_keys_comments_and_order_are_kept():
    doc = (
        "# managed by the network team\n"
        "nonMasqueradeCIDRs:\n  - 10.0.0.0/8\n  - 100.64.0.0/10   # carrier NAT\n"
        "masqOutBound: true\n"
        "resyncInterval: 120s\n"
        "customKey: {a: 1}\n"
    )
    merged = merge_ip_masq_config(doc)
    assert merged.config.startswith("# managed by the network team\n")
    assert "100.64.0.0/10   # carrier NAT" in merged.config
    assert _without_masq(merged.config) == _without_masq(doc)
    assert yaml.safe_load(merged.config)["masqOutBoundIPv6"] is False  # added when missing


def test_already_false_is_unchanged():
    doc = "masqOutBound: false\nmasqOutBoundIPv6: false\nresyncInterval: 60s\n"
    merged = merge_ip_masq_config(doc)
    assert merged.config == doc and merged.changed_keys == ()


def test_flow_style_document_falls_back_to_a_faithful_dump():
    doc = '{"masqOutBound": true, "masqOutBoundIPv6": true, "nonMasqueradeCIDRs": ["10.0.0.0/8"], "x": "60s"}'
    merged = merge_ip_masq_config(doc)
    assert yaml.safe_load(merged.config) == {
        "masqOutBound": False,
        "masqOutBoundIPv6": False,
        "nonMasqueradeCIDRs": ["10.0.0.0/8"],
        "x": "60s",
    }


def test_nested_key_of_same_name_is_not_touched():
    doc = "masqOutBound: true\nextra:\n  masqOutBound: true\n"
    after = yaml.safe_load(merge_ip_masq_config(doc).config)
    assert after["masqOutBound"] is False and after["extra"] == {"masqOutBound": True}


@pytest.mark.parametrize("missing", [None, "", "   \n"])
def test_unreadable_document_uses_cce_default(missing):
    merged = merge_ip_masq_config(missing)
    assert merged.used_default
    assert _without_masq(merged.config) == _without_masq(CCE_DEFAULT_CONFIG)


def test_data_without_config_key_uses_default():
    assert merge_ip_masq_data({"other": "x"}).used_default
    assert merge_ip_masq_data(None).used_default
    assert not merge_ip_masq_data({"config": CCE_DEFAULT_CONFIG}).used_default


@pytest.mark.parametrize("bad", ["- a\n- b\n", "key: [unclosed\n", "just a string"])
def test_documents_podlb_does_not_understand_are_refused(bad):
    with pytest.raises(IpMasqConfigError):
        merge_ip_masq_config(bad)
