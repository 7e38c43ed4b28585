"""What the e2e tests assert against the API server and the fake BCE after each step."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from functools import cache
from typing import Any

import yaml
from kubernetes import client, config

from podlb_component.cluster.ipmasq import CCE_DEFAULT_CONFIG, IP_MASQ_CONFIGMAP, MASQ_KEYS
from podlb_component.sandbox import Sandbox

PODLB_REMARK = "podlb:"


def core(sandbox: Sandbox) -> client.CoreV1Api:
    return _core(str(sandbox.kubeconfig))


@cache
def _core(kubeconfig: str) -> client.CoreV1Api:
    """One client per kubeconfig: Watch samples many times a second."""
    return client.CoreV1Api(config.new_client_from_config(config_file=kubeconfig))


def ensure_namespace(sandbox: Sandbox, name: str) -> None:
    api = core(sandbox)
    if name not in {n.metadata.name for n in api.list_namespace().items}:
        api.create_namespace({"metadata": {"name": name}})


def group_rules(sandbox: Sandbox, group_id: str) -> list[dict[str, Any]]:
    state = sandbox.fake.state  # type: ignore[union-attr]
    if group_id.startswith("esg-"):
        return list(state.enterprise_security_groups.groups[group_id].rules)
    return list(state.security_groups.groups[group_id].rules)


def podlb_rules_listed(sandbox: Sandbox, groups: Sequence[str]) -> list[tuple[tuple[str, str, str, str], str]]:
    """Each rule podlb owns on these groups: (group, protocol, port, source) and its id."""
    found = []
    for g in groups:
        for rule in group_rules(sandbox, g):
            if (rule.get("remark") or rule.get("description") or "").startswith(PODLB_REMARK):
                source = rule.get("sourceIp") or rule.get("remoteIpPrefix") or rule.get("sourceIpPrefix") or ""
                port = rule.get("portRange") or rule.get("portRangeMin") or ""
                rule_id = rule.get("id") or rule.get("securityGroupRuleId") or rule.get("enterpriseSecurityGroupRuleId")
                found.append(((g, rule.get("protocol", ""), str(port), source), str(rule_id)))
    return found


def podlb_rule_counts(sandbox: Sandbox, groups: Sequence[str]) -> Counter[tuple[str, str, str, str]]:
    """How many times each rule podlb owns, as (group, protocol, port, source), is on these
    groups (a duplicate counts twice)."""
    return Counter(key for key, _ in podlb_rules_listed(sandbox, groups))


def podlb_rules(sandbox: Sandbox, groups: Sequence[str]) -> set[tuple[str, str, str, str]]:
    """(group, protocol, port, source) of every rule podlb owns on these groups."""
    return set(podlb_rule_counts(sandbox, groups))


def planned_rules(plan: dict[str, Any]) -> set[tuple[str, str, str, str]]:
    return {(r["group"], r["protocol"], str(r["port"]), r["source"]) for r in plan["security_group_rules"]}


def ip_masq_document(sandbox: Sandbox) -> dict[str, Any]:
    cm = core(sandbox).read_namespaced_config_map(IP_MASQ_CONFIGMAP, "kube-system")
    document: dict[str, Any] = yaml.safe_load(cm.data["config"])
    return document


def assert_ip_masq_patched(sandbox: Sandbox) -> None:
    """masqOutBound and masqOutBoundIPv6 false; every other key as CCE's installer wrote it."""
    document, default = ip_masq_document(sandbox), yaml.safe_load(CCE_DEFAULT_CONFIG)
    assert {k: document[k] for k in MASQ_KEYS} == dict.fromkeys(MASQ_KEYS, False)
    assert {k: v for k, v in document.items() if k not in MASQ_KEYS} == {
        k: v for k, v in default.items() if k not in MASQ_KEYS
    }


def service(sandbox: Sandbox, namespace: str, name: str) -> Any:
    return core(sandbox).read_namespaced_service(name, namespace)


def service_exists(sandbox: Sandbox, namespace: str, name: str) -> bool:
    try:
        service(sandbox, namespace, name)
    except client.ApiException as exc:
        if exc.status == 404:
            return False
        raise
    return True


class Watch:
    """Samples, every `interval` seconds while a CLI step runs, whether each Service exists
    and which podlb rules are open: the order things happened in, as seen from outside."""

    def __init__(self, sandbox: Sandbox, services: list[tuple[str, str]], groups: list[str], interval: float = 0.05):
        import threading

        self.sandbox, self.services, self.groups, self.interval = sandbox, services, groups, interval
        self.samples: list[tuple[set[tuple[str, str]], set[tuple[str, str, str, str]]]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            alive = {s for s in self.services if service_exists(self.sandbox, *s)}
            self.samples.append((alive, podlb_rules(self.sandbox, self.groups)))
            self._stop.wait(self.interval)

    def __enter__(self) -> Watch:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def first(self, predicate: Any) -> int:
        return next((i for i, sample in enumerate(self.samples) if predicate(*sample)), len(self.samples))
