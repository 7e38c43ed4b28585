"""podlb_component's public names: listed once (`_HOMES`), each loaded on first use, and seen by
type checkers as the same names from the same modules."""

import ast
import importlib
import subprocess
import sys
from pathlib import Path

import podlb_component

INIT = Path(podlb_component.__file__)


def type_checking_imports() -> dict[str, str]:
    """The `if TYPE_CHECKING:` block of __init__.py as name -> module, read as source."""
    block = next(
        node
        for node in ast.parse(INIT.read_text()).body
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING"
    )
    found: dict[str, str] = {}
    for node in block.body:
        assert isinstance(node, ast.ImportFrom), ast.unparse(node)
        for alias in node.names:
            assert alias.asname == alias.name, f"{alias.name}: `X as X`, so a computed __all__ still exports it"
            found[alias.name] = "." * node.level + (node.module or "")
    return found


def test_type_checkers_see_the_names_the_package_loads():
    assert type_checking_imports() == podlb_component._HOMES


def test_every_public_name_loads_from_its_module():
    """`from podlb_component import X` for every name in __all__."""
    assert podlb_component.__all__ == sorted(podlb_component._HOMES)
    for name, home in podlb_component._HOMES.items():
        value = getattr(podlb_component, name)
        assert value is getattr(importlib.import_module(home, "podlb_component"), name)
        assert name in dir(podlb_component)


def test_importing_the_package_loads_nothing_else():
    """Nothing but the standard library: not pulumi, not the components (so the provider plugin
    starts without them), until a name is used; then `import *` gives exactly __all__."""
    probe = (
        "import sys\n"
        "before = set(sys.modules)\n"
        "import podlb_component\n"
        "print(sorted(m for m in set(sys.modules) - before if m.split('.')[0] not in sys.stdlib_module_names))\n"
        "names = {}\n"
        "exec('from podlb_component import *', names)\n"
        "print(sorted(set(names) - {'__builtins__'}) == podlb_component.__all__)\n"
        "print('podlb_component.cluster.component' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd="/")
    new_modules, star_is_all, loaded_on_use = done.stdout.splitlines()
    assert new_modules == "['podlb_component']"
    assert star_is_all == "True"
    assert loaded_on_use == "True"
