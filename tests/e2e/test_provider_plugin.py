"""The podlb provider plugin through the real CLI: found in the plugin cache after
`podlb install-plugin` when the venv is not on PATH, configured from `podlb:*` stack config
(secret kept secret) instead of the environment, and refusing missing credentials at preview."""

from __future__ import annotations

import json
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
