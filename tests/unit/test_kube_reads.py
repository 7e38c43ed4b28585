"""kube_reads reaches the cluster the way pulumi-kubernetes' provider is configured (kubeconfig
contents or path, $KUBECONFIG, context and cluster overrides) and turns every failure into a
KubeReadError that names what failed and never carries the kubeconfig's secrets. Two tiny HTTP
servers on 127.0.0.1 stand in for two clusters' API servers; the real one is in tests/e2e."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml

from podlb_component.kube_reads import KubeAccess, KubeReadError, read_config_map_data
from podlb_component.provider.read_config_map import TOKEN
from podlb_component.resources import READ_CONFIG_MAP
from tests.support.provider_host import ProviderHost

PATH = "/api/v1/namespaces/kube-system/configmaps/cce-ip-masq-agent"


class FakeApiServer:
    """Answers one ConfigMap path with `data`; records each request's path and bearer token."""

    def __init__(self, name: str, status: int = 200) -> None:
        self.name, self.status, self.seen = name, status, []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.seen.append((self.path.split("?")[0], self.headers.get("Authorization")))
                if self.path.split("?")[0] != PATH or server.status == 404:
                    self._reply(404, {"kind": "Status", "code": 404, "reason": "NotFound"})
                elif server.status != 200:
                    self._reply(server.status, {"kind": "Status", "code": server.status, "reason": "Forbidden"})
                else:
                    self._reply(200, {"kind": "ConfigMap", "apiVersion": "v1", "data": {"config": server.name}})

            def _reply(self, code: int, body: dict[str, object]) -> None:
                raw = json.dumps(body).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def clusters() -> Iterator[tuple[FakeApiServer, FakeApiServer]]:
    a, b = FakeApiServer("doc-a"), FakeApiServer("doc-b")
    yield a, b
    a.stop()
    b.stop()


def kubeconfig(a: FakeApiServer, b: FakeApiServer, current: str = "ctx-a") -> str:
    return yaml.safe_dump(
        {
            "apiVersion": "v1",
            "kind": "Config",
            "current-context": current,
            "clusters": [
                {"name": "cl-a", "cluster": {"server": a.url}},
                {"name": "cl-b", "cluster": {"server": b.url}},
            ],
            "users": [{"name": "u-a", "user": {"token": "token-a"}}, {"name": "u-b", "user": {"token": "token-b"}}],
            "contexts": [
                {"name": "ctx-a", "context": {"cluster": "cl-a", "user": "u-a"}},
                {"name": "ctx-b", "context": {"cluster": "cl-b", "user": "u-b"}},
            ],
        }
    )


def read(access: KubeAccess, env: dict[str, str] | None = None) -> dict[str, str] | None:
    return read_config_map_data(access, "kube-system", "cce-ip-masq-agent", env or {"HOME": "/nonexistent"})


def test_contents_path_and_kubeconfig_env_reach_the_current_context(clusters, tmp_path: Path) -> None:
    a, b = clusters
    text = kubeconfig(a, b)
    assert read(KubeAccess(kubeconfig=text)) == {"config": "doc-a"}
    file = tmp_path / "config"
    file.write_text(text)
    assert read(KubeAccess(kubeconfig=str(file))) == {"config": "doc-a"}
    other = tmp_path / "other"
    other.write_text(kubeconfig(a, b, current="ctx-b"))
    # $KUBECONFIG is a list; the first file's current-context wins, as kubectl's merge does
    assert read(KubeAccess(), {"KUBECONFIG": f"{tmp_path / 'missing'}:{other}:{file}"}) == {"config": "doc-b"}
    assert a.seen[0] == (PATH, "Bearer token-a")


def test_home_kube_config_is_the_last_fallback(clusters, tmp_path: Path) -> None:
    a, b = clusters
    (tmp_path / ".kube").mkdir()
    (tmp_path / ".kube" / "config").write_text(kubeconfig(a, b))
    assert read(KubeAccess(), {"HOME": str(tmp_path)}) == {"config": "doc-a"}


def test_context_and_cluster_override_as_the_kubernetes_provider_does(clusters) -> None:
    a, b = clusters
    text = kubeconfig(a, b)
    assert read(KubeAccess(kubeconfig=text, context="ctx-b")) == {"config": "doc-b"}
    assert b.seen[-1] == (PATH, "Bearer token-b")
    # cluster: the current context's user against another cluster
    assert read(KubeAccess(kubeconfig=text, cluster="cl-b")) == {"config": "doc-b"}
    assert b.seen[-1] == (PATH, "Bearer token-a")


def test_cluster_override_with_a_kubeconfig_file(clusters, tmp_path: Path) -> None:
    a, b = clusters
    file = tmp_path / "config"
    file.write_text(kubeconfig(a, b))
    assert read(KubeAccess(kubeconfig=str(file), cluster="cl-b")) == {"config": "doc-b"}
    assert read(KubeAccess(cluster="cl-b"), {"KUBECONFIG": str(file)}) == {"config": "doc-b"}
    assert b.seen[-1] == (PATH, "Bearer token-a")


def test_a_broken_entry_in_a_kubeconfig_file_is_not_quoted_back(clusters, tmp_path: Path) -> None:
    a, b = clusters
    document = yaml.safe_load(kubeconfig(a, b))
    secrets = {"client-id": "c", "client-secret": "s3cr3t-client", "refresh-token": "s3cr3t-refresh"}
    document["users"][0]["user"] = {"auth-provider": {"name": "oidc", "config": secrets}}  # no id-token
    file = tmp_path / "config"
    file.write_text(yaml.safe_dump(document))
    with pytest.raises(KubeReadError) as err:
        read(KubeAccess(kubeconfig=str(file)))
    assert "id-token" in str(err.value) and "s3cr3t" not in str(err.value), str(err.value)


def test_a_setting_that_is_not_a_string_is_refused_not_taken_as_unset() -> None:
    with pytest.raises(KubeReadError, match="'kubeconfig' must be a string"):
        KubeAccess.from_inputs({"kubeconfig": {"apiVersion": "v1"}})
    assert KubeAccess.from_inputs({"kubeconfig": "", "context": None}) == KubeAccess()


def test_a_missing_configmap_is_none(clusters) -> None:
    a, b = clusters
    a.status = 404
    assert read(KubeAccess(kubeconfig=kubeconfig(a, b))) is None


def test_failures_name_what_failed_and_hide_the_credentials(clusters) -> None:
    a, b = clusters
    a.status = 403
    with pytest.raises(KubeReadError) as err:
        read(KubeAccess(kubeconfig=kubeconfig(a, b)))
    assert "HTTP 403" in str(err.value) and a.url in str(err.value) and "token-a" not in str(err.value)

    closed = FakeApiServer("closed")
    closed.stop()
    with pytest.raises(KubeReadError) as err:
        read(KubeAccess(kubeconfig=kubeconfig(closed, b)))
    assert closed.url in str(err.value) and "token-a" not in str(err.value)


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ("- a\n- b\n", "neither a kubeconfig document"),
        ("{not: yaml: [", "not valid YAML"),
        ("/no/such/file", "neither"),
    ],
)
def test_a_kubeconfig_that_is_neither_a_document_nor_a_file(value: str, says: str) -> None:
    with pytest.raises(KubeReadError, match=says):
        read(KubeAccess(kubeconfig=value))


def test_a_broken_kubeconfig_is_not_quoted_back() -> None:
    with pytest.raises(KubeReadError) as err:
        read(KubeAccess(kubeconfig="users:\n- user: {token: s3cr3t-t0ken\n"))
    assert "line" in str(err.value) and "s3cr3t" not in str(err.value)


def test_no_credentials_anywhere() -> None:
    with pytest.raises(KubeReadError, match="no Kubernetes credentials"):
        read(KubeAccess(), {"HOME": "/nonexistent"})


def test_the_plugin_serves_the_read_as_an_invoke(clusters) -> None:
    a, b = clusters
    assert TOKEN == READ_CONFIG_MAP
    with ProviderHost(config={"accessKeyId": "AKTEST", "secretAccessKey": "SKTEST"}) as host:
        assert TOKEN in json.loads(host.get_schema())["functions"]
        args = {"namespace": "kube-system", "name": "cce-ip-masq-agent", "kubeconfig": kubeconfig(a, b)}
        assert host.invoke(TOKEN, {**args, "context": "ctx-b"}) == {"found": True, "data": {"config": "doc-b"}}
        a.status = 404
        assert host.invoke(TOKEN, args) == {"found": False, "data": {}}
        a.status = 403
        failed = host.invoke(TOKEN, args)
        assert failed["found"] is False and "HTTP 403" in failed["error"] and "token-a" not in failed["error"]
