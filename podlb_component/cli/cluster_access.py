"""Which cluster, and where its BCE API is: the arguments and credentials `podlb doctor` and
`podlb discover` share."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..bce.settings import BceSettings

NO_CREDENTIALS = (
    "no BCE credentials: set BCE_ACCESS_KEY_ID and BCE_SECRET_ACCESS_KEY in the environment "
    "(read only from there, not from Pulumi config; BCE_REGION/--region and BCE_ENDPOINT/--endpoint "
    "choose where)"
)


def add_cluster_arguments(command: argparse.ArgumentParser) -> None:
    command.add_argument("--cluster-id", required=True, help="CCE cluster id (cce-…)")
    command.add_argument("--region", help="BCE region, e.g. bj (default: BCE_REGION or bj)")
    command.add_argument("--endpoint", help="BCE endpoint override (default: BCE_ENDPOINT or per region)")


def bce_settings(command: str, args: argparse.Namespace) -> BceSettings | None:
    """BCE settings from the environment and --region/--endpoint; None (said on stderr) without credentials."""
    from ..bce.settings import BceSettings, MissingCredentialsError

    overrides = {k: v for k, v in {"region": args.region, "endpoint": args.endpoint}.items() if v}
    try:
        return BceSettings.resolve({"bce_credentials": overrides})
    except MissingCredentialsError:
        print(f"podlb {command}: {NO_CREDENTIALS}", file=sys.stderr)
        return None
