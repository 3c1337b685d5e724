"""https deliveries verify the receiver's certificate against the URL's host name (the
connection goes to the checked address, the name goes to SNI and the certificate check)."""

from __future__ import annotations

import shutil
import ssl
import subprocess
import threading
from http.server import ThreadingHTTPServer

import pytest

from milepost.integrations import transport
from milepost.integrations.urlcheck import target_of

from .conftest import Receiver, _handler

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="needs openssl")


@pytest.fixture
def tls_receiver(tmp_path, settings):
    settings.WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"),
            *("-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1"),
            *("-addext", "subjectAltName=IP:127.0.0.1"),
        ],
        check=True,
        capture_output=True,
    )
    receiver = Receiver()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(receiver))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    receiver.port = server.server_address[1]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield receiver, cert
    server.shutdown()
    server.server_close()


def test_a_certificate_nobody_signed_is_refused(tls_receiver):
    receiver, _cert = tls_receiver
    target = target_of(f"https://127.0.0.1:{receiver.port}/hook")
    with pytest.raises(Exception, match=r"CERTIFICATE_VERIFY_FAILED|certificate verify failed"):
        transport.post(target, b"{}", {})
    assert receiver.received == []


def test_a_trusted_certificate_is_accepted(tls_receiver, monkeypatch):
    receiver, cert = tls_receiver
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))  # trust the test's own certificate
    target = target_of(f"https://127.0.0.1:{receiver.port}/hook?x=1")
    answer = transport.post(target, b'{"ok":true}', {"webhook-id": "evt_1"})
    assert answer.status == 200 and answer.body == b"ok"
    assert [(r.path, r.body, r.headers["webhook-id"]) for r in receiver.received] == [
        ("/hook?x=1", b'{"ok":true}', "evt_1")
    ]
