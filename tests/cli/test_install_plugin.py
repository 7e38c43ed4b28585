"""`podlb install-plugin`: the exact `pulumi plugin install` it runs, and clear failures."""

import sys
from pathlib import Path

from podlb_component.cli import main
from podlb_component.version import VERSION

PLUGIN = Path(sys.executable).parent / "pulumi-resource-podlb"


def test_dry_run_prints_the_install_command(capsys):
    assert main(["install-plugin", "--dry-run", "--pulumi", "pulumi"]) == 0
    out = capsys.readouterr().out.split()
    assert out[1:7] == ["plugin", "install", "resource", "podlb", VERSION, "--file"]
    assert Path(out[7]) == PLUGIN and PLUGIN.is_file()


def test_runs_the_cli_with_this_venvs_plugin(tmp_path, capsys):
    record = tmp_path / "args"
    fake = tmp_path / "pulumi"
    fake.write_text(f'#!/bin/sh\nprintf "%s\\n" "$@" > {record}\n')
    fake.chmod(0o755)
    assert main(["install-plugin", "--pulumi", str(fake)]) == 0
    assert record.read_text().split() == ["plugin", "install", "resource", "podlb", VERSION, "--file", str(PLUGIN)]
    out = capsys.readouterr().out
    assert f"podlb {VERSION}" in out and "no longer needed since 0.4.0" in out


def test_a_failing_cli_is_reported_with_its_output(tmp_path, capsys):
    fake = tmp_path / "pulumi"
    fake.write_text("#!/bin/sh\necho 'error: no such plugin kind' >&2\nexit 3\n")
    fake.chmod(0o755)
    assert main(["install-plugin", "--pulumi", str(fake)]) == 1
    err = capsys.readouterr().err
    assert "failed" in err and "no such plugin kind" in err and "Traceback" not in err


def test_no_pulumi_cli_names_the_fix(capsys):
    assert main(["install-plugin", "--pulumi", "pulumi-not-installed-here"]) == 1
    err = capsys.readouterr().err
    assert "pulumi-not-installed-here" in err and "--pulumi PATH" in err
