"""What the components register for the podlb provider: rules and the add-on as its custom
resources (with the alias from 0.2.0's dynamic type and podlb's version), no credentials on any
of them, and an explicit `podlb.Provider` reaching every rule of the cluster it was given to."""

import pulumi
from stacks import CLUSTER_ARGS, SERVICE_ARGS

from podlb_component import PodDirectCluster, PodDirectService, Provider
from podlb_component.testing.mock_engine import ADDON_TYPE, RULE_TYPE, FakeCluster, run_program


def test_rules_are_podlb_custom_resources_without_credentials():
    def program():
        cluster = PodDirectCluster("prod", {**CLUSTER_ARGS, "lb_controller": "ensure"})
        PodDirectService("web", {"cluster": cluster, **SERVICE_ARGS})

    run = run_program(program, cluster=FakeCluster.cce_default())
    rules = run.mocks.of_type(RULE_TYPE)
    (addon,) = run.mocks.of_type(ADDON_TYPE)
    assert rules and all(r.custom for r in [*rules, addon])
    for reg in [*rules, addon]:
        assert "bce_credentials" not in reg.inputs and "__provider" not in reg.inputs
        assert reg.provider == ""  # the default podlb provider, configured from podlb:* config
    assert {k for k in rules[0].inputs} == {"security_group_id", "protocol", "port_range", "source_ip", "remark"}


def test_an_explicit_provider_reaches_every_rule_and_keeps_its_secret():
    def program():
        gz = Provider("gz", {"access_key_id": "AKGZ", "secret_access_key": "SKGZ", "region": "gz"})
        cluster = PodDirectCluster("prod", CLUSTER_ARGS, opts=pulumi.ResourceOptions(providers={"podlb": gz}))
        PodDirectService("web", {"cluster": cluster, **SERVICE_ARGS})

    run = run_program(program)
    (provider,) = run.mocks.of_type("pulumi:providers:podlb")
    assert provider.inputs["region"] == "gz" and "secretAccessKey" in provider.secret_paths
    rules = run.mocks.of_type(RULE_TYPE)
    assert rules and all(r.provider.startswith(provider.urn + "::") for r in rules), [r.provider for r in rules]
