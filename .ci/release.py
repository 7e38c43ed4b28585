#!/usr/bin/env python3
"""Build everything a podlb release publishes, into one folder (default dist/):

  python/podlb-<v>-py3-none-any.whl, .tar.gz      the Python package (PyPI)
  plugin/pulumi-resource-podlb-v<v>-<os>-<arch>.tar.gz
                                                  the plugin, one per platform the engine may ask
                                                  for (GitHub release assets; the same content:
                                                  a source plugin, plugin/ with the wheel in it)
  sdk/nodejs/pulumi-podlb-<v>.tgz                 the TypeScript SDK (`npm pack` of a built SDK)
  sdk/go/podlb-go-sdk-v<v>.tar.gz                 the Go SDK's module, after `go build ./...`
  sdk/python/pulumi_podlb-<v>-py3-none-any.whl    the Python SDK of the remote components
  SHA256SUMS                                      every file above

  python3 .ci/release.py [--out DIR] [--no-sdks] [--pulumi PATH]

The SDKs are generated from the committed schema (with the version) by `pulumi package gen-sdk`,
so they need the Pulumi CLI and its language hosts (PATH, or --pulumi's folder), Node.js with
npm, and Go. .github/workflows/release.yml runs this on a tag and publishes what it built; the
e2e tests install from its output (tests/e2e/release.py). Needs the `build` module (the test
extra has it) and, for the SDKs, nothing of podlb installed. Prints the folder last.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import importlib.util
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]


def _load_publishing() -> Any:
    """podlb's published names, read from this checkout by path: importing the package would
    need its dependencies (the provider's __init__ starts the gRPC server module)."""
    spec = importlib.util.spec_from_file_location("podlb_publishing", REPO / "podlb_component/provider/publishing.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


publishing = _load_publishing()

PLATFORMS = ("linux-amd64", "linux-arm64", "darwin-amd64", "darwin-arm64", "windows-amd64")
"""What the engine may ask for (`pulumi-resource-podlb-v<v>-<os>-<arch>.tar.gz`); the plugin is
Python source, so each holds the same files."""
EPOCH = 0
"""mtime of every tarball member, so the same inputs make the same bytes (checksums repeat)."""


def run(command: list[str], cwd: Path, env: dict[str, str] | None = None) -> None:
    print(f"$ (cd {cwd} && {' '.join(command)})", file=sys.stderr)
    done = subprocess.run(command, cwd=cwd, env=env, stdout=sys.stderr, check=False)
    if done.returncode != 0:
        raise SystemExit(f"release: `{' '.join(command)}` failed with exit code {done.returncode}")


def version() -> str:
    import tomllib  # 3.11+: the release runs on a current Python

    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    if project["name"] != publishing.PYTHON_DISTRIBUTION:
        names = f"pyproject.toml names {project['name']!r}, publishing.py {publishing.PYTHON_DISTRIBUTION!r}"
        raise SystemExit(f"release: {names}")
    return str(project["version"])


def python_package(out: Path) -> Path:
    """The wheel and sdist; returns the wheel."""
    out.mkdir()
    run([sys.executable, "-m", "build", "--outdir", str(out), str(REPO)], REPO)
    wheels = sorted(out.glob(f"{publishing.PYTHON_DISTRIBUTION}-*.whl"))
    if len(wheels) != 1:
        raise SystemExit(f"release: expected one wheel in {out}, found {[w.name for w in wheels]}")
    return wheels[0]


def plugin_files(wheel: Path) -> dict[str, bytes]:
    """The plugin tarball's files: plugin/'s PulumiPlugin.yaml and __main__.py, the wheel, and a
    requirements.txt that installs it (pip runs in the plugin's folder, so the path is relative)
    with the pins the release was tested with (toolchain/constraints.txt: the Kubernetes SDK the
    components' children are registered through matches the provider CI runs)."""
    source = REPO / publishing.PLUGIN_SOURCE_DIR
    pins = [
        line.strip()
        for line in (REPO / "toolchain" / "constraints.txt").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    return {
        "PulumiPlugin.yaml": (source / "PulumiPlugin.yaml").read_bytes(),
        "__main__.py": (source / "__main__.py").read_bytes(),
        "requirements.txt": "".join(f"{line}\n" for line in [f"./{wheel.name}", *pins]).encode(),
        wheel.name: wheel.read_bytes(),
    }


def tarball(files: dict[str, bytes], path: Path) -> None:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for name in sorted(files):
            info = tarfile.TarInfo(name)
            info.size, info.mtime, info.mode = len(files[name]), EPOCH, 0o644
            tar.addfile(info, io.BytesIO(files[name]))
    with path.open("wb") as raw, gzip.GzipFile(filename="", fileobj=raw, mode="wb", mtime=EPOCH) as gz:
        gz.write(buffer.getvalue())


def plugin_tarballs(wheel: Path, version: str, out: Path) -> list[Path]:
    files = plugin_files(wheel)
    out.mkdir(exist_ok=True)
    paths = [out / f"pulumi-resource-{publishing.PACKAGE}-v{version}-{platform}.tar.gz" for platform in PLATFORMS]
    for path in paths:
        tarball(files, path)
    return paths


def sdks(version: str, out: Path, pulumi: str) -> None:
    """Generate the TypeScript, Go and Python SDKs from the committed schema (what GetSchema
    serves: the file with the version) and build each."""
    work = Path(tempfile.mkdtemp(prefix="podlb-release-"))
    try:
        schema = work / "schema.json"
        committed = json.loads((REPO / "podlb_component" / "provider" / "schema.json").read_text())
        schema.write_text(json.dumps({**committed, "version": version}, indent=2, sort_keys=True))
        generated = work / "generated"
        for language in ("nodejs", "go", "python"):
            run([pulumi, "package", "gen-sdk", str(schema), "--language", language, "--out", str(generated)], work)
        sdk = out / "sdk"
        (sdk / "nodejs").mkdir(parents=True)
        (sdk / "go").mkdir()
        (sdk / "python").mkdir()
        nodejs = generated / "nodejs"
        run(["npm", "install", "--no-audit", "--no-fund", "--loglevel=error"], nodejs)
        run(["npm", "run", "build"], nodejs)
        for name in ("package.json", "README.md"):  # the package is bin/ (tsc's output), as Pulumi's SDKs ship
            shutil.copy(nodejs / name, nodejs / "bin" / name)
        run(["npm", "pack", "--pack-destination", str((sdk / "nodejs").resolve())], nodejs / "bin")
        go = generated / "go"
        run(["go", "mod", "init", publishing.GO_MODULE], go)
        run(["go", "get", f"github.com/pulumi/pulumi/sdk/v3@{pulumi_sdk_version()}"], go)
        run(["go", "mod", "tidy"], go)
        run(["go", "build", "./..."], go)
        tarball({str(p.relative_to(go)): p.read_bytes() for p in sorted(go.rglob("*")) if p.is_file()},
                sdk / "go" / f"{publishing.PACKAGE}-go-sdk-v{version}.tar.gz")  # fmt: skip
        run([sys.executable, "-m", "build", "--outdir", str((sdk / "python").resolve())], generated / "python")
    finally:
        shutil.rmtree(work, ignore_errors=True)


def pulumi_sdk_version() -> str:
    """The Go SDK the Go SDK builds against: the Pulumi release podlb is tested with."""
    pins = dict(
        line.split("=", 1) for line in (REPO / "toolchain" / "versions.env").read_text().splitlines() if "=" in line
    )
    return pins["pulumi_version"]


def checksums(out: Path) -> Path:
    """SHA256SUMS by file name: the release's assets are one flat list, so `sha256sum -c SHA256SUMS`
    works in a folder of downloaded assets (or a mirror)."""
    files = sorted((p for p in out.rglob("*") if p.is_file() and p.name != "SHA256SUMS"), key=lambda p: p.name)
    names = [p.name for p in files]
    if len(set(names)) != len(names):
        raise SystemExit(f"release: two artifacts share a name: {names}")
    (out / "SHA256SUMS").write_text("".join(f"{hashlib.sha256(p.read_bytes()).hexdigest()}  {p.name}\n" for p in files))
    return out / "SHA256SUMS"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=".ci/release.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=REPO / "dist", help="the folder to build into (emptied first)")
    parser.add_argument("--no-sdks", action="store_true", help="only the Python package and the plugin tarballs")
    parser.add_argument("--pulumi", default="pulumi", help="the Pulumi CLI for gen-sdk (default: pulumi on PATH)")
    args = parser.parse_args(argv)
    out = args.out.resolve()
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    v = version()
    wheel = python_package(out / "python")
    plugin_tarballs(wheel, v, out / "plugin")
    if not args.no_sdks:
        pulumi = shutil.which(args.pulumi) or args.pulumi
        env_path = str(Path(pulumi).parent) + os.pathsep + os.environ.get("PATH", "")
        os.environ["PATH"] = env_path  # the language hosts beside the CLI, as the CLI looks for them
        sdks(v, out, pulumi)
    checksums(out)
    print(json.dumps(sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())), file=sys.stderr)
    print(out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
