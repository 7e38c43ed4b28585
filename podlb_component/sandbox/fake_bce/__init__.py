"""A moto-style fake of the Baidu Cloud (BCE) APIs podlb uses, for podlb's tests and yours.

    from podlb_component.sandbox.fake_bce import FakeBce, FakeBceState
    with FakeBce(FakeBceState.from_seed({...})) as fake:
        ...  # point bce-python-sdk at fake.endpoint

Run alone: python -m podlb_component.sandbox.fake_bce --port 8800 --state seed.yaml
"""

from .errors import BceFault
from .server import FAULT_KINDS, Call, FakeBce
from .state import FakeBceState

__all__ = ["FAULT_KINDS", "BceFault", "Call", "FakeBce", "FakeBceState"]
