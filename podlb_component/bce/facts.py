"""Cluster facts files: what `podlb discover` read from the CCE API, kept in a file so that an
offline `podlb plan` (a PR check without cloud credentials) plans a stack that uses discovery.

    # podlb.facts.yaml, written by `podlb discover`; commit it beside Pulumi.yaml
    podlb_facts: 1
    clusters:
      cce-abc123:
        discovered_at: '2026-12-02T14:00:00Z'
        region: bj
        network_mode: vpc-cni
        ...                      # every field of DiscoveredCluster

Plan finds `podlb.facts.yaml` beside Pulumi.yaml (or takes `--facts FILE`) and hands its path to
the program in PODLB_CLUSTER_FACTS; `podlb doctor` compares a file with the live cluster and
says when it has gone stale."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import yaml

from .discovery import DiscoveredCluster

FACTS_FILE = "podlb.facts.yaml"
FACTS_ENV = "PODLB_CLUSTER_FACTS"
FORMAT = 1
HEADER = (
    "# Cluster facts read from the CCE API by `podlb discover` (read-only), for an offline `podlb plan`.\n"
    "# Regenerate after changing the cluster: podlb discover --cluster-id ID; `podlb doctor` says when it is stale.\n"
)
_TUPLE_FIELDS = ("node_security_group_ids", "eni_security_group_ids")
_COMPARED = ("network_mode", "vpc_cidr", "node_security_group_ids", "eni_security_group_ids", "master_type")


class FactsFileError(ValueError):
    """A facts file that can't be used; the message names the file, the key and the fix."""


@dataclasses.dataclass(frozen=True)
class ClusterFacts:
    cluster: DiscoveredCluster
    discovered_at: str
    region: str
    source: Path


def _fix(path: Path) -> str:
    return f"regenerate it: podlb discover --cluster-id ID --file {path}"


def _as_cluster(path: Path, cluster_id: str, entry: Mapping[str, Any]) -> DiscoveredCluster:
    values: dict[str, Any] = {"cluster_id": cluster_id}
    for f in dataclasses.fields(DiscoveredCluster):
        if f.name == "cluster_id":
            continue
        value = entry.get(f.name)
        where = f"{path}: clusters.{cluster_id}.{f.name}"
        if f.name in _TUPLE_FIELDS:
            if not isinstance(value, list) or not all(isinstance(g, str) for g in value):
                raise FactsFileError(f"{where}: must be a list of security group ids\n  fix: {_fix(path)}")
            value = tuple(value)
        elif f.name == "addons":
            if not isinstance(value or [], list) or not all(isinstance(a, dict) for a in value or []):
                raise FactsFileError(f"{where}: must be a list of add-on objects\n  fix: {_fix(path)}")
            value = tuple(value or [])
        elif f.name in ("ingress_rules", "group_origins"):
            if not isinstance(value or {}, dict):
                raise FactsFileError(f"{where}: must be a mapping of group id to a list\n  fix: {_fix(path)}")
            value = {str(k): (tuple(v) if f.name == "group_origins" else list(v)) for k, v in (value or {}).items()}
        elif value is not None and not isinstance(value, str):
            raise FactsFileError(f"{where}: must be a string, got {value!r}\n  fix: {_fix(path)}")
        values[f.name] = value
    return DiscoveredCluster(**values)


def read_facts(path: Path) -> dict[str, ClusterFacts]:
    """The clusters of a facts file, by id. FactsFileError for anything but a valid file."""
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise FactsFileError(f"{path}: can't be read as YAML ({' '.join(str(exc).split())})") from None
    if not isinstance(document, dict) or document.get("podlb_facts") != FORMAT:
        raise FactsFileError(f"{path}: is not a podlb facts file (podlb_facts: {FORMAT})\n  fix: {_fix(path)}")
    clusters = document.get("clusters")
    if not isinstance(clusters, dict):
        raise FactsFileError(f"{path}: clusters: must be a mapping of cluster id to facts\n  fix: {_fix(path)}")
    found = {}
    for cluster_id, entry in clusters.items():
        if not isinstance(cluster_id, str) or not isinstance(entry, dict):
            raise FactsFileError(f"{path}: clusters.{cluster_id}: must be a mapping of facts\n  fix: {_fix(path)}")
        found[cluster_id] = ClusterFacts(
            _as_cluster(path, cluster_id, entry),
            str(entry.get("discovered_at") or "an unknown time"),
            str(entry.get("region") or ""),
            path,
        )
    return found


def facts_from_env(env: Mapping[str, str] | None = None) -> dict[str, ClusterFacts]:
    """The facts file plan handed to the program (PODLB_CLUSTER_FACTS), or none."""
    path = (os.environ if env is None else env).get(FACTS_ENV)
    return read_facts(Path(path)) if path else {}


def write_facts(path: Path, found: DiscoveredCluster, region: str, now: datetime | None = None) -> None:
    """Add (or replace) one cluster's facts in `path`, keeping the other clusters'."""
    clusters: dict[str, Any] = {}
    if path.exists():
        clusters = {cid: _entry(f.cluster, f.region, f.discovered_at) for cid, f in read_facts(path).items()}
    stamp = (now or datetime.now(timezone.utc)).strftime("%Y-%m-%dT%H:%M:%SZ")
    clusters[found.cluster_id] = _entry(found, region, stamp)
    document = {"podlb_facts": FORMAT, "clusters": dict(sorted(clusters.items()))}
    text = HEADER + yaml.safe_dump(document, sort_keys=False, default_flow_style=False)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


def _entry(found: DiscoveredCluster, region: str, stamp: str) -> dict[str, Any]:
    entry: dict[str, Any] = {"discovered_at": stamp, "region": region}
    for f in dataclasses.fields(DiscoveredCluster):
        if f.name == "cluster_id":
            continue
        value = getattr(found, f.name)
        if isinstance(value, tuple):
            value = list(value)
        elif f.name == "group_origins":
            value = {k: list(v) for k, v in value.items()}
        entry[f.name] = value
    return entry


def stale_fields(recorded: DiscoveredCluster, live: DiscoveredCluster) -> list[str]:
    """What changed since the file was written, in the fields that decide podlb's resources
    (the rule counts in ingress_rules change with every `pulumi up` and are not compared)."""
    changes = []
    for name in _COMPARED:
        before, now = getattr(recorded, name), getattr(live, name)
        if isinstance(before, tuple):
            before, now = sorted(before), sorted(now)
        if before != now:
            changes.append(f"{name} was {before!r}, now {now!r}")
    return changes
