"""The real-engine benchmark's hand-written program registers exactly the Kubernetes Services
and podlb custom resources the root program does for the same stack config (so the ratio
measures the components, nothing else)."""

import json
import runpy
from collections import Counter
from pathlib import Path

from podlb_component.program import main as root_program
from podlb_component.testing.mock_engine import RULE_TYPE, run_program
from tests.e2e.root_stack import RootStack

HANDWRITTEN = Path(__file__).resolve().parents[2] / "benchmarks" / "handwritten_real" / "__main__.py"
COMPARED = (RULE_TYPE, "kubernetes:core/v1:Service")


def registered(program, config):
    run = run_program(program, config={k: json.dumps(v) for k, v in config.items()}, project="podlb")
    return run.mocks.registrations


def test_the_hand_written_baseline_registers_what_the_components_do():
    config = RootStack("cce-bench0001", ("g-bencha", "g-benchb"), "bench").config(5)
    components = registered(root_program, config)
    handwritten = registered(lambda: runpy.run_path(str(HANDWRITTEN)), config)
    count = Counter(r.type for r in components if r.type in COMPARED)
    assert (
        count == Counter(r.type for r in handwritten if r.type in COMPARED) == Counter({RULE_TYPE: 10, COMPARED[1]: 5})
    )

    def rules(regs):
        return sorted(
            (r.inputs["security_group_id"], r.inputs["port_range"], r.inputs["source_ip"])
            for r in regs
            if r.type == RULE_TYPE
        )

    def services(regs):
        return sorted(json.dumps(r.inputs, sort_keys=True) for r in regs if r.type == COMPARED[1])

    assert rules(components) == rules(handwritten)
    assert services(components) == services(handwritten)
