"""`podlb discover`: read a cluster's facts from the CCE API (read-only) into the facts file
that offline `podlb plan` uses."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .cluster_access import add_cluster_arguments, bce_settings
from .exit_status import EXIT_FAILED, EXIT_INVALID, EXIT_OK


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    discover = sub.add_parser(
        "discover",
        help="read a cluster's facts from the CCE API (read-only) into a file that offline `podlb plan` uses",
        description="Read what PodDirectCluster discovers — network mode, VPC CIDR, node and ENI security "
        "groups, master type, add-ons, the ingress rules already in each group — through the BCE API "
        "(credentials from BCE_ACCESS_KEY_ID / BCE_SECRET_ACCESS_KEY; reads only) and write them into a "
        "facts file (other clusters in it are kept). Commit the file beside Pulumi.yaml: `podlb plan` "
        "then plans stacks that use discovery with no credentials, and `podlb doctor --facts` says when "
        "it has gone stale.",
    )
    add_cluster_arguments(discover)
    discover.add_argument("--file", default="podlb.facts.yaml", help="facts file to write (default: %(default)s)")
    discover.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..bce.clients import BceApiError
    from ..bce.discovery import discover_cluster
    from ..bce.facts import FactsFileError, write_facts
    from ..doctor import checks

    generation = checks.generation(args.cluster_id)
    if generation.status == "fail":
        print(f"podlb discover: {generation.detail}\n  fix: {generation.fix}", file=sys.stderr)
        return EXIT_INVALID
    settings = bce_settings("discover", args)
    if settings is None:
        return EXIT_FAILED
    try:
        found = discover_cluster(settings, args.cluster_id)
    except BceApiError as exc:
        print(f"podlb discover: reading cluster {args.cluster_id} failed: {exc}", file=sys.stderr)
        return EXIT_FAILED
    path = Path(args.file)
    try:
        write_facts(path, found, settings.region)
    except (FactsFileError, OSError) as exc:
        print(f"podlb discover: can't update {path}: {exc}", file=sys.stderr)
        return EXIT_FAILED
    groups = ", ".join((*found.node_security_group_ids, *found.eni_security_group_ids)) or "none"
    print(
        f"{path}: {args.cluster_id}: {found.network_mode}, VPC {found.vpc_cidr}, security groups {groups}, "
        f"master {found.master_type}, {len(found.addons)} add-on(s)"
    )
    return EXIT_OK
