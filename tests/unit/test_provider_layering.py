"""The provider plugin is a room of its own: it starts without the components (and without
pulumi_kubernetes), and nothing in provider/ imports from the layers above it."""

import ast
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "podlb_component"
ABOVE = ("cluster", "service", "cli", "doctor", "sandbox", "testing", "program", "preview_engine", "resources")


def test_the_plugin_starts_without_the_components():
    """They load on the first Construct (component_host.py): a deployment whose program makes
    only custom resources through podlb's provider doesn't pay for them."""
    probe = (
        "import sys, podlb_component.provider.server, podlb_component.plugin; "
        "print(sorted(m for m in sys.modules if m.startswith(('pulumi_kubernetes', 'podlb_component.cluster', "
        "'podlb_component.service'))))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd="/")
    assert done.stdout.strip() == "[]"


def test_provider_imports_only_bce_and_the_models():
    for source in (PACKAGE / "provider").glob("*.py"):
        for node in ast.walk(ast.parse(source.read_text())):
            if isinstance(node, ast.ImportFrom) and node.level >= 2:
                top = (node.module or "").split(".")[0]
                assert top not in ABOVE, f"{source.name} imports ..{node.module}"
