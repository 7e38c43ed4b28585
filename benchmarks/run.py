"""Run every benchmark and report figures as ratios against baselines measured in the same run.

.venv/bin/python -m benchmarks.run            # print the report
.venv/bin/python -m benchmarks.run --write    # also write benchmarks/RESULTS.md
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.workloads import api_workload, component_program, handwritten_program, time_program
from podlb_component.testing.mock_engine import run_program

ROOT = Path(__file__).resolve().parents[1]
TARGET_RATIO_AT_200 = 1.3
REAL_ENGINE_HEADING = "## Under the real engine"


def median_time(fn, repeats: int) -> float:
    return statistics.median(fn() for _ in range(repeats))


def bench_programs(sizes: list[int], repeats: int) -> list[dict[str, float]]:
    rows = []
    for n in sizes:
        time_program(component_program, n)  # warm imports and caches once per size
        # interleave so drift on a shared machine hits both sides alike
        comp, hand = [], []
        for _ in range(repeats):
            comp.append(time_program(component_program, n))
            hand.append(time_program(handwritten_program, n))
        c, h = statistics.median(comp), statistics.median(hand)
        regs_c = len(run_program(lambda n=n: component_program(n)).mocks.registrations)
        regs_h = len(run_program(lambda n=n: handwritten_program(n)).mocks.registrations)
        rows.append(
            {
                "services": n,
                "component_s": round(c, 3),
                "handwritten_s": round(h, 3),
                "ratio": round(c / h, 2),
                "registrations": f"{regs_c} / {regs_h}",
            }
        )
    return rows


def bench_plan(repeats: int) -> dict[str, float]:
    python = sys.executable
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "0"}

    def run(args: list[str]) -> float:
        start = time.perf_counter()
        subprocess.run([python, *args], cwd=ROOT, env=env, check=True, capture_output=True)
        return time.perf_counter() - start

    run(["-m", "podlb_component", "plan"])  # compile .pyc once, as an installed package has them
    plan = median_time(lambda: run(["-m", "podlb_component", "plan"]), repeats)
    base = median_time(lambda: run(["-c", "import pulumi, pulumi_kubernetes"]), repeats)
    return {"plan_s": round(plan, 3), "baseline_import_s": round(base, 3), "ratio": round(plan / base, 2)}


def time_to_port(args: list[str]) -> float:
    """Seconds from starting a provider process to the port on its first stdout line (what the
    engine waits for before its first call)."""
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, *args], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, cwd=ROOT)
    assert proc.stdout is not None
    line = proc.stdout.readline().strip()
    elapsed = time.perf_counter() - start
    proc.kill()
    proc.wait()
    proc.stdout.close()
    assert line.isdigit(), f"{args} printed {line!r}"
    return elapsed


def bench_provider_start(repeats: int) -> dict[str, float]:
    """The podlb plugin's start-up against the dynamic-provider host podlb 0.2.0 ran in
    (`python -m pulumi.dynamic`), interleaved."""
    podlb, dynamic = [], []
    time_to_port(["-m", "podlb_component.provider", "127.0.0.1:0"])  # warm the page cache once
    for _ in range(repeats):
        podlb.append(time_to_port(["-m", "podlb_component.provider", "127.0.0.1:0"]))
        dynamic.append(time_to_port(["-m", "pulumi.dynamic"]))
    p, d = statistics.median(podlb), statistics.median(dynamic)
    return {"podlb_s": round(p, 3), "dynamic_s": round(d, 3), "ratio": round(p / d, 2)}


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        model = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name"))
        cpu = model
    except (OSError, StopIteration):
        pass
    return (
        f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()} {platform.release()}"
    )


def report(programs: list[dict], api: dict, plan: dict, start: dict) -> str:
    lines = [
        "# podlb benchmarks",
        "",
        f"Machine: {machine()}. Shared and noisy: compare the ratios, not the seconds.",
        "",
        "Reproduce: `.venv/bin/python -m benchmarks.run --write` (after the README's test command).",
        "",
        "## Program evaluation under the mock engine (preview)",
        "",
        "PodDirectCluster + N PodDirectServices, against a hand-written program registering the same plain",
        "resources (the two reads, the ConfigMapPatch, a SecurityGroupRule and a Service per Service).",
        "Median of interleaved runs.",
        "",
        "| Services | component (s) | hand-written (s) | ratio | registrations (component / hand-written) |",
        "|---:|---:|---:|---:|---:|",
    ]
    lines += [
        f"| {r['services']} | {r['component_s']} | {r['handwritten_s']} | {r['ratio']}x | {r['registrations']} |"
        for r in programs
    ]
    at200 = next((r["ratio"] for r in programs if r["services"] == 200), None)
    if at200 is not None:
        verdict = "meets" if at200 <= TARGET_RATIO_AT_200 else "MISSES"
        lines += [
            "",
            f"Target: at most {TARGET_RATIO_AT_200}x at 200 Services: {verdict} it ({at200}x).",
            "The component registers one ComponentResource per Service on top of the same resources, and",
            "Pulumi's per-registration cost dominates both programs; see docs/design.md, 'Benchmark outcome'.",
        ]
    lines += [
        "",
        "## BCE API calls (counted in the fake's call log)",
        "",
        f"{api['services']} Services on one cluster with {api['groups']} node security groups ({api['rules']} rules),",
        "each step run as the engine runs it: the lifecycle harness (tests/support/lifecycle.py)",
        "drives the podlb provider plugin (`python -m podlb_component.provider`) over gRPC.",
        "",
        f"- `up`: {json.dumps(api['up'], sort_keys=True)}; writes: {api['up_writes']}",
        f"- no-op second `up`: {json.dumps(api['noop_up'], sort_keys=True)}; mutating calls: "
        f"{api['noop_mutating_calls']}; rules with changes: {api['noop_changed_rules']}",
        f"- refresh: {json.dumps(api['refresh'], sort_keys=True)} "
        f"(reads per group: at most 1); rules reported missing: {api['refresh_missing_rules']}",
        f"- destroy: {json.dumps(api['destroy'], sort_keys=True)}; writes: {api['destroy_writes']}; "
        f"rules left: {api['destroy_left']}",
        "",
        "Per created rule: one write (authorize) and one read (to learn its id); per group: one read",
        "for the rule quota. Discovery is one `cce.getCluster`, one `cce.listInstances` and one",
        "`cce.listAddons` per cluster per run, however many Services. A destroy deletes each rule by",
        "id after one read per group (the ownership check, cached per provider process). The harness",
        "makes one call at a time; through the real CLI (default parallelism, 8 steps at once here) the",
        "creates of a wave share the listing that gives their ids: tests/e2e/test_scale.py prints the",
        "reads of the same `up` (28-30 when measured; docs/design.md).",
        "",
        "## `podlb plan` cold start",
        "",
        "A new interpreter running `python -m podlb_component plan` on the root project, against a new",
        "interpreter importing `pulumi` and `pulumi_kubernetes` (the floor any Pulumi Python program pays).",
        "",
        "| plan (s) | baseline import (s) | ratio |",
        "|---:|---:|---:|",
        f"| {plan['plan_s']} | {plan['baseline_import_s']} | {plan['ratio']}x |",
        "",
        "## Provider start-up",
        "",
        "From starting the provider process to the port on its first stdout line (the engine waits for it",
        "once per provider per deployment: one podlb provider process per `pulumi` run with the default",
        "provider, one more per explicit `podlb.Provider`), against `python -m pulumi.dynamic`, the host",
        "podlb 0.2.0's dynamic resources ran in. Median of interleaved runs.",
        "",
        "| podlb plugin (s) | dynamic-provider host (s) | ratio |",
        "|---:|---:|---:|",
        f"| {start['podlb_s']} | {start['dynamic_s']} | {start['ratio']}x |",
        "",
    ]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--write", action="store_true", help="write benchmarks/RESULTS.md")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--sizes", default="1,50,200")
    args = parser.parse_args()
    programs = bench_programs([int(x) for x in args.sizes.split(",")], args.repeats)
    api = api_workload(50)
    plan = bench_plan(max(3, args.repeats // 2))
    start = bench_provider_start(args.repeats)
    text = report(programs, api, plan, start)
    print(text)
    if args.write:
        results = ROOT / "benchmarks" / "RESULTS.md"
        # the real-engine section is benchmarks/real_engine.py's (a run of its own): kept as it is
        kept = results.read_text().partition(REAL_ENGINE_HEADING)
        results.write_text(text + (kept[1] + kept[2] if kept[1] else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
