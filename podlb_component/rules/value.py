"""Pure: what a security-group rule is to podlb, as one field table (`FIELDS`).

Every other place that lists a rule's fields derives the list from the table: the Args and the
outputs (checked against it when this module loads), the provider's inputs, outputs, identity and
check, the schema entry, the BCE request body, `podlb plan`'s rows and `podlb doctor`'s coverage.
A new field is a row here (and its line in the Args, the outputs and, if BCE's body carries
it, the `Rule` value below). The fake BCE keeps its
own model on purpose: it stands for Baidu, not for podlb.

Also here: which groups are enterprise groups, how long a remark may be, CIDR checks, and when
two spellings of a rule field mean the same rule.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from dataclasses import fields as dataclass_fields
from typing import Any, Literal, TypedDict

import pulumi

from ..errors import PodLbError

NORMAL_GROUP_PREFIX = "g-"  # BCC /v2/securityGroup
ENTERPRISE_GROUP_PREFIX = "esg-"  # /v1/enterprise/security (bce-sdk-go types: SecurityGroupType*IDPrefix)
REMARK_MAX = 128
"""Longest remark podlb writes. Baidu documents no limit; 128 is the strictest plausible one
(the fake enforces it), and the owner token comes first so truncation never cuts it."""
OPEN_TO_WORLD = "0.0.0.0/0"
ENTERPRISE_ALLOW = {"action": "allow", "priority": 1000}
"""What an enterprise rule's body adds: podlb writes allow rules only, at the lowest precedence
(1000; 1 is the highest), so they never override a deny."""


def is_enterprise_group(group_id: str) -> bool:
    return group_id.startswith(ENTERPRISE_GROUP_PREFIX)


def is_security_group_id(value: object) -> bool:
    return isinstance(value, str) and value.startswith((NORMAL_GROUP_PREFIX, ENTERPRISE_GROUP_PREFIX))


def cidr_problem(cidr: str) -> tuple[str, str] | None:
    """(problem, fix) when `cidr` isn't a network in CIDR form, else None. A bare address is
    refused rather than widened silently, and so is a block with host bits set
    (203.0.113.5/24): which of /32 or the /24 network was meant is the author's call."""
    try:
        ipaddress.ip_network(cidr, strict=False)
    except ValueError:
        return f"{cidr!r} is not a CIDR block", "write an address range such as '10.0.0.0/16' or '203.0.113.7/32'"
    if "/" not in cidr:
        host = ipaddress.ip_address(cidr)
        return (
            f"{cidr!r} is an address, not a CIDR block",
            f"write '{cidr}/{host.max_prefixlen}' for this one host",
        )
    try:
        ipaddress.ip_network(cidr, strict=True)
    except ValueError:
        network = ipaddress.ip_network(cidr, strict=False)
        return (
            f"{cidr!r} has host bits set: the block it names is {network}",
            f"write '{network}' for the block, or '{cidr.split('/')[0]}/{network.max_prefixlen}' for the one host",
        )
    return None


def check_cidr(resource: str, field: str, cidr: str) -> str:
    """The same rule wherever podlb takes a CIDR (source ranges, vpc_cidr, rule sources)."""
    found = cidr_problem(cidr)
    if found:
        raise PodLbError(resource, field, *found)
    return cidr


# -- the same rule in another spelling --------------------------------------------------------
# Baidu may hand rule fields back rewritten. Evidence: terraform-provider-baiducloud's rule
# matching (`compareSecurityGroupRule`) treats `x/32` as `x`, "" as `all` for protocol and
# source, "" as `1-65535` for the port range and "" as `IPv4`. podlb matches either form, and
# treats 0.0.0.0/0 (::/0) as `all` too, in case the API rewrites that as well.
def canonical_address(value: str | None) -> str:
    text = (value or "").strip()
    if text in ("", "all"):
        return "all"
    try:
        network = ipaddress.ip_network(text, strict=False)
    except ValueError:
        return text
    if network.prefixlen == 0:
        return "all"
    if network.prefixlen == network.max_prefixlen:
        return str(network.network_address)
    return str(network)


def canonical_protocol(value: str | None) -> str:
    return (value or "").lower() or "all"


def canonical_port_range(value: str | None) -> str:
    text = (value or "").strip()
    if text in ("", "1-65535"):
        return "1-65535"
    low, _, high = text.partition("-")
    return low if high in ("", low) else text


def canonical_ethertype(value: str | None) -> str:
    return value or "IPv4"


def canonical_direction(value: str | None) -> str:
    """A rule listed without a direction is read as ingress (the strict reading: podlb only ever
    writes ingress rules, so it must recognise its own either way)."""
    return str(value or "ingress")


def listed_action(rule: Mapping[str, Any]) -> str:
    """An enterprise rule's action; normal rules have none and allow."""
    return str(rule.get("action") or "allow")


# -- why an input is refused (the provider's check) -------------------------------------------
def _group_problem(value: object, inputs: Mapping[str, Any]) -> str | None:
    return None if is_security_group_id(value) else f"{value!r} is not a 'g-…' or 'esg-…' security group id"


def _protocol_problem(value: object, inputs: Mapping[str, Any]) -> str | None:
    return None if value in ("tcp", "udp") else f"must be 'tcp' or 'udp', got {value!r}"


def _port_range_problem(value: object, inputs: Mapping[str, Any]) -> str | None:
    refused = f"must be a port 1-65535 or a range 'a-b', got {value!r}"
    if not isinstance(value, str):
        return refused
    parts = value.split("-")
    if len(parts) not in (1, 2) or not all(p.isdigit() for p in parts):
        return refused
    numbers = [int(p) for p in parts]
    return None if all(1 <= n <= 65535 for n in numbers) and numbers == sorted(numbers) else refused


def _source_problem(value: object, inputs: Mapping[str, Any]) -> str | None:
    problem = cidr_problem(str(value))
    return f"{problem[0]}; {problem[1]}" if problem else None


def _remark_problem(value: object, inputs: Mapping[str, Any]) -> str | None:
    ok = isinstance(value, str) and len(value) <= REMARK_MAX
    return None if ok else f"must be a string of at most {REMARK_MAX} characters"


def _ethertype_of(inputs: Mapping[str, Any]) -> str | None:
    """From the source CIDR; None while the source is refused."""
    source = inputs.get("source_ip")
    if _source_problem(source, inputs):
        return None
    return "IPv6" if ipaddress.ip_network(str(source)).version == 6 else "IPv4"


# -- the table --------------------------------------------------------------------------------
Role = Literal["identity", "in_place", "derived", "output"]


@dataclass(frozen=True)
class RuleField:
    """One field of a rule, everywhere podlb handles it."""

    name: str
    """Its name in the Args, the outputs, the provider's state and the schema."""
    role: Role
    """identity: an input; a change makes a new rule (made before the old one is deleted).
    in_place: an input changed on the live rule. derived: set by the check from the inputs, part
    of the identity. output: given by BCE."""
    description: str
    """The schema's description (the input's and the output's)."""
    schema_type: str = "string"
    required: bool = False
    """A required input."""
    default: Any = None
    """An input's value when unset; a derived field's in state written before it was."""
    api: str | None = None
    """Its key in BCE's rule body and listings (None: not there; the group is in the path)."""
    canonical: Callable[[Any], str] | None = None
    """How two spellings of it compare, when it decides which listed rule is this one."""
    problem: Callable[[Any, Mapping[str, Any]], str | None] | None = None
    """Why an input value is refused (the provider's check), else None."""
    derive: Callable[[Mapping[str, Any]], Any] | None = None
    """A derived field's value from the checked inputs (None: not yet known)."""
    plan: tuple[str, str] | None = None
    """Its key in `podlb plan -o json`'s rules, and its column in the text table ("": none)."""
    update_keyword: str | None = None
    """An in-place field's keyword in the SDK's update calls (BccClient.update_security_group_rule,
    EsgClient.update_enterprise_security_group_rule), which differ from the body's keys."""
    names_owner: bool = False
    """The remark: who owns the rule, passed beside the `Rule` value rather than in it (a change of
    owner is checked against the live rule first)."""

    def spelt(self, value: Any) -> str:
        """`value` in the canonical spelling (fields that decide which listed rule is this one)."""
        if self.canonical is None:
            raise TypeError(f"rule field {self.name!r} has no canonical spelling")
        return self.canonical(value)


FIELDS: tuple[RuleField, ...] = (
    RuleField(
        "security_group_id",
        "identity",
        "'g-…' (normal) or 'esg-…' (enterprise) group that gets the rule.",
        required=True,
        problem=_group_problem,
        plan=("group", "GROUP"),
    ),
    RuleField(
        "protocol",
        "identity",
        "'tcp' or 'udp'.",
        required=True,
        api="protocol",
        canonical=canonical_protocol,
        problem=_protocol_problem,
        plan=("protocol", "PROTOCOL"),
    ),
    RuleField(
        "port_range",
        "identity",
        "A port ('8080') or a range ('8000-8080').",
        required=True,
        api="portRange",
        canonical=canonical_port_range,
        problem=_port_range_problem,
        plan=("port", "PORT"),
    ),
    RuleField(
        "source_ip",
        "identity",
        "Source CIDR of the ingress rule, in network form.",
        required=True,
        api="sourceIp",
        canonical=canonical_address,
        problem=_source_problem,
        plan=("source", "SOURCE"),
    ),
    RuleField(
        "remark",
        "in_place",
        f"Names the owning resource (its owner token first, rules.ownership.owner_remark); at most {REMARK_MAX} "
        "characters.",
        default="",
        api="remark",
        problem=_remark_problem,
        plan=("remark", ""),
        update_keyword="remark",
        names_owner=True,
    ),
    RuleField(
        "ethertype",
        "derived",
        "'IPv4' or 'IPv6', from the source CIDR.",
        default="IPv4",
        api="ethertype",
        canonical=canonical_ethertype,
        derive=_ethertype_of,
    ),
    RuleField(
        "direction",
        "derived",
        "Always 'ingress'.",
        default="ingress",
        api="direction",
        canonical=canonical_direction,
        derive=lambda inputs: "ingress",
    ),
    RuleField("rule_id", "output", "The rule's id in BCE."),
)
FIELD = {f.name: f for f in FIELDS}
INPUT_FIELDS = tuple(f for f in FIELDS if f.role in ("identity", "in_place"))
INPUTS = tuple(f.name for f in INPUT_FIELDS)
OUTPUTS = tuple(f.name for f in FIELDS)
STATE_FIELDS = tuple(f.name for f in FIELDS if f.role != "output")
"""What the provider's state holds besides BCE's outputs: the checked inputs."""
(ID_FIELD,) = (f.name for f in FIELDS if f.role == "output")
OWNER_FIELD = next(f for f in FIELDS if f.names_owner)
VALUE_FIELDS = tuple(f.name for f in FIELDS if f.role in ("identity", "derived", "in_place") and not f.names_owner)
"""The `Rule` value's fields."""
_COMPARED = tuple(f for f in FIELDS if f.api and f.canonical and f.name in VALUE_FIELDS)
IDENTITY_FIELDS = tuple(f.name for f in FIELDS if f.role in ("identity", "derived"))
"""A change to any of these is a new rule."""
PLAN_COLUMNS = tuple((f.plan[0], f.plan[1]) for f in FIELDS if f.plan and f.plan[1])
"""(JSON key, header) of the rules table's columns, in order."""
DESCRIPTION = (
    "An ingress rule in a Baidu security group, owned by one podlb resource (its remark says which); podlb adopts, "
    "changes and deletes only rules that carry its own owner token."
)


class SecurityGroupRuleArgs(TypedDict, total=False):
    """A SecurityGroupRule's inputs; each field's description is its row in rules/value.FIELDS."""

    security_group_id: pulumi.Input[str]
    protocol: pulumi.Input[str]
    port_range: pulumi.Input[str]
    source_ip: pulumi.Input[str]
    remark: pulumi.Input[str]


class RuleOutputs:
    """A SecurityGroupRule's outputs (its attributes); each described by its row in FIELDS."""

    security_group_id: pulumi.Output[str]
    protocol: pulumi.Output[str]
    port_range: pulumi.Output[str]
    source_ip: pulumi.Output[str]
    remark: pulumi.Output[str]
    ethertype: pulumi.Output[str]
    direction: pulumi.Output[str]
    rule_id: pulumi.Output[str]


@dataclass(frozen=True)
class Rule:
    """What decides which rule a listed rule is, and what BCE's body carries (the remark aside:
    it says who owns the rule, and is passed beside it)."""

    security_group_id: str
    direction: str
    protocol: str
    port_range: str
    source_ip: str
    ethertype: str

    @classmethod
    def of(cls, props: Mapping[str, Any]) -> Rule:
        """From the provider's inputs or state (state written before a field with a default was
        has none: its default)."""

        def value(f: RuleField) -> Any:
            return props[f.name] if f.default is None else props.get(f.name) or f.default

        return cls(**{name: value(FIELD[name]) for name in VALUE_FIELDS})

    @property
    def enterprise(self) -> bool:
        return is_enterprise_group(self.security_group_id)

    def matches(self, rule: Mapping[str, Any]) -> bool:
        """Same rule as `rule` (as the API lists it), in whichever spelling each side uses."""
        return (
            all(listed(rule, f.name) == f.spelt(getattr(self, f.name)) for f in _COMPARED)
            and not rule.get("sourceGroupId")
            and (not self.enterprise or listed_action(rule) == "allow")
        )

    def body(self, remark: str) -> dict[str, Any]:
        """BCE's rule body (bce-sdk-go SecurityGroupRuleModel, EnterpriseSecurityGroupRuleModel):
        what authorize sends, and what a normal group's revoke must repeat exactly."""
        sent = {str(f.api): getattr(self, f.name) for f in FIELDS if f.api and f.name in VALUE_FIELDS}
        return {**sent, str(OWNER_FIELD.api): remark, **(ENTERPRISE_ALLOW if self.enterprise else {})}


def listed(rule: Mapping[str, Any], name: str) -> str:
    """Field `name` of a rule as the API lists it, in its canonical spelling."""
    field = FIELD[name]
    return field.spelt(rule.get(str(field.api)))


def letting_in(group_rules: Sequence[Mapping[str, Any]], port: int, protocol: str) -> list[Mapping[str, Any]]:
    """The listed rules of one group that let `protocol`/`port` in (doctor's coverage), each read
    as `Rule.matches` reads a listed rule."""
    return [rule for rule in group_rules if _lets_in(rule, port, protocol)]


def _lets_in(rule: Mapping[str, Any], port: int, protocol: str) -> bool:
    if listed(rule, "direction") != "ingress" or listed_action(rule) != "allow":
        return False
    if listed(rule, "protocol") not in (canonical_protocol(protocol), "all"):
        return False
    low, _, high = listed(rule, "port_range").partition("-")
    return low.isdigit() and int(low) <= port <= int(high or low)


def in_place_changes(olds: Mapping[str, Any], news: Mapping[str, Any]) -> dict[str, Any]:
    """The SDK update call's keyword -> new value of each in-place field that changed, an unset
    one read as its default (state written before a field existed must not look changed)."""

    def value(props: Mapping[str, Any], f: RuleField) -> Any:
        return f.default if props.get(f.name) is None else props[f.name]

    return {
        str(f.update_keyword): value(news, f)
        for f in FIELDS
        if f.role == "in_place" and value(olds, f) != value(news, f)
    }


def checked_inputs(news: Mapping[str, Any]) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """The provider's check: (inputs with defaults and derived fields, [(field, why refused)])."""
    inputs = {f.name: news[f.name] for f in INPUT_FIELDS if f.name in news}
    for f in INPUT_FIELDS:
        if f.default is not None:
            inputs.setdefault(f.name, f.default)
    refused = [(f.name, p) for f in INPUT_FIELDS if f.problem and (p := f.problem(inputs.get(f.name), inputs))]
    for f in FIELDS:
        if f.derive is not None and (value := f.derive(inputs)) is not None:
            inputs[f.name] = value
    return inputs, refused


def resource_props(args: Mapping[str, Any]) -> dict[str, Any]:
    """The properties a program registers: the inputs (with defaults), every output unknown."""
    return {f.name: args.get(f.name, f.default) if f.name in INPUTS else None for f in FIELDS}


def refreshed(outputs: Mapping[str, Any], found: Mapping[str, Any]) -> dict[str, Any]:
    """The state after a read found the rule: in-place fields as listed; the identity as listed
    only when it is really another rule (the API may answer in another spelling of the same
    rule, x/32 as x, …: keep ours then, or every refresh would show a change)."""
    result = {**outputs, **{f.name: found.get(str(f.api)) or f.default for f in FIELDS if f.role == "in_place"}}
    if not Rule.of(outputs).matches(found):
        result.update(
            {f.name: found.get(str(f.api)) or outputs[f.name] for f in FIELDS if f.role == "identity" and f.api}
        )
    return result


def plan_row(inputs: Mapping[str, Any]) -> dict[str, Any]:
    """A rule's entry in `podlb plan`'s rules, keyed as `-o json` writes them."""
    return {f.plan[0]: inputs.get(f.name, f.default) for f in FIELDS if f.plan}


def schema_entry() -> dict[str, Any]:
    """The rule's entry in the package schema, less its aliases."""

    def spec(f: RuleField) -> dict[str, Any]:
        return {"type": f.schema_type, "description": f.description}

    return {
        "description": DESCRIPTION,
        "requiredInputs": [f.name for f in INPUT_FIELDS if f.required],
        "inputProperties": {f.name: spec(f) for f in INPUT_FIELDS},
        "properties": {f.name: spec(f) for f in FIELDS},
        "required": [f.name for f in FIELDS if f.role != "derived"],
    }


def _declared_as_the_table_says() -> None:
    """The table is whole, and the Args, the outputs and the Rule value are typed declarations of
    it: a field added to one and not to the table (or the other way), or a row missing what its
    role needs, stops podlb loading, here."""
    needs = {
        "identity": ("problem",),  # checked; compared by `matches` when BCE lists it (api + canonical)
        "in_place": ("api", "update_keyword", "problem"),
        "derived": ("api", "canonical", "derive"),
        "output": (),
    }
    for f in FIELDS:
        missing = [attribute for attribute in needs[f.role] if getattr(f, attribute) is None]
        if f.role == "identity" and f.api and f.canonical is None:
            missing.append("canonical")
        if missing:
            raise TypeError(f"rules/value.py: the {f.role} field {f.name!r} has no {', '.join(missing)}")
    declared = {
        "SecurityGroupRuleArgs": (set(SecurityGroupRuleArgs.__annotations__), set(INPUTS)),
        "RuleOutputs": (set(RuleOutputs.__annotations__), set(OUTPUTS)),
        "Rule": ({f.name for f in dataclass_fields(Rule)}, set(VALUE_FIELDS)),
    }
    for name, (has, table) in declared.items():
        if has != table:
            raise TypeError(f"rules/value.py: {name} declares {sorted(has)} but FIELDS says {sorted(table)}")


_declared_as_the_table_says()
