"""`pulumi package gen-sdk` through the real CLI: the engine starts the podlb plugin for its
schema (GetSchema) and asks the target language host to generate the SDK (GeneratePackage,
pkg/v3/codegen in the stand-in hosts). The generated SDK must hold both components and import."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from podlb_component.provider.publishing import PYTHON_SDK as GENERATED_PYTHON_PACKAGE

from .cli import PulumiCli

PLUGIN = Path(sys.executable).parent / "pulumi-resource-podlb"


def gen_sdk(pulumi: PulumiCli, language: str, out: Path) -> None:
    done = subprocess.run(
        [str(pulumi.toolchain_bin / "pulumi"), "package", "gen-sdk", str(PLUGIN), "--language", language,
         "--out", str(out)],
        env=pulumi.env(), cwd=pulumi.tmp, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr


def test_python_sdk_is_generated_from_the_plugin_and_imports(pulumi: PulumiCli) -> None:
    out = pulumi.tmp / "sdks"
    gen_sdk(pulumi, "python", out)
    package = out / "python"
    generated = package / GENERATED_PYTHON_PACKAGE
    assert (generated / "pod_direct_cluster.py").is_file(), sorted(map(str, package.rglob("*.py")))
    assert not (package / "podlb_component").exists()  # never a second copy of podlb's own package name
    probe = (
        f"import pulumi, {GENERATED_PYTHON_PACKAGE} as p; "
        "assert issubclass(p.PodDirectCluster, pulumi.ComponentResource); "
        "assert issubclass(p.PodDirectService, pulumi.ComponentResource); "
        "import inspect; print(sorted(inspect.signature(p.PodDirectServiceArgs.__init__).parameters))"
    )
    # installed as a user would (it reads its version from its metadata), beside this venv's pulumi
    target = pulumi.tmp / "site"
    installed = subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target), str(package)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert installed.returncode == 0, installed.stderr
    env = {**os.environ, "PYTHONPATH": str(target)}
    done = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert "'cluster'" in done.stdout and "'ports'" in done.stdout and "'expected_backends'" in done.stdout
