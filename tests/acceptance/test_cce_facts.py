"""The CCE facts of docs/bce-facts.md, read-only, from the target's `cce-` cluster
(PODLB_ACCEPTANCE_CLUSTER_ID against Baidu; a seeded one in the sandbox): each the raw request,
its answer exactly as it came, against the fake's, then podlb's own reading of the same
(bce/discovery.py, bce/cce.py, addon_model.py). Nothing here writes to the cluster."""

from __future__ import annotations

import pytest
from baidubce.http import http_methods

from podlb_component.addon_model import find_addon
from podlb_component.bce.cce import PREFIX, CceClient
from podlb_component.bce.clients import BceApiError, client_config
from podlb_component.bce.discovery import discover_cluster
from podlb_component.cluster.lb_controller import ADDON_NAMES
from podlb_component.cluster.network import NETWORK_MODES

from .raw import http
from .target import Target


@pytest.fixture(scope="module")
def cluster_id(target: Target) -> str:
    if target.cluster_id is None:
        pytest.skip("PODLB_ACCEPTANCE_CLUSTER_ID is not set: the CCE facts are not exercised")
    return target.cluster_id


@pytest.mark.fact("cce-cluster-fields")
def test_cce_cluster_fields(target: Target, cluster_id: str) -> None:
    answer = http(target.settings, "cce", http_methods.GET, f"{PREFIX}/cluster/{cluster_id}")
    assert answer.status == 200, f"GetCluster: Baidu answered {answer}"
    cluster = answer.body.get("cluster") or {}
    spec = cluster.get("spec") or {}
    mode = (spec.get("containerNetworkConfig") or {}).get("mode")
    assert spec.get("clusterID") == cluster_id, f"spec.clusterID is {spec.get('clusterID')!r}"
    assert str(spec.get("vpcID", "")).startswith("vpc-") and spec.get("vpcCIDR"), f"spec: {sorted(spec)}"
    assert mode in NETWORK_MODES, f"containerNetworkConfig.mode {mode!r} is none podlb knows"
    assert (cluster.get("status") or {}).get("clusterPhase"), f"status: {cluster.get('status')}"
    assert "requestID" in answer.body, (
        f"the body spells its request id as {[k for k in answer.body if k.lower() == 'requestid']}"
    )
    found = discover_cluster(target.settings, cluster_id, count_rules=False)
    assert (found.network_mode, found.vpc_cidr, found.vpc_id) == (mode, spec["vpcCIDR"], spec["vpcID"])


@pytest.mark.fact("cce-error-body-request-id")
def test_cce_error_body_request_id(target: Target) -> None:
    missing = "cce-accmissing"
    answer = http(target.settings, "cce", http_methods.GET, f"{PREFIX}/cluster/{missing}")
    assert 400 <= answer.status < 500, f"GetCluster of a missing cluster: Baidu answered {answer}"
    spelled = [k for k in answer.body if k.lower() == "requestid"]
    assert spelled == ["requestID"], f"the error body spells its request id as {spelled}: {answer}"
    with pytest.raises(BceApiError) as raised:  # podlb reads it in either spelling
        CceClient(client_config(target.settings, "cce")).get_cluster(missing)
    assert raised.value.status == answer.status and raised.value.request_id


@pytest.mark.fact("cce-addon-lb-controller-name")
def test_cce_addon_lb_controller_name(target: Target, cluster_id: str) -> None:
    answer = http(target.settings, "cce", http_methods.GET, f"{PREFIX}/cluster/{cluster_id}/addon")
    assert answer.status == 200, f"ListAddons: Baidu answered {answer}"
    items = list(answer.body.get("items") or [])
    names = sorted(str((item.get("meta") or {}).get("name")) for item in items)
    assert "cce-lb-controller" in names, f"the add-on list names: {names}"
    state, _ = find_addon(items, ADDON_NAMES)
    assert state is not None and state.installed_version and state.phase, f"podlb read {state}"
