"""`podlb policy-pack DIR`: write the CrossGuard policy pack that ships with podlb into DIR, for
`pulumi preview --policy-pack DIR` (the pack makes its own virtualenv there on first use, so it
is not run from inside site-packages)."""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path
from typing import Any

PACK_DIR = Path(__file__).resolve().parents[1] / "policy_pack"
SHARED = ("cce_annotations.py", "pod_direct.py")
"""podlb's own modules the pack loads by path (policy_pack/podlb_policies.py, SHARED)."""
PACK_FILES = ("PulumiPolicy.yaml", "__main__.py", "podlb_policies.py", "requirements.txt")


def export_policy_pack(target: Path) -> Path:
    """Copy the pack's files and the podlb modules it loads into `target` (created; an existing
    pack there is refreshed, its virtualenv kept). Returns `target`."""
    target.mkdir(parents=True, exist_ok=True)
    for name in PACK_FILES:
        shutil.copyfile(PACK_DIR / name, target / name)
    for name in SHARED:
        shutil.copyfile(PACK_DIR.parent / name, target / name)
    return target


def _run(args: argparse.Namespace) -> int:
    target = Path(args.dir).resolve()
    if target.exists() and not target.is_dir():
        print(f"podlb policy-pack: {target} is a file; pass a directory", file=sys.stderr)
        return 1
    foreign = [p.name for p in target.glob("*") if p.name not in (*PACK_FILES, *SHARED, "venv")]
    if foreign:
        print(
            f"podlb policy-pack: {target} holds other files ({', '.join(sorted(foreign)[:3])}): "
            "pass an empty or new directory",
            file=sys.stderr,
        )
        return 1
    print(export_policy_pack(target))
    return 0


def add_parser(sub: Any) -> None:
    parser = sub.add_parser(
        "policy-pack",
        help="write podlb's CrossGuard policy pack into a directory, for `pulumi preview --policy-pack DIR`",
        description="Write the policy pack that ships with podlb (pod-direct policies from the CCE guide) "
        "into DIR and print DIR. Then: pulumi preview --policy-pack DIR. Its virtualenv (pulumi-policy "
        "only) is made in DIR/venv on first use.",
    )
    parser.add_argument("dir", nargs="?", default="podlb-policy", help="directory to write (default: %(default)s)")
    parser.set_defaults(func=_run)
