"""Where `podlb sandbox` finds etcd and kube-apiserver, in envtest's order: --control-plane, then
$KUBEBUILDER_ASSETS, then the newest version in setup-envtest's store, then envtest's default
directory, then podlb's toolchain; else one line saying how to get them."""

from __future__ import annotations

import argparse
import platform
import sys
from pathlib import Path

import pytest

from podlb_component.cli import sandbox as cli
from podlb_component.sandbox.control_plane import (
    Binaries,
    ControlPlaneError,
    envtest_store,
    find_binaries,
    go_platform,
)

LINUX = ("linux", "amd64")


def bin_dir(path: Path, *names: str) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    for name in names or ("etcd", "kube-apiserver"):
        (path / name).write_text("#!/bin/sh\n")
        (path / name).chmod(0o755)
    return path


def find(tmp_path: Path, given: Path | None = None, **env: str) -> Binaries:
    return find_binaries(given, env, platform_names=LINUX, envtest_default=tmp_path / "usr-local-kubebuilder-bin")


def store(home: Path) -> Path:
    """Where setup-envtest unpacks versions with HOME=home and no XDG_DATA_HOME."""
    return home / ".local" / "share" / "kubebuilder-envtest" / "k8s"


def test_the_flag_comes_first(tmp_path: Path) -> None:
    flag = bin_dir(tmp_path / "flag")
    bin_dir(store(tmp_path / "home") / "1.31.0-linux-amd64")
    found = find(tmp_path, flag, KUBEBUILDER_ASSETS=str(bin_dir(tmp_path / "assets")), HOME=str(tmp_path / "home"))
    assert found == Binaries(flag, "--control-plane")


def test_then_kubebuilder_assets(tmp_path: Path) -> None:
    assets = bin_dir(tmp_path / "assets")
    bin_dir(store(tmp_path / "home") / "1.31.0-linux-amd64")
    found = find(tmp_path, KUBEBUILDER_ASSETS=str(assets), HOME=str(tmp_path / "home"), PODLB_TOOLCHAIN_BIN="x")
    assert found == Binaries(assets, "KUBEBUILDER_ASSETS")
    assert not found.controller_manager


def test_a_named_directory_without_the_binaries_is_an_error_not_a_reason_to_look_on(tmp_path: Path) -> None:
    bin_dir(store(tmp_path / "home") / "1.31.0-linux-amd64")
    only_etcd = bin_dir(tmp_path / "half", "etcd")
    with pytest.raises(ControlPlaneError) as flag:
        find(tmp_path, only_etcd, HOME=str(tmp_path / "home"))
    assert str(flag.value).startswith(f"--control-plane {only_etcd} has no kube-apiserver: ")
    with pytest.raises(ControlPlaneError) as env:
        find(tmp_path, KUBEBUILDER_ASSETS=str(tmp_path / "nowhere"), HOME=str(tmp_path / "home"))
    assert "KUBEBUILDER_ASSETS" in str(env.value) and "has no etcd and no kube-apiserver" in str(env.value)
    assert "setup-envtest" in str(env.value)


def test_then_the_newest_version_for_this_platform_in_setup_envtests_store(tmp_path: Path) -> None:
    home = tmp_path / "home"
    for name in ("1.9.0-linux-amd64", "1.30.2-linux-amd64", "1.31.0-linux-amd64", "1.40.0-darwin-arm64"):
        bin_dir(store(home) / name)
    bin_dir(store(home) / "1.32.0-linux-amd64", "etcd")  # half unpacked: skipped
    bin_dir(store(home) / "latest")  # not a version folder
    bin_dir(tmp_path / "usr-local-kubebuilder-bin")
    found = find(tmp_path, HOME=str(home), PODLB_TOOLCHAIN_BIN=str(bin_dir(tmp_path / "toolchain")))
    assert found == Binaries(store(home) / "1.31.0-linux-amd64", "setup-envtest's store")


def test_the_store_follows_xdg_data_home_as_setup_envtest_does(tmp_path: Path) -> None:
    data = tmp_path / "data"
    bin_dir(data / "kubebuilder-envtest" / "k8s" / "1.30.0-linux-amd64")
    bin_dir(store(tmp_path / "home") / "1.31.0-linux-amd64")  # not looked at: XDG_DATA_HOME wins
    found = find(tmp_path, HOME=str(tmp_path / "home"), XDG_DATA_HOME=str(data))
    assert found.bin_dir == data / "kubebuilder-envtest" / "k8s" / "1.30.0-linux-amd64"


def test_store_paths_and_platform_names_as_setup_envtest_has_them(monkeypatch: pytest.MonkeyPatch) -> None:
    assert envtest_store({"HOME": "/h"}, "linux") == Path("/h/.local/share/kubebuilder-envtest/k8s")
    assert envtest_store({"HOME": "/h"}, "darwin") == Path("/h/Library/Application Support/io.kubebuilder.envtest/k8s")
    assert envtest_store({}, "linux") is None
    monkeypatch.setattr(sys, "platform", "linux")
    for machine, goarch in (("x86_64", "amd64"), ("aarch64", "arm64"), ("ppc64le", "ppc64le")):
        monkeypatch.setattr(platform, "machine", lambda m=machine: m)
        assert go_platform() == ("linux", goarch)


def test_then_envtests_default_directory_then_the_toolchain(tmp_path: Path) -> None:
    toolchain = bin_dir(tmp_path / "toolchain", "etcd", "kube-apiserver", "kube-controller-manager")
    found = find(tmp_path, HOME=str(tmp_path / "home"), PODLB_TOOLCHAIN_BIN=str(toolchain))
    assert found == Binaries(toolchain, "$PODLB_TOOLCHAIN_BIN") and found.controller_manager
    default = bin_dir(tmp_path / "usr-local-kubebuilder-bin")
    found = find(tmp_path, HOME=str(tmp_path / "home"), PODLB_TOOLCHAIN_BIN=str(toolchain))
    assert found == Binaries(default, "envtest's default directory")


def test_nothing_found_says_in_one_line_how_to_get_them(tmp_path: Path) -> None:
    with pytest.raises(ControlPlaneError) as err:
        find(tmp_path, HOME=str(tmp_path / "home"), PODLB_TOOLCHAIN_BIN=str(tmp_path / "empty"))
    message = str(err.value)
    assert "\n" not in message
    assert "go run sigs.k8s.io/controller-runtime/tools/setup-envtest@latest use -p path" in message
    assert "export KUBEBUILDER_ASSETS=" in message and "--kubeconfig" in message and "kind" in message
    assert str(store(tmp_path / "home")) in message  # where it looked


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    cli.add_parser(parser.add_subparsers())
    return parser.parse_args(["sandbox", *argv])


def test_the_command_line_forms(tmp_path: Path) -> None:
    toolchain = bin_dir(tmp_path / "toolchain", "etcd", "kube-apiserver", "kube-controller-manager")
    env = {"HOME": str(tmp_path / "home"), "PODLB_TOOLCHAIN_BIN": str(toolchain)}
    explicit = bin_dir(tmp_path / "explicit")
    assert cli.binaries(parse("--control-plane", str(explicit)), env) == Binaries(explicit, "--control-plane")
    assert cli.binaries(parse("--control-plane"), env) == Binaries(toolchain, "$PODLB_TOOLCHAIN_BIN")
    assert cli.binaries(parse(), env) == Binaries(toolchain, "$PODLB_TOOLCHAIN_BIN")
    assert cli.binaries(parse("--kubeconfig", "kc"), env) is None
    with pytest.raises(SystemExit):
        parse("--control-plane", "--kubeconfig", "kc")


def test_help_shows_the_defaults(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")  # no line break inside a default
    with pytest.raises(SystemExit):
        parse("--help")
    text = " ".join(capsys.readouterr().out.split())
    for default in ("./podlb-sandbox.env", "cce-sandbox1", "vpc-route-ipvlan", "192.168.0.0/16", "g-sandboxnode"):
        assert f"(default: {default})" in text
    assert "KUBEBUILDER_ASSETS" in text and "setup-envtest" in text


def test_the_env_file_is_removed_only_while_it_holds_what_the_sandbox_wrote(tmp_path: Path) -> None:
    path = tmp_path / "sandbox.env"
    path.write_text("A=1\n")
    assert cli.remove_env_file(path, "A=1\n") == f"removed {path}" and not path.exists()
    path.write_text("A=2\n")  # another sandbox wrote it since
    assert cli.remove_env_file(path, "A=1\n").startswith(f"left {path}") and path.read_text() == "A=2\n"
    path.unlink()
    assert cli.remove_env_file(path, "A=1\n") == f"{path} was already gone"


def test_the_startup_line_says_how_to_stop() -> None:
    assert cli.how_to_stop(42, foreground=False) == "stop: `kill 42`"
    assert cli.how_to_stop(42, foreground=True) == "stop: Ctrl-C (or `kill 42`)"


def test_the_startup_names_the_cluster_a_program_must_match():
    from podlb_component.cli.sandbox import cluster_args
    from podlb_component.sandbox import ClusterSeed

    assert cluster_args(ClusterSeed()) == (
        "cluster_id=cce-sandbox1, network_mode=vpc-route-ipvlan, vpc_cidr=192.168.0.0/16, "
        "node_security_group_ids=[g-sandboxnode]"
    )
    eni = ClusterSeed(
        network_mode="vpc-secondary-ip-veth", node_security_groups=(), eni_security_groups=("esg-a", "g-b")
    )
    assert cluster_args(eni).endswith("eni_security_group_ids=[esg-a, g-b]")
