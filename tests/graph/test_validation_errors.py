"""Bad input fails before anything is registered, with a message naming the input and the fix."""

import pytest
from stacks import CLUSTER_ARGS, SERVICE_ARGS

from podlb_component import PodDirectCluster, PodDirectService, PodLbError
from podlb_component.cce_annotations import BACKEND_TYPE as BACKEND_TYPE_ANNOTATION
from podlb_component.testing.mock_engine import RecordingMocks, run_program

CLUSTER_ERRORS = [
    ({"cluster_id": "c-abc123"}, "cluster_id", "old-generation"),
    ({"network_mode": "vpc-magic"}, "network_mode", "unknown CCE network mode"),
    ({"network_mode": "vpc-route-auto-detect"}, "nic_type", "auto-detection"),
]
SERVICE_ERRORS = [
    ({"ports": [{"name": "http", "port": 80, "target_port": "http"}]}, "ports[0].target_port", "named port"),
    ({"ports": [{"name": "a", "port": 80}, {"name": "b", "port": 80}]}, "ports[1]", "duplicate port"),
    ({"expected_backends": 51}, "expected_backends", "at most 50"),
    ({"selector": {}}, "selector", "non-empty"),
    ({"annotations": {BACKEND_TYPE_ANNOTATION: "nodeport"}}, BACKEND_TYPE_ANNOTATION, "needs 'eni'"),
]


def run_capturing(program) -> tuple[PodLbError, RecordingMocks]:
    holder = {}

    def wrapped():
        from pulumi.runtime.settings import SETTINGS  # the monitor of this run

        holder["mocks"] = SETTINGS.monitor.mocks
        program()

    with pytest.raises(PodLbError) as err:
        run_program(wrapped)
    return err.value, holder["mocks"]


@pytest.mark.parametrize(("override", "field", "problem"), CLUSTER_ERRORS)
def test_cluster_errors_register_nothing(override, field, problem):
    err, mocks = run_capturing(lambda: PodDirectCluster("prod", {**CLUSTER_ARGS, **override}))
    assert err.field == field and problem in err.problem and err.fix
    assert str(err).startswith("podlb prod: ")
    assert mocks.registrations == []


@pytest.mark.parametrize(("override", "field", "problem"), SERVICE_ERRORS)
def test_service_errors_register_nothing_of_the_service(override, field, problem):
    def program():
        cluster = PodDirectCluster("prod", CLUSTER_ARGS)
        PodDirectService("web", {"cluster": cluster, **SERVICE_ARGS, **override})

    err, mocks = run_capturing(program)
    assert field in err.field and problem in err.problem and err.fix
    names = {r.name for r in mocks.registrations}
    assert not any(n == "web" or n.startswith("web-") for n in names)


def test_cluster_argument_must_be_a_cluster():
    err, _ = run_capturing(lambda: PodDirectService("web", {"cluster": "cce-abc", **SERVICE_ARGS}))
    assert err.field == "cluster"


def test_bce_config_keys_of_0_2_0_are_refused_with_the_rename():
    """podlb 0.2.0 read bce:*; the provider plugin gets only podlb:* keys from the engine, so an
    old key would be silently unused: preview stops, registers nothing, and says how to move it."""
    holder = {}

    def program():
        from pulumi.runtime.settings import SETTINGS

        holder["mocks"] = SETTINGS.monitor.mocks
        PodDirectCluster("prod", CLUSTER_ARGS)

    with pytest.raises(PodLbError) as err:
        run_program(
            program,
            config={"bce:accessKeyId": "AKID", "bce:secretAccessKey": "SECRETKEY"},
            secret_keys=["bce:secretAccessKey"],
        )
    assert err.value.field == "bce:accessKeyId, bce:secretAccessKey"
    assert "pulumi config set --secret podlb:secretAccessKey" in err.value.fix
    assert "pulumi config rm bce:accessKeyId" in err.value.fix
    assert "SECRETKEY" not in str(err.value)
    assert holder["mocks"].registrations == []
