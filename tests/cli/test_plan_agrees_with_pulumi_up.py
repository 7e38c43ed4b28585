"""`podlb plan`, the PR check, refuses what `pulumi up` would refuse and plans the stacks people
write: two resources of one name (components, Kubernetes objects, stack config entries, YAML
keys) are refused as the engine or the API server would refuse them; a stack that uses
discovery is planned offline from its facts file (and doctor says when that file is stale);
Pulumi.yaml's config block applies as the CLI applies it; a malformed plan or stack file exits
1 naming the file, the key and the fix; every warning names its resource; Services that share
a BLB are checked against its quota together."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from podlb_component.bce.facts import FACTS_FILE, read_facts
from podlb_component.cli import main
from podlb_component.testing.fixtures import ACCESS_KEY_ID, SECRET_ACCESS_KEY

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
CLUSTER = {"cluster_id": "cce-t1", "network_mode": "kubenet", "node_security_group_ids": ["g-1"]}


def plan(capsys, *args):
    code = main(["plan", *map(str, args)])
    out = capsys.readouterr()
    return code, out.out, out.err


def program_project(tmp_path, body, config=None, manifest_extra=""):
    """A Python project whose program is `body` (after the podlb imports)."""
    (tmp_path / "Pulumi.yaml").write_text(f"name: t\nruntime: python\n{manifest_extra}")
    (tmp_path / "__main__.py").write_text(
        "import pulumi\nfrom podlb_component import PodDirectCluster, PodDirectService\n" + body
    )
    (tmp_path / "Pulumi.dev.yaml").write_text(yaml.safe_dump({"config": config or {}}))
    return tmp_path


def root_style(tmp_path, services, cluster=None):
    (tmp_path / "Pulumi.yaml").write_text("name: t\nruntime: python\n")
    (tmp_path / "__main__.py").write_text("from podlb_component.program import main\nmain()\n")
    config = {"t:cluster": cluster or CLUSTER, "t:services": services}
    (tmp_path / "Pulumi.dev.yaml").write_text(yaml.safe_dump({"config": config}))
    return tmp_path


WEB = {"selector": {"app": "web"}, "ports": [{"port": 80, "target_port": 8080}], "expected_backends": 3}


# Two of one name


def web_and(second: str, extra: str = "") -> str:
    """A program: cluster c, Service web, and a second Service named `second`."""
    return (
        f"c = PodDirectCluster('c', {CLUSTER!r})\n"
        f"PodDirectService('web', {{'cluster': c, **{WEB!r}}})\n"
        f"PodDirectService({second!r}, {{'cluster': c, {extra}**{WEB!r}}})\n"
    )


def test_two_components_of_one_name_are_refused_as_the_engine_refuses_them(capsys, tmp_path):
    code, out, err = plan(capsys, program_project(tmp_path, web_and("web")), "-o", "json")
    assert code == 1, err
    (detail,) = json.loads(out)["errors"]
    error = f"{detail['resource']} {detail['field']} {detail['message']} {detail['fix']}"
    assert "Duplicate resource URN" in error and "PodDirectService::web" in error


def test_two_services_of_one_kubernetes_name_collide(capsys, tmp_path):
    body = web_and("web-canary", "'service_name': 'web', ")
    code, out, _ = plan(capsys, program_project(tmp_path, body), "-o", "json")
    assert code == 1
    (detail,) = json.loads(out)["errors"]
    error = f"{detail['resource']} {detail['field']} {detail['message']} {detail['fix']}"
    assert "Service default/web would be created twice" in error and "'web'" in error and "'web-canary'" in error
    # other namespaces, or other clusters (their own providers), don't collide
    body = (
        f"c = PodDirectCluster('c', {CLUSTER!r})\n"
        "d = PodDirectCluster('d', {**" + repr(CLUSTER) + ", 'cluster_id': 'cce-t2', 'kubeconfig': 'x'})\n"
        f"PodDirectService('web', {{'cluster': c, **{WEB!r}}})\n"
        f"PodDirectService('web-b', {{'cluster': c, 'service_name': 'web', 'namespace': 'b', **{WEB!r}}})\n"
        f"PodDirectService('web-d', {{'cluster': d, 'service_name': 'web', **{WEB!r}}})\n"
    )
    code, out, err = plan(capsys, program_project(tmp_path, body), "-o", "json")
    assert code == 0, err


def test_two_services_of_one_name_in_stack_config_name_both_places(capsys, tmp_path):
    project = root_style(tmp_path, [{"name": "web", **WEB}, {"name": "api", **WEB}, {"name": "web", **WEB}])
    code, _, err = plan(capsys, project)
    assert code == 1
    assert "Pulumi.dev.yaml" in err and "t:services[2].name" in err and "t:services[0]" in err


def test_a_key_given_twice_in_a_plan_file_or_stack_file_is_an_error(capsys, tmp_path):
    doc = tmp_path / "shop.yaml"
    doc.write_text(
        "clusters:\n  prod: {cluster_id: cce-a1, network_mode: kubenet, node_security_group_ids: [g-1]}\n"
        "services:\n  web: {selector: {app: web}, ports: [{port: 80}]}\n"
        "  web: {selector: {app: api}, ports: [{port: 81}]}\n"
    )
    code, _, err = plan(capsys, doc)
    assert code == 1 and f"{doc}, line 5" in err and "key 'web' first given on line 4" in err
    (tmp_path / "p").mkdir()
    project = root_style(tmp_path / "p", [])
    stack = project / "Pulumi.dev.yaml"
    stack.write_text(stack.read_text() + "  t:services: []\n")
    code, _, err = plan(capsys, project)
    assert code == 1 and "Pulumi.dev.yaml" in err and "first given on line" in err


# Stacks that use discovery, planned offline


@pytest.fixture
def discovered_facts(fake_bce, monkeypatch, tmp_path, capsys):
    """`podlb discover` against the fake BCE, writing podlb.facts.yaml into a project dir."""
    fake_bce.state.add_cce_cluster(
        "cce-disc01", "vpc-cni", vpc_cidr="10.8.0.0/16", eni_security_groups=("esg-eni",), node_security_groups=()
    )
    monkeypatch.setenv("BCE_ACCESS_KEY_ID", ACCESS_KEY_ID)
    monkeypatch.setenv("BCE_SECRET_ACCESS_KEY", SECRET_ACCESS_KEY)
    monkeypatch.setenv("BCE_ENDPOINT", fake_bce.endpoint)
    monkeypatch.setenv("BCE_RETRY_BASE_MS", "10")
    project = tmp_path / "stack"
    project.mkdir()
    assert main(["discover", "--cluster-id", "cce-disc01", "--file", str(project / FACTS_FILE)]) == 0
    assert "cce-disc01: vpc-cni, VPC 10.8.0.0/16, security groups esg-eni" in capsys.readouterr().out
    assert fake_bce.count(mutating=True) == 0  # discover only reads
    for name in ("BCE_ACCESS_KEY_ID", "BCE_SECRET_ACCESS_KEY", "BCE_ENDPOINT"):
        monkeypatch.delenv(name)  # plan runs with none
    return project


DISCOVERING = (
    "c = PodDirectCluster('prod', {'cluster_id': 'cce-disc01', 'discover': True})\n"
    "PodDirectService('web', {'cluster': c, 'selector': {'app': 'web'}, 'ports': [{'port': 80, 'target_port': 8080}],"
    " 'expected_backends': 3, 'internal': True})\n"
)


def test_a_discovering_stack_is_planned_offline_from_the_facts_file(capsys, discovered_facts):
    project = program_project(discovered_facts, DISCOVERING)
    code, out, err = plan(capsys, project, "-o", "json")
    assert code == 0, err
    data = json.loads(out)
    assert data["rules_per_group"] == {"esg-eni": 1}
    (rule,) = data["security_group_rules"]
    assert rule["source"] == "10.8.0.0/16"  # the discovered VPC CIDR
    (note,) = [n for n in data["notes"] if FACTS_FILE in n]
    assert "cce-disc01" in note and "podlb discover" in note and "doctor --facts" in note


def test_without_facts_plan_says_it_is_offline_and_how_to_fix_it(capsys, tmp_path):
    code, _, err = plan(capsys, program_project(tmp_path, DISCOVERING))
    assert code == 1 and "podlb plan is offline" in err and "podlb discover --cluster-id cce-disc01" in err
    assert "no BCE credentials" not in err
    code, _, err = plan(capsys, program_project(tmp_path, "PodDirectCluster('prod', {'cluster_id': 'cce-disc01'})\n"))
    assert code == 1 and "network_mode: is required: podlb plan is offline" in err and "podlb discover" in err


def test_doctor_tells_when_the_facts_file_has_gone_stale(capsys, discovered_facts, fake_bce, monkeypatch):
    monkeypatch.setenv("BCE_ACCESS_KEY_ID", ACCESS_KEY_ID)
    monkeypatch.setenv("BCE_SECRET_ACCESS_KEY", SECRET_ACCESS_KEY)
    monkeypatch.setenv("BCE_ENDPOINT", fake_bce.endpoint)
    monkeypatch.delenv("KUBECONFIG", raising=False)
    monkeypatch.setenv("HOME", str(discovered_facts))
    facts = discovered_facts / FACTS_FILE
    args = ["doctor", "--cluster-id", "cce-disc01", "--facts", str(facts), "-o", "json"]
    main(args)
    checks = {c["name"]: c for c in json.loads(capsys.readouterr().out)["checks"]}
    assert checks["cluster facts file"]["status"] == "pass"
    fake_bce.state.cce.clusters["cce-disc01"].vpc_cidr = "10.9.0.0/16"
    main(args)
    check = {c["name"]: c for c in json.loads(capsys.readouterr().out)["checks"]}["cluster facts file"]
    assert check["status"] == "warn" and "vpc_cidr was '10.8.0.0/16', now '10.9.0.0/16'" in check["detail"]
    assert "podlb discover --cluster-id cce-disc01" in check["fix"]
    assert read_facts(facts)["cce-disc01"].cluster.vpc_cidr == "10.8.0.0/16"  # doctor only reads


# Project-level config


def test_project_config_defaults_are_honoured_as_the_cli_does(capsys, tmp_path):
    manifest = "config:\n  clusterId:\n    type: string\n    default: cce-fromproj1\n"
    body = f"PodDirectCluster('c', {{**{CLUSTER!r}, 'cluster_id': pulumi.Config().require('clusterId')}})\n"
    code, out, err = plan(capsys, program_project(tmp_path, body, manifest_extra=manifest), "-o", "json")
    assert code == 0, err
    (check,) = json.loads(out)["lb_controller"]
    assert check["cluster"] == "c"
    # the stack's own value wins; a required key without default is the CLI's error; so is a wrong type
    manifest += "  replicas:\n    type: integer\n"
    code, _, err = plan(capsys, program_project(tmp_path, body, manifest_extra=manifest))
    assert code == 1 and "Stack 'dev' is missing configuration value 'replicas'" in err
    code, _, err = plan(capsys, program_project(tmp_path, body, {"t:replicas": "three"}, manifest))
    assert code == 1 and "configuration key 'replicas' must be of type 'integer'" in err
    code, _, err = plan(capsys, program_project(tmp_path, body, {"t:replicas": 3}, manifest))
    assert code == 0, err


def test_an_esc_environment_is_named_as_not_evaluated(capsys, tmp_path):
    body = f"PodDirectCluster('c', {CLUSTER!r})\n"
    project = program_project(tmp_path, body)
    (project / "Pulumi.dev.yaml").write_text("environment:\n  - shop/dev\nconfig: {}\n")
    code, out, err = plan(capsys, project, "-o", "json")
    assert code == 0, err
    assert any("ESC environment" in n and "shop/dev" in n and "not evaluated" in n for n in json.loads(out)["notes"])


# Malformed input: exit 1 naming the file, the key and the fix


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("clusters: [1, 2]\n", "clusters: is a list, not a mapping"),
        ("clusters:\n  prod: 3\n", "clusters.prod: is a number"),
        ("services:\n  web: [1]\n", "services.web: is a list"),
        ("{1: 2}\n", "unknown top-level key(s) '1'"),
        ("[a\n", "not valid YAML"),
    ],
)
def test_a_malformed_plan_file_exits_1_with_file_key_and_fix(capsys, tmp_path, text, expected):
    doc = tmp_path / "bad.yaml"
    doc.write_text(text)
    code, _, err = plan(capsys, doc)
    assert code == 1 and str(doc) in err and expected in err and "Traceback" not in err


def test_services_written_as_a_mapping_in_stack_config_exit_1_with_the_fix(capsys, tmp_path):
    project = root_style(tmp_path, {"web": WEB})
    code, _, err = plan(capsys, project)
    assert code == 1 and "t:services: must be a list" in err and "Pulumi.dev.yaml" in err and "fix:" in err


def test_a_workflow_file_passed_as_a_plan_file_exits_1_asking_whether_it_is_one(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "podlb_component", "plan", str(EXAMPLES / "pr-check" / "podlb.yml")],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "is this a plan file?" in done.stderr and "'on' (read as true)" in done.stderr


# Warnings say whom they are about


def test_every_warning_names_its_resource_in_table_json_and_yaml(capsys, tmp_path):
    body = (
        f"c = PodDirectCluster('c', {CLUSTER!r})\n"
        "PodDirectService('web', {'cluster': c, 'namespace': 'shop', 'selector': {'app': 'web'},"
        " 'ports': [{'port': 80}]})\n"
        "PodDirectService('api', {'cluster': c, 'namespace': 'shop', 'selector': {'app': 'api'},"
        " 'ports': [{'port': 81}]})\n"
    )
    project = program_project(tmp_path, body)
    _, out_json, _ = plan(capsys, project, "-o", "json")
    _, out_yaml, _ = plan(capsys, project, "-o", "yaml")
    warnings = json.loads(out_json)["warnings"]
    # the same order every run (a resource's messages arrive once its URN resolves, in any order)
    assert warnings == yaml.safe_load(out_yaml)["warnings"]
    for _ in range(3):
        assert json.loads(plan(capsys, project, "-o", "json")[1])["warnings"] == warnings
    backends = [w for w in warnings if "expected_backends is not set" in w["message"]]
    assert {(w["resource"], w["kubernetes"]) for w in backends} == {
        ("web", "Service shop/web"),
        ("api", "Service shop/api"),
    }
    assert all(w["resource"] for w in warnings)
    _, table, _ = plan(capsys, project)
    assert "web (PodDirectService; Service shop/web): expected_backends is not set" in table
    assert "api (PodDirectService; Service shop/api): targetPort rules are open to 0.0.0.0/0" in table


# A reused BLB's backends add up


def test_services_sharing_one_blb_are_checked_against_its_quota(capsys, tmp_path):
    def service(name, port, backends):
        return {
            "name": name,
            "selector": {"app": name},
            "ports": [{"port": port, "target_port": 8080}],
            "expected_backends": backends,
            "load_balancer": {"existing_blb_id": "lb-shared01"},
        }

    code, _, err = plan(capsys, root_style(tmp_path, [service("web", 80, 40), service("api", 81, 40)]))
    assert code == 1 and "40 (web) + 40 (api) = 80 Pod backends" in err and "at most 50" in err
    code, _, err = plan(capsys, root_style(tmp_path, [service("web", 80, 25), service("api", 81, 25)]))
    assert code == 0, err
