"""`podlb plan` on whatever a plan file, a stack file, a Pulumi.yaml or a path holds. Every run
exits 0 or 1 (never a traceback, never 2, which is for a failing user program); with `-o json`
it prints one document whose `errors` are empty exactly when it exits 0, and the table run of
the same input exits the same way, showing each of those errors. Each test adds what plan must
say about its input: the file or key a refusal is about, or, when plan accepts, the project
and components it planned."""

import json
from pathlib import Path

import yaml
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from podlb_component.cli import main
from podlb_component.tokens import CLUSTER_TYPE, SERVICE_TYPE

KEYS = st.sampled_from(
    [
        "clusters",
        "services",
        "prod",
        "web",
        "cluster",
        "cluster_id",
        "network_mode",
        "node_security_group_ids",
        "selector",
        "ports",
        "port",
        "target_port",
        "name",
        "expected_backends",
        "load_balancer",
        "existing_blb_id",
        "discover",
    ]
) | st.text(max_size=8)
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(-(2**40), 2**40)
    | st.floats(allow_nan=False)
    | st.sampled_from(["cce-a1b2", "kubenet", "vpc-cni", "g-1", "esg-1", "c-old", "lb-1", "http", "80"])
    | st.text(max_size=12)
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(KEYS | st.integers(0, 3), inner, max_size=4),
    max_leaves=12,
)
PLAN_FILES = st.dictionaries(st.sampled_from(["clusters", "services"]) | KEYS, VALUES, max_size=3)
CLUSTER = {"cluster_id": "cce-a1b2", "network_mode": "kubenet", "node_security_group_ids": ["g-1"]}
WEB = {"name": "web", "selector": {"app": "web"}, "ports": [{"port": 80}]}
CLUSTERS = st.fixed_dictionaries(
    {key: st.just(value) for key, value in CLUSTER.items()}, optional={"name": st.just("prod") | VALUES}
)
"""The root program's cluster as a user writes it (its `name` may be wrong), so that some
stacks are accepted and what plan lists for them is checked too."""
SERVICES = st.fixed_dictionaries(
    {
        "name": st.sampled_from(["web", "api"]) | st.text(max_size=8),
        "selector": st.just(WEB["selector"]),
        "ports": st.just(WEB["ports"]),
    },
    optional={"expected_backends": st.integers(1, 20) | VALUES},
)
FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def run_plan(capsys, target):
    """Plan `target` as JSON and as a table; the properties every run has. Returns the exit
    status, the JSON document and the table run's stderr."""
    code = main(["plan", str(target), "-o", "json"])
    out = capsys.readouterr()
    assert "Traceback" not in out.err, out.err
    assert code in (0, 1), out.err
    document = json.loads(out.out)  # a refusal is a document too, for the pipeline that parses it
    errors = document["errors"]
    assert bool(errors) == (code == 1), (code, errors, out.err)
    assert all(error["message"].strip() for error in errors), errors
    table_code = main(["plan", str(target)])
    table = capsys.readouterr()
    assert "Traceback" not in table.err, table.err
    assert table_code == code, (table_code, code, table.err)
    shown = table.out + table.err
    for error in errors:  # each error as people read it, on stdout (the plan's table) or stderr
        assert error["message"].splitlines()[0] in shown, (error, shown)
    event(f"exit {code}")
    return code, document, table.err


def names_of(document, type_token):
    return sorted(r["name"] for r in document["resources"] if r["type"] == type_token)


@FUZZ
@given(document=PLAN_FILES | VALUES)
def test_any_plan_file_exits_0_or_1_naming_the_file(capsys, tmp_path_factory, document):
    path = tmp_path_factory.mktemp("plan") / "plan.yaml"
    path.write_text(yaml.safe_dump(document))
    code, _, err = run_plan(capsys, path)
    if code == 1:
        assert str(path) in err or "podlb " in err


NOT_YAML = object()


def read_as_yaml(text):
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError:
        return NOT_YAML


@FUZZ
@given(text=st.text(max_size=60))
@example(text="[a\n")
@example(text="clusters: [1]\n")
def test_text_that_is_no_plan_file_mapping_is_refused_naming_the_file(capsys, tmp_path_factory, text):
    """Text YAML doesn't read as a mapping of only `clusters:` and `services:` (not YAML, a
    scalar, a list, other keys) is refused with one error, about the file, that names it."""
    path = (tmp_path_factory.mktemp("plan") / "plan.yaml").resolve()
    path.write_text(text)
    _, document, _ = run_plan(capsys, path)
    read = read_as_yaml(text)
    if not (isinstance(read, dict) and set(read) <= {"clusters", "services"}):
        event("not a plan file")
        (error,) = document["errors"]
        assert error["resource"] == "" and error["message"].startswith(f"{path}"), error


def as_the_cli_reads(config):
    """A stack file's config keys as the Pulumi CLI reads them: a key without a namespace is
    the project's (`t`); of two spellings of one key, the one written last wins."""
    return {(key if ":" in key else f"t:{key}"): value for key, value in config.items()}


@FUZZ
@given(
    cluster=VALUES | CLUSTERS,
    services=VALUES | st.lists(SERVICES, max_size=3) | st.lists(SERVICES | VALUES, max_size=3),
    extra=st.dictionaries(KEYS, VALUES, max_size=2),
)
@example(cluster={**CLUSTER, "name": "prod"}, services=[WEB, {**WEB, "name": "api"}], extra={})
@example(cluster=CLUSTER, services=[WEB, WEB], extra={})
@example(cluster=[CLUSTER], services={"web": WEB}, extra={})
def test_the_root_program_plans_each_listed_service_or_says_where_the_config_is_wrong(
    capsys, tmp_path_factory, cluster, services, extra
):
    """Accepted: the plan holds the cluster component under its `name` (default `cluster`) and
    one PodDirectService per entry of `services`, by the entry's name. Refused: each error is
    about the stack file (named), or about a component the config declares: the cluster, a
    Service by its name, or `services[i]` for an entry without one."""
    project = tmp_path_factory.mktemp("stack")
    (project / "Pulumi.yaml").write_text("name: t\nruntime: python\n")
    (project / "__main__.py").write_text("from podlb_component.program import main\nmain()\n")
    config = {"t:cluster": cluster, "t:services": services, **extra}
    stack_file = project / "Pulumi.dev.yaml"
    stack_file.write_text(yaml.safe_dump({"config": config}))
    code, document, _ = run_plan(capsys, project)
    read = as_the_cli_reads(yaml.safe_load(stack_file.read_text())["config"])
    cluster, services = read["t:cluster"], read["t:services"]
    if code == 0:
        assert names_of(document, CLUSTER_TYPE) == [cluster.get("name", "cluster")]
        assert names_of(document, SERVICE_TYPE) == sorted(s["name"] for s in services or [])
        return
    entries = services if isinstance(services, list) else []
    names = [cluster.get("name", "cluster") if isinstance(cluster, dict) else "cluster"]
    names += [entry.get("name") if isinstance(entry, dict) else None for entry in entries]
    declared = {name for name in names if isinstance(name, str)} | {f"services[{i}]" for i in range(len(entries))}
    for error in document["errors"]:
        assert error["resource"] in declared or "Pulumi.dev.yaml" in error["resource"] + error["message"], (
            error,
            declared,
        )


@FUZZ
@given(
    manifest=st.fixed_dictionaries(
        {"name": st.just("t") | VALUES, "runtime": st.just("python") | VALUES},
        optional={"main": st.just(".") | VALUES, "config": VALUES, "stackConfigDir": VALUES},
    ),
    stack=st.none() | VALUES,
)
@example(manifest={"name": "t", "runtime": "python"}, stack=None)
@example(manifest={"name": "t", "runtime": "python"}, stack=["config"])
@example(manifest={"name": "t", "runtime": "go"}, stack=None)
@example(manifest={"name": "", "runtime": {"name": "python"}}, stack=None)
def test_a_project_plan_cannot_run_is_refused_naming_its_pulumi_yaml(capsys, tmp_path_factory, manifest, stack):
    """A Pulumi.yaml without a name, or of a runtime other than python, is refused with one
    error that names it. Whatever else is refused names Pulumi.yaml or the stack file; an
    accepted project is planned under its name and the stack `dev`."""
    project = tmp_path_factory.mktemp("project").resolve()
    (project / "Pulumi.yaml").write_text(yaml.safe_dump(manifest))
    (project / "__main__.py").write_text("import pulumi\n")
    (project / "Pulumi.dev.yaml").write_text(yaml.safe_dump(stack))
    code, document, _ = run_plan(capsys, project)
    errors = document["errors"]
    runtime = manifest.get("runtime")
    runtime = runtime.get("name") if isinstance(runtime, dict) else runtime
    runnable = isinstance(manifest.get("name"), str) and manifest["name"] != "" and runtime == "python"
    if not runnable:
        (error,) = errors
        assert error["message"].startswith(f"{project / 'Pulumi.yaml'}: "), error
    elif code == 0:
        assert (document["project"], document["stack"]) == (manifest["name"], "dev")
    else:
        event("refused further on")
        for error in errors:
            assert "Pulumi.yaml" in error["message"] or "Pulumi.dev.yaml" in error["message"], error


@FUZZ
@given(name=st.text(max_size=20) | st.sampled_from(["", ".", "..", "sub/..", "/"]))
@example(name="missing")
@example(name="")
def test_a_path_that_is_no_project_is_refused_naming_it(capsys, tmp_path_factory, name):
    """A path to nothing is refused as given; a directory without a Pulumi.yaml by name."""
    base = tmp_path_factory.mktemp("paths")
    target = base / name.replace("\x00", "") if name.replace("\x00", "") not in ("", ".", "..") else base
    _, document, _ = run_plan(capsys, target)
    errors = document["errors"]
    resolved = Path(str(target)).resolve()
    if not resolved.exists():
        event("no such path")
        (error,) = errors
        assert error["message"].startswith(f"{target}: no such file or directory"), error
    elif resolved.is_dir() and not (resolved / "Pulumi.yaml").exists():
        event("a directory")
        (error,) = errors
        assert error["message"].startswith(f"no Pulumi.yaml in {resolved}"), error
