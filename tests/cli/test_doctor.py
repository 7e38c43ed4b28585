"""`podlb doctor` against the fake BCE API and a fake Kubernetes API, through the real SDK and
the official kubernetes client."""

import json
import os

import pytest

from podlb_component.cli import main
from podlb_component.cluster.ipmasq import CCE_DEFAULT_CONFIG
from podlb_component.testing.fixtures import ACCESS_KEY_ID, SECRET_ACCESS_KEY
from tests.support.doctor_demo import pod, web_service
from tests.support.fake_kube import FakeKube


def healthy(fake_bce, kube, mode="vpc-route-ipvlan"):
    fake_bce.state.security_groups.add_group(
        "g-node",
        "vpc-1",
        rules=[
            {"direction": "ingress", "protocol": "tcp", "portRange": "8080", "sourceIp": "0.0.0.0/0", "remark": "podlb"}
        ],
    )
    fake_bce.state.add_cce_cluster("cce-doc01", mode)
    kube.put(
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "cce-lb-controller", "namespace": "kube-system"},
            "spec": {
                "replicas": 1,
                "selector": {"matchLabels": {"app": "cce-lb-controller"}},
                "template": {
                    "metadata": {"labels": {"app": "cce-lb-controller"}},
                    "spec": {"containers": [{"name": "controller", "image": "cce-lb-controller:1.0.0"}]},
                },
            },
            "status": {"replicas": 1, "availableReplicas": 1},
        }
    )
    kube.put(
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "cce-ip-masq-agent", "namespace": "kube-system"},
            "data": {"config": CCE_DEFAULT_CONFIG.replace("true", "false")},
        }
    )
    kube.put(web_service())
    for i in range(3):
        kube.put(pod(f"web-{i}"))


@pytest.fixture
def kube(tmp_path):
    fake = FakeKube().start()
    yield fake
    fake.stop()


@pytest.fixture
def env(fake_bce, monkeypatch, tmp_path_factory):
    # no kubeconfig to fall back on unless a test makes one
    monkeypatch.delenv("KUBECONFIG", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path_factory.mktemp("home")))
    monkeypatch.chdir(tmp_path_factory.mktemp("cwd"))  # and no podlb.facts.yaml
    monkeypatch.setenv("BCE_ACCESS_KEY_ID", ACCESS_KEY_ID)
    monkeypatch.setenv("BCE_SECRET_ACCESS_KEY", SECRET_ACCESS_KEY)
    monkeypatch.setenv("BCE_ENDPOINT", fake_bce.endpoint)
    monkeypatch.setenv("BCE_RETRY_BASE_MS", "10")


def doctor(capsys, kube, tmp_path, *extra):
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(kube.kubeconfig_yaml())
    code = main(
        [
            "doctor",
            "--cluster-id",
            "cce-doc01",
            "--kubeconfig",
            str(kubeconfig),
            "--service",
            "shop/web",
            "-o",
            "json",
            *extra,
        ]
    )
    return code, {c["name"]: c for c in json.loads(capsys.readouterr().out)["checks"]}


def test_healthy_cluster_passes(env, fake_bce, kube, tmp_path, capsys):
    healthy(fake_bce, kube)
    code, checks = doctor(capsys, kube, tmp_path)
    assert "g-node (cluster nodeDefaultSecurityGroups)" in checks["security groups"]["detail"]
    assert {name: c["status"] for name, c in checks.items()} == {
        "cluster generation": "pass",
        "network mode": "pass",
        "security groups": "pass",
        "master type": "pass",
        "cce-lb-controller add-on": "pass",
        "ip-masq agent": "pass",
        "backend type": "pass",
        "rule tcp/8080": "pass",
        "backend quota": "pass",
        "graceful shutdown": "pass",
    }
    assert code == 0
    assert fake_bce.count(mutating=True) == 0  # read-only


def test_broken_cluster_fails_with_fixes(env, fake_bce, kube, tmp_path, capsys):
    healthy(fake_bce, kube)
    kube.put(
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "cce-ip-masq-agent", "namespace": "kube-system"},
            "data": {"config": CCE_DEFAULT_CONFIG},
        }
    )
    fake_bce.state.security_groups.get("g-node").rules.clear()
    for i in range(3, 48):
        kube.put(pod(f"web-{i}", prestop=(i % 2 == 0)))
    code, checks = doctor(capsys, kube, tmp_path)
    assert code == 2
    assert checks["ip-masq agent"]["status"] == "fail" and "masqOutBound" in checks["ip-masq agent"]["detail"]
    assert checks["rule tcp/8080"]["status"] == "fail" and "g-node" in checks["rule tcp/8080"]["fix"]
    assert checks["backend quota"]["status"] == "warn"  # 48 of 50
    assert (
        checks["graceful shutdown"]["status"] == "fail" and "no preStop sleep" in checks["graceful shutdown"]["detail"]
    )


def test_too_many_backends(env, fake_bce, kube, tmp_path, capsys):
    healthy(fake_bce, kube)
    for i in range(3, 60):
        kube.put(pod(f"web-{i}"))
    code, checks = doctor(capsys, kube, tmp_path)
    assert (
        code == 2
        and checks["backend quota"]["status"] == "fail"
        and "10 Pod(s) get no traffic" in checks["backend quota"]["detail"]
    )


def test_missing_addon_and_deployment_on_a_standalone_cluster(env, fake_bce, kube, tmp_path, capsys):
    healthy(fake_bce, kube)
    cluster = fake_bce.state.cce.get("cce-doc01")
    cluster.master_type = "custom"
    cluster.addons.clear()
    kube.objects.pop(("Deployment", "kube-system", "cce-lb-controller"))
    code, checks = doctor(capsys, kube, tmp_path)
    assert code == 2
    assert checks["master type"]["detail"].startswith("custom (standalone)")
    addon = checks["cce-lb-controller add-on"]
    assert addon["status"] == "fail" and "not installed" in addon["detail"] and "'ensure'" in addon["fix"]
    assert checks["cce-lb-controller Deployment"]["status"] == "fail"


def test_managed_cluster_needs_no_deployment(env, fake_bce, kube, tmp_path, capsys):
    healthy(fake_bce, kube)
    kube.objects.pop(("Deployment", "kube-system", "cce-lb-controller"))
    code, checks = doctor(capsys, kube, tmp_path)
    assert code == 0 and "cce-lb-controller Deployment" not in checks
    assert "Baidu's side" in checks["master type"]["detail"]


def test_old_date_style_version_warns(env, fake_bce, kube, tmp_path, capsys):
    healthy(fake_bce, kube)
    fake_bce.state.cce.get("cce-doc01").addons["cce-lb-controller"]["version"] = "2022.11.08.1552"
    code, checks = doctor(capsys, kube, tmp_path)
    assert code == 1 and checks["cce-lb-controller add-on"]["status"] == "warn"
    assert "date-style" in checks["cce-lb-controller add-on"]["detail"]


def test_old_generation_cluster_stops_early(env, fake_bce, capsys):
    code = main(["doctor", "--cluster-id", "c-0ld1", "-o", "json"])
    (check,) = json.loads(capsys.readouterr().out)["checks"]
    assert code == 2 and check["status"] == "fail" and "old-generation" in check["detail"]
    assert fake_bce.calls == []


def test_bad_credentials_are_named(env, fake_bce, monkeypatch, capsys):
    healthy(fake_bce, FakeKube())
    monkeypatch.setenv("BCE_SECRET_ACCESS_KEY", "wrong")
    code = main(["doctor", "--cluster-id", "cce-doc01", "-o", "json"])
    checks = {c["name"]: c for c in json.loads(capsys.readouterr().out)["checks"]}
    assert code == 2 and "SignatureDoesNotMatch" in checks["CCE cluster"]["detail"]


def test_table_output_and_missing_credentials(env, fake_bce, kube, tmp_path, capsys, monkeypatch):
    healthy(fake_bce, kube, mode="vpc-route-auto-detect")
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(kube.kubeconfig_yaml())
    code = main(["doctor", "--cluster-id", "cce-doc01", "--kubeconfig", str(kubeconfig), "--service", "shop/web"])
    out = capsys.readouterr().out
    assert code == 1 and "WARN  network mode" in out and "--nic-type" in out and "summary:" in out
    monkeypatch.delenv("BCE_SECRET_ACCESS_KEY")
    assert main(["doctor", "--cluster-id", "cce-doc01"]) == 2
    err = capsys.readouterr().err
    assert "no BCE credentials" in err and "BCE_SECRET_ACCESS_KEY" in err and "Pulumi config" in err
    assert main(["doctor", "--cluster-id", "cce-doc01", "-o", "json"]) == 2  # a document for pipelines
    document = json.loads(capsys.readouterr().out)
    assert document["checks"] == [] and "no BCE credentials" in document["errors"][0]


def test_checks_not_run_are_skipped_with_the_reason(env, fake_bce, capsys):
    healthy(fake_bce, FakeKube())
    code = main(["doctor", "--cluster-id", "cce-doc01", "-o", "json"])
    document = json.loads(capsys.readouterr().out)
    checks = {c["name"]: c for c in document["checks"]}
    assert code == 0 and checks["ip-masq agent"] == {
        "name": "ip-masq agent",
        "status": "skip",
        "detail": "not run: no kubeconfig (no --kubeconfig, $KUBECONFIG or ~/.kube/config)",
        "fix": "pass --kubeconfig PATH",
    }
    assert checks["graceful shutdown"]["detail"] == "not run: no --service"
    assert document["summary"]["skip"] == 5 and document["summary"]["fail"] == 0
    main(["doctor", "--cluster-id", "cce-doc01"])
    assert "SKIP  ip-masq agent" in capsys.readouterr().out


def test_old_generation_id_fails_offline_before_any_credential_check(monkeypatch, capsys):
    """With no credentials at all, a `c-` id still gets the generation failure."""
    for name in ("BCE_ACCESS_KEY_ID", "BCE_SECRET_ACCESS_KEY"):
        monkeypatch.delenv(name, raising=False)
    code = main(["doctor", "--cluster-id", "c-0ld1", "-o", "json"])
    out = capsys.readouterr()
    (check,) = json.loads(out.out)["checks"]
    assert code == 2 and check["name"] == "cluster generation" and "old-generation" in check["detail"]
    assert "no BCE credentials" not in out.err


@pytest.mark.parametrize("source", ["KUBECONFIG", "home"])
def test_kubeconfig_falls_back_as_kubectl_does(source, env, fake_bce, kube, tmp_path, monkeypatch, capsys):
    """No --kubeconfig: $KUBECONFIG (its first existing file), else ~/.kube/config."""
    healthy(fake_bce, kube)
    if source == "KUBECONFIG":
        path = tmp_path / "kc"
        monkeypatch.setenv("KUBECONFIG", f"{tmp_path / 'missing'}{os.pathsep}{path}")
    else:
        path = tmp_path / "home" / ".kube" / "config"
        path.parent.mkdir(parents=True)
        monkeypatch.setenv("HOME", str(tmp_path / "home"))
    path.write_text(kube.kubeconfig_yaml())
    code = main(["doctor", "--cluster-id", "cce-doc01", "--service", "shop/web", "-o", "json"])
    checks = {c["name"]: c for c in json.loads(capsys.readouterr().out)["checks"]}
    assert code == 0, checks
    assert checks["ip-masq agent"]["status"] == "pass" and checks["graceful shutdown"]["status"] == "pass"
