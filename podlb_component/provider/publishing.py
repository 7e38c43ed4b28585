"""podlb's published names, in one place: the schema (its generator, tests/support/schema_gen.py), the Python package's
pulumi-plugin.json (beside `podlb/__init__.py`), the release script (.ci/release.py) and the
README's install lines all go by these. pyproject.toml's `name` is the one copy that can't import
this module; tests/unit/test_publishing.py keeps it equal to PYTHON_DISTRIBUTION.

The registry names were free when chosen (2026-12-07: PyPI `podlb` and `pulumi-podlb`, npm
`pulumi-podlb`, all 404). Never Pulumi's own `@pulumi` npm scope, nor codegen's `example.com`."""

from __future__ import annotations

PACKAGE = "podlb"
"""The Pulumi package: type tokens `podlb:…`, the plugin `pulumi-resource-podlb`."""
PUBLISHER = "podlb"
NAMESPACE = "podlb"
REPOSITORY = "https://github.com/podlb/podlb"
"""Where the source lives; `pulumi package add github.com/podlb/podlb/plugin@v<version>` clones it."""
PLUGIN_DOWNLOAD_URL = "github://api.github.com/podlb/podlb"
"""Where the engine downloads `pulumi-resource-podlb-v<version>-<os>-<arch>.tar.gz` from (the
GitHub release of tag v<version>); PULUMI_PLUGIN_DOWNLOAD_URL_OVERRIDES redirects it to a mirror."""
PYTHON_DISTRIBUTION = "podlb"
"""The Python distribution Python programs install (pyproject.toml's name), and the name of the
top-level package that carries pulumi-plugin.json: the Python language host looks for that file in
the package named like the distribution."""
PYTHON_SDK = "pulumi_podlb"
"""The Python SDK `pulumi package gen-sdk --language python` writes (remote components built by the
plugin): not `podlb_component`, which Python programs import. Published as `pulumi-podlb`."""
NPM_PACKAGE = "pulumi-podlb"
GO_IMPORT_BASE_PATH = "github.com/podlb/podlb/sdk/go/podlb"
"""The generated Go SDK's import path."""
GO_MODULE = GO_IMPORT_BASE_PATH.rsplit("/", 1)[0]
"""Its module: the import path less the package folder (what `pulumi package add` writes in go.mod)."""
PLUGIN_SOURCE_DIR = "plugin"
"""The repository folder holding PulumiPlugin.yaml: the source plugin `pulumi package add` takes."""


def plugin_json() -> dict[str, object]:
    """pulumi-plugin.json of the Python package: the Python language host reports podlb's plugin
    from it (name; the version is the distribution's, so none is written; where to download it)."""
    return {"resource": True, "name": PACKAGE, "server": PLUGIN_DOWNLOAD_URL}


def schema_fields() -> dict[str, object]:
    """What a release sets in the package schema besides its contents."""
    return {
        "publisher": PUBLISHER,
        "namespace": NAMESPACE,
        "repository": REPOSITORY,
        "homepage": REPOSITORY,
        "pluginDownloadURL": PLUGIN_DOWNLOAD_URL,
        "keywords": ["baidu", "cce", "kubernetes", "loadbalancer", "category/network", "kind/component"],
        # respectSchemaVersion: the SDKs carry the version GetSchema serves (podlb's), not a placeholder
        "language": {
            "python": {"packageName": PYTHON_SDK, "respectSchemaVersion": True},
            "nodejs": {"packageName": NPM_PACKAGE, "respectSchemaVersion": True},
            "go": {"importBasePath": GO_IMPORT_BASE_PATH, "respectSchemaVersion": True},
        },
    }
