"""Reproduce the README's `podlb doctor` sample against the shipped fakes:

    python -m tests.support.doctor_demo

starts the fake BCE API and the fake Kubernetes API on 127.0.0.1, seeds a managed IPVLAN cluster
whose ip-masq agent was never changed and three of whose six Pods don't sleep in preStop, runs
`podlb doctor --cluster-id cce-doc01 --kubeconfig … --service shop/web` against them, prints
what it prints, and stops both fakes. Nothing outside this machine is contacted.
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from podlb_component.cluster.ipmasq import CCE_DEFAULT_CONFIG
from podlb_component.sandbox.fake_bce import FakeBce, FakeBceState
from tests.support.fake_kube import FakeKube

ACCESS_KEY_ID, SECRET_ACCESS_KEY = "AKIDdoctordemo", "sk-doctor-demo"
SELECTOR = {"app": "web"}


def pod(name: str, prestop: bool = True, grace: int = 45, ready: bool = True) -> dict[str, Any]:
    """A Pod of shop/web as the Kubernetes API returns it."""
    container: dict[str, Any] = {"name": "app", "image": "nginx"}
    if prestop:
        container["lifecycle"] = {"preStop": {"exec": {"command": ["sleep", "30"]}}}
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": "shop", "labels": SELECTOR},
        "spec": {"containers": [container], "terminationGracePeriodSeconds": grace},
        "status": {"conditions": [{"type": "Ready", "status": "True" if ready else "False"}]},
    }


def web_service() -> dict[str, Any]:
    """Service shop/web, pod-direct, port 80 -> 8080."""
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {
            "name": "web",
            "namespace": "shop",
            "annotations": {"service.beta.kubernetes.io/cce-load-balancer-backend-type": "eni"},
        },
        "spec": {
            "type": "LoadBalancer",
            "selector": SELECTOR,
            "ports": [{"port": 80, "targetPort": 8080, "protocol": "TCP"}],
        },
    }


def seed(bce: FakeBce, kube: FakeKube) -> None:
    bce.state.security_groups.add_group(
        "g-node",
        "vpc-1",
        rules=[
            {"direction": "ingress", "protocol": "tcp", "portRange": "8080", "sourceIp": "0.0.0.0/0", "remark": "web"}
        ],
    )
    bce.state.add_cce_cluster("cce-doc01", "vpc-route-ipvlan")  # managed: the controller runs on Baidu's side
    kube.put(
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "cce-ip-masq-agent", "namespace": "kube-system"},
            "data": {"config": CCE_DEFAULT_CONFIG},  # never changed: masqOutBound is still true
        }
    )
    kube.put(web_service())
    for i in range(6):
        kube.put(pod(f"web-{i}", prestop=i < 3))


def run() -> tuple[int, str]:
    """Doctor's exit status and what it printed."""
    from podlb_component.cli import main

    bce = FakeBce(FakeBceState(credentials={ACCESS_KEY_ID: SECRET_ACCESS_KEY})).start()
    kube = FakeKube().start()
    saved = {k: os.environ.get(k) for k in ("BCE_ACCESS_KEY_ID", "BCE_SECRET_ACCESS_KEY", "BCE_ENDPOINT")}
    try:
        seed(bce, kube)
        os.environ.update(
            BCE_ACCESS_KEY_ID=ACCESS_KEY_ID, BCE_SECRET_ACCESS_KEY=SECRET_ACCESS_KEY, BCE_ENDPOINT=bce.endpoint
        )
        with tempfile.TemporaryDirectory() as tmp:
            kubeconfig = Path(tmp) / "kubeconfig"
            kubeconfig.write_text(kube.kubeconfig_yaml())
            out = io.StringIO()
            with contextlib.redirect_stdout(out):
                code = main(
                    ["doctor", "--cluster-id", "cce-doc01", "--kubeconfig", str(kubeconfig), "--service", "shop/web"]
                )
        return code, out.getvalue()
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        kube.stop()
        bce.stop()


if __name__ == "__main__":
    status, printed = run()
    sys.stdout.write(printed)
    sys.exit(status)
