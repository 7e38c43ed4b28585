"""The committed package schema (podlb_component/provider/schema.json): fresh, valid against
Pulumi's metaschema, in step with the Python args, a description on every property, and served
as it is by GetSchema."""

import dataclasses
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from podlb_component.cluster.args import LbControllerChartArgs, PodDirectClusterArgs
from podlb_component.cluster.component import PodDirectCluster
from podlb_component.cluster.outputs import (
    SECURITY_GROUP_ORIGIN_FIELDS,
    ClusterOutputs,
    LbControllerCheck,
    SecurityGroupOrigin,
)
from podlb_component.component_host import ComponentHost
from podlb_component.names import camel, snake
from podlb_component.provider.schema import committed
from podlb_component.provider.server import FUNCTIONS, RESOURCES, PodlbProvider
from podlb_component.resources import ADDON_TYPE, DYNAMIC_TYPE, RULE_TYPE, CceAddonArgs, SecurityGroupRuleArgs
from podlb_component.service.args import PodDirectServiceArgs, ServicePortArgs
from podlb_component.service.component import PodDirectService
from podlb_component.service.load_balancer import EipArgs, LoadBalancerArgs
from podlb_component.service.outputs import ServiceOutputs
from podlb_component.version import VERSION
from tests.support import schema_gen as generator

METASCHEMA = Path(__file__).resolve().parents[1] / "data" / "pulumi-metaschema-v3.276.0.json"
CLUSTER, SERVICE = "podlb:index:PodDirectCluster", "podlb:index:PodDirectService"
ARGS: dict[str, Any] = {CLUSTER: PodDirectClusterArgs, SERVICE: PodDirectServiceArgs}
OUTPUTS: dict[str, Any] = {CLUSTER: ClusterOutputs, SERVICE: ServiceOutputs}
CLASSES: dict[str, Any] = {CLUSTER: PodDirectCluster, SERVICE: PodDirectService}
TYPES: dict[str, Any] = {
    "podlb:index:LbControllerChart": LbControllerChartArgs,
    "podlb:index:ServicePort": ServicePortArgs,
    "podlb:index:LoadBalancer": LoadBalancerArgs,
    "podlb:index:Eip": EipArgs,
    "podlb:index:LbControllerCheck": LbControllerCheck,
    "podlb:index:SecurityGroupOrigin": SecurityGroupOrigin,
}
CUSTOM_ARGS: dict[str, Any] = {RULE_TYPE: SecurityGroupRuleArgs, ADDON_TYPE: CceAddonArgs}


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    return json.loads(committed())


def test_the_committed_schema_is_what_the_sources_generate():
    assert committed() == generator.generate(), (
        f"podlb_component/provider/schema.json is stale: run `{generator.REGENERATE}` and commit the file"
    )


def test_the_schema_is_valid_against_pulumis_metaschema(schema):
    # (No check_schema: the metaschema's semver `pattern` uses ECMAScript named groups, `(?<major>…)`,
    # which Python's re refuses; it constrains only `parameterization`, which podlb doesn't use.)
    metaschema = json.loads(METASCHEMA.read_text())
    errors = sorted(jsonschema.Draft202012Validator(metaschema).iter_errors(schema), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{'/'.join(map(str, e.path))}: {e.message}" for e in errors)


def test_the_metaschema_catches_a_broken_schema(schema):
    """The validation above can fail: a property of an unknown primitive type is refused."""
    broken = json.loads(json.dumps(schema))
    broken["resources"][CLUSTER]["inputProperties"]["clusterId"]["type"] = "text"
    assert list(jsonschema.Draft202012Validator(json.loads(METASCHEMA.read_text())).iter_errors(broken))


def _fields(cls: Any) -> set[str]:
    if dataclasses.is_dataclass(cls):
        return {f.name for f in dataclasses.fields(cls)}
    return set(cls.__annotations__)


def _named(names: set[str]) -> set[str]:
    """Python field names as the schema spells a component's (and its types') properties."""
    return {camel(n) for n in names}


def _required_keys(cls: Any) -> set[str]:
    """A TypedDict's required keys, from its annotations as written (`__required_keys__` misses a
    `Required[...]` written as a string, as in modules with `from __future__ import annotations`)."""
    keys = set()
    for name, annotation in cls.__annotations__.items():
        text = getattr(annotation, "__forward_arg__", annotation)  # a ForwardRef: its source text
        text = text if isinstance(text, str) else repr(text)
        if text.startswith("Required[") or (cls.__total__ and not text.startswith("NotRequired[")):
            keys.add(name)
    return keys


def _left_out(cls: Any) -> set[str]:
    return {key.split(".", 1)[1] for key in generator.LEFT_OUT if key.split(".", 1)[0] == cls.__name__}


@pytest.mark.parametrize("token", [CLUSTER, SERVICE])
def test_component_inputs_are_the_args_fields(schema, token):
    """Every Args field has an input with a description, or is left out by name; nothing else."""
    entry, args = schema["resources"][token], ARGS[token]
    assert entry["isComponent"] is True
    assert set(entry["inputProperties"]) == _named(_fields(args) - _left_out(args))
    assert set(entry["requiredInputs"]) == _named(_required_keys(args) - _left_out(args))
    for name, spec in entry["inputProperties"].items():
        assert spec["description"].strip(), f"{token} input {name}"


@pytest.mark.parametrize("token", [CLUSTER, SERVICE])
def test_component_outputs_are_what_it_registers(schema, token):
    entry, outputs = schema["resources"][token], OUTPUTS[token]
    assert set(entry["properties"]) == _named(_fields(outputs))
    optional = {name for name, annotation in outputs.__annotations__.items() if "None" in str(annotation)}
    assert set(entry["required"]) == _named(_fields(outputs) - optional)


@pytest.mark.parametrize("token", [CLUSTER, SERVICE])
def test_what_the_schema_leaves_out_of_a_component_is_listed_with_the_reason(schema, token):
    """Each public attribute or method of the component class is an output or in PYTHON_ONLY."""
    cls = CLASSES[token]
    public = {n for n in {*vars(cls), *cls.__annotations__} if not n.startswith("_") and n != "TYPE"}
    outputs = {snake(name) for name in schema["resources"][token]["properties"]}
    aliases = {"lb_controller_status"} if token == CLUSTER else set()  # registered as `lb_controller`
    listed = {key.split(".", 1)[1] for key in generator.PYTHON_ONLY if key.split(".", 1)[0] == cls.__name__}
    assert public - outputs - aliases == listed
    assert all(reason.strip() for reason in generator.PYTHON_ONLY.values())


def test_nested_types_are_the_typeddicts_fields(schema):
    assert set(schema["types"]) == set(TYPES)
    for token, cls in TYPES.items():
        spec = schema["types"][token]
        assert set(spec["properties"]) == _named(_fields(cls)), token
        assert set(spec.get("required", [])) == _named(_required_keys(cls)), token
    assert set(SECURITY_GROUP_ORIGIN_FIELDS) == _fields(SecurityGroupOrigin)


def test_custom_resources_are_those_served_with_their_args_and_alias(schema):
    customs = {t for t, entry in schema["resources"].items() if not entry.get("isComponent")}
    assert customs == set(RESOURCES) == set(CUSTOM_ARGS)
    assert set(schema["functions"]) == set(FUNCTIONS)
    for token, args in CUSTOM_ARGS.items():
        entry = schema["resources"][token]
        assert set(entry["inputProperties"]) == _fields(args)
        assert set(entry["requiredInputs"]) <= set(entry["inputProperties"])
        assert entry["aliases"] == [{"type": DYNAMIC_TYPE}]


def _properties(schema: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(where, spec) of every property in the schema."""
    sections: list[tuple[str, dict[str, Any]]] = [
        ("config", schema["config"]["variables"]),
        ("provider", schema["provider"]["inputProperties"]),
    ]
    for token, spec in schema["types"].items():
        sections.append((f"types/{token}", spec["properties"]))
    for token, spec in schema["resources"].items():
        sections.append((f"resources/{token}/inputProperties", spec.get("inputProperties", {})))
        sections.append((f"resources/{token}/properties", spec.get("properties", {})))
    for token, spec in schema["functions"].items():
        sections.append((f"functions/{token}/inputs", spec["inputs"]["properties"]))
        sections.append((f"functions/{token}/outputs", spec["outputs"]["properties"]))
    for where, properties in sections:
        for name, spec in properties.items():
            yield f"{where}/{name}", spec


def test_every_property_and_type_has_a_description(schema):
    missing = [where for where, spec in _properties(schema) if not str(spec.get("description", "")).strip()]
    assert not missing, f"properties without a description: {missing}"
    assert len(list(_properties(schema))) > 60  # the walk above reaches every section
    for token, spec in [*schema["types"].items(), *schema["resources"].items(), *schema["functions"].items()]:
        assert spec["description"].strip(), token


def _refs(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        if "$ref" in value:
            yield value["$ref"]
        for item in value.values():
            yield from _refs(item)
    elif isinstance(value, list):
        for item in value:
            yield from _refs(item)


def test_every_local_reference_resolves(schema):
    for ref in _refs(schema):
        if ref.startswith("#/"):
            section, token = ref[2:].split("/", 1)
            assert token in schema[section], ref
        else:
            assert ref == "pulumi.json#/Any", ref


def test_get_schema_serves_the_committed_file_with_the_version(schema):
    plugin = PodlbProvider(env={}, components=ComponentHost(""))
    served = json.loads(plugin.GetSchema(None, None).schema)  # type: ignore[arg-type]
    assert served == {**schema, "version": VERSION}


def test_a_provider_without_the_components_serves_only_the_custom_resources(schema):
    served = json.loads(PodlbProvider(env={}).GetSchema(None, None).schema)  # type: ignore[arg-type]
    customs = {t: r for t, r in schema["resources"].items() if not r.get("isComponent")}
    assert len(customs) < len(schema["resources"])
    assert served == {**schema, "resources": customs, "version": VERSION}
    assert "version" not in schema  # so a version bump doesn't make the committed file stale


def test_the_generator_refuses_a_field_without_a_schema_type(monkeypatch):
    """A new Args field of a type the schema can't hold stops the generator, naming the field."""
    import ast

    mapper = generator.TypeMapper({}, {})
    field = generator.Field("transform", ast.parse("pulumi.ResourceTransform", mode="eval").body, "A transform.")
    with pytest.raises(generator.SchemaSourceError, match=r"X\.transform: .*LEFT_OUT"):
        mapper.property_spec("X", field, as_input=True)
    undocumented = generator.Field("port", ast.parse("int", mode="eval").body, "")
    with pytest.raises(generator.SchemaSourceError, match=r"X\.port has no docstring"):
        mapper.property_spec("X", undocumented, as_input=True)


def test_check_mode_names_the_command_that_regenerates(tmp_path, monkeypatch, capsys):
    stale = tmp_path / "schema.json"
    stale.write_text("{}\n")
    monkeypatch.setattr(generator, "SCHEMA_PATH", stale)
    assert generator.main(["--check"]) == 1
    assert generator.REGENERATE in capsys.readouterr().err


def test_the_docs_name_the_command_that_regenerates():
    """The generator is a development tool (tests/support/schema_gen.py, not in the wheel); the
    shipped module and the docs name its command."""
    root = Path(__file__).resolve().parents[2]
    for doc in ("README.md", "docs/design.md", "podlb_component/provider/schema.py"):
        assert generator.REGENERATE.removeprefix("python ") in " ".join((root / doc).read_text().split()), doc


def test_component_names_are_camel_case_and_map_back_to_the_python_fields(schema):
    """Go gets `ClusterId`, TypeScript `clusterId`, Python's generated SDK `cluster_id`: each
    component property's schema name maps back to exactly the Python field it came from."""
    fields = [*_fields(PodDirectClusterArgs), *_fields(PodDirectServiceArgs), *_fields(ClusterOutputs)]
    fields += [f for cls in TYPES.values() for f in _fields(cls)]
    assert all(snake(camel(name)) == name for name in fields)
    assert "clusterId" in schema["resources"][CLUSTER]["inputProperties"]
    assert not any("_" in name for e in schema["types"].values() for name in e["properties"])
    # the custom resources keep their wire names: state recorded since 0.2.0 holds them
    assert "security_group_id" in schema["resources"][RULE_TYPE]["inputProperties"]
