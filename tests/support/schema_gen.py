"""Generate podlb's package schema, podlb_component/provider/schema.json, from its sources (a
development tool: not shipped in the wheel; the plugin serves the committed file through
podlb_component/provider/schema.py). After changing any source below, regenerate it from the
repository's root:

    python -m tests.support.schema_gen --write

(`--check` exits 1 when the committed file is stale; tests/unit/test_schema.py checks the same.)

Generated from one source each:
- `config` and `provider`: config.KEYS.
- `podlb:index:PodDirectCluster` and `podlb:index:PodDirectService` (`isComponent`): the Args
  TypedDicts (cluster/args.py, service/args.py, service/load_balancer.py). Each annotation maps to
  a schema type and each field's docstring is its description; `Required[...]` makes a required
  input; a field not wrapped in `pulumi.Input` is `plain` (it must be known at preview, as the
  Python validation insists); a nested TypedDict becomes an entry in `types`; a component as a
  field's type is a `$ref` to its resource. The outputs are the fields of what each component
  registers (cluster/outputs.py ClusterOutputs, service/outputs.py ServiceOutputs), described by
  their own docstring, else by the component attribute of that name; the resource's description
  is the component class's docstring.
- the custom resources: their module's entry (security_group_rule.py, cce_addon.py), its
  `inputProperties` built from resources.py's Args TypedDicts by the same mapping (one
  description per input), and the alias from podlb 0.2.0's dynamic type (resources.DYNAMIC_TYPE).
- the function: read_config_map.SCHEMA.

The component sources are read as text with `ast`, never imported: a TypedDict keeps no field
docstrings at runtime. A field whose type has no schema equivalent stops the generator with its
name, unless LEFT_OUT lists it with the reason (docs/design.md, "The schema").
"""

from __future__ import annotations

import argparse
import ast
import inspect
import json
import re
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import podlb_component
from podlb_component.names import camel
from podlb_component.provider.config import KEYS, config_schema
from podlb_component.provider.publishing import PACKAGE, PYTHON_DISTRIBUTION, plugin_json, schema_fields
from podlb_component.provider.schema import SCHEMA_FILE
from podlb_component.provider.server import FUNCTION_SCHEMAS, RESOURCES
from podlb_component.tokens import ADDON_TYPE, CLUSTER_TYPE, SERVICE_TYPE

REGENERATE = "python -m tests.support.schema_gen --write"
SOURCES = Path(podlb_component.__file__).resolve().parent
"""podlb_component/: the modules the component entries are read from."""
SCHEMA_PATH = SOURCES / "provider" / SCHEMA_FILE
"""The committed schema: what the plugin serves (provider/schema.py committed())."""
ANY = {"$ref": "pulumi.json#/Any"}
PLUGIN_JSON = SOURCES.parent / PYTHON_DISTRIBUTION / "pulumi-plugin.json"
"""The Python package's plugin declaration (publishing.plugin_json), written and checked with the schema."""

LEFT_OUT: dict[str, str] = {}
"""`Args.field` -> why it has no schema property. Empty: every input of both components maps to a
schema type. (What stays Python-only is not an input: see PYTHON_ONLY.)"""
PYTHON_ONLY: dict[str, str] = {
    "PodDirectCluster.kubernetes_provider": "an attribute, not a registered output (the Kubernetes provider the "
    "children use; other languages pass theirs as the `kubernetes` entry of the `providers` resource option)",
    "PodDirectCluster.spec": "the validated Python inputs, for tests and `podlb plan`",
    "PodDirectCluster.plan": "`spec` under its 0.3.0 name",
    "PodDirectCluster.outputs": "the registered outputs as one Python value; other languages read each output",
    "PodDirectCluster.contract": "what a PodDirectService takes from its cluster, in the same process",
    "PodDirectCluster.prerequisites": "resources a Service waits for, handed over by the contract",
    "PodDirectCluster.discovered": "what discovery read from the CCE API, for `podlb plan`",
    "PodDirectCluster.rules_for": "a Service asks its cluster for rules in-process (through the contract)",
    "PodDirectCluster.claim_blb_ports": "a Service claims BLB ports in-process (through the contract)",
    "PodDirectCluster.controller_too_old_for_blb_reuse": "read through the contract",
    "PodDirectService.rules": "an attribute, not a registered output: the SecurityGroupRule resources "
    "(their cloud ids are the output security_group_rule_ids)",
    "PodDirectService.service": "an attribute, not a registered output: the Kubernetes Service resource "
    "(its name and namespace are outputs)",
    "PodDirectService.spec": "the validated Python inputs, for tests and `podlb plan`",
    "PodDirectService.plan": "`spec` under its 0.3.0 name",
    "PodDirectService.outputs": "the registered outputs as one Python value; other languages read each output",
    "PodDirectService.graceful_shutdown_transform": "returns a pulumi.ResourceTransform, a Python callable "
    "(no schema type); other languages set the preStop sleep and grace period in their Deployment",
}
"""Public attributes and methods of the component classes that the schema leaves out, and why."""


@dataclass(frozen=True)
class Component:
    token: str
    args: tuple[str, str]
    """(module path under podlb_component/, Args TypedDict)."""
    cls: tuple[str, str]
    """(module path, component class): its docstring, and its attributes' docstrings."""
    outputs: tuple[str, str]
    """(module path, dataclass of what the component registers)."""


COMPONENTS = (
    Component(
        CLUSTER_TYPE,
        ("cluster/args.py", "PodDirectClusterArgs"),
        ("cluster/component.py", "PodDirectCluster"),
        ("cluster/outputs.py", "ClusterOutputs"),
    ),
    Component(
        SERVICE_TYPE,
        ("service/args.py", "PodDirectServiceArgs"),
        ("service/component.py", "PodDirectService"),
        ("service/outputs.py", "ServiceOutputs"),
    ),
)
TYPE_SOURCES = ("cluster/args.py", "cluster/outputs.py", "service/args.py", "service/load_balancer.py")
"""Modules whose TypedDicts may appear as nested types."""
CUSTOM_RESOURCE_ARGS = {ADDON_TYPE: "CceAddonArgs"}
"""Custom resource token -> its Args TypedDict in resources.py (the inputs' one description), for
a resource whose module's schema entry has no inputProperties (the rule's come from its field table)."""

_PRIMITIVES = {"str": "string", "int": "integer", "float": "number", "bool": "boolean"}
_SEQUENCES = {"Sequence", "list", "tuple"}
_MAPPINGS = {"Mapping", "dict"}


class SchemaSourceError(ValueError):
    """A source the schema is generated from says something the schema can't express."""


def _doc(text: str) -> str:
    """A docstring as one Markdown paragraph."""
    return re.sub(r"\s*\n\s*", " ", inspect.cleandoc(text)).strip()


@dataclass(frozen=True)
class Field:
    name: str
    annotation: ast.expr
    doc: str


@dataclass(frozen=True)
class Declared:
    """A TypedDict or dataclass as its source declares it."""

    name: str
    doc: str
    fields: tuple[Field, ...]
    total: bool = True


def _class_fields(body: list[ast.stmt]) -> tuple[Field, ...]:
    fields: list[Field] = []
    for i, stmt in enumerate(body):
        if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
            following = body[i + 1] if i + 1 < len(body) else None
            doc = ""
            if (
                isinstance(following, ast.Expr)
                and isinstance(following.value, ast.Constant)
                and isinstance(following.value.value, str)
            ):
                doc = _doc(following.value.value)
            fields.append(Field(stmt.target.id, stmt.annotation, doc))
    return tuple(fields)


def _functional_typeddict(name: str, call: ast.Call, doc: str, field_docs: Mapping[str, str]) -> Declared:
    """`X = TypedDict("X", {...})` (for keys that aren't identifiers): the field descriptions come
    from `X_FIELDS`, a dict literal beside it."""
    spec = call.args[1]
    if not isinstance(spec, ast.Dict):
        raise SchemaSourceError(f"{name}: the fields of a functional TypedDict must be a dict literal")
    fields = []
    for key, value in zip(spec.keys, spec.values, strict=True):
        if not (isinstance(key, ast.Constant) and isinstance(key.value, str)):
            raise SchemaSourceError(f"{name}: field names must be string literals")
        fields.append(Field(key.value, value, field_docs.get(key.value, "")))
    return Declared(name, doc, tuple(fields))


def _field_docs_literal(module: ast.Module, name: str) -> dict[str, str]:
    """The `SECURITY_GROUP_ORIGIN_FIELDS`-style literal beside functional TypedDict `name`."""
    wanted = re.sub(r"(?<!^)(?=[A-Z])", "_", name).upper() + "_FIELDS"
    for stmt in module.body:
        target: ast.expr
        value: ast.expr | None
        if isinstance(stmt, ast.AnnAssign):
            target, value = stmt.target, stmt.value
        elif isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
            target, value = stmt.targets[0], stmt.value
        else:
            continue
        if isinstance(target, ast.Name) and target.id == wanted and value is not None:
            return {str(k): _doc(str(v)) for k, v in ast.literal_eval(value).items()}
    return {}


def declarations(path: str) -> dict[str, Declared]:
    """Every class (TypedDict or dataclass) and functional TypedDict of a module, by name."""
    module = ast.parse((SOURCES / path).read_text(encoding="utf-8"))
    found: dict[str, Declared] = {}
    for i, stmt in enumerate(module.body):
        if isinstance(stmt, ast.ClassDef):
            total = not any(
                k.arg == "total" and isinstance(k.value, ast.Constant) and k.value.value is False for k in stmt.keywords
            )
            found[stmt.name] = Declared(stmt.name, _doc(ast.get_docstring(stmt) or ""), _class_fields(stmt.body), total)
        elif (
            isinstance(stmt, ast.Assign)
            and isinstance(stmt.value, ast.Call)
            and isinstance(stmt.value.func, ast.Name)
            and stmt.value.func.id == "TypedDict"
            and isinstance(stmt.targets[0], ast.Name)
        ):
            name = stmt.targets[0].id
            following = module.body[i + 1] if i + 1 < len(module.body) else None
            doc = ""
            if isinstance(following, ast.Expr) and isinstance(following.value, ast.Constant):
                doc = _doc(str(following.value.value))
            found[name] = _functional_typeddict(name, stmt.value, doc, _field_docs_literal(module, name))
    return found


def module_constant(path: str, name: str) -> str:
    """A module-level string constant, read from the source."""
    for stmt in ast.parse((SOURCES / path).read_text(encoding="utf-8")).body:
        if (
            isinstance(stmt, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == name for t in stmt.targets)
            and isinstance(stmt.value, ast.Constant)
        ):
            return str(stmt.value.value)
    raise SchemaSourceError(f"{path} defines no string constant {name}")


def type_token(typeddict: str) -> str:
    """LbControllerChartArgs -> podlb:index:LbControllerChart (SDKs add their own Args suffix)."""
    return f"{PACKAGE}:index:{typeddict.removesuffix('Args')}"


def _name(node: ast.expr) -> str:
    """`pulumi.Input` -> "Input", `Sequence` -> "Sequence"."""
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Name):
        return node.id
    raise SchemaSourceError(f"unsupported annotation {ast.unparse(node)}")


@dataclass(frozen=True)
class Mapped:
    spec: dict[str, Any]
    optional: bool = False
    """`X | None`: the value may be absent."""
    key: str = ""
    """"Required" or "NotRequired" when the annotation says so."""
    literals: tuple[str, ...] = ()


class TypeMapper:
    """Python annotations (as source) -> schema type specs; collects the nested types it meets."""

    def __init__(self, known: Mapping[str, Declared], resources: Mapping[str, str]) -> None:
        self.known = known
        self.resources = resources
        """Class name -> resource token, for a component passed as an input."""
        self.used: dict[str, tuple[Declared, bool]] = {}
        """TypedDicts met, and whether any of them as (part of) an input."""

    def map(self, node: ast.expr, *, as_input: bool, plain: bool = True) -> Mapped:
        """`plain`: not inside a pulumi.Input (only inputs carry the flag)."""
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):  # X | None
            sides = [s for s in (node.left, node.right) if not (isinstance(s, ast.Constant) and s.value is None)]
            if len(sides) != 1:
                raise SchemaSourceError(f"a union has no schema type: {ast.unparse(node)}")
            inner = self.map(sides[0], as_input=as_input, plain=plain)
            return Mapped(inner.spec, True, inner.key, inner.literals)
        if isinstance(node, ast.Subscript):
            return self._generic(node, as_input=as_input, plain=plain)
        name = _name(node)
        if name in _PRIMITIVES:
            spec: dict[str, Any] = {"type": _PRIMITIVES[name]}
        elif name == "Any":
            spec = dict(ANY)
        elif name in self.resources:
            spec = {"$ref": f"#/resources/{self.resources[name]}"}
        elif name in self.known:
            self.used[name] = (self.known[name], as_input or self.used.get(name, (None, False))[1])
            spec = {"$ref": f"#/types/{type_token(name)}"}
        else:
            raise SchemaSourceError(f"no schema type for {ast.unparse(node)}")
        return Mapped(self._plain(spec, as_input, plain))

    @staticmethod
    def _plain(spec: dict[str, Any], as_input: bool, plain: bool) -> dict[str, Any]:
        return {**spec, "plain": True} if as_input and plain else spec

    def _generic(self, node: ast.Subscript, *, as_input: bool, plain: bool) -> Mapped:
        outer = _name(node.value)
        params = list(node.slice.elts) if isinstance(node.slice, ast.Tuple) else [node.slice]
        if outer in ("Input", "Output"):
            inner = self.map(params[0], as_input=as_input, plain=False)
            return Mapped(inner.spec, inner.optional, inner.key, inner.literals)
        if outer in ("Required", "NotRequired"):
            inner = self.map(params[0], as_input=as_input, plain=plain)
            return Mapped(inner.spec, inner.optional, outer, inner.literals)
        if outer == "Optional":
            inner = self.map(params[0], as_input=as_input, plain=plain)
            return Mapped(inner.spec, True, inner.key, inner.literals)
        if outer == "Literal":
            values = tuple(p.value for p in params if isinstance(p, ast.Constant) and isinstance(p.value, str))
            if len(values) != len(params):
                raise SchemaSourceError(f"only string Literals map to the schema: {ast.unparse(node)}")
            return Mapped(self._plain({"type": "string"}, as_input, plain), literals=values)
        if outer in _SEQUENCES and len(params) == 1:
            items = self.map(params[0], as_input=as_input, plain=plain).spec
            return Mapped(self._plain({"type": "array", "items": items}, as_input, plain))
        if outer in _MAPPINGS and len(params) == 2 and _name(params[0]) == "str":
            entries = self.map(params[1], as_input=as_input, plain=plain).spec
            return Mapped(self._plain({"type": "object", "additionalProperties": entries}, as_input, plain))
        raise SchemaSourceError(f"no schema type for {ast.unparse(node)}")

    def property_spec(self, owner: str, field: Field, *, as_input: bool) -> tuple[dict[str, Any], Mapped]:
        where = f"{owner}.{field.name}"
        if not field.doc:
            raise SchemaSourceError(f"{where} has no docstring: it is the schema's description")
        try:
            mapped = self.map(field.annotation, as_input=as_input)
        except SchemaSourceError as exc:
            raise SchemaSourceError(f"{where}: {exc}; map it, or list it in LEFT_OUT with the reason") from None
        description = field.doc
        missing = [v for v in mapped.literals if f"'{v}'" not in description and f'"{v}"' not in description]
        if missing:
            description += " One of " + ", ".join(f'"{v}"' for v in mapped.literals) + "."
        return {**mapped.spec, "description": description}, mapped

    def object_spec(self, declared: Declared, *, as_input: bool) -> tuple[dict[str, Any], list[str]]:
        """(properties, required names) of a TypedDict or dataclass, named in camelCase as Pulumi's
        SDKs expect (wire.camel). A required input is a required key; a required output is also
        never None (a None output never reaches the engine)."""
        properties: dict[str, Any] = {}
        required: list[str] = []
        for field in declared.fields:
            if f"{declared.name}.{field.name}" in LEFT_OUT:
                continue
            spec, mapped = self.property_spec(declared.name, field, as_input=as_input)
            properties[camel(field.name)] = spec
            key = mapped.key == "Required" or (declared.total and mapped.key != "NotRequired")
            if key and (as_input or not mapped.optional):
                required.append(camel(field.name))
        return properties, required


def _component_outputs(mapper: TypeMapper, component: Component) -> tuple[dict[str, Any], list[str]]:
    registered = declarations(component.outputs[0])[component.outputs[1]]
    attributes = {f.name: f for f in declarations(component.cls[0])[component.cls[1]].fields}
    fields = []
    for field in registered.fields:
        doc = field.doc or (attributes[field.name].doc if field.name in attributes else "")
        fields.append(Field(field.name, field.annotation, doc))
    return mapper.object_spec(Declared(registered.name, registered.doc, tuple(fields)), as_input=False)


SECRET_INPUTS = {"PodDirectCluster": {"kubeconfig": "credentials to the cluster"}}
"""Component -> its inputs the schema marks secret, each with why (the generated SDKs wrap them)."""


def component_entries(mapper: TypeMapper) -> dict[str, dict[str, Any]]:
    entries: dict[str, dict[str, Any]] = {}
    for component in COMPONENTS:
        args = declarations(component.args[0])[component.args[1]]
        inputs, required_inputs = mapper.object_spec(args, as_input=True)
        for field in SECRET_INPUTS.get(component.cls[1], {}):
            inputs[camel(field)]["secret"] = True
        outputs, required = _component_outputs(mapper, component)
        cls = declarations(component.cls[0])[component.cls[1]]
        entries[component.token] = {
            "isComponent": True,
            "description": cls.doc,
            "inputProperties": inputs,
            "requiredInputs": required_inputs,
            "properties": outputs,
            "required": required,
        }
    return entries


def nested_types(mapper: TypeMapper) -> dict[str, dict[str, Any]]:
    """Every TypedDict the entries used, and those they use in turn."""
    types: dict[str, dict[str, Any]] = {}
    while set(mapper.used) - set(types):
        for name in sorted(set(mapper.used) - set(types)):
            declared, as_input = mapper.used[name]
            if not declared.doc:
                raise SchemaSourceError(f"{name} has no docstring: it is the type's description")
            properties, required = mapper.object_spec(declared, as_input=as_input)
            types[name] = {
                "type": "object",
                "description": declared.doc,
                "properties": properties,
                **({"required": required} if required else {}),
            }
    return {type_token(name): spec for name, spec in sorted(types.items())}


def custom_resource_entries(resources: Iterable[Any]) -> dict[str, dict[str, Any]]:
    """Each served custom resource's entry from its module, inputs from resources.py's Args."""
    declared = declarations("resources.py")
    mapper = TypeMapper({}, {})
    alias = module_constant("resources.py", "DYNAMIC_TYPE")
    entries: dict[str, dict[str, Any]] = {}
    for resource in resources:
        inputs = resource.schema.get("inputProperties")
        if inputs is None:  # described by its Args' docstrings
            args = declared[CUSTOM_RESOURCE_ARGS[resource.token]]
            inputs = {f.name: mapper.property_spec(args.name, f, as_input=True)[0] for f in args.fields}
        entries[resource.token] = {**resource.schema, "inputProperties": inputs, "aliases": [{"type": alias}]}
    return entries


def provider_inputs() -> dict[str, Any]:
    return {
        k.name: {
            "type": "string",
            "description": k.description + f" Falls back to the environment variable {k.env}.",
            **({"secret": True} if k.secret else {}),
        }
        for k in KEYS
    }


def package_schema(resources: Iterable[Any], functions: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """The schema, less the version (GetSchema adds podlb's)."""
    known: dict[str, Declared] = {}
    for path in TYPE_SOURCES:
        known.update(declarations(path))
    mapper = TypeMapper(known, {c.cls[1]: c.token for c in COMPONENTS})
    components = component_entries(mapper)
    return {
        "name": PACKAGE,
        "displayName": "podlb",
        "description": "Pod-direct LoadBalancer Services on Baidu CCE: the PodDirectCluster and PodDirectService "
        "components, and the security-group rules and CCE LB controller add-on they manage through the BCE API.",
        "license": "Apache-2.0",
        "config": config_schema(),
        "provider": {
            "description": "The podlb provider: BCE credentials and endpoints for the resources it manages.",
            "inputProperties": provider_inputs(),
        },
        "types": nested_types(mapper),
        "resources": {**components, **custom_resource_entries(resources)},
        "functions": {token: dict(schema) for token, schema in functions.items()},
        **schema_fields(),
    }


def generate() -> str:
    """The schema file's text, from the sources (and the provider's own tables of what it serves)."""
    return json.dumps(package_schema(RESOURCES.values(), FUNCTION_SCHEMAS), indent=2, sort_keys=True) + "\n"


def generated_files() -> dict[Path, str]:
    """Every file the generator writes: the schema, and the Python package's pulumi-plugin.json."""
    return {
        SCHEMA_PATH: generate(),
        PLUGIN_JSON: json.dumps(plugin_json(), indent=2) + "\n",
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tests.support.schema_gen",
        description="Generate podlb's package schema (podlb_component/provider/schema.json) from its sources.",
    )
    action = parser.add_mutually_exclusive_group(required=True)
    action.add_argument("--write", action="store_true", help=f"regenerate {SCHEMA_FILE} (and pulumi-plugin.json)")
    action.add_argument("--check", action="store_true", help=f"exit 1 if the committed {SCHEMA_FILE} is stale")
    action.add_argument("--print", action="store_true", help="print the generated schema")
    args = parser.parse_args(argv)
    files = generated_files()
    if args.write:
        for path, text in files.items():
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path}")
    elif args.check:
        stale = [path for path, text in files.items() if not path.exists() or path.read_text(encoding="utf-8") != text]
        for path in stale:
            print(f"{path} is stale: run `{REGENERATE}`", file=sys.stderr)
        return 1 if stale else 0
    else:
        sys.stdout.write(files[SCHEMA_PATH])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
