"""The sandbox's certificates pass the strict X.509 checks Python 3.13's default TLS context makes
(VERIFY_X509_STRICT), on any Python: a CA without key usage failed `podlb sandbox` on 3.13."""

from __future__ import annotations

import socket
import ssl
import threading
from pathlib import Path

from podlb_component.sandbox.control_plane import make_certificates


def test_a_strict_client_and_the_api_servers_certificate_agree(tmp_path: Path) -> None:
    pki = tmp_path / "pki"
    make_certificates(pki)
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(pki / "apiserver.crt", pki / "apiserver.key")
    server.load_verify_locations(pki / "ca.crt")
    server.verify_mode = ssl.CERT_REQUIRED  # the admin client certificate is checked too
    server.verify_flags |= ssl.VERIFY_X509_STRICT
    client = ssl.create_default_context(cafile=str(pki / "ca.crt"))
    client.verify_flags |= ssl.VERIFY_X509_STRICT
    client.load_cert_chain(str(pki / "admin.crt"), str(pki / "admin.key"))

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    received: list[bytes] = []

    def serve() -> None:
        conn, _ = listener.accept()
        with server.wrap_socket(conn, server_side=True) as tls:
            received.append(tls.recv(16))

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    with socket.create_connection(listener.getsockname(), timeout=10) as raw:
        with client.wrap_socket(raw, server_hostname="127.0.0.1") as tls:
            tls.sendall(b"ping")
    thread.join(10)
    listener.close()
    assert received == [b"ping"]
