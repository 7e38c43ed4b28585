"""`podlb plan` end to end: the real console entry point on the shipped projects."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from podlb_component.cli import main

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"


def plan(capsys, *args):
    code = main(["plan", *map(str, args)])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_root_project_table(capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    code, out, err = plan(capsys)
    assert code == 0, err
    assert "project 'podlb', stack 'dev'" in out
    assert "g-node4demo  tcp       8080  203.0.113.0/24" in out
    assert "masqOutBound: false" in out and "resyncInterval: 60s" in out
    assert "service.beta.kubernetes.io/cce-load-balancer-backend-type: eni" in out
    assert "kept on delete" in out


def test_yaml_and_json_outputs_agree(capsys):
    code, out_yaml, _ = plan(capsys, ROOT, "--output", "yaml")
    code2, out_json, _ = plan(capsys, ROOT, "-o", "json")
    assert code == code2 == 0
    as_yaml, as_json = yaml.safe_load(out_yaml), json.loads(out_json)
    assert as_yaml == as_json
    assert as_json["rules_per_group"] == {"g-node4demo": 3}
    assert as_json["security_groups"] == [
        {
            "cluster": "cluster",
            "id": "g-node4demo",
            "role": "node",
            "gets_rules": True,
            "from": "input node_security_group_ids",
        }
    ]
    kinds = sorted(o["manifest"]["kind"] for o in as_json["kubernetes_objects"])
    assert kinds == ["ConfigMap", "Service", "Service"]


@pytest.mark.parametrize(
    ("example", "groups", "patched"),
    [
        ("vpc-route-ipvlan", {"g-nodes0001": 2}, True),
        ("vpc-cni", {"esg-eni00001": 2, "g-eni000002": 2}, False),
    ],
)
def test_examples_run_under_mocks(capsys, example, groups, patched):
    code, out, err = plan(capsys, EXAMPLES / example, "-o", "json")
    assert code == 0, err
    data = json.loads(out)
    assert data["rules_per_group"] == groups
    kinds = [o["manifest"]["kind"] for o in data["kubernetes_objects"]]
    assert ("ConfigMap" in kinds) == patched


def test_vpc_cni_example_deployment_gets_prestop(capsys):
    _, out, _ = plan(capsys, EXAMPLES / "vpc-cni", "-o", "json")
    (deployment,) = [
        o["manifest"]
        for o in json.loads(out)["kubernetes_objects"]
        if o["manifest"].get("kind") == "Deployment" or o["title"] == "Deployment"
    ]
    pod = deployment["spec"]["template"]["spec"]
    assert pod["containers"][0]["lifecycle"]["preStop"]["exec"]["command"] == ["sleep", "30"]
    assert pod["terminationGracePeriodSeconds"] == 45


def write_project(tmp_path, services, cluster=None):
    (tmp_path / "Pulumi.yaml").write_text("name: t\nruntime: python\n")
    (tmp_path / "__main__.py").write_text("from podlb_component.program import main\nmain()\n")
    config = {
        "t:cluster": {
            "cluster_id": "cce-t1",
            "network_mode": "kubenet",
            "node_security_group_ids": ["g-1"],
            **(cluster or {}),
        },
        "t:services": services,
    }
    (tmp_path / "Pulumi.dev.yaml").write_text(yaml.safe_dump({"config": config}))
    return tmp_path


def test_invalid_input_exits_1_with_field_and_fix(capsys, tmp_path):
    project = write_project(
        tmp_path, [{"name": "web", "selector": {"app": "web"}, "ports": [{"port": 80, "target_port": "http"}]}]
    )
    code, _, err = plan(capsys, project)
    assert code == 1
    assert "podlb web: ports[0].target_port" in err and "fix: use the container port number" in err


def test_quota_error_from_config(capsys, tmp_path):
    project = write_project(
        tmp_path, [{"name": "web", "selector": {"app": "web"}, "ports": [{"port": 80}], "expected_backends": 51}]
    )
    code, _, err = plan(capsys, project)
    assert code == 1 and "51 - 50 = 1" in err


def test_old_cluster_from_config(capsys, tmp_path):
    code, _, err = plan(capsys, write_project(tmp_path, [], {"cluster_id": "c-0ld"}))
    assert code == 1 and "old-generation" in err


def test_public_rules_warn(capsys, tmp_path):
    project = write_project(
        tmp_path, [{"name": "web", "selector": {"app": "web"}, "ports": [{"port": 80}], "expected_backends": 3}]
    )
    code, out, _ = plan(capsys, project)
    assert code == 0 and "Warnings (1):" in out and "0.0.0.0/0" in out


def test_secure_config_is_not_decrypted(capsys, tmp_path):
    project = write_project(tmp_path, [])
    text = (project / "Pulumi.dev.yaml").read_text() + "  t:kubeconfig:\n    secure: AAABAJk=\n"
    (project / "Pulumi.dev.yaml").write_text(text)
    code, out, _ = plan(capsys, project)
    assert code == 0 and "t:kubeconfig" in out and "can't be decrypted offline" in out


def test_not_a_project(capsys, tmp_path):
    code, _, err = plan(capsys, tmp_path)
    assert code == 1 and "no Pulumi.yaml" in err


def test_outside_a_project_plan_fails_and_the_demo_needs_its_flag(tmp_path):
    """A PR check pointed at the wrong directory must not go green. The console
    script, as a new user runs it, from a directory with no project: exit 1 and a hint; the
    built-in demo only with --demo."""
    run = [sys.executable, "-m", "podlb_component", "plan"]
    result = subprocess.run(run, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert result.returncode == 1 and result.stdout == ""
    assert "no Pulumi.yaml in the current directory" in result.stderr and "podlb plan --demo" in result.stderr
    assert "Traceback" not in result.stderr
    demo = subprocess.run([*run, "--demo"], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert demo.returncode == 0, demo.stderr
    assert "project 'podlb-demo'" in demo.stdout
    python = next(line for line in demo.stdout.splitlines() if line.startswith("Python: "))
    assert python.endswith("(the interpreter podlb runs in)"), python  # no venv to make for a demo


def test_plan_file(capsys):
    code, out, err = plan(capsys, EXAMPLES / "plan-file" / "shop.yaml", "-o", "json")
    assert code == 0, err
    data = json.loads(out)
    assert data["project"] == "podlb-plan" and data["rules_per_group"] == {"esg-shopeni1": 2}
    # 0.0.0.0/0 was asked for explicitly: no warning (the policy pack's advisory covers it)
    assert data["warnings"] == [] and {r["source"] for r in data["security_group_rules"]} == {
        "0.0.0.0/0",
        "10.16.0.0/16",
    }


def test_plan_file_errors(capsys, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "clusters:\n  prod: {cluster_id: cce-a1, network_mode: kubenet, node_security_group_ids: [g-1]}\n"
        "services:\n  web: {cluster: staging, selector: {app: web}, ports: [{port: 80}]}\n"
    )
    code, _, err = plan(capsys, bad)
    assert code == 1 and "podlb web: cluster: names no declared cluster ('staging')" in err
    bad.write_text("- just\n- a list\n")
    code, _, err = plan(capsys, bad)
    assert code == 1 and "is a list, not a plan file" in err


def test_app_stack_example(capsys):
    code, out, err = plan(capsys, EXAMPLES / "app-stack", "-o", "json")
    assert code == 0, err
    data = json.loads(out)
    (deployment,) = [o["manifest"] for o in data["kubernetes_objects"] if o["title"] == "Deployment"]
    pod = deployment["spec"]["template"]["spec"]
    assert pod["containers"][0]["lifecycle"]["preStop"]["exec"]["command"] == ["sleep", "30"]
    assert "orders_address" in data["outputs"]
    assert not [r for r in data["resources"] if r["name"].endswith("lb-controller")]  # lb_controller: skip


def test_pr_check_workflow_runs_plan_and_the_policy_pack():
    workflow = yaml.safe_load((EXAMPLES / "pr-check" / "podlb.yml").read_text())
    steps = [s for job in workflow["jobs"].values() for s in job["steps"]]
    assert any("podlb plan" in s.get("run", "") for s in steps)
    preview = [s for s in steps if s.get("uses", "").startswith("pulumi/actions")]
    assert (
        preview
        and preview[0]["with"]["command"] == "preview"
        and preview[0]["with"]["policyPacks"] == "${{ runner.temp }}/podlb-policy"
    )


@pytest.mark.parametrize("fmt", ["json", "yaml"])
def test_invalid_input_still_prints_the_document_with_its_errors(capsys, fmt):
    code, out, err = plan(capsys, EXAMPLES / "broken-project", "-o", fmt)
    data = json.loads(out) if fmt == "json" else yaml.safe_load(out)
    assert code == 1 and data["project"] == "podlb-broken-project" and data["resources"] == []
    (detail,) = data["errors"]  # in parts: resource, field, message, fix
    assert "podlb web: ports[0].target_port: is the named port 'http'" in err  # and on stderr for people
    assert (detail["resource"], detail["field"]) == ("web", "ports[0].target_port")
    assert detail["message"].startswith("is the named port 'http'")
    assert detail["fix"] == "use the container port number, e.g. target_port=8080"


def test_the_shipped_broken_example_fails_as_the_readme_shows(capsys):
    code, _, err = plan(capsys, EXAMPLES / "broken-project")
    assert code == 1 and "podlb web: ports[0].target_port: is the named port 'http'" in err


def test_a_directory_with_a_plan_file_says_to_pass_the_file(capsys):
    code, out, err = plan(capsys, EXAMPLES / "plan-file", "-o", "json")
    assert code == 1 and "pass the file itself" in err and "shop.yaml" in err
    assert "pass the file itself" in json.loads(out)["errors"][0]["message"]


def test_help_mentions_plan_files_and_version(capsys):
    with pytest.raises(SystemExit):
        main(["plan", "--help"])
    assert "plan file" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["--version"])
    assert capsys.readouterr().out.startswith("podlb ")


def test_an_error_in_the_users_program_points_at_the_users_file_and_line(capsys, tmp_path):
    (tmp_path / "Pulumi.yaml").write_text("name: t\nruntime: python\n")
    (tmp_path / "__main__.py").write_text("import pulumi\n\n\ndef build():\n    return {}['missing']\n\n\nbuild()\n")
    code, _, err = plan(capsys, tmp_path)
    assert code == 2 and "KeyError: 'missing'" in err
    assert f'File "{tmp_path / "__main__.py"}", line 5, in build' in err and "return {}['missing']" in err
    assert "podlb_component" not in err  # none of podlb's own frames


def test_plan_runs_the_program_with_the_stacks_own_environment(tmp_path):
    """A module only the stack's venv has (like pulumi_random in a real stack) imports fine:
    plan ran the program with runtime.options.virtualenv's interpreter, and says so."""
    import site
    import venv

    project = tmp_path / "stack"
    project.mkdir()
    env = project / "env"
    venv.EnvBuilder(with_pip=False).create(env)
    (site_packages,) = env.glob("lib/python*/site-packages")
    # the stack's venv sees podlb and its dependencies (as `pulumi install` would give it) …
    (site_packages / "podlb_deps.pth").write_text("\n".join([*site.getsitepackages(), str(ROOT)]) + "\n")
    # … and a module of its own that podlb's interpreter doesn't have
    (site_packages / "only_in_the_stack_env.py").write_text("NAME = 'stack-env'\n")
    (project / "Pulumi.yaml").write_text(
        "name: envcheck\nruntime:\n  name: python\n  options:\n    toolchain: pip\n    virtualenv: env\n"
    )
    (project / "__main__.py").write_text(
        "import pulumi\nimport only_in_the_stack_env\npulumi.export('env', only_in_the_stack_env.NAME)\n"
    )
    done = subprocess.run(
        [sys.executable, "-m", "podlb_component", "plan", str(project), "-o", "json"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["outputs"] == ["env"] and "runtime.options.virtualenv 'env'" in data["python"]
    assert data["python"].startswith("env/bin/python")  # relative to the project


def test_a_stack_environment_without_podlb_is_named(tmp_path, capsys):
    import venv

    project = tmp_path / "stack"
    project.mkdir()
    venv.EnvBuilder(with_pip=False).create(project / ".venv")
    (project / "Pulumi.yaml").write_text("name: bare\nruntime: python\n")
    (project / "__main__.py").write_text("import pulumi\n")
    code, _, err = plan(capsys, project)
    assert code == 2 and "has no podlb" in err and str(project / ".venv") in err and "pulumi install" in err


def test_a_yaml_program_is_pointed_at_pulumi_preview(capsys):
    code, out, err = plan(capsys, EXAMPLES / "yaml")
    assert code != 0 and out == ""
    assert "runtime is 'yaml'" in err and "`pulumi preview`" in err
    assert "Traceback" not in err
