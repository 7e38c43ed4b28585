"""A new user's first `pulumi up`, as the README's "Try it locally" tells it, with nothing of this
repository's toolchain: podlb installed from the release's wheel into a venv of its own, outside
any clone; `podlb sandbox` started from it with envtest's two binaries (laid out as
setup-envtest lays them out, found through KUBEBUILDER_ASSETS; no kube-controller-manager);
a Python stack of the user's own, named after the sandbox's cluster, whose venv gets podlb from
the same wheel and the plugin from the mirror; then `pulumi up` (the Service gets its Endpoints
from the sandbox and its address from the LB-controller stand-in) and `destroy`, and the
sandbox stops. Each step's time is printed (`-s`): the closing note of issue 35 quotes them."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import yaml

from podlb_component.sandbox import Sandbox

from .cli import REPO, PulumiCli
from .release import Mirror, Release
from .test_plugin_acquisition import new_python_stack, user_cli
from .test_sandbox_envtest import SandboxRun, child_env, core, lay_out_envtest, remove_tree

EXAMPLE_CONFIG = yaml.safe_load((REPO / "examples" / "vpc-route-ipvlan" / "Pulumi.dev.yaml").read_text())["config"]


def test_a_new_user_runs_pulumi_up_against_a_sandbox_from_the_wheel(
    pulumi: PulumiCli, sandbox: Sandbox, release: Release, mirror: Mirror, tmp_path: Path, toolchain_bin: Path
) -> None:
    timings: dict[str, float] = {}
    began = time.monotonic()
    home = tmp_path / "user"  # outside the clone: nothing of it on sys.path or in the cwd
    home.mkdir()
    venv = home / "podlb-venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pins = REPO / "toolchain" / "constraints.txt"
    done = subprocess.run(
        [str(venv / "bin" / "pip"), "install", "-q", str(release.wheel), "-c", str(pins)],
        capture_output=True, text=True, cwd=home,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    timings["pip install the wheel"] = time.monotonic() - began

    assets = lay_out_envtest(tmp_path / "envtest" / "k8s", toolchain_bin)  # what setup-envtest would download
    prefix = "podlb-vpc-route-ipvlan:"
    cluster = [
        "--cluster-id", EXAMPLE_CONFIG[f"{prefix}clusterId"], "--network-mode", "vpc-route-ipvlan",
        "--vpc-cidr", EXAMPLE_CONFIG[f"{prefix}vpcCidr"],
        "--node-security-groups", EXAMPLE_CONFIG[f"{prefix}nodeSecurityGroupId"],
    ]  # fmt: skip
    step = time.monotonic()
    run = SandboxRun(
        home / "podlb-sandbox.env", *cluster, podlb=[str(venv / "bin" / "podlb")], cwd=home,
        env=child_env(KUBEBUILDER_ASSETS=str(assets), PATH=f"{venv / 'bin'}:/usr/bin:/bin"),
    )  # fmt: skip
    try:
        env = run.wait_ready()
        timings["podlb sandbox ready"] = time.monotonic() - step
        assert "found via KUBEBUILDER_ASSETS" in run.output and "no kube-controller-manager" in run.output
        assert f"cluster_id={EXAMPLE_CONFIG[f'{prefix}clusterId']}" in run.output
        core(env["KUBECONFIG"]).create_namespace({"metadata": {"name": "shop"}})  # README: kubectl create namespace

        cli = user_cli(pulumi, mirror)
        cli.env_overrides.update(env)  # `set -a; . ./podlb-sandbox.env; set +a`
        project = new_python_stack(cli, release)
        step = time.monotonic()
        cli.run(project, "install", timeout=900).ok()
        timings["pulumi install (stack venv, plugin)"] = time.monotonic() - step
        step = time.monotonic()
        up = cli.run(project, "up").ok()
        timings["pulumi up"] = time.monotonic() - step
        assert "podlb:bce:SecurityGroupRule" in up.output, up.output[-3000:]
        service = core(env["KUBECONFIG"]).list_namespaced_service("shop").items
        assert service and all(s.status.load_balancer.ingress for s in service if s.spec.type == "LoadBalancer")
        timings["from the venv to a finished up"] = time.monotonic() - began
        cli.run(project, "destroy").ok()
        assert run.stop(signal.SIGTERM) < 15, run.output
    finally:
        run.kill()
        remove_tree(tmp_path / "envtest")  # 200 MB, read-only as setup-envtest leaves it
    assert run.proc.returncode == 0 and not run.env_file.exists(), run.output
    for what, seconds in timings.items():
        print(f"{what}: {seconds:.1f} s")
