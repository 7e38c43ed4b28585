"""Recordings keep the fake honest: each committed recording (recordings/*/) replays against a
fresh fake with the same statuses, error codes and body shapes; and a recording keeps nothing
that could open or identify the account."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from podlb_component.sandbox.fake_bce.cce import node_instance
from podlb_component.sandbox.fake_bce.rule_checks import new_id

from .raw import http
from .recording import RECORDINGS, TOKEN, Divergence, Recorder, account_seed, load, replay
from .target import bcc_rule, esg_rule, sandbox_target

COMMITTED = sorted(p for p in RECORDINGS.iterdir() if (p / "exchanges.json").is_file()) if RECORDINGS.is_dir() else []


def replay_against_a_fresh_fake(
    exchanges: list[dict[str, Any]], meta: dict[str, Any], seeded: bool = True
) -> list[Divergence]:
    """The fake seeded like the recorded target (its VPC, and the cluster as the recording read
    it), each request signed anew."""
    seed = account_seed(exchanges, meta["cluster_id"]) if seeded else None
    target = sandbox_target(meta["vpc_id"], meta["cluster_id"], seed)
    try:

        def send(method: str, path: str, params: dict[str, str], body: Any) -> tuple[int, Any]:
            answer = http(target.settings, "cce" if "/cce/" in path else "bcc", method.encode(), path, params, body)
            return answer.status, answer.body

        return replay(exchanges, send)
    finally:
        target.stop()


def test_there_is_a_committed_recording() -> None:
    assert COMMITTED, f"no recording under {RECORDINGS}: the replay below would test nothing"


@pytest.mark.parametrize("shift", [0, 1, 7])
@pytest.mark.parametrize("folder", COMMITTED, ids=[p.name for p in COMMITTED])
def test_the_fake_answers_a_recording_as_it_was_answered(folder: Path, shift: int) -> None:
    """`shift`: the fake's ids count up per process, so the replay's may be the recording's own
    ids, moved (1 made a mapped id be mapped again, once)."""
    exchanges, meta = load(folder)
    for _ in range(shift):
        new_id("shift-")
    divergences = replay_against_a_fresh_fake(exchanges, meta)
    assert len(exchanges) > 20
    assert not divergences, "\n".join(map(str, divergences[:10]))


def test_a_recording_keeps_no_secret() -> None:
    target = sandbox_target()
    recorder = Recorder({target.settings.access_key_id: "<access-key-id>",
                         target.settings.secret_access_key: "<secret-key>"})  # fmt: skip
    try:
        with recorder.installed():
            made = target.bcc.create_security_group("podlb-acc-secrets", [], vpc_id=target.vpc_id)
            group = str(made.security_group_id)
            target.bcc.authorize_security_group_rule(group, bcc_rule("remark", 80), client_token="podlb-token-1")
            target.bcc.get_security_group_detail(group)
            esg = target.esg.create_enterprise_security_group("podlb-acc-secrets", rules=[])
            target.esg.authorize_enterprise_security_group_rule(
                str(esg.enterprise_security_group_id),
                [esg_rule("r", 81)],
            )
            target.bcc.delete_security_group(group)
    finally:
        target.stop()
    text = json.dumps(recorder.scrubbed())
    assert len(recorder.exchanges) == 6 and "podlb-token-1" in json.dumps([e.uri for e in recorder.exchanges])
    for secret in (target.settings.access_key_id, target.settings.secret_access_key, "bce-auth-v1", "podlb-token-1"):
        assert secret not in text, secret
    assert f"clientToken={TOKEN}" in text
    assert "<account>" not in text or '"accountId": "<account>"' in text


def test_a_recording_the_fake_answers_otherwise_is_reported_where_it_differs() -> None:
    """The replay can fail: a recorded answer with another error code, and one with a renamed key."""
    exchanges, meta = load(COMMITTED[0])
    conflict = next(i for i, e in enumerate(exchanges) if e["status"] == 409)
    listing = next(i for i, e in enumerate(exchanges) if e["status"] == 200 and "rules" in (e["response"] or {}))
    exchanges[conflict]["response"]["code"] = "Some.OtherCode"
    exchanges[listing]["response"]["ruleList"] = exchanges[listing]["response"].pop("rules")
    found = replay_against_a_fresh_fake(exchanges, meta)
    assert [d.index for d in found] == sorted([conflict, listing]), [str(d) for d in found]
    assert "Some.OtherCode" in str(next(d for d in found if d.index == conflict))


def test_a_recording_of_another_cluster_replays_against_the_cluster_it_read() -> None:
    """A real account's cluster isn't the sandbox's: the fake holds the cluster the recording's
    own answers describe (mode, groups, nodes, add-ons), so only the API's shapes are compared."""
    exchanges, meta = load(COMMITTED[0])
    cluster_id = meta["cluster_id"]
    for exchange in exchanges:
        answer, path = exchange["response"] or {}, exchange["uri"].split("?")[0]
        if exchange["status"] != 200:
            continue
        if path.endswith(f"/cluster/{cluster_id}"):
            spec = answer["cluster"]["spec"]
            spec["containerNetworkConfig"]["mode"] = "vpc-eni"
            spec["nodeDefaultSecurityGroups"].append({"id": "g-realnodes2", "name": "nodes", "type": "normal"})
        elif path.endswith("/instances"):
            answer["instancePage"]["instanceList"] = [
                node_instance("i-real1", "g-realnodes2"),
                node_instance("i-real2"),
            ]
            answer["instancePage"]["totalCount"] = 2
        elif path.endswith("/addon") and "addons=" not in exchange["uri"]:
            extra = copy.deepcopy(next(item for item in answer["items"] if "instance" in item))
            extra["meta"]["name"] = extra["instance"]["name"] = "cce-csi-cdsplugin"
            extra["instance"]["installedVersion"] = "1.1.0"
            answer["items"].append(extra)
        elif path.endswith("/v2/securityGroup") and exchange["method"] == "GET":
            answer["securityGroups"].append({**answer["securityGroups"][0], "id": "g-realnodes2"})
    seed = account_seed(exchanges, cluster_id)
    assert seed is not None and seed.cluster["network_mode"] == "vpc-eni" and len(seed.cluster["instances"]) == 2
    assert seed.installed["cce-csi-cdsplugin"] == {"version": "1.1.0", "phase": "Running"}
    unseeded = replay_against_a_fresh_fake(exchanges, meta, seeded=False)
    assert unseeded, "the sandbox's own cluster answers like the edited one: this test tests nothing"
    divergences = replay_against_a_fresh_fake(exchanges, meta)
    assert not divergences, "\n".join(map(str, divergences[:10]))
