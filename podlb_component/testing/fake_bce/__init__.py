"""The fake BCE API under the name podlb 0.2.0 documented; it lives in
`podlb_component.sandbox.fake_bce` (it is `podlb sandbox`'s cloud).

    from podlb_component.testing.fake_bce import FakeBce, FakeBceState
"""

from ...sandbox.fake_bce import FAULT_KINDS, BceFault, Call, FakeBce, FakeBceState

__all__ = ["FAULT_KINDS", "BceFault", "Call", "FakeBce", "FakeBceState"]
