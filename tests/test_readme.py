"""The README's two quickstart commands exist, and CI runs the test one verbatim."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def quickstart_commands() -> list[str]:
    section = ROOT.joinpath("README.md").read_text().split("## Quickstart", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```bash\n(.+?)\n```", section)


def test_two_commands_one_runs_the_main_job_one_the_tests():
    plan_cmd, test_cmd = quickstart_commands()
    assert plan_cmd.endswith("podlb plan") and "pip install" in plan_cmd
    assert "pytest" in test_cmd and "pip install" in test_cmd


def test_ci_runs_the_readme_test_command():
    _, test_cmd = quickstart_commands()
    assert test_cmd in ROOT.joinpath(".ci", "run").read_text().splitlines()


def readme_block(after: str) -> str:
    text = ROOT.joinpath("README.md").read_text()
    start = text.index(after) + len(after)
    return text[start : text.index("```", start)]


def test_the_doctor_sample_is_what_the_shipped_fakes_give():
    """The README's doctor output is reproduced by `python -m tests.support.doctor_demo`."""
    from tests.support.doctor_demo import run

    code, printed = run()
    assert code == 2
    assert readme_block("$ podlb doctor --cluster-id cce-doc01 --kubeconfig kubeconfig --service shop/web\n") == printed
    assert "python -m tests.support.doctor_demo" in ROOT.joinpath("README.md").read_text()


def test_the_plan_sample_is_what_plan_prints(capsys):
    """The README's `podlb plan` sample (up to its '...') is the root project's real output."""
    from podlb_component.cli import main

    assert main(["plan", str(ROOT)]) == 0
    printed = capsys.readouterr().out
    sample = readme_block("$ podlb plan\n").split("    ...\n")[0]
    lines = sample.splitlines()
    assert lines[2].startswith("Python: .venv/bin/python")  # relative to the project
    assert printed.splitlines()[: len(lines)][:2] == lines[:2]
    assert printed.splitlines()[3 : len(lines)] == lines[3:]


def test_the_yaml_sample_is_the_yaml_example():
    """The README's YAML program is examples/yaml's (which tests/e2e/test_yaml.py runs)."""
    import yaml

    sample = yaml.safe_load(readme_block("`examples/yaml` is `examples/vpc-route-ipvlan` in YAML:\n\n```yaml\n"))
    example = yaml.safe_load(ROOT.joinpath("examples", "yaml", "Pulumi.yaml").read_text())
    assert sample["resources"] == example["resources"]
    assert sample["outputs"].items() <= example["outputs"].items()


def test_the_go_sample_is_the_go_example():
    """Every line of the README's Go program is in examples/go/main.go (which tests/e2e/test_go.py runs)."""
    sample = readme_block("```go\n")
    program = {line.strip() for line in ROOT.joinpath("examples", "go", "main.go").read_text().splitlines()}
    missing = [line.strip() for line in sample.splitlines() if line.strip() and line.strip() not in program]
    assert not missing, missing


def test_the_typescript_sample_is_the_typescript_example():
    """The README's TypeScript program is examples/typescript's (which tests/e2e/test_typescript.py runs)."""
    sample = readme_block("```typescript\n")
    assert sample.strip() and sample in ROOT.joinpath("examples", "typescript", "index.ts").read_text()


def readme_section(heading: str) -> str:
    return ROOT.joinpath("README.md").read_text().split(f"\n## {heading}", 1)[1].split("\n## ", 1)[0]


def test_the_sandbox_steps_are_commands_the_sandbox_takes():
    """Every `podlb sandbox …` line of "Try it locally" parses with the CLI's own parser, the
    envtest line is the one the sandbox prints when it finds no binaries, and the default cluster
    the README names is the sandbox's."""
    import argparse
    import shlex

    from podlb_component.cli import parser
    from podlb_component.sandbox import ClusterSeed
    from podlb_component.sandbox.control_plane import GET_BINARIES, GET_ENVTEST

    section = readme_section("Try it locally: `podlb sandbox`")
    commands = [line.split("#")[0].strip().rstrip("&").strip() for line in section.splitlines()]
    sandbox_lines = [c for c in commands if c.startswith("podlb sandbox")]
    assert len(sandbox_lines) == 2, sandbox_lines
    for line in sandbox_lines:
        args = parser().parse_args(shlex.split(line)[1:])
        assert isinstance(args, argparse.Namespace) and args.func.__module__ == "podlb_component.cli.sandbox"
    export = next(c for c in commands if c.startswith("export KUBEBUILDER_ASSETS="))
    assert export == GET_ENVTEST and GET_ENVTEST in GET_BINARIES
    seed = ClusterSeed()
    assert f"`{seed.cluster_id}` (`{seed.network_mode}`, VPC `{seed.vpc_cidr}`" in " ".join(section.split())
    assert f"node security group `{seed.node_security_groups[0]}`" in " ".join(section.split())


def test_every_link_within_the_readme_names_one_of_its_headings():
    text = ROOT.joinpath("README.md").read_text()
    prose = re.sub(r"(?ms)^```.*?^```", "", text)  # not the comments of code blocks

    def slug(heading: str) -> str:  # GitHub's anchor for a heading
        return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")

    anchors = {slug(m.group(1)) for m in re.finditer(r"(?m)^#+ (.+)$", prose)}
    links = set(re.findall(r"\]\(#([^)]+)\)", prose))
    assert links and links <= anchors, sorted(links - anchors)


def test_the_install_lines_name_this_version_and_the_published_names():
    """The requirements line, the tarball names, the YAML options and the tag in the README are
    this release's (pyproject's version), so a bump can't leave them behind."""
    from podlb_component.provider import publishing

    version = re.search(r'(?m)^version = "(.+)"$', ROOT.joinpath("pyproject.toml").read_text())[1]
    text = ROOT.joinpath("README.md").read_text()
    wheel = f"{publishing.PYTHON_DISTRIBUTION}-{version}-py3-none-any.whl"
    assert f"podlb @ file:///abs/path/to/{wheel}" in readme_block("```text\n# the stack's requirements.txt")
    found_versions = set(re.findall(r"pulumi-resource-podlb-v(\d+\.\d+\.\d+)-", text))
    assert found_versions == {version}, found_versions
    assert f'options: {{version: {version}, pluginDownloadURL: "{publishing.PLUGIN_DOWNLOAD_URL}"}}' in text
    assert set(re.findall(r"plugin@v(\d+\.\d+\.\d+)", text)) == {version}
