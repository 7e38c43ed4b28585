"""Typed BLB/EIP options through the component, under the mock engine: what reaches the
Kubernetes Service (valid against the schemas), the program-wide BLB port check, warnings and
`podlb plan`'s plain words."""

import json

import kubernetes_validate
import pytest
from stacks import CLUSTER_ARGS, SERVICE_ARGS, build
from test_manifests import VERSIONS, wire_to_json

from podlb_component import PodDirectCluster, PodDirectService
from podlb_component import cce_annotations as keys
from podlb_component.errors import PodLbError
from podlb_component.preview_engine import run_program


@pytest.mark.parametrize("version", VERSIONS)
def test_reused_blb_kept_ip_and_eip_reach_the_service_and_validate(version):
    for options in (
        {"existing_blb_id": "lb-0a1b2c3d", "existing_eip": "180.76.1.2"},
        {"eip": {"name": "web", "billing_method": "ByBandwidth", "bandwidth_mbps": 100}},
    ):
        run = build(service={"load_balancer": options, "load_balancer_source_ranges": ["203.0.113.0/24"]})
        service = wire_to_json(run.mocks.by_name("web-service").inputs)
        kubernetes_validate.validate(service, version, strict=True)
        annotations, spec = service["metadata"]["annotations"], service["spec"]
        if "existing_blb_id" in options:
            assert annotations[keys.LOAD_BALANCER_ID] == "lb-0a1b2c3d" and spec["loadBalancerIP"] == "180.76.1.2"
        else:
            assert annotations[keys.EIP_BANDWIDTH] == "100" and annotations[keys.EIP_NAME] == "web"
            assert "loadBalancerIP" not in spec and keys.LOAD_BALANCER_ID not in annotations


def test_bad_options_fail_before_anything_is_registered():
    with pytest.raises(PodLbError) as err:
        build(service={"load_balancer": {"eip": {"bandwidth_mbps": 500, "billing_method": "ByBandwidth"}}})
    assert err.value.field == "load_balancer.eip.bandwidth_mbps" and "1-200" in err.value.problem


def _two(blb_ports):
    def program():
        cluster = PodDirectCluster("prod", CLUSTER_ARGS)
        for name, port in blb_ports:
            PodDirectService(
                name,
                {
                    **SERVICE_ARGS,
                    "cluster": cluster,
                    "selector": {"app": name},
                    "ports": [{"port": port, "target_port": 8080}],
                    "load_balancer": {"existing_blb_id": "lb-0a1b2c3d"},
                },
            )

    return program


def test_two_services_on_one_reused_blb_and_port_are_refused():
    with pytest.raises(PodLbError) as err:
        run_program(_two([("web", 80), ("api", 80)]))
    assert err.value.resource == "api" and "already listens on 80/TCP for Service 'web'" in err.value.problem


def test_two_services_on_one_reused_blb_on_different_ports_are_fine():
    run = run_program(_two([("web", 80), ("api", 81)]))
    assert len(run.mocks.of_type("kubernetes:core/v1:Service")) == 2


def test_a_misspelled_cce_annotation_warns():
    run = build(service={"annotations": {"service.beta.kubernetes.io/cce-elastic-ip-nmae": "web"}})
    assert any(f"did you mean {keys.EIP_NAME!r}?" in w for w in run.warnings)


def test_plan_shows_the_options_in_plain_words(capsys, tmp_path):
    import yaml

    from podlb_component.cli import main

    (tmp_path / "shop.yaml").write_text(
        yaml.safe_dump(
            {
                "clusters": {
                    "prod": {
                        "cluster_id": "cce-abc123de",
                        "network_mode": "kubenet",
                        "node_security_group_ids": ["g-1"],
                    }
                },
                "services": {
                    "web": {
                        "cluster": "prod",
                        "selector": {"app": "web"},
                        "ports": [{"port": 80, "target_port": 8080}],
                        "expected_backends": 2,
                        "load_balancer_source_ranges": ["203.0.113.0/24"],
                        "load_balancer": {
                            "existing_blb_id": "lb-0a1b2c3d",
                            "eip": {"payment_timing": "Prepaid", "bandwidth_mbps": 50, "reservation_months": 12},
                        },
                    }
                },
            }
        )
    )
    assert main(["plan", str(tmp_path / "shop.yaml"), "-o", "json"]) == 0
    (service,) = [
        r for r in json.loads(capsys.readouterr().out)["resources"] if r["type"] == "kubernetes:core/v1:Service"
    ]
    assert service["summary"].endswith("; reuses BLB lb-0a1b2c3d; new EIP Prepaid ByTraffic 50 Mbps for 12 months")
