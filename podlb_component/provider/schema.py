"""The podlb package schema: one committed file, `schema.json` beside this module, that GetSchema
serves (with podlb's version added) and that `pulumi package gen-sdk`, YAML programs and the
components' Construct go by. It is generated from the Args TypedDicts and the provider's tables by
a development tool that isn't shipped; after changing any of its sources, regenerate it from the
repository's root:

    python -m tests.support.schema_gen --write

(`--check` exits 1 when the committed file is stale; tests/unit/test_schema.py checks the same.)
"""

from __future__ import annotations

import json
from importlib import resources as package_files

SCHEMA_FILE = "schema.json"


def committed() -> str:
    """The schema file as committed (and shipped in the wheel)."""
    return package_files.files(__name__.rpartition(".")[0]).joinpath(SCHEMA_FILE).read_text(encoding="utf-8")


def served(version: str, *, components: bool) -> str:
    """What GetSchema answers: the committed file with the version; without `components` (a
    plugin started without its Constructor) less the components, which it couldn't build."""
    schema = json.loads(committed())
    resources = {t: r for t, r in schema["resources"].items() if components or not r.get("isComponent")}
    return json.dumps({**schema, "resources": resources, "version": version}, indent=2, sort_keys=True)
