"""Import every module of the installed podlb package (not the clone's): run by .ci/package-smoke
in a venv holding the wheel and its runtime dependencies only. Fails if a module needs a test
extra (pytest, hypothesis, …) or anything else the wheel doesn't declare, or if test scaffolding
is shipped. `__main__` modules are skipped: importing them runs the program."""

from __future__ import annotations

import importlib
import importlib.util
import pkgutil
import sys
from pathlib import Path

TEST_ONLY = ("pytest", "hypothesis", "kubernetes_validate", "pulumi_policy")

for name in TEST_ONLY:
    if importlib.util.find_spec(name) is not None:
        sys.exit(f"{name} is installed in this venv: the check needs a venv without the test extras")

import podlb_component  # noqa: E402

package_dir = Path(podlb_component.__file__).parent
if str(package_dir).startswith(str(Path.cwd())) and "site-packages" not in str(package_dir):
    sys.exit(f"podlb_component comes from {package_dir}, not from the installed wheel")

imported, failed = [], []
for module in pkgutil.walk_packages(podlb_component.__path__, "podlb_component."):
    if module.name.rsplit(".", 1)[-1] == "__main__":
        continue
    try:
        importlib.import_module(module.name)
        imported.append(module.name)
    except Exception as error:  # report them all, then fail
        failed.append(f"{module.name}: {type(error).__name__}: {error}")

leaked = [m for m in TEST_ONLY if m in sys.modules]
if failed or leaked:
    print("\n".join(failed), file=sys.stderr)
    sys.exit(f"{len(failed)} module(s) failed to import; test-only modules loaded: {leaked}")
print(f"imported {len(imported)} modules of the installed package, none needing a test extra")
