"""RFC 3161 timestamps on checkpoints (issue 15, optional): each checkpoint written out is
stamped by a configured time-stamping authority, so its time does not rest on our server's
clock. Tested against a local responder built on `openssl ts -reply`, on 127.0.0.1 only."""

import base64
import http.server
import json
import subprocess
import threading

import pytest
from django.core.files.storage import storages

from audit.checkpoints import checkpoint_export, checkpoint_make, claims_read, tsa_verify
from audit.services import audit_verify, event_record

pytestmark = pytest.mark.django_db

TSA_CNF = """
[ req ]
distinguished_name = dn
prompt = no
[ dn ]
CN = fundadmin test TSA
[ tsa_ext ]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = critical, timeStamping
[ tsa_config ]
serial = {dir}/serial
crypto_device = builtin
signer_digest = sha256
default_policy = 1.2.3.4.1
digests = sha256, sha384, sha512
accuracy = secs:1
ordering = yes
tsa_name = no
ess_cert_id_chain = no
ess_cert_id_alg = sha256
"""


def _run(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True, timeout=60)


@pytest.fixture(scope="module")
def tsa(tmp_path_factory):
    """A CA, a TSA certificate (extendedKeyUsage critical timeStamping) and an HTTP responder
    that answers each query with `openssl ts -reply`. Yields (url, ca_file)."""
    d = tmp_path_factory.mktemp("tsa")
    (d / "tsa.cnf").write_text(TSA_CNF.format(dir=d))
    (d / "serial").write_text("01\n")
    ec = ("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes")
    _run("req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.crt", "-days", "2", "-subj", "/CN=test CA", cwd=d)
    _run("req", *ec, "-keyout", "tsa.key", "-out", "tsa.csr", "-config", "tsa.cnf", cwd=d)
    _run(
        *("x509", "-req", "-in", "tsa.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial"),
        *("-out", "tsa.crt", "-days", "2", "-extfile", "tsa.cnf", "-extensions", "tsa_ext"),
        cwd=d,
    )
    lock = threading.Lock()

    class Responder(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            query = self.rfile.read(int(self.headers["Content-Length"]))
            with lock:
                (d / "q.tsq").write_bytes(query)
                _run(
                    *("ts", "-reply", "-config", "tsa.cnf", "-section", "tsa_config", "-queryfile", "q.tsq"),
                    *("-signer", "tsa.crt", "-inkey", "tsa.key", "-out", "r.tsr"),
                    cwd=d,
                )
                reply = (d / "r.tsr").read_bytes()
            self.send_response(200)
            self.send_header("Content-Type", "application/timestamp-reply")
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Responder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/", str(d / "ca.crt")
    server.shutdown()


def test_each_checkpoint_written_out_carries_a_verified_timestamp(tsa, settings):
    settings.FUNDADMIN_TSA_URL, settings.FUNDADMIN_TSA_CA_FILE = tsa
    event_record(action="test.write", obj=None, object_repr="一条")
    made = checkpoint_export(checkpoint_make(reason="manual"))
    assert made.timestamp_token
    document = json.loads(storages["checkpoints"].open(made.export_name).read())
    token = base64.b64decode(document["timestamp_token"])
    assert tsa_verify(made.statement.encode(), token)  # the TSA's time, e.g. "Dec  1 08:40:00 2026 GMT"
    problems = []
    assert [c.seq for c in claims_read(problems=problems)] == [made.seq] and not problems
    assert audit_verify(full=True).ok


def test_a_timestamp_over_other_bytes_is_reported(tsa, settings):
    settings.FUNDADMIN_TSA_URL, settings.FUNDADMIN_TSA_CA_FILE = tsa
    event_record(action="test.write", obj=None, object_repr="一条")
    made = checkpoint_export(checkpoint_make(reason="manual"))
    event_record(action="test.write", obj=None, object_repr="另一条")
    other = checkpoint_export(checkpoint_make(reason="manual"))
    # Swap the tokens: each now vouches for the other's statement.
    type(made).objects.filter(pk=made.pk).update(timestamp_token=other.timestamp_token, exported_at=None)
    storages["checkpoints"].delete(made.export_name)
    checkpoint_export(type(made).objects.get(pk=made.pk))
    problems = []
    claims_read(problems=problems)
    assert any("可信时间戳无法核验" in p for p in problems)
