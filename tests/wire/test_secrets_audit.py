"""Secrets audit: with credentials set, drive discovery (through the cluster component) and the
rule provider's check/create/read/update/delete (in this process, and as the plugin the engine
runs), and look for the secret key in everything registered with the engine, returned by the
provider, printed and logged. The credentials are the provider's configuration now: no rule
carries them, so the secret may appear nowhere at all."""

import logging

from podlb_component import PodDirectCluster, PodDirectService
from podlb_component.provider.config import check_config, settings_from_config
from podlb_component.provider.resource import LEGACY_KEYS
from podlb_component.testing.fixtures import ACCESS_KEY_ID, SECRET_ACCESS_KEY
from podlb_component.testing.mock_engine import RULE_TYPE, run_program
from tests.support.provider_host import InProcessProvider, ProviderHost


def drive_rules(driver, rules):
    """Every value the provider hands back for these registrations, as the engine would call it."""
    returned = []
    for reg in rules:
        inputs, failures = driver.check(RULE_TYPE, {}, reg.inputs, reg.name)
        created_id, created = driver.create(inputs, reg.name)
        read_id, read = driver.read(created_id, created, inputs, reg.name)
        renamed = {**inputs, "remark": "podlb audit/renamed"}
        diff = driver.diff(created_id, created, renamed, reg.name)
        updated = driver.update(created_id, created, renamed, reg.name)
        driver.delete(created_id, updated, reg.name)
        returned += [inputs, failures, created_id, created, read_id, read, diff, updated]
    return returned


def test_secret_key_never_leaks(fake_bce, capfd, caplog):
    caplog.set_level(logging.DEBUG)  # the SDK logs requests and headers at DEBUG
    fake_bce.state.add_cce_cluster("cce-audit1")
    config = {
        "podlb:accessKeyId": ACCESS_KEY_ID,
        "podlb:secretAccessKey": SECRET_ACCESS_KEY,
        "podlb:endpoint": fake_bce.endpoint,
    }

    def program():
        cluster = PodDirectCluster("prod", {"cluster_id": "cce-audit1"})  # discovery with the credentials
        service = PodDirectService(
            "web",
            {
                "cluster": cluster,
                "selector": {"app": "web"},
                "internal": True,
                "ports": [{"name": "http", "port": 80, "target_port": 8080}],
                "expected_backends": 2,
            },
        )
        return {"rules": service.security_group_rule_ids, "cluster": cluster.cluster_id}

    run = run_program(program, preview=False, config=config, secret_keys=["podlb:secretAccessKey"])
    assert fake_bce.count("cce.getCluster") == 1  # discovery really used the credentials

    # 1. registered with the engine: nowhere, not even inside values marked secret
    for reg in run.mocks.registrations:
        assert SECRET_ACCESS_KEY not in repr(reg.inputs) + repr(reg.outputs), reg.name
    rules = run.mocks.rules()
    assert rules and all(not set(LEGACY_KEYS) & set(r.inputs) for r in rules)  # no rule carries credentials
    assert SECRET_ACCESS_KEY not in repr(run.value) + repr(run.outputs) + repr(run.warnings) + repr(run.errors)

    # 2. returned by the provider, configured from the stack's podlb:* config as the engine does
    provider_config = {k.split(":", 1)[1]: v for k, v in config.items()}
    assert check_config(provider_config, env={}) == []
    returned = drive_rules(InProcessProvider(settings_from_config(provider_config, env={})), rules)
    with ProviderHost(config=provider_config, env={"BCE_RETRY_BASE_MS": "10"}) as host:
        returned += drive_rules(host, rules)
    for value in returned:
        assert SECRET_ACCESS_KEY not in repr(value)
        if isinstance(value, dict):
            assert not set(LEGACY_KEYS) & set(value)
    assert fake_bce.count("bcc.authorizeRule") == 2 * len(rules)  # both drivers really made every rule

    # 3. printed or logged, by podlb, Pulumi, the SDK or the provider plugin
    out, err = capfd.readouterr()
    assert SECRET_ACCESS_KEY not in out + err + host.stderr
    assert SECRET_ACCESS_KEY not in caplog.text
    assert caplog.records, "DEBUG logging was captured"  # the scan above saw real log output
