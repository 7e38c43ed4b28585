"""Recordings: every request the suite makes and Baidu's answer, kept so that the fake can be
held to them later.

A run with PODLB_ACCEPTANCE_RECORD=1 writes `recordings/<date>-<region>/` (exchanges.json and
meta.json). What could identify or open the account is scrubbed before anything is written: the
Authorization header (with the access key id and the signature) is never recorded, clientTokens
become "<token>", and the access key id, the secret key, account and user ids become
placeholders wherever they appear (`scrub`; test_recordings.py proves it).

A committed recording is a regression test of the fake (`replay`): the same requests, in order,
against a fresh fake seeded like the recorded account (`account_seed`: the cluster, its nodes and
add-ons, and the groups that were there before, all from the recording's own answers), must get
the same status, the same error code and a body of the same shape — the same keys, the same JSON
types, lists of the same length, in any order; ids, request ids and timestamps may differ. Ids
the recording's answers gave (a created group's, a rule's) are mapped to the ids the fake gives,
so later requests name the fake's."""

from __future__ import annotations

import io
import json
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from baidubce.http import bce_http_client

from podlb_component.sandbox.fake_bce import bcc_security_groups, esg
from podlb_component.sandbox.fake_bce.cce import AddonMeta, node_instance
from podlb_component.sandbox.fake_bce.state import FakeBceState

RECORDINGS = Path(__file__).parent / "recordings"
TOKEN = "<token>"
ACCOUNT_KEYS = re.compile(r"^(account|user|tenant|owner)(Id|ID|_id)$")
SIGNATURE = re.compile(r"bce-auth-v1/[^\s\"']+")
ID_LIKE = re.compile(r"^[a-z]+-[A-Za-z0-9]{4,}$")


@dataclass
class Exchange:
    method: str
    uri: str
    request: Any
    status: int
    response: Any

    def as_dict(self) -> dict[str, Any]:
        return {"method": self.method, "uri": self.uri, "request": self.request, "status": self.status,
                "response": self.response}  # fmt: skip


def _json(raw: bytes | str | None) -> Any:
    if not raw:
        return None
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
    try:
        return json.loads(text)
    except ValueError:
        return {"text": text[:500]}


class _Replayable:
    """The SDK's http response, its body read once and kept for the SDK to read again."""

    def __init__(self, response: Any, body: bytes) -> None:
        self._response, self._body = response, io.BytesIO(body)
        self.status, self.reason = response.status, response.reason

    def read(self, amt: int | None = None) -> bytes:
        return self._body.read() if amt is None else self._body.read(amt)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._response, name)


@dataclass
class Recorder:
    secrets: dict[str, str]
    """A secret value -> the placeholder it becomes (the access key id, the secret key)."""
    exchanges: list[Exchange] = field(default_factory=list)

    @contextmanager
    def installed(self) -> Iterator[Recorder]:
        """Every request any bce-python-sdk client sends, while installed, is recorded."""
        original = bce_http_client._send_http_request

        def send(conn: Any, http_method: Any, uri: Any, headers: Any, body: Any, send_buf_size: Any) -> Any:
            response = original(conn, http_method, uri, headers, body, send_buf_size)
            data = response.read()
            method = http_method.decode() if isinstance(http_method, bytes) else str(http_method)
            path = uri.decode() if isinstance(uri, bytes) else str(uri)
            sent = body if isinstance(body, (bytes, str)) else None
            self.exchanges.append(Exchange(method, path, _json(sent), int(response.status), _json(data)))
            return _Replayable(response, data)

        bce_http_client._send_http_request = send
        try:
            yield self
        finally:
            bce_http_client._send_http_request = original

    def scrubbed(self) -> list[dict[str, Any]]:
        return [scrub(exchange.as_dict(), self.secrets) for exchange in self.exchanges]


def scrub(value: Any, secrets: dict[str, str], key: str = "") -> Any:
    """`value` with every secret, signature, token and account id replaced."""
    if isinstance(value, dict):
        return {k: scrub(v, secrets, k) for k, v in value.items()}
    if isinstance(value, list):
        return [scrub(v, secrets, key) for v in value]
    if not isinstance(value, str):
        return value
    if ACCOUNT_KEYS.match(key):
        return "<account>"
    if key.lower() == "clienttoken":
        return TOKEN
    for secret, placeholder in secrets.items():
        value = value.replace(secret, placeholder)
    value = SIGNATURE.sub("<signature>", value)
    return re.sub(r"(clientToken=)[^&]*", rf"\g<1>{TOKEN}", value)


def write(folder: Path, exchanges: list[dict[str, Any]], meta: dict[str, Any]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "exchanges.json").write_text(json.dumps(exchanges, indent=1, ensure_ascii=False) + "\n")
    (folder / "meta.json").write_text(json.dumps(meta, indent=1, sort_keys=True) + "\n")
    return folder


def load(folder: Path) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    return json.loads((folder / "exchanges.json").read_text()), json.loads((folder / "meta.json").read_text())


def shape(value: Any) -> Any:
    """What must match between two answers: keys, JSON types and list lengths, not values, nor
    the order of a list's items (podlb relies on no listing's order, and an account's groups
    are listed in Baidu's order, the fake's in the order they were made)."""
    if isinstance(value, dict):
        return {k: shape(v) for k, v in sorted(value.items())}
    if isinstance(value, list):
        return sorted((shape(v) for v in value), key=lambda item: json.dumps(item, sort_keys=True))
    return type(value).__name__


def _map_ids(recorded: Any, replayed: Any, ids: dict[str, str]) -> None:
    """Learn which id of the fake stands for which id of the recording, from two answers of the
    same shape."""
    if isinstance(recorded, dict) and isinstance(replayed, dict):
        for k in recorded.keys() & replayed.keys():
            _map_ids(recorded[k], replayed[k], ids)
    elif isinstance(recorded, list) and isinstance(replayed, list):
        for a, b in zip(recorded, replayed, strict=False):  # the shapes are compared elsewhere
            _map_ids(a, b, ids)
    elif isinstance(recorded, str) and isinstance(replayed, str) and recorded != replayed and ID_LIKE.match(recorded):
        ids.setdefault(recorded, replayed)


def _substitute(text: str, ids: dict[str, str]) -> str:
    """The recording's ids as the fake's, in one pass: a fake id may look like another recorded
    id (the fake's ids count up across fakes), and must not be replaced again."""
    if ids:
        pattern = re.compile("|".join(re.escape(old) for old in sorted(ids, key=len, reverse=True)))
        text = pattern.sub(lambda m: ids[m.group(0)], text)
    return text.replace(TOKEN, "podlb-" + uuid.uuid4().hex)


@dataclass
class Divergence:
    index: int
    request: str
    recorded: str
    replayed: str

    def __str__(self) -> str:
        return f"#{self.index} {self.request}: recorded {self.recorded}, the fake answered {self.replayed}"


def replay(exchanges: list[dict[str, Any]], send: Any) -> list[Divergence]:
    """Send each recorded request through `send(method, path, params, body) -> (status, body)`
    and compare the answers; returns where they differ."""
    ids: dict[str, str] = {}
    found: list[Divergence] = []
    for index, exchange in enumerate(exchanges):
        uri = urlsplit(_substitute(exchange["uri"], ids))
        params = dict(parse_qsl(uri.query, keep_blank_values=True))
        body = exchange["request"]
        sent = None if body is None else json.loads(_substitute(json.dumps(body), ids))
        status, answer = send(exchange["method"], uri.path, params, sent)
        recorded, answer = exchange["response"] or None, answer or None  # an empty body is no body
        request = f"{exchange['method']} {exchange['uri']}"
        if status != exchange["status"]:
            found.append(Divergence(index, request, f"HTTP {exchange['status']} {recorded}", f"HTTP {status} {answer}"))
        elif status >= 400 and (recorded or {}).get("code") != (answer or {}).get("code"):
            found.append(Divergence(index, request, f"code {recorded.get('code')}", f"code {answer.get('code')}"))
        elif shape(recorded) != shape(answer):
            found.append(Divergence(index, request, json.dumps(shape(recorded)), json.dumps(shape(answer))))
        _map_ids(recorded, answer, ids)
    return found


@dataclass
class Seed:
    """The recorded account as the fake must hold it to answer the recording with the same
    data: the cluster (its mode, groups, nodes and add-ons) and the groups that were there
    before the run, so that the replay compares the API's shapes, not two accounts."""

    cluster: dict[str, Any]
    """FakeBceState.add_cce_cluster's keyword arguments."""
    installed: dict[str, dict[str, Any]]
    """name -> {"version", "phase"} of each add-on the recording saw installed."""
    catalogue: list[AddonMeta] | None
    """The add-ons the recorded list offered; None: the recording listed none."""
    groups: list[dict[str, Any]] = field(default_factory=list)
    """Groups the recording listed but didn't create, as first listed (with their rules)."""

    def into(self, state: FakeBceState, cluster_id: str, vpc_id: str) -> None:
        for group in self.groups:
            enterprise = str(group["id"]).startswith("esg-")
            fields = esg.RULE_FIELDS if enterprise else bcc_security_groups.RULE_FIELDS
            rules = [{k: v for k, v in rule.items() if k in fields} for rule in group.get("rules") or []]
            if enterprise:
                state.enterprise_security_groups.add_group(group["id"], str(group.get("name") or ""), rules=rules)
            else:
                state.security_groups.add_group(group["id"], vpc_id, str(group.get("name") or ""), rules=rules)
        state.add_cce_cluster(cluster_id, vpc_id=vpc_id, lb_controller=None, **self.cluster).addons = self.installed
        if self.catalogue is not None:
            state.cce.catalogue = {meta.name: meta for meta in self.catalogue}


def _groups_there_before(exchanges: list[dict[str, Any]]) -> list[dict[str, Any]]:
    created = {
        str(value)
        for exchange in exchanges
        if exchange["method"] == "POST" and exchange["status"] == 200
        for key, value in (exchange["response"] or {}).items()
        if key in ("securityGroupId", "enterpriseSecurityGroupId")
    }
    found: dict[str, dict[str, Any]] = {}
    for exchange in exchanges:
        if exchange["method"] == "GET" and exchange["status"] == 200:
            answer = exchange["response"] or {}
            for group in [*(answer.get("securityGroups") or []), *(answer.get("enterpriseSecurityGroups") or [])]:
                if str(group.get("id")) not in created:
                    found.setdefault(str(group.get("id")), group)
    return list(found.values())


def account_seed(exchanges: list[dict[str, Any]], cluster_id: str) -> Seed | None:
    """From the recording's own answers: its first GetCluster, the instance pages, the first
    whole add-on list, and the groups it listed but didn't create; None when it never read the
    cluster."""
    answers: dict[str, Any] = {}
    pages: dict[str, list[dict[str, Any]]] = {}
    read = re.compile(rf"/cluster/{re.escape(cluster_id)}(/instances|/addon)?$")
    for exchange in exchanges:
        uri = urlsplit(exchange["uri"])
        found = read.search(uri.path)
        if exchange["method"] != "GET" or exchange["status"] != 200 or not found:
            continue
        what = found.group(1) or "cluster"
        if what == "/instances":
            page = (exchange["response"] or {}).get("instancePage") or {}
            pages.setdefault(str(page.get("pageNo")), list(page.get("instanceList") or []))
        elif not (what == "/addon" and "addons" in dict(parse_qsl(uri.query))):  # a whole list only
            answers.setdefault(what, exchange["response"] or {})
    if "cluster" not in answers:
        return None
    spec = answers["cluster"]["cluster"]["spec"]
    instances = [
        node_instance(
            str(node["spec"].get("instanceName") or ""),
            str(node["spec"].get("vpcConfig", {}).get("securityGroupID") or ""),
            tuple(str(g["id"]) for g in node["spec"].get("vpcConfig", {}).get("securityGroups") or []),
        )
        for number in sorted(pages, key=int)
        for node in pages[number]
    ]
    cluster = {
        "network_mode": spec["containerNetworkConfig"]["mode"],
        "vpc_cidr": spec.get("vpcCIDR", ""),
        "node_security_groups": tuple(str(g["id"]) for g in spec.get("nodeDefaultSecurityGroups") or []),
        "eni_security_groups": tuple(str(g["id"]) for g in spec.get("eniDefaultSecurityGroups") or []),
        "master_type": spec.get("masterConfig", {}).get("masterType", "managed"),
        "phase": answers["cluster"]["cluster"].get("status", {}).get("clusterPhase", "running"),
        "instances": instances,
    }
    catalogue, installed = None, {}
    if "/addon" in answers:
        catalogue = []
        for item in answers["/addon"].get("items") or []:
            meta = item.get("meta") or {}
            catalogue.append(AddonMeta(
                str(meta.get("name")), str(meta.get("latestVersion", "")), type=str(meta.get("type", "")),
                managed=bool(meta.get("managed")), required=bool(meta.get("required")),
                allow_install=bool((meta.get("installInfo") or {}).get("allowInstall")),
                multi_instance="multiInstances" in item,
            ))  # fmt: skip
            instance = item.get("instance") or next(iter(item.get("multiInstances") or []), None)
            if instance:
                installed[str(meta.get("name"))] = {
                    "version": instance.get("installedVersion", ""),
                    "phase": (instance.get("status") or {}).get("phase", ""),
                }
    return Seed(cluster, installed, catalogue, _groups_there_before(exchanges))
