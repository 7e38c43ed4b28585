"""The fake BCE API under the name podlb 0.2.0 documented; it lives in
`podlb_component.sandbox.fake_bce` (it is `podlb sandbox`'s cloud). Its modules keep their old
names too (`podlb_component.testing.fake_bce.state`, …): each is the same module object.

    from podlb_component.testing.fake_bce import FakeBce, FakeBceState
"""

import importlib
import sys

from ...sandbox.fake_bce import FAULT_KINDS, BceFault, Call, FakeBce, FakeBceState

MODULES = ("auth", "bcc_security_groups", "cce", "eni", "errors", "esg", "routing", "rule_checks", "server", "state")

for _module in MODULES:
    sys.modules[f"{__name__}.{_module}"] = importlib.import_module(f"podlb_component.sandbox.fake_bce.{_module}")

__all__ = ["FAULT_KINDS", "BceFault", "Call", "FakeBce", "FakeBceState"]
