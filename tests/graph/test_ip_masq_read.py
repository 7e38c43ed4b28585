"""PodDirectCluster reads the ip-masq document through the podlb provider's invoke, reaching the
cluster its Kubernetes provider reaches, and keeps no read resource in state (a refresh after
`up` would report it changed: docs/real-engine.md, finding 1)."""

import pulumi
import pulumi_kubernetes as k8s
import pytest
from stacks import CLUSTER_ARGS, build, resolved

from podlb_component import PodDirectCluster
from podlb_component.errors import PodLbError
from podlb_component.preview_engine import find_cause
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
    with pytest.raises(Exception) as err:
        build(IPVLAN, {}, fake=fake)
    invalid = find_cause(err.value, PodLbError)
    assert invalid is not None and invalid.field == "ip_masq"
    assert "HTTP 403" in str(invalid) and "ip_masq='skip'" in str(invalid)


def test_a_missing_configmap_is_an_error_not_a_new_document():
    with pytest.raises(Exception) as err:
        build(IPVLAN, {}, fake=FakeCluster.cce_default(ip_masq_config=None))
    invalid = find_cause(err.value, PodLbError)
    assert invalid is not None and "does not exist" in str(invalid) and "ip_masq='skip'" in str(invalid)


def test_no_read_without_ipvlan_or_with_skip():
    assert reads(build({"network_mode": "vpc-route-veth"}, {})) == []
    assert reads(build({**IPVLAN, "ip_masq": "skip"}, {})) == []
