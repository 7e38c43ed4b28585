"""Wall time of one `pulumi up` of the same N-Service stack written in each language podlb
serves, through the real CLI in one sandbox: Python (the root project's program, podlb's
components in the program's process) and the languages that get them from the plugin's
Construct. Ratios are against the Python `up` of the same run; the languages take turns, each
on a fresh cluster of its own, and each stack is destroyed after. Needs the toolchain.

    PODLB_TOOLCHAIN_BIN=$(bash .ci/toolchain) .venv/bin/python -m benchmarks.languages --services 50
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from podlb_component.provider.wire import camel
from podlb_component.sandbox import ClusterSeed, Sandbox
from tests.e2e.cli import REPO, PulumiCli
from tests.e2e.root_stack import RootStack

LANGUAGES_HEADING = "## One `up` per language"


def python_project(cli: PulumiCli, work: Path, stack: RootStack, n: int) -> Path:
    """The root project, configured with N Services (what benchmarks/real_engine.py times too)."""
    source = work / "python"
    source.mkdir(exist_ok=True)
    for name in ("Pulumi.yaml", "__main__.py"):
        (source / name).write_text((REPO / name).read_text())
    return cli.project(source, config=stack.config(n))


def schema_named(value: Any) -> Any:
    """The root project's config (Python names) in the schema's names (none of its map keys has an `_`)."""
    if isinstance(value, dict):
        return {camel(k): schema_named(v) for k, v in value.items()}
    if isinstance(value, list):
        return [schema_named(v) for v in value]
    return value


def yaml_project(cli: PulumiCli, work: Path, stack: RootStack, n: int) -> Path:
    """The same cluster and Services as the root project's config, written out (YAML has no loops)."""
    config = schema_named(stack.config(n))
    cluster = config["podlb:cluster"]  # (config keys have no `_`: unchanged)
    resources: dict[str, Any] = {"cluster": {"type": "podlb:index:PodDirectCluster", "properties": cluster}}
    for service in config["podlb:services"]:
        properties = {k: v for k, v in service.items() if k != "name"}
        resources[service["name"]] = {
            "type": "podlb:index:PodDirectService",
            "properties": {"cluster": "${cluster}", **properties},
        }
    source = work / "yaml"
    source.mkdir(exist_ok=True)
    program = {"name": "podlb-bench-yaml", "runtime": "yaml", "resources": resources}
    (source / "Pulumi.yaml").write_text(yaml.safe_dump(program, sort_keys=False))
    return cli.project(source)


TYPESCRIPT_PROGRAM = """import * as podlb from "pulumi-podlb";

const stack = %s;
const cluster = new podlb.PodDirectCluster("cluster", stack.cluster);
for (const { name, ...service } of stack.services) {
    new podlb.PodDirectService(name, { cluster, ...service });
}
"""


def typescript_project(cli: PulumiCli, work: Path, stack: RootStack, n: int) -> Path:
    """examples/typescript with podlb added as its test adds it, its program the same stack."""
    from tests.e2e.test_typescript import typescript_project as added

    cli.env_overrides.update(npm_offline(cli))
    project = added(cli)
    config = schema_named(stack.config(n))
    data = {"cluster": config["podlb:cluster"], "services": config["podlb:services"]}
    (project / "index.ts").write_text(TYPESCRIPT_PROGRAM % json.dumps(data, indent=4))
    return project


GO_PROGRAM = """package main

import (
\t"fmt"

\t"%(module)s/podlb"
\t"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

func main() {
\tpulumi.Run(func(ctx *pulumi.Context) error {
\t\tcluster, err := podlb.NewPodDirectCluster(ctx, "cluster", &podlb.PodDirectClusterArgs{
\t\t\tClusterId:            pulumi.String(%(cluster_id)s),
\t\t\tNetworkMode:          pulumi.StringRef(%(network_mode)s),
\t\t\tNodeSecurityGroupIds: pulumi.ToStringArray([]string{%(groups)s}),
\t\t\tLbController:         pulumi.StringRef("validate"),
\t\t})
\t\tif err != nil {
\t\t\treturn err
\t\t}
\t\tfor i := 0; i < %(n)d; i++ {
\t\t\tname := fmt.Sprintf("svc%%d", i)
\t\t\t_, err := podlb.NewPodDirectService(ctx, name, &podlb.PodDirectServiceArgs{
\t\t\t\tCluster:                  cluster,
\t\t\t\tNamespace:                pulumi.String(%(namespace)s),
\t\t\t\tSelector:                 map[string]string{"app": name},
\t\t\t\tPorts: []podlb.ServicePortArgs{
\t\t\t\t\t{Name: pulumi.StringRef("http"), Port: 80, TargetPort: pulumi.IntRef(%(port)d + i)},
\t\t\t\t},
\t\t\t\tLoadBalancerSourceRanges: pulumi.ToStringArray([]string{%(sources)s}),
\t\t\t\tExpectedBackends:         pulumi.IntRef(%(backends)d),
\t\t\t})
\t\t\tif err != nil {
\t\t\t\treturn err
\t\t\t}
\t\t}
\t\treturn nil
\t})
}
"""


def go_project(cli: PulumiCli, work: Path, stack: RootStack, n: int) -> Path:
    """examples/go with podlb added as its test adds it, its program the same stack (a loop)."""
    from tests.e2e.test_go import SDK_MODULE
    from tests.e2e.test_go import go_project as added

    project = added(cli)
    config = stack.config(n)
    cluster, first = config["podlb:cluster"], config["podlb:services"][0]
    assert all(
        s["ports"][0]["target_port"] == first["ports"][0]["target_port"] + i
        for i, s in enumerate(config["podlb:services"])
    )
    values = {
        "module": SDK_MODULE,
        "cluster_id": json.dumps(cluster["cluster_id"]),
        "network_mode": json.dumps(cluster["network_mode"]),
        "groups": ", ".join(json.dumps(g) for g in cluster["node_security_group_ids"]),
        "n": n,
        "namespace": json.dumps(first["namespace"]),
        "port": first["ports"][0]["target_port"],
        "sources": ", ".join(json.dumps(r) for r in first["load_balancer_source_ranges"]),
        "backends": first["expected_backends"],
    }
    (project / "main.go").write_text(GO_PROGRAM % values)
    return project


def npm_offline(cli: PulumiCli) -> dict[str, str | None]:
    """npm offline on the cache the toolchain filled (as tests/e2e/test_typescript.py's fixture sets it)."""
    return {
        "npm_config_cache": str(cli.toolchain_bin / "npm-cache"),
        "npm_config_offline": "true",
        "npm_config_audit": "false",
        "npm_config_fund": "false",
        "npm_config_update_notifier": "false",
    }


PROJECTS: dict[str, Callable[[PulumiCli, Path, RootStack, int], Path]] = {
    "Python": python_project,
    "YAML": yaml_project,
    "TypeScript": typescript_project,
    "Go": go_project,
}
"""Each language's project for N Services on a stack's cluster, ready for `pulumi up`."""


def run(n: int, repeats: int) -> dict[str, list[float]]:
    toolchain = Path(os.environ["PODLB_TOOLCHAIN_BIN"])
    times: dict[str, list[float]] = {language: [] for language in PROJECTS}
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        with Sandbox(ClusterSeed(cluster_id="cce-lang0000"), control_plane_bin=toolchain, work_dir=tmp / "sb") as box:
            (tmp / "cli").mkdir()
            cli = PulumiCli(toolchain, box, tmp / "cli")
            try:
                for r in range(repeats):
                    for i, (language, make) in enumerate(PROJECTS.items()):  # taking turns: drift hits all
                        stack = RootStack(
                            f"cce-ln{n}r{r}v{i}", (f"g-ln{n}r{r}v{i}a", f"g-ln{n}r{r}v{i}b"), f"l-{r}-{i}"
                        )
                        stack.seed(box)
                        project = make(cli, tmp, stack, n)
                        start = time.perf_counter()
                        cli.run(project, "up", timeout=3600).ok()
                        times[language].append(time.perf_counter() - start)
                        assert sum(stack.rule_counts(box).values()) == 2 * n, f"{language}: not every rule"
                        cli.run(project, "destroy", timeout=3600).ok()
                        cli.run(project, "stack", "rm", "--yes", "dev").ok()
                        print(f"{language}, {n} Services, run {r + 1}: up {times[language][-1]:.1f} s", file=sys.stderr)
            finally:
                cli.cleanup()
    return times


def table(n: int, times: dict[str, list[float]]) -> str:
    base = statistics.median(times["Python"])
    repeats = len(times["Python"])
    command = f"benchmarks.languages --services {n} --repeats {repeats} --write"
    lines = [
        f"`pulumi up` of one cluster and {n} Services (2 node groups, {2 * n} rules) per language, through the",
        "real CLI in one `podlb sandbox`; each on a fresh cluster, destroyed after; the languages take turns.",
        f"Median of {repeats} run(s); ratio against Python's `up` of the same run. Reproduce:",
        f"`PODLB_TOOLCHAIN_BIN=$(bash .ci/toolchain) .venv/bin/python -m {command}`.",
        "",
        "| language | up (s) | / Python |",
        "|---|---:|---:|",
    ]
    for language, runs in times.items():
        median = statistics.median(runs)
        lines.append(f"| {language} | {median:.1f} | {median / base:.2f}x |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--services", type=int, default=50)
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--write", action="store_true", help="replace the section of benchmarks/RESULTS.md")
    args = parser.parse_args()
    text = table(args.services, run(args.services, args.repeats))
    print(text)
    if args.write:
        results = Path(__file__).with_name("RESULTS.md")
        before = results.read_text()
        head, _, rest = before.partition(LANGUAGES_HEADING)
        tail = rest.split("\n## ", 1)[1] if "\n## " in rest else ""
        results.write_text(head.rstrip() + f"\n\n{LANGUAGES_HEADING}\n\n{text}\n" + (f"\n## {tail}" if tail else ""))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
