"""`python -m tests.acceptance --sweep`: delete the security groups interrupted acceptance runs
left in the target (PODLB_ACCEPTANCE=real and its settings: README.md), and nothing else: only
groups named podlb-acc-…, in the given VPC (normal groups) or the account (enterprise groups)."""

from __future__ import annotations

import argparse
import sys

from .target import TargetError, leftovers, sweep, target_from_env


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.acceptance", description=__doc__)
    parser.add_argument("--sweep", action="store_true", help="delete the leftovers (default: only list them)")
    args = parser.parse_args(argv)
    try:
        target = target_from_env()
    except TargetError as exc:
        print(f"acceptance: {exc}", file=sys.stderr)
        return 1
    try:
        found = sweep(target) if args.sweep else leftovers(target)
    finally:
        target.stop()
    verb = "deleted" if args.sweep else "would delete (run with --sweep)"
    for group_id, name in found:
        print(f"{verb}: {group_id} {name}")
    if not found:
        print(f"no leftovers in {target.kind} ({target.region}, VPC {target.vpc_id})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
