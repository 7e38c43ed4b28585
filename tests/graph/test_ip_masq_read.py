"""PodDirectCluster reads the ip-masq document through the podlb provider's invoke, reaching the
cluster its Kubernetes provider reaches, and keeps no read resource in state (a refresh after
`up` would report it changed: docs/real-engine.md, finding 1)."""

import asyncio

import pulumi
import pulumi_kubernetes as k8s
import pytest
from stacks import CLUSTER_ARGS, build, resolved

from podlb_component import PodDirectCluster
from podlb_component.preview_engine import is_unknown
from podlb_component.resources import READ_CONFIG_MAP
from podlb_component.testing.mock_engine import FakeCluster, run_program

IPVLAN = {"network_mode": "vpc-route-ipvlan"}
KUBECONFIG = "apiVersion: v1\nkind: Config\nclusters: []\n"


def reads(run):
    return [args for token, args in run.mocks.invokes if token == READ_CONFIG_MAP]


def test_the_document_is_read_by_an_invoke_not_kept_in_state():
    run = build(IPVLAN, {}, preview=False)
    resolved(run)
    (read,) = reads(run)
    assert (read["namespace"], read["name"]) == ("kube-system", "cce-ip-masq-agent")
    assert not [r for r in run.mocks.registrations if r.type == "kubernetes:core/v1:ConfigMap"]
    (patch,) = run.mocks.of_type("kubernetes:core/v1:ConfigMapPatch")
    assert "masqOutBound: false" in patch.inputs["data"]["config"]


def test_the_clusters_kubeconfig_reaches_the_read_and_the_document_stays_plain():
    run = build({**IPVLAN, "kubeconfig": pulumi.Output.secret(KUBECONFIG)}, {})
    (read,) = reads(run)
    assert read["kubeconfig"] == KUBECONFIG
    (patch,) = run.mocks.of_type("kubernetes:core/v1:ConfigMapPatch")
    assert "data" not in patch.secret_paths  # the document is CIDRs, not a secret


def test_an_explicit_kubernetes_provider_lends_its_settings():
    def program():
        provider = k8s.Provider("other", kubeconfig=KUBECONFIG, context="ctx-b", cluster="cl-b")
        PodDirectCluster("prod", {**CLUSTER_ARGS, **IPVLAN}, opts=pulumi.ResourceOptions(providers=[provider]))

    run = run_program(program)
    (read,) = reads(run)
    assert (read["kubeconfig"], read["context"], read["cluster"]) == (KUBECONFIG, "ctx-b", "cl-b")


def test_the_default_provider_lends_the_stacks_kubernetes_config():
    run = build(IPVLAN, {}, config={"kubernetes:kubeconfig": KUBECONFIG, "kubernetes:context": "ctx-a"})
    (read,) = reads(run)
    assert (read["kubeconfig"], read["context"], read.get("cluster")) == (KUBECONFIG, "ctx-a", None)


def test_without_any_settings_the_provider_falls_back_to_its_environment():
    run = build(IPVLAN, {})
    (read,) = reads(run)
    assert read.get("kubeconfig") is None and read.get("context") is None


def test_a_failed_read_names_the_field_and_the_fix():
    fake = FakeCluster.cce_default(ip_masq_config="masqOutBound: true\n")
    fake.read_errors["kube-system/cce-ip-masq-agent"] = "reading ConfigMap kube-system/cce-ip-masq-agent: HTTP 403"
    with pytest.raises(Exception) as err:  # raised in a callback: Pulumi may wrap it
        build(IPVLAN, {}, fake=fake)
    assert "podlb prod: ip_masq: could not read ConfigMap kube-system/cce-ip-masq-agent" in str(err.value)
    assert "HTTP 403" in str(err.value) and "ip_masq='skip'" in str(err.value)


def test_a_missing_configmap_is_an_error_not_a_new_document():
    with pytest.raises(Exception) as err:
        build(IPVLAN, {}, fake=FakeCluster.cce_default(ip_masq_config=None))
    assert "podlb prod: ip_masq: ConfigMap kube-system/cce-ip-masq-agent does not exist" in str(err.value)
    assert "ip_masq='skip'" in str(err.value)


def test_no_read_without_ipvlan_or_with_skip():
    assert reads(build({"network_mode": "vpc-route-veth"}, {})) == []
    assert reads(build({**IPVLAN, "ip_masq": "skip"}, {})) == []


def unknown():
    """An Output that stays unknown, as a value from a resource not yet created is at preview."""
    value, known = asyncio.get_event_loop().create_future(), asyncio.get_event_loop().create_future()
    value.set_result(None)
    known.set_result(False)
    return pulumi.Output(set(), value, known)


def test_an_explicit_provider_whose_kubeconfig_is_unknown_is_not_read_with_no_settings():
    def program():
        provider = k8s.Provider("other", kubeconfig=unknown())
        PodDirectCluster("prod", {**CLUSTER_ARGS, **IPVLAN}, opts=pulumi.ResourceOptions(providers=[provider]))

    run = run_program(program)
    assert reads(run) == []  # skipped, never sent without the kubeconfig (another cluster)
    (patch,) = run.mocks.of_type("kubernetes:core/v1:ConfigMapPatch")
    assert is_unknown(patch.inputs["data"]["config"])  # unknown at preview


def test_provider_option_and_a_parents_provider_lend_their_settings_too():
    class Platform(pulumi.ComponentResource):
        def __init__(self, opts):
            super().__init__("test:index:Platform", "platform", None, opts)
            PodDirectCluster("prod", {**CLUSTER_ARGS, **IPVLAN}, opts=pulumi.ResourceOptions(parent=self))

    def program():
        secret = pulumi.Output.secret(KUBECONFIG)
        PodDirectCluster(
            "direct",
            {**CLUSTER_ARGS, **IPVLAN},
            opts=pulumi.ResourceOptions(provider=k8s.Provider("one", kubeconfig=secret, context="ctx-one")),
        )
        Platform(pulumi.ResourceOptions(providers=[k8s.Provider("two", kubeconfig=KUBECONFIG, context="ctx-two")]))

    run = run_program(program)
    assert sorted((r["kubeconfig"], r["context"]) for r in reads(run)) == [
        (KUBECONFIG, "ctx-one"),
        (KUBECONFIG, "ctx-two"),
    ]
    for patch in run.mocks.of_type("kubernetes:core/v1:ConfigMapPatch"):
        assert "data" not in patch.secret_paths and "masqOutBound: false" in patch.inputs["data"]["config"]
