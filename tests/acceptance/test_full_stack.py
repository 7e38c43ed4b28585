"""What a user does, through the real `pulumi` CLI: `pulumi up` of one PodDirectCluster (discovered
from the CCE API) and one PodDirectService in a namespace of the run's own, the Service's address
awaited, its rule found in the right group; then `destroy`, and nothing of the stack's left.

Against Baidu (opt-in: PODLB_ACCEPTANCE=real with PODLB_ACCEPTANCE_CLUSTER_ID,
PODLB_ACCEPTANCE_KUBECONFIG and `pulumi` on PATH) this writes what a user's stack writes: the
namespace, a LoadBalancer Service (the CCE LB controller makes a BLB for it) and a rule in the
cluster's group, all removed again. In CI it runs against `podlb sandbox` (the toolchain's
control plane, the fake BCE and the LB-controller stand-in), and must pass there."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from kubernetes import client, config

from podlb_component.bce.discovery import discover_cluster
from podlb_component.bce.security_groups import SecurityGroupApi
from podlb_component.bce.settings import BceSettings
from podlb_component.sandbox import ClusterSeed, Sandbox

from .target import Target

PROGRAM = """\
import pulumi
from podlb_component import PodDirectCluster, PodDirectService

config = pulumi.Config()
cluster = PodDirectCluster("acc", {"cluster_id": config.require("clusterId"), "discover": True})
web = PodDirectService("web", {
    "cluster": cluster,
    "namespace": config.require("namespace"),
    "selector": {"app": "podlb-acceptance"},
    "ports": [{"port": 80, "target_port": 8080}],
    "load_balancer_source_ranges": ["203.0.113.0/24"],
    "expected_backends": 1,
})
pulumi.export("address", web.address)
pulumi.export("rule_ids", web.security_group_rule_ids)
"""


@dataclass
class Cloud:
    """Where the stack goes: its environment for `pulumi`, the CLI, the cluster."""

    env: dict[str, str]
    pulumi: str
    cluster_id: str
    settings: BceSettings


@pytest.fixture
def cloud(target: Target, tmp_path: Path) -> Iterator[Cloud]:
    if target.real:
        kubeconfig, pulumi = os.environ.get("PODLB_ACCEPTANCE_KUBECONFIG"), shutil.which("pulumi")
        if not (kubeconfig and target.cluster_id and pulumi):
            pytest.skip("not exercised: needs PODLB_ACCEPTANCE_CLUSTER_ID, PODLB_ACCEPTANCE_KUBECONFIG, pulumi on PATH")
        env = {"KUBECONFIG": kubeconfig, "BCE_ACCESS_KEY_ID": target.settings.access_key_id,
               "BCE_SECRET_ACCESS_KEY": target.settings.secret_access_key, "BCE_REGION": target.region}  # fmt: skip
        if target.settings.endpoint:
            env["BCE_ENDPOINT"] = target.settings.endpoint
        yield Cloud(env, pulumi, target.cluster_id, target.settings)
        return
    toolchain = os.environ.get("PODLB_TOOLCHAIN_BIN", "")
    if not (Path(toolchain) / "pulumi").is_file():
        missing = "PODLB_TOOLCHAIN_BIN is not set: run `export PODLB_TOOLCHAIN_BIN=$(bash .ci/toolchain)`"
        if os.environ.get("CI"):
            pytest.fail(missing)
        pytest.skip(missing)
    seed = ClusterSeed(cluster_id="cce-accstack1", network_mode="vpc-route-veth", node_security_groups=("g-accstack1",))
    with Sandbox(seed, control_plane_bin=Path(toolchain), work_dir=tmp_path / "sandbox") as box:
        env = {**box.env(), "PATH": toolchain, "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true"}
        settings = BceSettings(box.access_key_id, box.secret_access_key, endpoint=box.env()["BCE_ENDPOINT"])
        yield Cloud(env, str(Path(toolchain) / "pulumi"), seed.cluster_id, settings)


def run(cloud: Cloud, work: Path, *args: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PULUMI_", "BCE_"))}
    path = [cloud.env["PATH"]] if "PATH" in cloud.env else []
    env.update(cloud.env)
    env.update(
        PATH=os.pathsep.join([*path, str(Path(sys.executable).parent), os.environ.get("PATH", "")]),
        PULUMI_HOME=str(work / "home"), PULUMI_BACKEND_URL=f"file://{work / 'state'}", PULUMI_CONFIG_PASSPHRASE="",
        PULUMI_SKIP_UPDATE_CHECK="true",
    )  # fmt: skip
    done = subprocess.run(
        [cloud.pulumi, *args, "--non-interactive"], cwd=work / "stack", env=env, capture_output=True, text=True,
        timeout=900,
    )  # fmt: skip
    assert done.returncode == 0, f"pulumi {' '.join(args)}:\n{(done.stdout + done.stderr)[-4000:]}"
    return done.stdout


def listed_rule_ids(cloud: Cloud) -> set[str]:
    found = discover_cluster(cloud.settings, cloud.cluster_id, count_rules=False)
    groups = list(found.node_security_group_ids + found.eni_security_group_ids)
    rules = SecurityGroupApi(cloud.settings).rules_of(groups)
    return {str(r.get("securityGroupRuleId") or r.get("enterpriseSecurityGroupRuleId")) for rs in rules.values()
            for r in rs or []}  # fmt: skip


@pytest.mark.e2e
def test_a_stack_comes_up_and_goes_leaving_nothing(target: Target, cloud: Cloud, tmp_path: Path) -> None:
    work = tmp_path / "pulumi"
    (work / "stack").mkdir(parents=True)
    (work / "state").mkdir()
    (work / "stack" / "Pulumi.yaml").write_text(
        f"name: podlb-acceptance\nruntime:\n  name: python\n  options:\n    virtualenv: {sys.prefix}\n"
    )
    (work / "stack" / "__main__.py").write_text(PROGRAM)
    namespace = f"podlb-acc-{target.run_id}"
    api = client.CoreV1Api(config.new_client_from_config(config_file=cloud.env["KUBECONFIG"]))
    api.create_namespace({"metadata": {"name": namespace}})
    try:
        run(cloud, work, "stack", "init", "acc")
        run(cloud, work, "config", "set", "clusterId", cloud.cluster_id)
        run(cloud, work, "config", "set", "namespace", namespace)
        try:
            run(cloud, work, "up", "--yes", "--skip-preview")
            outputs = json.loads(run(cloud, work, "stack", "output", "--json"))
            assert outputs["address"], outputs
            assert outputs["rule_ids"] and set(outputs["rule_ids"]) <= listed_rule_ids(cloud), outputs
        finally:
            run(cloud, work, "destroy", "--yes", "--skip-preview")
        assert not set(outputs["rule_ids"]) & listed_rule_ids(cloud)
        assert not api.list_namespaced_service(namespace).items
    finally:
        api.delete_namespace(namespace)
