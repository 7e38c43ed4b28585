"""Issue 16.4, fuzzed: whatever a plan file, a stack file, a Pulumi.yaml or a path holds, `podlb
plan` exits 0 or 1 — 1 with a message naming the file (or the input) — and never shows a
traceback or exits 2 (2 is for a failing user program)."""

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from podlb_component.cli import main

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
FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def run_plan(capsys, *args):
    code = main(["plan", *map(str, args)])
    out = capsys.readouterr()
    assert "Traceback" not in out.err, out.err
    assert code in (0, 1), out.err
    return code, out.err


@FUZZ
@given(document=PLAN_FILES | VALUES)
def test_any_plan_file_exits_0_or_1_naming_the_file(capsys, tmp_path_factory, document):
    path = tmp_path_factory.mktemp("plan") / "plan.yaml"
    path.write_text(yaml.safe_dump(document))
    code, err = run_plan(capsys, path)
    if code == 1:
        assert str(path) in err or "podlb " in err


@FUZZ
@given(text=st.text(max_size=60))
def test_any_text_as_a_plan_file(capsys, tmp_path_factory, text):
    path = tmp_path_factory.mktemp("plan") / "plan.yaml"
    path.write_text(text)
    run_plan(capsys, path)


@FUZZ
@given(cluster=VALUES, services=VALUES, extra=st.dictionaries(KEYS, VALUES, max_size=2))
def test_any_stack_config_of_the_root_program(capsys, tmp_path_factory, cluster, services, extra):
    project = tmp_path_factory.mktemp("stack")
    (project / "Pulumi.yaml").write_text("name: t\nruntime: python\n")
    (project / "__main__.py").write_text("from podlb_component.program import main\nmain()\n")
    config = {"t:cluster": cluster, "t:services": services, **extra}
    (project / "Pulumi.dev.yaml").write_text(yaml.safe_dump({"config": config}))
    run_plan(capsys, project)


@FUZZ
@given(
    manifest=st.dictionaries(st.sampled_from(["name", "runtime", "main", "config", "stackConfigDir"]), VALUES),
    stack=VALUES,
)
def test_any_pulumi_yaml_and_stack_file(capsys, tmp_path_factory, manifest, stack):
    project = tmp_path_factory.mktemp("project")
    (project / "Pulumi.yaml").write_text(yaml.safe_dump(manifest))
    (project / "__main__.py").write_text("import pulumi\n")
    (project / "Pulumi.dev.yaml").write_text(yaml.safe_dump(stack))
    run_plan(capsys, project)


@FUZZ
@given(name=st.text(max_size=20))
def test_any_path(capsys, tmp_path_factory, name):
    base = tmp_path_factory.mktemp("paths")
    target = base / name.replace("\x00", "") if name.replace("\x00", "") not in ("", ".", "..") else base
    run_plan(capsys, target)
