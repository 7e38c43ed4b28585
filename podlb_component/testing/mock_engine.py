"""Run your own Pulumi program under Pulumi's mock engine in your tests, as `podlb plan` does.

    from podlb_component.testing.mock_engine import run_program, FakeCluster

The engine itself is product code (it is what `podlb plan` runs) and lives in
`podlb_component.preview_engine`; this module is the stable name tests import it by.
"""

from ..preview_engine import (
    DYNAMIC_TYPE,
    NOT_RESOLVED,
    FakeCluster,
    ProgramRun,
    RecordingMocks,
    Registration,
    is_unknown,
    run_program,
    unwrap_secrets,
)

__all__ = [
    "DYNAMIC_TYPE",
    "NOT_RESOLVED",
    "FakeCluster",
    "ProgramRun",
    "RecordingMocks",
    "Registration",
    "is_unknown",
    "run_program",
    "unwrap_secrets",
]
