"""examples/pr-check/podlb.yml: its shell steps run as written (install steps aside: this test
runs inside an installed podlb), and the kubeconfig the preview points at is written first."""

import os
import re
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
WORKFLOW = yaml.safe_load((ROOT / "examples" / "pr-check" / "podlb.yml").read_text())
BIN = Path(sys.executable).parent


def steps(job):
    return WORKFLOW["jobs"][job]["steps"]


def test_the_plan_job_runs(tmp_path):
    commands = [s["run"] for s in steps("plan") if "run" in s and "pip install" not in s["run"]]
    assert commands, "the plan job has commands"
    for command in commands:
        command = command.replace(".venv/bin/", f"{BIN}/").replace("> plan.json", f"> {tmp_path}/plan.json")
        done = subprocess.run(["bash", "-c", command], cwd=ROOT, capture_output=True, text=True, check=False)
        assert done.returncode == 0, done.stderr
    assert (tmp_path / "plan.json").read_text().startswith("{")


def test_the_preview_job_writes_the_kubeconfig_it_points_at(tmp_path):
    preview = steps("preview")
    pulumi_step = next(s for s in preview if str(s.get("uses", "")).startswith("pulumi/actions"))
    target = pulumi_step["env"]["KUBECONFIG"].replace("${{ runner.temp }}", str(tmp_path))
    writers = [s for s in preview[: preview.index(pulumi_step)] if "kubeconfig" in s.get("run", "")]
    assert writers, "no step writes the kubeconfig before the preview"
    for step in writers:
        env = {**os.environ, "RUNNER_TEMP": str(tmp_path)}
        env.update({k: "apiVersion: v1\nkind: Config\n" for k, v in step.get("env", {}).items() if "secrets." in v})
        subprocess.run(["bash", "-c", step["run"]], cwd=tmp_path, env=env, check=True)
    assert Path(target).read_text().startswith("apiVersion: v1")
    assert re.search(r"\$\{\{ secrets\.KUBECONFIG \}\}", (ROOT / "examples" / "pr-check" / "podlb.yml").read_text())
