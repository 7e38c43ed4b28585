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
