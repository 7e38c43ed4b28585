"""Wall time of `pulumi preview` and `pulumi up` under the real engine, in one sandbox, for N
Services with (a) podlb 0.2.0 (dynamic resources), (b) podlb with its provider plugin, and
(c) a hand-written program registering the same Kubernetes Services and podlb custom resources
without the components (benchmarks/handwritten_real). Ratios are against (c), measured in the
same run, interleaved; medians of the repeats. Needs the toolchain (bash .ci/toolchain).

    PODLB_TOOLCHAIN_BIN=$(bash .ci/toolchain) .venv/bin/python -m benchmarks.real_engine --sizes 1,50,200 --repeats 3
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from podlb_component.sandbox import ClusterSeed, Sandbox
from tests.e2e.cli import REPO, PulumiCli
from tests.e2e.old_release import install_old_podlb
from tests.e2e.root_stack import RootStack

HERE = Path(__file__).resolve().parent
REAL_ENGINE_HEADING = "## Under the real engine"
INTRO = (
    "`pulumi preview` and `pulumi up` wall time through the real CLI in one `podlb sandbox` (fake BCE,\n"
    "kube-apiserver, the LB-controller stand-in), root-project stacks of N Services on 2 node groups\n"
    "(2N rules), each on a fresh stack and destroyed after: (a) podlb 0.2.0 from this repository's\n"
    "history, (b) podlb with the provider plugin, (c) benchmarks/handwritten_real: the same Services\n"
    "and podlb custom resources without the components. Reproduce: `PODLB_TOOLCHAIN_BIN=$(bash\n"
    ".ci/toolchain) .venv/bin/python -m benchmarks.real_engine --write`."
)
VARIANTS = ("podlb 0.2.0", "podlb (provider)", "hand-written")


def root_program(tmp: Path) -> Path:
    source = tmp / "root-program"
    source.mkdir(exist_ok=True)
    for name in ("Pulumi.yaml", "__main__.py"):
        (source / name).write_text((REPO / name).read_text())
    return source


PROVIDER_MARKERS = {
    "podlb": "pulumi-resource-podlb",
    "dynamic": "pulumi.dynamic",
    "kubernetes": "pulumi-resource-kubernetes",
}
"""What a provider process's command line contains, by the name the results table gives it."""


class ProviderCensus:
    """The distinct provider processes alive during one command, by a scan of /proc every 0.2 s
    (providers live for the whole command, so none is missed; the scan costs every variant alike).
    Only processes whose environment holds `marker` count: plugins inherit the CLI's PULUMI_HOME."""

    def __init__(self, marker: str) -> None:
        self._marker = marker.encode()
        self.seen: dict[str, set[int]] = {name: set() for name in PROVIDER_MARKERS}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._scan, daemon=True)

    def __enter__(self) -> ProviderCensus:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    def _scan(self) -> None:
        while not self._stop.wait(0.2):
            for proc in Path("/proc").iterdir():
                if not proc.name.isdigit():
                    continue
                try:
                    cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
                    if not any(m in cmdline for m in PROVIDER_MARKERS.values()):
                        continue
                    if self._marker not in (proc / "environ").read_bytes().split(b"\0"):
                        continue
                except OSError:
                    continue
                for name, marker in PROVIDER_MARKERS.items():
                    if marker in cmdline:
                        self.seen[name].add(int(proc.name))

    def counts(self) -> dict[str, int]:
        return {name: len(pids) for name, pids in self.seen.items()}


CENSUS = os.environ.get("PODLB_BENCH_CENSUS", "1") != "0"
"""PODLB_BENCH_CENSUS=0 times the commands with no /proc scan running (to see what the scan costs)."""


def timed(cli: PulumiCli, project: Path, *args: str) -> tuple[float, dict[str, int]]:
    if not CENSUS:
        start = time.perf_counter()
        cli.run(project, *args, timeout=3600).ok()
        return time.perf_counter() - start, {}
    with ProviderCensus(f"PULUMI_HOME={cli.home}") as census:
        start = time.perf_counter()
        cli.run(project, *args, timeout=3600).ok()
        elapsed = time.perf_counter() - start
    return elapsed, census.counts()


RAISED_RULE_QUOTA = 500
"""200 Services put 200 rules in each group: above Baidu's default 100, so the benchmark's
account has its quota raised (in the fake, and told to the cluster)."""


def measure(
    cli: PulumiCli, sandbox: Sandbox, source: Path, venv: Path, stack: RootStack, n: int
) -> tuple[float, float, dict[str, int]]:
    stack.seed(sandbox)
    config = stack.config(n)
    config["podlb:cluster"]["security_group_rule_limit"] = RAISED_RULE_QUOTA
    project = cli.project(source, config=config, virtualenv=venv)
    preview, _ = timed(cli, project, "preview")
    up, providers = timed(cli, project, "up")
    cli.run(project, "destroy", timeout=3600).ok()
    cli.run(project, "stack", "rm", "--yes", "dev").ok()
    return preview, up, providers


def run(sizes: list[int], repeats: int) -> list[dict[str, Any]]:
    toolchain = Path(os.environ["PODLB_TOOLCHAIN_BIN"])
    rows = []
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        old_venv = install_old_podlb(tmp / "old")
        sources = {
            VARIANTS[0]: (root_program(tmp), old_venv),
            VARIANTS[1]: (root_program(tmp), Path(sys.prefix)),
            VARIANTS[2]: (HERE / "handwritten_real", Path(sys.prefix)),
        }
        seed = ClusterSeed(cluster_id="cce-bench0000")
        with Sandbox(seed, control_plane_bin=toolchain, work_dir=tmp / "sandbox") as sandbox:
            assert sandbox.fake is not None
            sandbox.fake.state.set_rule_limits(RAISED_RULE_QUOTA, RAISED_RULE_QUOTA)
            (tmp / "cli").mkdir()
            cli = PulumiCli(toolchain, sandbox, tmp / "cli")
            for n in sizes:
                times: dict[str, list[tuple[float, float]]] = {v: [] for v in VARIANTS}
                providers: dict[str, set[str]] = {v: set() for v in VARIANTS}
                for r in range(repeats):
                    for i, variant in enumerate(VARIANTS):  # interleaved: drift hits all alike
                        stack = RootStack(
                            f"cce-bn{n}r{r}v{i}", (f"g-bn{n}r{r}v{i}a", f"g-bn{n}r{r}v{i}b"), f"b-{n}-{r}-{i}"
                        )
                        source, venv = sources[variant]
                        preview, up, census = measure(cli, sandbox, source, venv, stack, n)
                        times[variant].append((preview, up))
                        providers[variant].add(", ".join(f"{k} {c}" for k, c in census.items() if c))
                        print(
                            f"{n} Services, {variant}, run {r + 1}: preview {preview:.1f} s, up {up:.1f} s, "
                            f"provider processes during up: {census}",
                            file=sys.stderr,
                        )
                medians = {
                    v: (statistics.median(p for p, _ in t), statistics.median(u for _, u in t))
                    for v, t in times.items()
                }
                rows.append({"services": n, **{v: medians[v] for v in VARIANTS}, "providers": providers})
    return rows


def table(rows: list[dict[str, Any]], repeats: int) -> str:
    base = VARIANTS[2]
    lines = [
        f"Median of {repeats} interleaved run(s) per cell; ratio against the hand-written program of the same run.",
        "",
        "| Services | step | podlb 0.2.0 (s) | podlb provider (s) | hand-written (s) | 0.2.0 / hand "
        "| provider / hand |",
        "|---:|---|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        for step, k in (("preview", 0), ("up", 1)):
            old, new, hand = row[VARIANTS[0]][k], row[VARIANTS[1]][k], row[base][k]
            ratios = f"{old / hand:.2f}x | {new / hand:.2f}x"
            lines.append(f"| {row['services']} | {step} | {old:.1f} | {new:.1f} | {hand:.1f} | {ratios} |")
    lines += ["", "Provider processes alive during one `up` (one entry per distinct count seen over the repeats):", ""]
    for row in rows:
        for variant in VARIANTS:
            seen = " / ".join(sorted(row["providers"][variant])) or "none"
            lines.append(f"- {row['services']} Services, {variant}: {seen}")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1,50,200")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--write", action="store_true", help="replace the section of benchmarks/RESULTS.md")
    args = parser.parse_args()
    rows = run([int(x) for x in args.sizes.split(",")], args.repeats)
    text = table(rows, args.repeats)
    print(text)
    if args.write:
        results = HERE / "RESULTS.md"
        before = results.read_text().partition(REAL_ENGINE_HEADING)[0]
        results.write_text(f"{before}{REAL_ENGINE_HEADING}\n\n{INTRO}\n\n{text}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
