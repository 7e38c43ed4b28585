"""lb_controller against the CCE add-on API (the fake): `validate` with discovery on managed and
standalone clusters, and `ensure` installing/upgrading through the provider host, as
`pulumi up` runs it."""

import pytest

from podlb_component import PodDirectCluster, PodDirectService
from podlb_component.errors import PodLbError
from podlb_component.sandbox.fake_bce.cce import DEFAULT_CATALOGUE
from podlb_component.testing.fixtures import ACCESS_KEY_ID, SECRET_ACCESS_KEY
from podlb_component.testing.mock_engine import FakeCluster, run_program
from tests.support.lifecycle import Lifecycle
from tests.support.provider_host import ProviderHostError

CLUSTER = "cce-lbc00001"
DEPLOYMENT = "kubernetes:apps/v1:Deployment"
SERVICE = {"selector": {"app": "web"}, "ports": [{"port": 80, "target_port": 8080}], "expected_backends": 2}


def seed(fake, version="1.3.13", phase="Running", master_type="managed"):
    cluster = fake.state.add_cce_cluster(CLUSTER, lb_controller=None, master_type=master_type)
    if version:
        cluster.addons["cce-lb-controller"] = {"version": version, "phase": phase}
    return cluster


def program(**cluster_args):
    def run():
        cluster = PodDirectCluster("prod", {"cluster_id": CLUSTER, **cluster_args})
        PodDirectService("web", {"cluster": cluster, **SERVICE})
        return cluster.lb_controller_status

    return run


def run(fake, preview=True, kube=None, **cluster_args):
    config = {
        "podlb:accessKeyId": ACCESS_KEY_ID,
        "podlb:secretAccessKey": SECRET_ACCESS_KEY,
        "podlb:endpoint": fake.endpoint,
    }
    return run_program(
        program(**cluster_args),
        preview=preview,
        config=config,
        secret_keys=["podlb:secretAccessKey"],
        cluster=kube or FakeCluster.cce_default(lb_controller=None),  # no Deployment in kube-system
    )


# -- validate ----------------------------------------------------------------------------------
@pytest.mark.parametrize("preview", [True, False])
def test_managed_cluster_validates_through_the_api_without_a_deployment(fake_bce, preview):
    seed(fake_bce)
    result = run(fake_bce, preview=preview)
    assert result.value == "cce-lb-controller 1.3.13 Running (CCE add-on API)"
    assert not [r for r in result.mocks.registrations if r.type == DEPLOYMENT]
    assert fake_bce.count("cce.listAddons") == 1 and fake_bce.count(mutating=True) == 0


def test_standalone_cluster_also_reads_the_deployment(fake_bce):
    seed(fake_bce, master_type="custom")
    result = run(fake_bce, kube=FakeCluster.cce_default(lb_controller=1))
    (read,) = [r for r in result.mocks.registrations if r.type == DEPLOYMENT]
    assert read.read_id == "kube-system/cce-lb-controller"
    (cluster,) = result.mocks.of_type("podlb:index:PodDirectCluster")
    check = cluster.outputs["lb_controller_check"]
    assert check["cluster_type"] == "standalone" and "masterType 'custom'" in check["cluster_type_from"]


@pytest.mark.parametrize(
    ("version", "phase", "args", "expected"),
    [
        (None, None, {}, "not installed"),
        ("1.0.0", "Running", {"lb_controller_min_version": "1.3.6"}, "below lb_controller_min_version 1.3.6"),
        ("1.3.13", "Abnormal", {}, "phase 'Abnormal'"),
        ("1.3.13", "Failed", {}, "phase 'Failed'"),
    ],
)
def test_unusable_addon_fails_at_preview_before_anything_is_registered(fake_bce, version, phase, args, expected):
    seed(fake_bce, version=version, phase=phase)
    with pytest.raises(PodLbError) as err:
        run(fake_bce, **args)
    assert expected in err.value.problem and "lb_controller='ensure'" in err.value.fix


def test_an_addon_name_missing_from_the_list_names_what_was_listed(fake_bce):
    seed(fake_bce, version=None)
    fake_bce.state.cce.catalogue.pop("cce-lb-controller")
    with pytest.raises(PodLbError) as err:
        run(fake_bce)
    assert "lists no add-on named 'cce-lb-controller'" in err.value.problem
    assert "cce-ingress-nginx-controller" in err.value.problem  # the names it did list


def test_another_addon_name_can_be_given(fake_bce):
    seed(fake_bce, version=None)
    cluster = fake_bce.state.cce.get(CLUSTER)
    cluster.addons["cce-ingress-nginx-controller"] = {"version": "1.10.1", "phase": "Running"}
    result = run(fake_bce, lb_controller_addon_names=["lb-controller", "cce-ingress-nginx-controller"])
    assert result.value.startswith("cce-ingress-nginx-controller 1.10.1 Running")  # multiInstances read


@pytest.mark.parametrize(
    ("version", "phase", "warning"),
    [("2022.11.08.1552", "Running", "date-style"), ("1.3.13", "Installing", "Running shortly")],
)
def test_doubtful_states_warn(fake_bce, version, phase, warning):
    seed(fake_bce, version=version, phase=phase)
    result = run(fake_bce)
    assert any(warning in w for w in result.warnings)


def test_cluster_type_that_contradicts_the_api_warns(fake_bce):
    seed(fake_bce)
    result = run(fake_bce, cluster_type="standalone", kube=FakeCluster.cce_default(lb_controller=1))
    assert any("masterType 'managed'" in w for w in result.warnings)


# -- ensure, through the provider host ------------------------------------------------------------
def ensure_program(min_version="1.0.0", timeout=3):
    return program(lb_controller="ensure", lb_controller_min_version=min_version, lb_controller_timeout_seconds=timeout)


def addon(life):
    return next(e for e in life.state.values() if "addon_names" in e.inputs)


def test_ensure_installs_a_missing_addon_and_waits_for_running(fake_bce):
    seed(fake_bce, version=None)
    life = Lifecycle(fake_bce)
    life.up(ensure_program())
    outs = addon(life).outputs
    assert (outs["installed_version"], outs["phase"], outs["version_check"]) == ("1.3.13", "Running", "ok")
    assert (
        fake_bce.count("cce.installAddon") == 1
        and fake_bce.state.cce.get(CLUSTER).addons["cce-lb-controller"]["phase"] == "Running"
    )
    log = life.up(ensure_program())  # nothing to do the second time
    assert log.writes == 0
    life.destroy()  # never uninstalled
    assert fake_bce.count("cce.uninstallAddon") == 0 and "cce-lb-controller" in fake_bce.state.cce.get(CLUSTER).addons


def test_ensure_upgrades_an_old_addon_and_never_downgrades(fake_bce):
    seed(fake_bce, version="1.0.0")
    life = Lifecycle(fake_bce)
    life.up(ensure_program(min_version="1.3.6"))
    assert addon(life).outputs["installed_version"] == "1.3.13" and fake_bce.count("cce.upgradeAddon") == 1
    upgrades = [c for c in fake_bce.calls if c.route == "cce.upgradeAddon"]
    assert len(upgrades) == 1
    log = life.up(ensure_program(min_version="1.0.0"))  # a lower minimum: no downgrade
    assert log.writes == 0 and fake_bce.state.cce.get(CLUSTER).addons["cce-lb-controller"]["version"] == "1.3.13"


def test_ensure_reports_a_failed_install(fake_bce):
    seed(fake_bce, version=None)
    fake_bce.state.cce.failing_installs.add("cce-lb-controller")
    with pytest.raises(ProviderHostError) as err:
        Lifecycle(fake_bce).up(ensure_program())
    assert "is Failed" in err.value.details and "CCE console" in err.value.details


def test_ensure_times_out_with_a_way_forward(fake_bce):
    seed(fake_bce, version=None)
    fake_bce.state.cce.settle_after = 10_000
    with pytest.raises(ProviderHostError) as err:
        Lifecycle(fake_bce).up(ensure_program(timeout=1))
    assert "still Installing" in err.value.details and "pulumi up` again" in err.value.details
    assert fake_bce.count("cce.installAddon") == 1


def test_ensure_resumes_an_install_under_way_without_installing_twice(fake_bce):
    seed(fake_bce, version=None)
    fake_bce.state.cce.settle_after = 10_000
    life = Lifecycle(fake_bce)
    with pytest.raises(ProviderHostError):
        life.up(ensure_program(timeout=1))
    fake_bce.state.cce.get(CLUSTER).addons["cce-lb-controller"]["polls"] = 2
    life.up(ensure_program(timeout=3))
    assert addon(life).outputs["phase"] == "Running" and fake_bce.count("cce.installAddon") == 1


def test_ensure_without_the_addon_in_the_list_fails_at_preview(fake_bce):
    seed(fake_bce, version=None)
    fake_bce.state.cce.catalogue.pop("cce-lb-controller")
    with pytest.raises(PodLbError) as err:
        run(fake_bce, lb_controller="ensure")
    assert "it lists:" in err.value.problem


def test_the_fake_catalogue_cites_the_changelog_versions():
    (lbc,) = [a for a in DEFAULT_CATALOGUE if a.name == "cce-lb-controller"]
    assert {"1.0.0", "1.3.6", "1.3.13", "2022.11.08.1552"} <= set(lbc.versions) and lbc.latest_version == "1.3.13"


def test_reusing_a_blb_with_an_old_controller_warns(fake_bce):
    seed(fake_bce, version="1.0.0")
    config = {
        "podlb:accessKeyId": ACCESS_KEY_ID,
        "podlb:secretAccessKey": SECRET_ACCESS_KEY,
        "podlb:endpoint": fake_bce.endpoint,
    }

    def program():
        cluster = PodDirectCluster("prod", {"cluster_id": CLUSTER})
        PodDirectService("web", {"cluster": cluster, **SERVICE, "load_balancer": {"existing_blb_id": "lb-0a1b2c3d"}})

    result = run_program(
        program, config=config, secret_keys=["podlb:secretAccessKey"], cluster=FakeCluster.cce_default()
    )
    assert any("reusing a BLB needs 1.30.1" in w and "1.0.0" in w for w in result.warnings)
    seed_new = fake_bce.state.cce.get(CLUSTER).addons["cce-lb-controller"]
    seed_new["version"] = "1.3.13"
    result = run_program(
        program, config=config, secret_keys=["podlb:secretAccessKey"], cluster=FakeCluster.cce_default()
    )
    assert not any("reusing a BLB" in w for w in result.warnings)
