"""The podlb provider plugin through the real CLI: found in the plugin cache after
`podlb install-plugin` when the venv is not on PATH, configured from `podlb:*` stack config
(secret kept secret) instead of the environment, and refusing missing credentials at preview."""

from __future__ import annotations

import json
import re
import subprocess
import sys

from podlb_component.sandbox import Sandbox
from podlb_component.version import VERSION

from . import checks
from .cli import PulumiCli
from .test_examples import PROJECTS, seed_all
from .test_root_project import plan_of

GROUP = "g-nodes0001"
NO_BCE_ENV: dict[str, str | None] = {"BCE_ACCESS_KEY_ID": None, "BCE_SECRET_ACCESS_KEY": None, "BCE_ENDPOINT": None}


def test_plugin_from_the_plugin_cache_without_the_venv_on_path(pulumi: PulumiCli, sandbox: Sandbox) -> None:
    seed_all(sandbox)
    pulumi.venv_on_path = False
    project = pulumi.project(PROJECTS["vpc-route-ipvlan"])
    missing = pulumi.run(project, "preview")
    assert missing.returncode != 0 and "podlb" in missing.output, missing.output[-3000:]

    installed = subprocess.run(
        [sys.executable, "-m", "podlb_component", "install-plugin", "--pulumi", str(pulumi.toolchain_bin / "pulumi")],
        env=pulumi.env(),
        capture_output=True,
        text=True,
        check=False,
    )
    assert installed.returncode == 0, installed.stderr
    assert (pulumi.home / "plugins" / f"resource-podlb-v{VERSION}").is_dir()
    listed = pulumi.run(project, "plugin", "ls", "--json").ok()
    assert any(p["name"] == "podlb" and p["version"] == VERSION for p in json.loads(listed.stdout))

    expected = checks.planned_rules(plan_of(project))
    pulumi.run(project, "up").ok()
    assert checks.podlb_rules(sandbox, [GROUP]) == expected
    pulumi.run(project, "destroy").ok()
    assert checks.podlb_rules(sandbox, [GROUP]) == set()


def test_credentials_from_stack_config_stay_secret(pulumi: PulumiCli, sandbox: Sandbox) -> None:
    seed_all(sandbox)
    pulumi.env_overrides = dict(NO_BCE_ENV)
    project = pulumi.project(PROJECTS["vpc-route-ipvlan"])
    assert sandbox.fake is not None
    pulumi.run(project, "config", "set", "podlb:accessKeyId", sandbox.access_key_id).ok()
    pulumi.run(project, "config", "set", "--secret", "podlb:secretAccessKey", sandbox.secret_access_key).ok()
    pulumi.run(project, "config", "set", "podlb:endpoint", sandbox.fake.endpoint).ok()

    expected = checks.planned_rules(plan_of(project))
    pulumi.run(project, "up").ok()
    assert checks.podlb_rules(sandbox, [GROUP]) == expected
    resources = pulumi.resources(project)
    (provider,) = [r for r in resources if r["type"] == "pulumi:providers:podlb"]
    assert provider["inputs"]["accessKeyId"] == sandbox.access_key_id
    assert provider["inputs"]["secretAccessKey"].get("ciphertext"), "the secret key is not kept secret"
    for rule in (r for r in resources if r["type"] == "podlb:bce:SecurityGroupRule"):
        assert "bce_credentials" not in rule["inputs"] and "bce_credentials" not in rule.get("outputs", {})
    for raw in pulumi.backend.rglob("*.json"):
        assert sandbox.secret_access_key not in raw.read_text()
    pulumi.run(project, "up", "--expect-no-changes").ok()
    pulumi.run(project, "destroy").ok()
    assert checks.podlb_rules(sandbox, [GROUP]) == set()


def test_missing_credentials_fail_at_preview_naming_the_key(pulumi: PulumiCli, sandbox: Sandbox) -> None:
    seed_all(sandbox)
    pulumi.env_overrides = dict(NO_BCE_ENV)
    project = pulumi.project(PROJECTS["vpc-route-ipvlan"])
    calls = len(sandbox.fake.calls)  # type: ignore[union-attr]
    preview = pulumi.run(project, "preview")
    assert preview.returncode != 0
    assert "podlb:accessKeyId" in preview.output and "pulumi config set" in preview.output, preview.output[-3000:]
    assert "Traceback" not in preview.output, preview.output
    assert len(sandbox.fake.calls) == calls  # type: ignore[union-attr]
    assert not checks.podlb_rules(sandbox, [GROUP])


EXPLICIT_PROVIDER_PROGRAM = """
import os

import pulumi
import pulumi_kubernetes as k8s
from podlb_component import PodDirectCluster, PodDirectService, Provider

config = pulumi.Config()
# An explicit Kubernetes provider too, with no KUBECONFIG in the environment: the cluster's
# ip-masq read must reach the cluster through this provider's own settings.
kube = k8s.Provider("kube", kubeconfig=config.require_secret("kubeconfig"))
account = Provider(
    "second-account",
    {
        "access_key_id": config.require("ak"),
        "secret_access_key": config.require_secret("sk"),
        "endpoint": config.require("endpoint"),
    },
)
cluster = PodDirectCluster(
    "prod",
    {
        "cluster_id": "cce-ipvl4n01",
        "network_mode": "vpc-route-ipvlan",
        "node_security_group_ids": ["g-nodes0001"],
        "vpc_cidr": "172.16.0.0/16",
    },
    opts=pulumi.ResourceOptions(providers={"podlb": account, "kubernetes": kube}),
)
PodDirectService(
    "shop",
    {
        "cluster": cluster,
        "namespace": "shop",
        "selector": {"app": "shop"},
        "ports": [{"name": "http", "port": 80, "target_port": 8080}],
        "load_balancer_source_ranges": ["198.51.100.0/24"],
        "expected_backends": 4,
    },
)
"""


def test_an_explicit_provider_with_its_own_credentials(pulumi: PulumiCli, sandbox: Sandbox, tmp_path) -> None:
    """A `podlb.Provider` for a second account: its arguments, not the environment, reach the
    plugin (the environment has no credentials here), and its secret stays encrypted. With an
    explicit Kubernetes provider as well (and no KUBECONFIG), the ip-masq document is read
    through that provider's settings, at preview already, and a refresh finds nothing changed."""
    seed_all(sandbox)
    assert sandbox.fake is not None
    home = tmp_path / "home"  # no ~/.kube/config to fall back on either
    home.mkdir()
    pulumi.env_overrides = {**NO_BCE_ENV, "KUBECONFIG": None, "HOME": str(home)}
    source = tmp_path / "explicit"
    source.mkdir()
    (source / "Pulumi.yaml").write_text("name: podlb-explicit-provider\nruntime: python\n")
    (source / "__main__.py").write_text(EXPLICIT_PROVIDER_PROGRAM)
    project = pulumi.project(source)
    pulumi.run(project, "config", "set", "ak", sandbox.access_key_id).ok()
    pulumi.run(project, "config", "set", "--secret", "sk", sandbox.secret_access_key).ok()
    pulumi.run(project, "config", "set", "endpoint", sandbox.fake.endpoint).ok()
    pulumi.run(project, "config", "set", "--secret", "kubeconfig", str(sandbox.kubeconfig)).ok()

    preview = pulumi.run(project, "preview", "--diff").ok()
    # the live document, merged at preview already (the diff shows the YAML's keys)
    assert re.search(r"masqOutBound\s*: false", preview.stdout), preview.stdout
    pulumi.run(project, "up").ok()
    assert checks.podlb_rules(sandbox, [GROUP]) == {(GROUP, "tcp", "8080", "198.51.100.0/24")}
    checks.assert_ip_masq_patched(sandbox)
    pulumi.run(project, "refresh", "--expect-no-changes").ok()
    resources = pulumi.resources(project)
    (provider,) = [r for r in resources if r["type"] == "pulumi:providers:podlb"]
    assert provider["urn"].endswith("::second-account")
    rules = [r for r in resources if r["type"] == "podlb:bce:SecurityGroupRule"]
    assert rules and all(r["provider"].startswith(provider["urn"] + "::") for r in rules)
    for raw in pulumi.backend.rglob("*.json"):
        assert sandbox.secret_access_key not in raw.read_text()
    pulumi.run(project, "up", "--expect-no-changes").ok()
    pulumi.run(project, "destroy").ok()
    assert checks.podlb_rules(sandbox, [GROUP]) == set()
