"""The policy pack through the real CLI: `pulumi preview --policy-pack DIR` (DIR written by
`podlb policy-pack`, as the PR-check workflow does) passes the good
examples' program and fails one that breaks a mandatory policy."""

from __future__ import annotations

import sys
from pathlib import Path

from podlb_component.cli.policy_pack import export_policy_pack
from podlb_component.sandbox import Sandbox

from .cli import REPO, PulumiCli
from .test_examples import seed_all

BAD_PROGRAM = """
import pulumi_kubernetes as k8s

# a hand-written pod-direct Service with a named targetPort, which no security group can open
k8s.core.v1.Service(
    "raw",
    metadata={"namespace": "shop", "annotations": {
        "service.beta.kubernetes.io/cce-load-balancer-backend-type": "eni"}},
    spec={"type": "LoadBalancer", "selector": {"app": "raw"}, "ports": [{"port": 80, "targetPort": "http"}]},
)
"""


def policy_pack(tmp: Path) -> Path:
    pack = export_policy_pack(tmp / "policy")
    (pack / "venv").symlink_to(Path(sys.prefix))
    return pack


def test_policy_pack_passes_a_good_program_and_fails_a_bad_one(pulumi: PulumiCli, sandbox: Sandbox) -> None:
    seed_all(sandbox)
    pack = policy_pack(pulumi.tmp)
    good = pulumi.project(REPO / "examples" / "vpc-route-ipvlan")
    passed = pulumi.run(good, "preview", "--policy-pack", str(pack))
    assert passed.returncode == 0, passed.output[-4000:]
    assert "podlb" in passed.output

    bad = pulumi.project(REPO / "examples" / "vpc-route-ipvlan", stack="bad")
    (bad / "__main__.py").write_text(BAD_PROGRAM)
    failed = pulumi.run(bad, "preview", "--policy-pack", str(pack))
    assert failed.returncode != 0, failed.output[-4000:]
    assert "pod-direct-numeric-target-ports" in failed.output and "mandatory" in failed.output.lower(), failed.output[
        -4000:
    ]
