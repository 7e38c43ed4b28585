"""Run a Pulumi program under Pulumi's own mock runtime and record what it would register.

Used by `podlb plan`, by this project's tests, and by users' tests of their own stacks. The
mock behaves like the engine where it matters to podlb:
- preview (the default) leaves ids and provider-computed outputs unknown, as `pulumi preview`
  does, so callbacks on them don't run;
- reads (`Resource.get`) are answered from a `FakeCluster`; a missing object fails the read
  with the engine's own message;
- an update run (preview=False) gives ids, and a Service gets what cce-lb-controller would
  write: an ingress IP and the BLB id annotation.
"""

from __future__ import annotations

import copy
import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import pulumi
from pulumi.runtime import MockCallArgs, MockResourceArgs, Mocks, rpc
from pulumi.runtime.mocks import MockEngine, MockMonitor

from .cce_annotations import LOAD_BALANCER_ID
from .cluster.ipmasq import CCE_DEFAULT_CONFIG, IP_MASQ_CONFIGMAP, IP_MASQ_DATA_KEY, IP_MASQ_NAMESPACE
from .cluster.lb_controller import LB_CONTROLLER_DEPLOYMENT, LB_CONTROLLER_NAMESPACE
from .errors import PodLbError
from .provider.wire import unwrapped
from .tokens import READ_CONFIG_MAP, RULE_TYPE

E = TypeVar("E", bound=BaseException)


class MissingLiveObject(Exception):
    """A `Resource.get` of an object the cluster doesn't have — the engine's own message."""

    def __init__(self, type_token: str, object_id: str) -> None:
        super().__init__(f"resource '{object_id}' does not exist")
        self.type_token, self.object_id = type_token, object_id


def find_cause(exc: BaseException, kind: type[E]) -> E | None:
    """The first exception of `kind` in `exc`'s cause/context chain (Pulumi wraps callbacks' errors)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, kind):
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None


def is_unknown(value: Any) -> bool:
    """True for a value that is unknown during preview (known only after `pulumi up`)."""
    return isinstance(value, pulumi.output.Unknown)


FAKE_INGRESS_IP = "180.76.0.10"
FAKE_BLB_ID = "lb-0a1b2c3d"


def _deployment(name: str, namespace: str, available: int) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {"replicas": 1},
        "status": {"replicas": 1, "availableReplicas": available},
    }


@dataclass
class FakeCluster:
    """The live objects reads are answered from: (type token, "namespace/name") -> object."""

    objects: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    read_errors: dict[str, str] = field(default_factory=dict)
    """"namespace/name" -> why the provider's ConfigMap read fails (unreachable, forbidden, ...)."""

    @classmethod
    def cce_default(
        cls, *, lb_controller: int | None = 1, ip_masq_config: str | None = CCE_DEFAULT_CONFIG
    ) -> FakeCluster:
        """A CCE cluster as the guide describes it: the add-on with `lb_controller` available
        replicas (None: not installed), and the ip-masq ConfigMap (None: absent)."""
        cluster = cls()
        if lb_controller is not None:
            cluster.put(
                "kubernetes:apps/v1:Deployment",
                _deployment(LB_CONTROLLER_DEPLOYMENT, LB_CONTROLLER_NAMESPACE, lb_controller),
            )
        if ip_masq_config is not None:
            cluster.put(
                "kubernetes:core/v1:ConfigMap",
                {
                    "apiVersion": "v1",
                    "kind": "ConfigMap",
                    "metadata": {"name": IP_MASQ_CONFIGMAP, "namespace": IP_MASQ_NAMESPACE},
                    "data": {IP_MASQ_DATA_KEY: ip_masq_config},
                },
            )
        return cluster

    def put(self, type_token: str, obj: dict[str, Any]) -> None:
        meta = obj["metadata"]
        self.objects[(type_token, f"{meta['namespace']}/{meta['name']}")] = obj

    def get(self, type_token: str, object_id: str) -> dict[str, Any] | None:
        found = self.objects.get((type_token, object_id))
        return copy.deepcopy(found) if found is not None else None


@dataclass
class Registration:
    type: str
    name: str
    inputs: dict[str, Any]
    read_id: str | None = None
    """The id a `Resource.get` read asked for (None for registrations)."""
    custom: bool = True
    urn: str = ""
    parent: str = ""
    dependencies: tuple[str, ...] = ()
    """URNs this resource waits for (explicit depends_on and those of its inputs)."""
    retain_on_delete: bool = False
    provider: str = ""
    """The provider reference the resource was registered with ("" for the default one)."""
    secret_paths: tuple[str, ...] = ()
    """Top-level inputs that reached the engine marked secret."""
    additional_secret_outputs: tuple[str, ...] = ()
    """Outputs the resource asks the engine to keep secret."""
    outputs: dict[str, Any] = field(default_factory=dict)
    """What a component passed to `register_outputs` (unknowns as `pulumi.output.Unknown`)."""

    @property
    def is_read(self) -> bool:
        return self.read_id is not None


class RecordingMocks(Mocks):
    def __init__(self, cluster: FakeCluster | None = None, preview: bool = True) -> None:
        self.cluster = cluster if cluster is not None else FakeCluster.cce_default()
        self.preview = preview
        self.registrations: list[Registration] = []
        self.invokes: list[tuple[str, dict[str, Any]]] = []
        """Function calls as (token, args), secrets unwrapped."""
        self.duplicate_urns: list[str] = []
        """URNs registered twice: the engine refuses the second (diag.GetResourceDuplicateURNError)."""
        self._urns: set[str] = set()
        self._constructed: dict[tuple[str, str], int] = {}

    def note_construction(self, args: pulumi.ResourceTransformationArgs) -> None:
        """A stack transformation: the SDK calls it synchronously as each resource is constructed,
        so the order it sees is the program's, unlike `registrations`, whose order is that of RPCs
        sent from a thread pool (it varies from run to run). Changes nothing."""
        self._constructed.setdefault((args.type_, args.name), len(self._constructed))

    def construction_index(self, registration: Registration) -> int:
        """Where the program constructed this resource (those it didn't, e.g. the stack, last)."""
        return self._constructed.get((registration.type, registration.name), len(self._constructed))

    def claim_urn(self, urn: str) -> None:
        if urn in self._urns:
            self.duplicate_urns.append(urn)
        self._urns.add(urn)

    def call(self, args: MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]] | None]:
        if args.token == READ_CONFIG_MAP:  # what the podlb provider would read from the cluster
            self.invokes.append((args.token, unwrapped(dict(args.args))))
            object_id = f"{args.args['namespace']}/{args.args['name']}"
            if object_id in self.cluster.read_errors:
                return {"found": False, "data": {}, "error": self.cluster.read_errors[object_id]}, []
            found = self.cluster.get("kubernetes:core/v1:ConfigMap", object_id)
            return {"found": found is not None, "data": dict((found or {}).get("data") or {})}, []
        raise NotImplementedError(f"podlb's mock engine has no function {args.token}")

    def new_resource(self, args: MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        raw = copy.deepcopy(dict(args.inputs))
        secret_paths = tuple(k for k, v in raw.items() if rpc.is_rpc_secret(v))
        inputs = unwrapped(raw)
        if args.resource_id:  # Resource.get: a read of a live object
            self.registrations.append(Registration(args.typ, args.name, inputs, read_id=args.resource_id))
            obj = self.cluster.get(args.typ, args.resource_id)
            if obj is None:
                raise MissingLiveObject(args.typ, args.resource_id)
            return args.resource_id, obj
        for run in args.transforms:  # the mock monitor doesn't run transforms; do it here
            result = run(
                pulumi.ResourceTransformArgs(bool(args.custom), args.typ, args.name, inputs, pulumi.ResourceOptions())
            )
            if isinstance(result, pulumi.ResourceTransformResult):
                inputs = dict(result.props)
        self.registrations.append(
            Registration(
                args.typ,
                args.name,
                inputs,
                custom=bool(args.custom),
                secret_paths=secret_paths,
            )
        )
        # Outputs echo inputs, secrets staying secret (as the engine does).
        state = {k: (raw[k] if k in secret_paths else copy.deepcopy(v)) for k, v in inputs.items()}
        if self.preview:
            return "", state  # ids and computed outputs stay unknown, as in `pulumi preview`
        if args.typ == "kubernetes:core/v1:Service":
            meta = state.setdefault("metadata", {})
            meta.setdefault("annotations", {})[LOAD_BALANCER_ID] = FAKE_BLB_ID
            if state.get("spec", {}).get("type") == "LoadBalancer":
                state["status"] = {"loadBalancer": {"ingress": [{"ip": FAKE_INGRESS_IP}]}}
            return f"{meta.get('namespace', 'default')}/{meta.get('name', args.name)}", state
        if args.typ == RULE_TYPE:
            state["rule_id"] = "r-" + hashlib.sha256(args.name.encode()).hexdigest()[:8]
            return state["rule_id"], state
        return f"{args.name}-id", state

    def by_name(self, name: str) -> Registration:
        matches = [r for r in self.registrations if r.name == name]
        if len(matches) != 1:
            raise KeyError(f"{len(matches)} registrations named {name!r}")
        return matches[0]

    def of_type(self, type_token: str) -> list[Registration]:
        return [r for r in self.registrations if r.type == type_token and not r.is_read]

    def rules(self) -> list[Registration]:
        return self.of_type(RULE_TYPE)


class RecordingMonitor(MockMonitor):
    """Pulumi's mock monitor, plus what it drops on the floor: options and secretness."""

    def RegisterResource(self, request: Any) -> Any:
        response = super().RegisterResource(request)  # type: ignore[no-untyped-call]
        mocks = self.mocks
        if isinstance(mocks, RecordingMocks) and request.type != "pulumi:pulumi:Stack":
            mocks.claim_urn(response.urn)
            for reg in reversed(mocks.registrations):
                if reg.name == request.name and reg.type == request.type and not reg.urn:
                    reg.urn = response.urn
                    reg.parent = request.parent
                    reg.dependencies = tuple(request.dependencies)
                    reg.retain_on_delete = bool(request.retainOnDelete)
                    reg.provider = request.provider
                    reg.additional_secret_outputs = tuple(request.additionalSecretOutputs)
                    break
        return response

    def RegisterResourceOutputs(self, request: Any) -> Any:
        mocks = self.mocks
        if isinstance(mocks, RecordingMocks):
            outputs = unwrapped(rpc.deserialize_properties(request.outputs, keep_unknowns=True) or {})
            for reg in mocks.registrations:
                if reg.urn == request.urn:
                    reg.outputs = dict(outputs)
        return super().RegisterResourceOutputs(request)  # type: ignore[no-untyped-call]

    def ReadResource(self, request: Any) -> Any:
        response = super().ReadResource(request)  # type: ignore[no-untyped-call]
        mocks = self.mocks
        if isinstance(mocks, RecordingMocks):
            mocks.claim_urn(response.urn)
            for reg in reversed(mocks.registrations):
                if reg.name == request.name and reg.read_id == request.id and not reg.urn:
                    reg.urn, reg.parent = response.urn, request.parent
                    break
        return response


@dataclass(frozen=True)
class Diagnostic:
    """A message the program logged, with the URN of the resource it was logged against."""

    severity: str
    """"warning" or "error"."""
    message: str
    urn: str = ""


class RecordingEngine(MockEngine):
    """Pulumi's mock engine, keeping the resource each message is about (the real CLI prints
    it beside the message; the mock's logger drops it)."""

    def __init__(self, logger: logging.Logger) -> None:
        super().__init__(logger)
        self.diagnostics: list[Diagnostic] = []

    def Log(self, request: Any) -> None:
        from pulumi.runtime.proto import engine_pb2

        severity = {engine_pb2.WARNING: "warning", engine_pb2.ERROR: "error"}.get(request.severity)
        if severity is not None:
            self.diagnostics.append(Diagnostic(severity, request.message, request.urn))
        super().Log(request)  # type: ignore[no-untyped-call]


class DuplicateUrnError(PodLbError):
    """Two resources with one URN: `pulumi preview` fails with the engine's own message."""

    def __init__(self, urn: str) -> None:
        name = urn.rsplit("::", 1)[-1]
        super().__init__(
            name,
            "name",
            f"Duplicate resource URN '{urn}'; try giving it a unique name (the engine refuses a second "
            f"resource of this type named '{name}' under the same parent)",
            "give every component its own name in the program",
        )
        self.urn = urn


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


class _NotResolved:
    def __repr__(self) -> str:
        return "NOT_RESOLVED"


NOT_RESOLVED: Any = _NotResolved()
"""`ProgramRun.value` when the program's result never became known (e.g. unknown in preview)."""


class _DropNeverRetrieved(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return "exception was never retrieved" not in record.getMessage()


def _quiet_abandoned_futures() -> None:
    log = logging.getLogger("asyncio")
    if not any(isinstance(f, _DropNeverRetrieved) for f in log.filters):
        log.addFilter(_DropNeverRetrieved())


@dataclass
class ProgramRun:
    mocks: RecordingMocks
    warnings: list[str]
    errors: list[str]
    outputs: dict[str, Any]
    value: Any = NOT_RESOLVED
    """What the program returned, resolved (Outputs awaited). Assert on this outside any
    `apply`, so a callback that never ran fails the test instead of passing silently."""
    diagnostics: list[Diagnostic] = field(default_factory=list)
    """The warnings and errors, each with the URN of the resource it was logged against."""


def run_program(
    program: Callable[[], Any],
    *,
    preview: bool = True,
    cluster: FakeCluster | None = None,
    config: dict[str, Any] | None = None,
    secret_keys: list[str] | None = None,
    project: str = "project",
    stack: str = "stack",
) -> ProgramRun:
    """Run `program` to completion under the mock engine. Raises whatever the program (or any
    of its callbacks) raised, as `pulumi up`/`preview` would fail with it."""
    mocks = RecordingMocks(cluster, preview)
    logger = logging.getLogger(f"podlb.mock.{id(mocks)}")
    logger.propagate = False
    logger.setLevel(logging.WARNING)  # the engine's debug chatter isn't kept: don't build it
    collect = _Collect()
    logger.addHandler(collect)
    pulumi.runtime.set_mocks(
        mocks, project=project, stack=stack, preview=preview, logger=logger, monitor=RecordingMonitor(mocks)
    )
    engine = RecordingEngine(logger)
    pulumi.runtime.settings.SETTINGS.engine = engine
    pulumi.runtime.set_all_config({k: v for k, v in (config or {}).items()}, secret_keys or [])
    root = pulumi.runtime.get_root_resource()
    if root is not None:
        pulumi.runtime.register_stack_transformation(mocks.note_construction)
    resolved: list[Any] = []

    @pulumi.runtime.test  # type: ignore[untyped-decorator]
    def run() -> Any:
        return pulumi.Output.from_input(program()).apply(resolved.append)

    try:
        run()
    except BaseException:
        # The failure is raised to the caller; the futures it left behind would otherwise be
        # reported again as "Future exception was never retrieved" when they are collected.
        _quiet_abandoned_futures()
        raise
    finally:
        logger.removeHandler(collect)
    if mocks.duplicate_urns:
        raise DuplicateUrnError(mocks.duplicate_urns[0])
    outputs = dict(getattr(root, "outputs", {}) or {})
    return ProgramRun(
        mocks=mocks,
        warnings=[r.getMessage() for r in collect.records if r.levelno == logging.WARNING],
        errors=[r.getMessage() for r in collect.records if r.levelno >= logging.ERROR],
        outputs=outputs,
        value=resolved[0] if resolved else NOT_RESOLVED,
        diagnostics=list(engine.diagnostics),
    )
