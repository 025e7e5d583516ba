"""Checkpoints that leave the database (issue 15, reproductions 1 and 2).

A signed (seq, head hash, time) statement is written outside the database every day and at
every notice publication, and printed on the notice; verify_audit checks the chain against every
one it can read and against a line typed in from paper, names the first one the database
contradicts, reports every inconsistency and never crashes."""

import base64
import json
import os
import re
import stat

import pytest
from django.core.files.storage import storages
from django.core.management import CommandError, call_command
from django.db import connection

from audit.checkpoints import (
    NAME_RE,
    SM2Signer,
    _sm2_verify,
    checkpoint_make,
    claims_read,
    key_id,
    load_signer,
    paper_claim,
)
from audit.models import AuditEvent, AuditHead, Checkpoint, VerificationRun
from audit.services import audit_verify, chain_verify_and_store, event_record
from tests.conftest import tamper

# Transactional: the tampering runs on a superuser connection of its own on PostgreSQL.
pytestmark = pytest.mark.django_db(transaction=True)


def events(n):
    for i in range(n):
        event_record(action="test.write", obj=None, object_repr=f"事件 {i + 1}")


def checkpoint(capture, reason="manual"):
    """Make a checkpoint and let the transaction commit, so its signed copy is written out."""
    with capture(execute=True):
        made = checkpoint_make(reason=reason)
    made.refresh_from_db()
    return made


def stored_files():
    _, names = storages["checkpoints"].listdir("")
    return sorted(names)


def truncate_and_rewrite_head(keep: int) -> None:
    """Reproduction 1, as a superuser past the triggers: drop the newest events, set the head back."""
    tamper("DELETE FROM audit_auditevent WHERE seq > %s", [keep])
    tamper(
        "UPDATE audit_audithead SET seq = %s, hash = (SELECT hash FROM audit_auditevent WHERE seq = %s)", [keep, keep]
    )


def test_a_checkpoint_is_signed_and_written_outside_the_database(django_capture_on_commit_callbacks):
    events(3)
    made = checkpoint(django_capture_on_commit_callbacks)
    head = AuditHead.objects.get()
    assert (made.seq, made.hash) == (head.seq, head.hash) == (3, AuditEvent.objects.get(seq=3).hash)
    [name] = stored_files()
    assert NAME_RE.match(name) and name.startswith("000000000003-") and made.export_name == name
    path = storages["checkpoints"].path(name)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o444, "written once, read-only"
    document = json.loads(storages["checkpoints"].open(name).read())
    statement = json.loads(document["statement"])
    assert (statement["seq"], statement["hash"], statement["reason"]) == (3, head.hash, "manual")
    signer = load_signer()
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    Ed25519PublicKey.from_public_bytes(signer.public_bytes).verify(
        base64.b64decode(document["signature"]), document["statement"].encode()
    )
    assert document["key_id"] == key_id("ed25519", signer.public_bytes)


def test_the_key_is_not_in_the_database(django_capture_on_commit_callbacks, settings):
    events(1)
    checkpoint(django_capture_on_commit_callbacks)
    private = settings.FUNDADMIN_CHECKPOINT_KEY_FILE.read_bytes()
    assert b"PRIVATE KEY" in private
    body = b"".join(private.split(b"\n")[1:-2]).decode()
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement, signature FROM audit_checkpoint")
        rows = cursor.fetchall()
    assert rows and all(body not in "".join(row) for row in rows)


def test_truncation_with_a_rewritten_head_is_found_and_the_checkpoint_named(django_capture_on_commit_callbacks):
    """Reproduction 1 on SQLite (the PostgreSQL run below does it as a superuser)."""
    events(6)
    assert chain_verify_and_store().ok
    made = checkpoint(django_capture_on_commit_callbacks)
    assert made.seq == 7  # the verification appended an event
    truncate_and_rewrite_head(4)
    with pytest.raises(CommandError) as caught:
        call_command("verify_audit", "--full")
    message = str(caught.value)
    assert "检查点 第 7 号" in message and "链被截断" in message and made.export_name in message
    run = VerificationRun.objects.order_by("-pk").first()
    assert not run.ok and run.first_broken_seq == 5 and run.verified_through_seq == 4


@pytest.mark.postgres
def test_truncation_as_a_superuser_on_postgres_is_found(django_capture_on_commit_callbacks):
    """Done means: make a checkpoint, truncate and rewrite the head as a superuser, and
    verify_audit fails naming the checkpoint. Before checkpoints it said 审计链完整."""
    events(644)
    made = checkpoint(django_capture_on_commit_callbacks)
    assert made.seq == 644
    truncate_and_rewrite_head(640)
    assert AuditEvent.objects.count() == 640 and AuditHead.objects.get().seq == 640
    with pytest.raises(CommandError, match=r"检查点 第 644 号.*链被截断"):
        call_command("verify_audit")


def test_a_rewritten_history_contradicts_the_checkpoint(django_capture_on_commit_callbacks):
    """Rewriting an event and recomputing every hash after it leaves a chain that checks out on
    its own — and a stored hash at the checkpoint's number that does not."""
    events(5)
    made = checkpoint(django_capture_on_commit_callbacks)
    rows = list(AuditEvent.objects.order_by("seq"))
    rows[2].reason = "改写的历史"
    prev = rows[1].hash
    for event in rows[2:]:
        event.prev_hash = prev
        event.hash = event.compute_hash()
        tamper(
            "UPDATE audit_auditevent SET reason = %s, prev_hash = %s, hash = %s WHERE seq = %s",
            [event.reason, event.prev_hash, event.hash, event.seq],
        )
        prev = event.hash
    tamper("UPDATE audit_audithead SET hash = %s", [prev])
    report = audit_verify(full=True)
    assert not report.ok and report.contradicted.seq == made.seq
    assert "哈希与之不符" in report.message


def test_every_inconsistency_is_reported_not_only_the_first():
    events(8)
    tamper("UPDATE audit_auditevent SET reason = 'x' WHERE seq = 3")
    tamper("DELETE FROM audit_auditevent WHERE seq = 6")
    report = audit_verify(full=True)
    assert not report.ok and report.first_broken_seq == 3 and report.verified_through_seq == 2
    assert len(report.problems) == 2
    assert "第 3 号事件内容与其哈希不符" in report.problems[0] and "第 6 号事件缺失" in report.problems[1]


def test_a_tampered_head_is_reported_and_verify_never_crashes():
    """Reproduction 2: UPDATE audit_audithead SET seq=1 made verify_audit crash with
    IntegrityError (its own event took seq 2, which exists)."""
    events(4)
    tamper("UPDATE audit_audithead SET seq = 1")
    with pytest.raises(CommandError) as caught:
        call_command("verify_audit", "--full")
    assert "链头记录为第 1 号" in str(caught.value)
    run = VerificationRun.objects.get()
    assert not run.ok and any("无法追加到审计链" in p for p in run.problems)
    assert AuditEvent.objects.count() == 4


def test_a_forged_or_unknown_checkpoint_is_reported_and_not_trusted(django_capture_on_commit_callbacks, tmp_path):
    events(2)
    made = checkpoint(django_capture_on_commit_callbacks)
    document = json.loads(storages["checkpoints"].open(made.export_name).read())
    forged = json.loads(document["statement"])
    forged["seq"] = 99
    document["statement"] = json.dumps(forged, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    storages["checkpoints"].save("000000000099-20260101T000000000000-999.json", _bytes(document))
    stranger = SM2Signer(SM2Signer.generate())
    statement = document["statement"].encode()
    storages["checkpoints"].save(
        "000000000098-20260101T000000000000-998.json",
        _bytes(
            {
                "statement": document["statement"],
                "algorithm": "sm2",
                "key_id": key_id("sm2", stranger.public_bytes),
                "signature": base64.b64encode(stranger.sign(statement)).decode(),
            }
        ),
    )
    storages["checkpoints"].save("000000000097-20260101T000000000000-997.json", _bytes("not a checkpoint"))
    problems = []
    claims = claims_read(problems=problems)
    assert [c.seq for c in claims] == [made.seq]
    text = " ".join(problems)
    assert "签名无效" in text and "不在受信任的公钥之列" in text and "不是可读的检查点" in text
    report = audit_verify(full=True)
    assert not report.ok and report.contradicted is None  # nothing the database contradicts


def _bytes(document):
    from django.core.files.base import ContentFile

    return ContentFile(json.dumps(document).encode())


def test_verification_is_incremental_from_the_last_confirmed_checkpoint(django_capture_on_commit_callbacks):
    events(5)
    first = checkpoint(django_capture_on_commit_callbacks)
    run = chain_verify_and_store()
    assert run.ok and run.full and run.anchor_seq == first.seq == 5
    events(3)
    run = chain_verify_and_store()
    assert run.ok and not run.full and run.started_after_seq == 5
    assert "自检查点第 5 号起增量核验" in run.message
    # An edit below the anchor, hash left alone, is outside what an incremental run recomputes;
    # --full recomputes everything and finds it (README: run --full weekly).
    tamper("UPDATE audit_auditevent SET reason = '改过' WHERE seq = 2")
    assert chain_verify_and_store().ok
    run = chain_verify_and_store(full=True)
    assert not run.ok and run.first_broken_seq == 2


def test_an_incremental_run_still_sees_a_truncation_below_its_anchor(django_capture_on_commit_callbacks):
    """Even if the last run's anchor in the database was moved back, every checkpoint from the
    anchor on is compared with the stored hashes."""
    events(5)
    checkpoint(django_capture_on_commit_callbacks)
    assert chain_verify_and_store().ok
    events(3)
    checkpoint(django_capture_on_commit_callbacks)
    truncate_and_rewrite_head(6)
    report = audit_verify()
    assert not report.ok and report.contradicted.seq == 9


def test_a_line_typed_from_a_paper_notice_is_checked():
    events(5)
    digest = AuditEvent.objects.get(seq=4).hash[:8].upper()
    call_command("verify_audit", "--paper", f"4:{digest}")
    call_command("verify_audit", "--paper", f"本公示发布时全程留痕第 4 号，摘要 {digest}")
    with pytest.raises(CommandError, match=r"纸质公示上的留痕第 4 号（摘要 00000000）"):
        call_command("verify_audit", "--paper", "4:00000000")
    with pytest.raises(CommandError, match="无法识别"):
        call_command("verify_audit", "--paper", "第四号")
    assert paper_claim("640 3fa9c01b").seq == 640


def test_the_daily_job_makes_one_checkpoint_a_day_and_writes_out_what_was_left(monkeypatch):
    import audit.checkpoints

    events(3)
    # A checkpoint whose writing-out was lost (the process died right after the commit): the
    # daily job writes it out.
    with monkeypatch.context() as mp:
        mp.setattr(audit.checkpoints, "_export_quietly", lambda pk: None)
        left = checkpoint_make(reason="notice")
    assert Checkpoint.objects.get(pk=left.pk).exported_at is None and not stored_files()
    call_command("audit_checkpoint", "--once-per-day")
    assert Checkpoint.objects.get(pk=left.pk).exported_at is not None
    assert len(stored_files()) == 2
    assert Checkpoint.objects.filter(reason="daily").count() == 1
    call_command("audit_checkpoint", "--once-per-day")
    assert Checkpoint.objects.filter(reason="daily").count() == 1


def test_the_daily_job_does_not_sign_a_broken_chain():
    events(3)
    tamper("UPDATE audit_auditevent SET reason = 'x' WHERE seq = 2")
    with pytest.raises(CommandError, match="未生成检查点"):
        call_command("audit_checkpoint")
    assert not Checkpoint.objects.exists()


def test_a_store_that_is_down_does_not_fail_the_publication(django_capture_on_commit_callbacks, settings, caplog):
    events(1)
    settings.STORAGES = {
        **settings.STORAGES,
        "checkpoints": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": "/proc/x"}},
    }
    with django_capture_on_commit_callbacks(execute=True):
        made = checkpoint_make(reason="notice")
    made.refresh_from_db()
    assert made.exported_at is None and "not written out yet" in caplog.text
    # The signed copy in the outbox still counts as a witness.
    problems = []
    assert [c.seq for c in claims_read(problems=problems)] == [1]


def test_sm2_with_sm3_is_the_configured_alternative(settings, tmp_path, django_capture_on_commit_callbacks):
    settings.FUNDADMIN_CHECKPOINT_ALGORITHM = "sm2"
    settings.FUNDADMIN_CHECKPOINT_KEY_FILE = tmp_path / "sm2.key"
    events(2)
    made = checkpoint(django_capture_on_commit_callbacks)
    assert made.algorithm == "sm2" and re.fullmatch(r"[0-9a-f]{64}\n", (tmp_path / "sm2.key").read_text())
    signer = load_signer()
    signature = base64.b64decode(made.signature)
    assert _sm2_verify(signer.public_bytes, signature, made.statement.encode())
    assert not _sm2_verify(signer.public_bytes, signature, made.statement.encode() + b" ")
    assert not _sm2_verify(signer.public_bytes, b"\x00" * 64, made.statement.encode())
    assert audit_verify(full=True).ok
    # A checkpoint signed with the earlier Ed25519 key is still trusted once its public key is listed.
    settings.FUNDADMIN_CHECKPOINT_ALGORITHM = "ed25519"
    settings.FUNDADMIN_CHECKPOINT_KEY_FILE = tmp_path / "ed.key"
    public = tmp_path / "sm2.pub"
    public.write_text(signer.public_text())
    settings.FUNDADMIN_CHECKPOINT_PUBLIC_KEYS = [str(public)]
    problems = []
    assert [c.seq for c in claims_read(problems=problems)] == [made.seq] and not problems


def test_sm2_signatures_verify_with_openssl(tmp_path):
    """Interoperability: an SM2/SM3 signature made here checks out with OpenSSL's own SM2 code
    (the same algorithm a 密评-assessed tool would use), default user ID 1234567812345678."""
    import subprocess

    signer = SM2Signer(SM2Signer.generate())
    message = b'{"format":"fundadmin-audit-checkpoint/1","seq":1}'
    signature = signer.sign(message)
    r, s = int.from_bytes(signature[:32]), int.from_bytes(signature[32:])
    der = _der_sequence(_der_int(r) + _der_int(s))
    # SubjectPublicKeyInfo for an SM2 point: id-ecPublicKey with the SM2 curve OID 1.2.156.10197.1.301.
    spki = bytes.fromhex("3059301306072a8648ce3d020106082a811ccf5501822d034200") + b"\x04" + signer.public_bytes
    pem = "-----BEGIN PUBLIC KEY-----\n" + base64.encodebytes(spki).decode() + "-----END PUBLIC KEY-----\n"
    (tmp_path / "pub.pem").write_text(pem)
    (tmp_path / "msg").write_bytes(message)
    (tmp_path / "sig").write_bytes(der)
    result = subprocess.run(
        [
            *("openssl", "pkeyutl", "-verify", "-pubin", "-inkey", str(tmp_path / "pub.pem"), "-rawin"),
            *("-digest", "sm3", "-in", str(tmp_path / "msg"), "-sigfile", str(tmp_path / "sig")),
            *("-pkeyopt", "distid:1234567812345678"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0 and "Signature Verified Successfully" in result.stdout, result.stderr


def _der_int(value: int) -> bytes:
    body = value.to_bytes((value.bit_length() + 8) // 8, "big")
    return b"\x02" + bytes([len(body)]) + body


def _der_sequence(body: bytes) -> bytes:
    return b"\x30" + bytes([len(body)]) + body
