"""What the component sends to Kubernetes passes the official schemas."""

from typing import Any

import kubernetes_validate
import pytest
from stacks import build

from podlb_component.cce_annotations import BACKEND_TYPE as BACKEND_TYPE_ANNOTATION

# The newest release the schemas ship, and an older one CCE clusters still run.
VERSIONS = [kubernetes_validate.latest_version(), "1.30.0"]


def wire_to_json(value: Any) -> Any:
    """The engine carries numbers as doubles; Kubernetes wants integers where they are whole."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: wire_to_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [wire_to_json(v) for v in value]
    return value


@pytest.mark.parametrize("version", VERSIONS)
def test_service_and_configmap_validate(version):
    run = build(
        {"network_mode": "vpc-route-ipvlan"},
        {
            "internal": True,
            "session_affinity": "ClientIP",
            "annotations": {"prometheus.io/scrape": "true"},
            "labels": {"team": "shop"},
            "namespace": "shop",
            "ports": [
                {"name": "http", "port": 80, "target_port": 8080},
                {"name": "dns", "port": 53, "protocol": "UDP"},
            ],
        },
    )
    service = wire_to_json(run.mocks.by_name("web-service").inputs)
    patch = wire_to_json(run.mocks.by_name("prod-ip-masq-agent").inputs)
    assert service["kind"] == "Service" and patch["kind"] == "ConfigMap"
    kubernetes_validate.validate(service, version, strict=True)
    kubernetes_validate.validate(patch, version, strict=True)
    assert service["metadata"]["annotations"][BACKEND_TYPE_ANNOTATION] == "eni"
    assert service["spec"]["type"] == "LoadBalancer"


def test_validator_really_rejects_a_bad_service():
    """Guard for the test above: a named-port-free but invalid Service must fail validation."""
    bad = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "web"},
        "spec": {"type": "LoadBalancer", "ports": [{"port": "eighty"}]},
    }
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(bad, VERSIONS[0], strict=True)


def test_controller_annotations_are_never_sent():
    """podlb never writes the annotations cce-lb-controller owns (e.g. the BLB id): with
    server-side apply they stay the controller's, so a later `up` can't drop them."""
    run = build()
    annotations = run.mocks.by_name("web-service").inputs["metadata"]["annotations"]
    assert set(annotations) == {BACKEND_TYPE_ANNOTATION, "podlb.io/cce-cluster-id"}
    assert annotations["podlb.io/cce-cluster-id"] == "cce-abc123de"
