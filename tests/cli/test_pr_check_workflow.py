"""examples/pr-check/podlb.yml, copied into a user's stack repository that is not this one:
every shell step of both jobs runs as written — podlb installed from the stack's
requirements.txt as a user installs it (here: a wheel built from this tree), plan, the policy
pack written where the preview step points. The preview step itself is the real `pulumi preview
--policy-pack` of tests/e2e/test_policy_pack.py, on a pack written the same way."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.support.one_build import one_build_at_a_time

ROOT = Path(__file__).resolve().parents[2]
WORKFLOW_FILE = ROOT / "examples" / "pr-check" / "podlb.yml"
WORKFLOW = yaml.safe_load(WORKFLOW_FILE.read_text())


def steps(job):
    return WORKFLOW["jobs"][job]["steps"]


@pytest.fixture(scope="module")
def user_repo(tmp_path_factory):
    """A stack repository of a user: the vpc-route-ipvlan example, a requirements.txt naming a
    podlb wheel, git-initialised, nowhere near this checkout."""
    dist = tmp_path_factory.mktemp("dist")
    with one_build_at_a_time():
        wheel_command = [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(dist), str(ROOT)]
        subprocess.run(wheel_command, check=True, timeout=600)
    (wheel,) = dist.glob("podlb-*.whl")
    repo = tmp_path_factory.mktemp("user-stack")
    for name in ("Pulumi.yaml", "Pulumi.dev.yaml", "__main__.py"):
        shutil.copy(ROOT / "examples" / "vpc-route-ipvlan" / name, repo / name)
    pins = (ROOT / "toolchain" / "constraints.txt").read_text()
    (repo / "requirements.txt").write_text(f"podlb @ {wheel.as_uri()}\n{pins}")
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    return repo


def run_steps(job, repo, runner_temp):
    env = {
        **os.environ,
        "RUNNER_TEMP": str(runner_temp),
        # `python` is the one setup-python puts first on PATH
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
    }
    env.pop("VIRTUAL_ENV", None)
    for step in steps(job):
        if "run" not in step:
            continue
        step_env = dict(env)
        step_env.update(
            {k: "apiVersion: v1\nkind: Config\n" for k, v in step.get("env", {}).items() if "secrets." in v}
        )
        done = subprocess.run(
            ["bash", "-ec", step["run"]], cwd=repo, env=step_env, capture_output=True, text=True, timeout=900
        )
        assert done.returncode == 0, f"step {step.get('name')!r}: {done.stderr[-3000:]}"


def test_the_workflow_installs_podlb_as_a_user_would():
    installs = [s["run"] for job in WORKFLOW["jobs"] for s in steps(job) if "pip install" in s.get("run", "")]
    assert installs and all("-r requirements.txt" in c and "-e ." not in c for c in installs)


def test_both_jobs_run_in_a_fresh_stack_repository(user_repo, tmp_path):
    run_steps("plan", user_repo, tmp_path)
    plan = (user_repo / "plan.json").read_text()
    assert '"project": "podlb-vpc-route-ipvlan"' in plan and '"errors": []' in plan
    # podlb came from the wheel, not from this checkout
    installed = subprocess.run(
        [str(user_repo / ".venv/bin/python"), "-c", "import podlb_component; print(podlb_component.__file__)"],
        cwd=user_repo,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert str(user_repo / ".venv") in installed and str(ROOT) not in installed

    run_steps("preview", user_repo, tmp_path)
    pulumi_step = next(s for s in steps("preview") if str(s.get("uses", "")).startswith("pulumi/actions"))
    pack = Path(pulumi_step["with"]["policyPacks"].replace("${{ runner.temp }}", str(tmp_path)))
    assert (pack / "PulumiPolicy.yaml").exists() and (pack / "cce_annotations.py").exists()
    assert (pack / "pod_direct.py").exists()
    kubeconfig = Path(pulumi_step["env"]["KUBECONFIG"].replace("${{ runner.temp }}", str(tmp_path)))
    assert kubeconfig.read_text().startswith("apiVersion: v1")
