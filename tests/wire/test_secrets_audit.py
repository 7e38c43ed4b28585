"""Secrets audit: with credentials set, drive discovery (through the cluster component) and the
rule provider's create/read/update/delete, and look for the secret key in everything registered
with the engine, returned by the provider, printed and logged. The only place it may appear is
inside values that reach the engine marked secret (which the engine encrypts)."""

import logging

from podlb_component import PodDirectCluster, PodDirectService
from podlb_component.bce.security_group_rule import SecurityGroupRuleProvider
from podlb_component.testing.fixtures import ACCESS_KEY_ID, SECRET_ACCESS_KEY
from podlb_component.testing.mock_engine import run_program

CREDENTIALS_FIELD = "bce_credentials"


def test_secret_key_never_leaks(fake_bce, capfd, caplog):
    caplog.set_level(logging.DEBUG)  # the SDK logs requests and headers at DEBUG
    fake_bce.state.add_cce_cluster("cce-audit1")
    config = {
        "bce:accessKeyId": ACCESS_KEY_ID,
        "bce:secretAccessKey": SECRET_ACCESS_KEY,
        "bce:endpoint": fake_bce.endpoint,
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

    run = run_program(program, preview=False, config=config, secret_keys=["bce:secretAccessKey"])
    assert fake_bce.count("cce.getCluster") == 1  # discovery really used the credentials

    # 1. registered with the engine: only inside values marked secret
    for reg in run.mocks.registrations:
        visible = {k: v for k, v in reg.inputs.items() if k not in reg.secret_paths}
        assert SECRET_ACCESS_KEY not in repr(visible), reg.name
    rules = run.mocks.rules()
    assert rules and all(CREDENTIALS_FIELD in r.secret_paths for r in rules)
    assert SECRET_ACCESS_KEY not in repr(run.value) + repr(run.outputs) + repr(run.warnings) + repr(run.errors)

    # 2. returned by the provider (the engine hands it the registered inputs)
    provider = SecurityGroupRuleProvider()
    returned = []
    for reg in rules:
        checked = provider.check({}, reg.inputs)
        created = provider.create(checked.inputs)
        read = provider.read(created.id, created.outs)
        updated = provider.update(created.id, created.outs, {**created.outs, "remark": "podlb audit/renamed"})
        provider.delete(created.id, updated.outs)
        returned += [checked.failures, created.id, created.outs, read.id, read.outs, updated.outs]
    for value in returned:
        if isinstance(value, dict):  # the credentials field is declared a secret output of the resource
            value = {k: v for k, v in value.items() if k != CREDENTIALS_FIELD}
        assert SECRET_ACCESS_KEY not in repr(value)
    # ...which the engine keeps encrypted, because the resource declares it a secret output
    assert all(CREDENTIALS_FIELD in r.additional_secret_outputs for r in rules)

    # 3. printed or logged, by podlb, Pulumi or the SDK
    out, err = capfd.readouterr()
    assert SECRET_ACCESS_KEY not in out + err
    assert SECRET_ACCESS_KEY not in caplog.text
    assert caplog.records, "DEBUG logging was captured"  # the scan above saw real log output
