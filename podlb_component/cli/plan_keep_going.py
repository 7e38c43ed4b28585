"""How `podlb plan` finds every invalid input in one run: a component that refuses its inputs
doesn't stop the program there. Its PodLbError is kept, a stand-in takes its place, and the
program goes on to the next component, which is checked on its own.

A stand-in registers as the component (so resources may still name it as parent) and has the
attributes programs use most (ids, groups, the Service's address and names), with nothing
behind them; a program that reads another one stops there, and plan says which parts went
unchecked. A Service given a refused cluster is checked against a contract that makes no rules
and, when the cluster's backend_quota isn't a valid one, checks no quota: a cluster's mistake
is reported once, on the cluster, never again on its Services. Only plan does this (pulumi
preview stops at the first component, as ever), only while it runs the program
(`KeepGoing.installed`), and only after a plain run failed on invalid input (cli/plan.py).
"""

from __future__ import annotations

import inspect
import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from types import SimpleNamespace
from typing import Any

import pulumi

from ..cluster.args import DEFAULT_BACKEND_QUOTA
from ..cluster.component import PodDirectCluster
from ..cluster.contract import ClusterContract
from ..errors import PodLbError
from ..resources import SecurityGroupRule
from ..service.component import PodDirectService
from ..values import is_whole_number

NOT_CHECKED = "not checked: the cluster's inputs are invalid"


class KeepGoing:
    """The PodLbErrors of one plan run, in the order the program constructed the components."""

    def __init__(self) -> None:
        self.errors: list[PodLbError] = []
        self._stand_ins: list[tuple[PodDirectCluster, ClusterContract]] = []

    @contextmanager
    def installed(self) -> Iterator[None]:
        """While the program runs: components that refuse their inputs are kept here, not raised."""
        cluster_init, service_init = PodDirectCluster.__init__, PodDirectService.__init__
        PodDirectCluster.__init__ = self._cluster_init(cluster_init)  # type: ignore[method-assign]
        PodDirectService.__init__ = self._service_init(service_init)  # type: ignore[method-assign]
        try:
            yield
        finally:
            PodDirectCluster.__init__ = cluster_init  # type: ignore[method-assign]
            PodDirectService.__init__ = service_init  # type: ignore[method-assign]

    def _cluster_init(self, original: Callable[..., None]) -> Callable[..., None]:
        signature = inspect.signature(original)

        def init(cluster: PodDirectCluster, *args: Any, **kwargs: Any) -> None:
            try:
                original(cluster, *args, **kwargs)
            except PodLbError as exc:
                self.errors.append(exc)
                given = signature.bind(cluster, *args, **kwargs).arguments
                self._stand_ins.append(
                    (cluster, _stand_in_cluster(cluster, given["name"], given["args"], given.get("opts")))
                )

        return init

    def _service_init(self, original: Callable[..., None]) -> Callable[..., None]:
        signature = inspect.signature(original)

        def init(service: PodDirectService, *args: Any, **kwargs: Any) -> None:
            try:
                bound = signature.bind(service, *args, **kwargs)
            except TypeError:  # called wrongly: fail as the component itself does
                original(service, *args, **kwargs)
                return
            given = bound.arguments
            service_args = given["args"]
            if isinstance(service_args, Mapping):
                contract = self._contract_of(service_args.get("cluster"))
                if contract is not None:  # a refused cluster: the Service is checked on its own
                    given["args"] = {**service_args, "cluster": contract}
            try:
                original(*bound.args, **bound.kwargs)
            except PodLbError as exc:
                self.errors.append(exc)
                _stand_in_service(service, given["name"], service_args, given.get("opts"))

        return init

    def _contract_of(self, cluster: object) -> ClusterContract | None:
        return next((contract for stand_in, contract in self._stand_ins if stand_in is cluster), None)


def _register(component: pulumi.ComponentResource, type_token: str, name: str, opts: object) -> None:
    """Register the stand-in as the component, unless the refusal came after it registered."""
    if "urn" not in vars(component):
        options = opts if isinstance(opts, pulumi.ResourceOptions) else None
        pulumi.ComponentResource.__init__(component, type_token, name, None, options)


def _stand_in_cluster(cluster: PodDirectCluster, name: str, args: object, opts: object) -> ClusterContract:
    """Make `cluster` a stand-in; returns the contract its Services are checked against."""
    _register(cluster, PodDirectCluster.TYPE, name, opts)
    given: Mapping[str, Any] = args if isinstance(args, Mapping) else {}
    stand_in: Any = cluster  # its attributes are typed for a valid cluster
    stand_in.name = name
    stand_in.kubernetes_provider = None
    stand_in.cluster_id = pulumi.Output.from_input(given.get("cluster_id"))
    stand_in.network_mode = given.get("network_mode")
    stand_in.nic_type = given.get("nic_type")
    stand_in.rule_security_group_ids = []
    stand_in.security_groups = []
    stand_in.lb_controller_status = pulumi.Output.from_input(NOT_CHECKED)
    stand_in.lb_controller_check = {}
    stand_in.ip_masq_config = pulumi.Output.from_input(None)
    quota = given.get("backend_quota", DEFAULT_BACKEND_QUOTA)
    return ClusterContract(
        cluster_name=name,
        cluster_id=stand_in.cluster_id,
        # a bad quota is the cluster's error: its Services aren't measured against it
        backend_quota=quota if is_whole_number(quota) and quota >= 1 else sys.maxsize,
        kubernetes_provider=None,
        prerequisites=(),
        blb_reuse_warning=lambda: None,
        rules_for=_no_rules,
        claim_blb_ports=_no_claim,
    )


def _no_rules(
    service: str, target_ports: list[tuple[int, str]], source_ranges: tuple[pulumi.Input[str], ...], internal: bool
) -> tuple[list[SecurityGroupRule], str | None]:
    """A refused cluster's rules: its groups and CIDR aren't known good, so none are planned."""
    return [], None


def _no_claim(service: str, blb_id: str, ports: list[tuple[int, str]], expected_backends: int | None) -> None:
    """A refused cluster doesn't track which Service holds which port of a reused BLB."""


def _stand_in_service(service: PodDirectService, name: str, args: object, opts: object) -> None:
    """Make `service` a stand-in the program can still export from or depend on."""
    _register(service, PodDirectService.TYPE, name, opts)
    given: Mapping[str, Any] = args if isinstance(args, Mapping) else {}
    stand_in: Any = service  # its attributes are typed for a valid Service
    stand_in.rules = []
    stand_in.service = None
    stand_in.service_name = pulumi.Output.from_input(given.get("service_name", name))
    stand_in.namespace = pulumi.Output.from_input(given.get("namespace", "default"))
    stand_in.address = pulumi.Output.from_input(None)
    stand_in.blb_id = pulumi.Output.from_input(None)
    stand_in.security_group_rule_ids = pulumi.Output.from_input([])
    # graceful_shutdown_transform() reads the selector: an empty one matches no Deployment
    stand_in._plan = SimpleNamespace(selector={})
