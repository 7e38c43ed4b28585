"""Run your own Pulumi program under Pulumi's mock engine in your tests, as `podlb plan` does.

    from podlb_component.testing.mock_engine import run_program, FakeCluster

The engine itself is product code (it is what `podlb plan` runs) and lives in
`podlb_component.preview_engine`; this module is the stable name tests import it by.
podlb's rules register as RULE_TYPE and the add-on as ADDON_TYPE (podlb 0.2.0 registered both
as DYNAMIC_TYPE).
"""

from ..preview_engine import (
    NOT_RESOLVED,
    FakeCluster,
    ProgramRun,
    RecordingMocks,
    Registration,
    is_unknown,
    run_program,
)
from ..provider.wire import unwrapped as unwrap_secrets  # its name here since 0.2.0
from ..resources import DYNAMIC_TYPE
from ..tokens import ADDON_TYPE, RULE_TYPE

__all__ = [
    "ADDON_TYPE",
    "DYNAMIC_TYPE",
    "NOT_RESOLVED",
    "RULE_TYPE",
    "FakeCluster",
    "ProgramRun",
    "RecordingMocks",
    "Registration",
    "is_unknown",
    "run_program",
    "unwrap_secrets",
]
