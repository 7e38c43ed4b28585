"""The podlb provider's own configuration (podlb:accessKeyId, podlb:secretAccessKey, podlb:region,
podlb:endpoint): `check_config` says what is missing or malformed, naming the key and the fix,
and never shows the secret; and the plugin's configuration calls over gRPC (CheckConfig,
DiffConfig, GetSchema) as the engine makes them."""

import json

import pytest

from podlb_component.provider.config import check_config, settings_from_config, stack_provider_config
from podlb_component.testing.fixtures import ACCESS_KEY_ID, SECRET_ACCESS_KEY
from podlb_component.testing.mock_engine import ADDON_TYPE, RULE_TYPE
from tests.support.provider_host import ProviderHost, ProviderHostError

NO_ENV: dict[str, str] = {}
PAIR = {"accessKeyId": ACCESS_KEY_ID, "secretAccessKey": SECRET_ACCESS_KEY}


def failures(values, env=NO_ENV):
    return {f.property: f.reason for f in check_config(values, env)}


def all_text(found):
    return " ".join(f"{k} {v}" for k, v in found.items())


# -- check_config ---------------------------------------------------------------------------------
def test_a_complete_configuration_passes():
    assert check_config({**PAIR, "region": "gz", "endpoint": "http://127.0.0.1:8080"}, NO_ENV) == []
    assert check_config({**PAIR, "endpoint": "bcc.bj.baidubce.com"}, NO_ENV) == []


def test_no_credentials_anywhere_names_the_keys_and_the_fix():
    found = failures({})
    assert set(found) == {"accessKeyId"}
    reason = found["accessKeyId"]
    assert "no BCE credentials" in reason and "podlb:accessKeyId" in reason and "podlb:secretAccessKey" in reason
    assert "`pulumi config set podlb:accessKeyId …`" in reason
    assert "`pulumi config set --secret podlb:secretAccessKey …`" in reason
    assert "BCE_ACCESS_KEY_ID" in reason and "BCE_SECRET_ACCESS_KEY" in reason


def test_half_of_the_key_pair_names_the_other_half():
    only_ak = failures({"accessKeyId": ACCESS_KEY_ID})
    assert set(only_ak) == {"secretAccessKey"}
    assert "podlb:accessKeyId is set but podlb:secretAccessKey is not" in only_ak["secretAccessKey"]
    assert "pulumi config set --secret podlb:secretAccessKey" in only_ak["secretAccessKey"]

    only_sk = failures({"secretAccessKey": SECRET_ACCESS_KEY})
    assert set(only_sk) == {"accessKeyId"}
    assert "podlb:secretAccessKey is set but podlb:accessKeyId is not" in only_sk["accessKeyId"]
    assert "pulumi config set podlb:accessKeyId" in only_sk["accessKeyId"]
    assert SECRET_ACCESS_KEY not in all_text(only_sk)


def test_half_of_the_pair_in_config_is_not_completed_from_the_environment():
    """The key pair comes from one place: an AK from config and an SK from the environment
    would sign with a mismatched pair."""
    env = {"BCE_ACCESS_KEY_ID": "AKIDenv", "BCE_SECRET_ACCESS_KEY": "sk-env"}
    assert set(failures({"accessKeyId": ACCESS_KEY_ID}, env)) == {"secretAccessKey"}


def test_a_misspelled_key_gets_a_did_you_mean():
    found = failures({**PAIR, "acessKeyId": "AKIDtypo"})
    assert set(found) == {"acessKeyId"}
    assert "podlb:acessKeyId is not a podlb setting (did you mean 'accessKeyId'?)" in found["acessKeyId"]
    assert "podlb:secretAccessKey" in found["acessKeyId"]  # and the keys it does read


def test_the_programs_own_check_sees_misspelled_keys_too():
    """The components check the stack's podlb:* config before the first podlb resource registers
    (cluster/component.py), so a typo is named by the program, not by the engine aborting it."""
    from pulumi.runtime import config

    saved = dict(config.CONFIG.get())
    config.set_all_config({"podlb:regoin": "bj", "podlb:accessKeyId": "AK1", "kubernetes:context": "x"})
    try:
        seen = stack_provider_config()
    finally:
        config.set_all_config(saved)
    assert seen == {"accessKeyId": "AK1", "regoin": "bj"}
    assert "did you mean 'region'?" in failures({**PAIR, **seen})["regoin"]


def test_engine_keys_and_other_settings_of_a_podlb_project_are_not_errors():
    """The engine adds `version`; a project named `podlb` shares the namespace (podlb:cluster)."""
    assert check_config({**PAIR, "version": "0.3.0", "cluster": "cce-x1", "services": "[]"}, NO_ENV) == []


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        ("region", "Bei Jing", "'bj', 'gz'"),
        ("region", "bj!", "'bj', 'gz'"),
        ("endpoint", "http://bad host/", "'http://127.0.0.1:8080'"),
        ("endpoint", "ftp://bcc.bj.baidubce.com", "'bcc.bj.baidubce.com'"),
        ("endpoint", "bcc.bj.baidubce.com:999999", "'bcc.bj.baidubce.com'"),
        ("accessKeyId", "AK with spaces", "an AK"),
    ],
)
def test_malformed_values_name_the_key_and_what_is_expected(key, value, expected):
    found = failures({**PAIR, key: value})
    assert set(found) == {key}
    assert f"podlb:{key} is malformed ({value!r})" in found[key] and expected in found[key]


def test_a_malformed_secret_is_reported_without_its_value():
    bad_secret = "sk with spaces and a ünïcode"
    found = failures({"accessKeyId": ACCESS_KEY_ID, "secretAccessKey": bad_secret})
    assert set(found) == {"secretAccessKey"}
    assert "podlb:secretAccessKey is malformed ([secret])" in found["secretAccessKey"]
    assert bad_secret not in all_text(found)


def test_a_non_string_value_is_refused():
    found = failures({**PAIR, "region": 7})
    assert "podlb:region must be a string, got int" in found["region"]


@pytest.mark.parametrize(
    "values",
    [
        {"secretAccessKey": SECRET_ACCESS_KEY},
        {"secretAccessKey": SECRET_ACCESS_KEY, "acessKeyId": ACCESS_KEY_ID},
        {**PAIR, "region": "Bei Jing", "endpoint": "http://bad host/", "acessKeyId": "x"},
        {"secretAccessKey": SECRET_ACCESS_KEY + " !", "accessKeyId": ACCESS_KEY_ID},
    ],
)
def test_the_secret_never_appears_in_a_failure(values):
    found = check_config(values, NO_ENV)
    assert found
    text = repr(found)
    assert SECRET_ACCESS_KEY not in text


def test_credentials_from_the_environment_pass_and_are_used():
    env = {
        "BCE_ACCESS_KEY_ID": ACCESS_KEY_ID,
        "BCE_SECRET_ACCESS_KEY": SECRET_ACCESS_KEY,
        "BCE_REGION": "gz",
        "BCE_ENDPOINT": "http://127.0.0.1:9",
        "BCE_TIMEOUT_MS": "1234",
        "BCE_RETRY_BASE_MS": "7",
    }
    assert check_config({}, env) == []
    settings = settings_from_config({}, env)
    assert (settings.access_key_id, settings.secret_access_key) == (ACCESS_KEY_ID, SECRET_ACCESS_KEY)
    assert (settings.region, settings.endpoint, settings.timeout_ms, settings.retry_base_ms) == (
        "gz",
        "http://127.0.0.1:9",
        1234,
        7,
    )
    # config wins over the environment, key by key for region and endpoint
    configured = settings_from_config({**PAIR, "region": "su"}, {**env, "BCE_ACCESS_KEY_ID": "AKIDother"})
    assert (configured.access_key_id, configured.region, configured.endpoint) == (
        ACCESS_KEY_ID,
        "su",
        "http://127.0.0.1:9",
    )


# -- through the plugin (gRPC) --------------------------------------------------------------------
def test_the_plugin_refuses_a_bad_configuration_before_any_call(fake_bce):
    with pytest.raises(ProviderHostError) as err:
        ProviderHost(config={"accessKeyId": ACCESS_KEY_ID, "endpoint": fake_bce.endpoint})
    assert err.value.method == "CheckConfig" and "podlb:secretAccessKey" in str(err.value)
    with pytest.raises(ProviderHostError) as err:
        ProviderHost(config={**PAIR, "acessKeyId": "x", "endpoint": fake_bce.endpoint})
    assert "did you mean 'accessKeyId'" in str(err.value) and SECRET_ACCESS_KEY not in str(err.value)
    assert fake_bce.calls == []


def test_get_schema_lists_both_resources_and_a_secret_key(bce_settings):
    with ProviderHost(bce_settings) as host:
        schema = json.loads(host.get_schema())
    assert schema["name"] == "podlb"
    assert {RULE_TYPE, ADDON_TYPE} <= set(schema["resources"])
    variables = schema["config"]["variables"]
    assert variables["secretAccessKey"]["secret"] is True
    assert not variables["accessKeyId"].get("secret")
    assert set(variables) == {"accessKeyId", "secretAccessKey", "region", "endpoint"}
    assert schema["provider"]["inputProperties"]["secretAccessKey"]["secret"] is True


def test_the_plugin_serves_the_components_and_accepts_secrets(bce_settings):
    """The engine calls Construct only on a plugin whose Handshake accepts secrets (docs/real-engine.md
    finding 12); the plugin advertises the components it constructs."""
    with ProviderHost(bce_settings) as host:
        resources = json.loads(host.get_schema())["resources"]
        shook = host.handshake()
    components = {t for t, entry in resources.items() if entry.get("isComponent")}
    assert components == {"podlb:index:PodDirectCluster", "podlb:index:PodDirectService"}
    assert shook.accept_secrets and shook.accept_resources and shook.accept_outputs


@pytest.mark.parametrize(
    ("olds", "news", "changes"),
    [
        (PAIR, PAIR, False),
        (PAIR, {**PAIR, "secretAccessKey": "sk-rotated"}, True),
        (PAIR, {"accessKeyId": "AKIDother", "secretAccessKey": "sk-other"}, True),
        ({**PAIR, "region": "bj"}, {**PAIR, "region": "gz"}, True),
        (PAIR, {**PAIR, "endpoint": "http://127.0.0.1:9"}, True),
        ({**PAIR, "endpoint": "http://127.0.0.1:9"}, {}, True),
    ],
)
def test_diff_config_never_replaces_the_provider(bce_settings, olds, news, changes):
    """Replacing the provider would replace every rule it manages: a new key, region or
    endpoint is an update of the provider, never a replace."""
    with ProviderHost(bce_settings) as host:
        diff = host.diff_config(olds, news)
    assert diff.changes is changes and diff.replaces == () and not diff.delete_before_replace
