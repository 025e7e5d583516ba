"""Checkpoints that leave the database (issue 15).

The hash chain proves that no event was changed *relative to the events after it*; someone who
can write the database can still delete the newest events and set the head back (reproduction 1),
and the chain alone is then consistent. A checkpoint is a statement "the trail had N events and
the N-th hash was H at time T", signed with a key that is not in the database, and kept where
the database's users cannot rewrite it:

- an append-only folder on the app server (``FUNDADMIN_CHECKPOINT_DIR``; make it ``chattr +a``)
  or an S3-compatible bucket with object lock (``FUNDADMIN_CHECKPOINT_S3_BUCKET``);
- every notice printed and shown on the board: 本公示发布时全程留痕第 N 号，摘要 XXXXXXXX
  (the first 8 hex digits of H), so residents and the supervision committee hold copies;
- optionally an RFC 3161 timestamp from a time-stamping authority (``FUNDADMIN_TSA_URL``), so
  the time does not rest on the server's clock either.

A checkpoint is made by the daily job (``manage.py audit_checkpoint --once-per-day``) and inside
every notice publication's transaction. Its row in ``audit_checkpoint`` is an outbox: the signed
copy is written out after the transaction commits (never for a publication that rolled back),
and the daily job writes out whatever a crash left behind. ``verify_audit`` reads the copies
outside the database, checks every signature against the keys it trusts, and names the first
checkpoint the database contradicts.

Signatures: Ed25519 (``cryptography``) by default; SM2 with SM3 (GB/T 32918, user ID
1234567812345678) through ``gmssl`` with ``FUNDADMIN_CHECKPOINT_ALGORITHM=sm2``.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import json
import logging
import os
import re
import secrets
import subprocess
import tempfile
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db import transaction
from django.utils import timezone
from gmssl import sm2

from .models import AuditHead, Checkpoint, canonical_bytes

logger = logging.getLogger(__name__)

FORMAT = "fundadmin-audit-checkpoint/1"
STORAGE_ALIAS = "checkpoints"
PAPER_DIGITS = 8  # hex digits of the head hash printed on paper (see README: what 8 digits prove)
NAME_RE = re.compile(r"^(?P<seq>\d{12})-(?P<stamp>\d{8}T\d{12})-(?P<id>\d+)\.json$")


class CheckpointError(Exception):
    """A checkpoint could not be made or read; the message is for people."""


# -- keys and signatures ----------------------------------------------------------------------------


class Ed25519Signer:
    algorithm = "ed25519"

    def __init__(self, pem: bytes):
        key = serialization.load_pem_private_key(pem, password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise CheckpointError("检查点签名密钥不是 Ed25519 私钥。")
        self._key = key
        self.public_bytes = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)

    @staticmethod
    def generate() -> bytes:
        return Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )

    def sign(self, data: bytes) -> bytes:
        return self._key.sign(data)

    def public_text(self) -> str:
        return (
            self._key.public_key()
            .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
            .decode()
        )


def _ed25519_verify(public_bytes: bytes, signature: bytes, data: bytes) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(public_bytes).verify(signature, data)
    except (InvalidSignature, ValueError):
        return False
    return True


SM2_N = int("FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123", 16)


def _sm2(private_hex: str = "", public_hex: str = ""):
    crypt = sm2.CryptSM2(private_key=private_hex, public_key="")
    # gmssl's constructor strips a leading "04" with str.lstrip, which also eats a coordinate
    # that starts with 0 or 4: set the key after construction instead.
    crypt.public_key = public_hex
    return crypt


class SM2Signer:
    """SM2 signature over SM3(Z_A || message), Z_A with the standard default user ID. Key files
    hold the 32-byte private key as 64 hex digits (the public key is derived)."""

    algorithm = "sm2"

    def __init__(self, text: bytes):
        private_hex = text.decode().strip().lower()
        if not re.fullmatch(r"[0-9a-f]{64}", private_hex) or not 0 < int(private_hex, 16) < SM2_N - 1:
            raise CheckpointError("检查点签名密钥不是 SM2 私钥（应为 64 位十六进制数字）。")
        self._private_hex = private_hex
        point = _sm2()._kg(int(private_hex, 16), _sm2().ecc_table["g"])
        self.public_bytes = bytes.fromhex(point)

    @staticmethod
    def generate() -> bytes:
        return f"{secrets.randbelow(SM2_N - 2) + 1:064x}\n".encode()

    def sign(self, data: bytes) -> bytes:
        crypt = _sm2(self._private_hex, self.public_bytes.hex())
        while True:
            # gmssl draws its nonce from `random`, which is not a cryptographic generator: give it
            # one from `secrets` (a repeated or guessable nonce reveals the private key).
            signature = crypt.sign_with_sm3(data, f"{secrets.randbelow(SM2_N - 1) + 1:064x}")
            if signature:
                return bytes.fromhex(signature)

    def public_text(self) -> str:
        return "04" + self.public_bytes.hex() + "\n"


def _sm2_verify(public_bytes: bytes, signature: bytes, data: bytes) -> bool:
    if len(signature) != 64 or len(public_bytes) != 64:
        return False
    r, s = int.from_bytes(signature[:32]), int.from_bytes(signature[32:])
    if not (0 < r < SM2_N and 0 < s < SM2_N):  # gmssl does not check the range itself
        return False
    try:
        return bool(_sm2("", public_bytes.hex()).verify_with_sm3(signature.hex(), data))
    except (ValueError, TypeError):
        return False


SIGNERS = {"ed25519": Ed25519Signer, "sm2": SM2Signer}
VERIFIERS = {"ed25519": _ed25519_verify, "sm2": _sm2_verify}


def key_id(algorithm: str, public_bytes: bytes) -> str:
    return hashlib.sha256(algorithm.encode() + b":" + public_bytes).hexdigest()[:16]


def _algorithm() -> str:
    algorithm = getattr(settings, "FUNDADMIN_CHECKPOINT_ALGORITHM", "ed25519")
    if algorithm not in SIGNERS:
        raise CheckpointError(f"未知的检查点签名算法 {algorithm!r}（可用：ed25519、sm2）。")
    return algorithm


def key_generate(path: Path, algorithm: str) -> bool:
    """Write a new private key to ``path`` (0600, never over an existing file); False if it exists."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return False
    with os.fdopen(fd, "wb") as fh:
        fh.write(SIGNERS[algorithm].generate())
    return True


def load_signer():
    """The signer of this server. A missing key file is created (one server; several servers must
    share one key file, see README) — the key lives on the app server, never in the database."""
    algorithm = _algorithm()
    path = Path(settings.FUNDADMIN_CHECKPOINT_KEY_FILE)
    try:
        if key_generate(path, algorithm):
            logger.warning("audit checkpoints: generated a new %s signing key at %s", algorithm, path)
        return SIGNERS[algorithm](path.read_bytes())
    except (OSError, ValueError) as error:
        raise CheckpointError(f"无法读取检查点签名密钥 {path}（{error}）。") from error


def _public_from_text(text: str) -> tuple[str, bytes]:
    text = text.strip()
    if text.startswith("-----BEGIN PUBLIC KEY-----"):
        key = serialization.load_pem_public_key(text.encode())
        raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        return "ed25519", raw
    hex_text = text.lower()
    if hex_text.startswith("04") and len(hex_text) == 130:
        hex_text = hex_text[2:]
    if re.fullmatch(r"[0-9a-f]{128}", hex_text):
        return "sm2", bytes.fromhex(hex_text)
    raise CheckpointError("无法识别的公钥格式（Ed25519 PEM 或 SM2 的 04||X||Y 十六进制）。")


def trusted_keys(problems: list[str] | None = None) -> dict[str, tuple[str, bytes]]:
    """key_id → (algorithm, public key): this server's own key and FUNDADMIN_CHECKPOINT_PUBLIC_KEYS
    (other servers' keys, retired keys). A key that cannot be read is reported, not fatal."""
    keys: dict[str, tuple[str, bytes]] = {}
    try:
        signer = load_signer()
        keys[key_id(signer.algorithm, signer.public_bytes)] = (signer.algorithm, signer.public_bytes)
    except CheckpointError as error:
        if problems is not None:
            problems.append(str(error))
    for name in getattr(settings, "FUNDADMIN_CHECKPOINT_PUBLIC_KEYS", []):
        try:
            algorithm, raw = _public_from_text(Path(name).read_text())
        except (OSError, ValueError, CheckpointError) as error:
            if problems is not None:
                problems.append(f"无法读取公钥 {name}：{error}")
            continue
        keys[key_id(algorithm, raw)] = (algorithm, raw)
    return keys


# -- making and writing out --------------------------------------------------------------------------


def checkpoint_make(*, reason: str) -> Checkpoint:
    """Sign the chain's head as it stands in this transaction and keep it in the outbox; the
    signed copy is written out once the transaction commits. Inside a notice publication the
    head is the publication's own event (the caller's transaction holds the head's lock)."""
    signer = load_signer()
    with transaction.atomic():
        head, _ = AuditHead.objects.select_for_update().get_or_create(id=1)
        made_at = timezone.now()
        statement = canonical_bytes(
            {
                "format": FORMAT,
                "seq": head.seq,
                "hash": head.hash,
                "made_at": made_at.isoformat(timespec="microseconds"),
                "reason": reason,
                "site": settings.PUBLIC_BASE_URL,
            }
        )
        checkpoint = Checkpoint.objects.create(
            seq=head.seq,
            hash=head.hash,
            made_at=made_at,
            reason=reason,
            statement=statement.decode(),
            algorithm=signer.algorithm,
            key_id=key_id(signer.algorithm, signer.public_bytes),
            signature=base64.b64encode(signer.sign(statement)).decode(),
        )
        transaction.on_commit(lambda: _export_quietly(checkpoint.pk))
    return checkpoint


def _export_quietly(pk: int) -> None:
    # After commit, in the request that published a notice: a store that is down must not turn
    # a published notice into an error page. The row stays pending; the daily job retries.
    try:
        checkpoint_export(Checkpoint.objects.get(pk=pk))
    except Exception:
        logger.exception("audit checkpoint %s not written out yet (the daily job retries)", pk)


def file_name(checkpoint: Checkpoint) -> str:
    return f"{checkpoint.seq:012d}-{checkpoint.made_at.astimezone(datetime.UTC):%Y%m%dT%H%M%S%f}-{checkpoint.pk}.json"


def file_bytes(checkpoint: Checkpoint) -> bytes:
    return (
        json.dumps(
            {
                "statement": checkpoint.statement,
                "algorithm": checkpoint.algorithm,
                "key_id": checkpoint.key_id,
                "signature": checkpoint.signature,
                "timestamp_token": checkpoint.timestamp_token or None,
            },
            ensure_ascii=False,
            indent=1,
        ).encode()
        + b"\n"
    )


def checkpoint_export(checkpoint: Checkpoint) -> Checkpoint:
    """Timestamp (when a TSA is configured) and write the signed copy to the store, once: the row
    is locked, so the after-commit write and the daily job never both write it."""
    with transaction.atomic():
        checkpoint = Checkpoint.objects.select_for_update().get(pk=checkpoint.pk)
        if checkpoint.exported_at is not None:
            return checkpoint
        if getattr(settings, "FUNDADMIN_TSA_URL", "") and not checkpoint.timestamp_token:
            checkpoint.timestamp_token = base64.b64encode(tsa_timestamp(checkpoint.statement.encode())).decode()
        name = storages[STORAGE_ALIAS].save(file_name(checkpoint), ContentFile(file_bytes(checkpoint)))
        checkpoint.exported_at = timezone.now()
        checkpoint.export_name = name
        checkpoint.save(update_fields=["timestamp_token", "exported_at", "export_name"])
    return checkpoint


def checkpoints_export_pending() -> int:
    count = 0
    for checkpoint in Checkpoint.objects.filter(exported_at__isnull=True).order_by("pk"):
        checkpoint_export(checkpoint)
        count += 1
    return count


# -- RFC 3161 timestamps -------------------------------------------------------------------------------


def _openssl(*args: str, stdin: bytes | None = None) -> bytes:
    result = subprocess.run(["openssl", *args], input=stdin, capture_output=True, timeout=30, check=False)
    if result.returncode != 0:
        raise CheckpointError(f"openssl {args[0]} {args[1]}：{result.stderr.decode(errors='replace').strip()}")
    return result.stdout


def tsa_timestamp(data: bytes) -> bytes:
    """A DER TimeStampResp from FUNDADMIN_TSA_URL over SHA-256(data) (RFC 3161, with a nonce and
    the TSA's certificate). The request is built and checked by the `openssl ts` command."""
    with tempfile.TemporaryDirectory() as tmp:
        data_file = Path(tmp, "statement")
        data_file.write_bytes(data)
        query = _openssl("ts", "-query", "-data", str(data_file), "-sha256", "-cert")
        request = urllib.request.Request(
            settings.FUNDADMIN_TSA_URL, data=query, headers={"Content-Type": "application/timestamp-query"}
        )
        with urllib.request.urlopen(request, timeout=20) as response:
            reply = response.read()
        Path(tmp, "query.tsq").write_bytes(query)
        Path(tmp, "reply.tsr").write_bytes(reply)
        if getattr(settings, "FUNDADMIN_TSA_CA_FILE", ""):
            tsa_verify(data, reply)
        else:
            _openssl("ts", "-reply", "-in", str(Path(tmp, "reply.tsr")), "-text")
    return reply


def tsa_verify(data: bytes, reply: bytes) -> str:
    """Check a TimeStampResp against the data and FUNDADMIN_TSA_CA_FILE; return its time line."""
    with tempfile.TemporaryDirectory() as tmp:
        Path(tmp, "statement").write_bytes(data)
        Path(tmp, "reply.tsr").write_bytes(reply)
        _openssl(
            "ts",
            "-verify",
            "-data",
            str(Path(tmp, "statement")),
            "-in",
            str(Path(tmp, "reply.tsr")),
            "-CAfile",
            settings.FUNDADMIN_TSA_CA_FILE,
        )
        text = _openssl("ts", "-reply", "-in", str(Path(tmp, "reply.tsr")), "-text").decode()
    match = re.search(r"^Time stamp: (.+)$", text, re.MULTILINE)
    return match.group(1).strip() if match else ""


# -- reading back ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Claim:
    """What one witness says the chain held: a signed checkpoint, or a line typed from paper."""

    seq: int
    hash: str  # the full hash, or the hex digits printed on paper
    made_at: str
    source: str  # where it was read, for the report
    paper: bool = False

    @property
    def label(self) -> str:
        if self.paper:
            return f"纸质公示上的留痕第 {self.seq} 号（摘要 {self.hash.upper()}）"
        try:
            when = timezone.localtime(datetime.datetime.fromisoformat(self.made_at)).strftime("%Y-%m-%d %H:%M:%S")
        except ValueError:
            when = self.made_at
        return f"检查点 第 {self.seq} 号（{when} 签发，{self.source}）"

    def matches(self, stored_hash: str) -> bool:
        return stored_hash.lower().startswith(self.hash.lower()) if self.paper else stored_hash == self.hash


PAPER_RE = re.compile(r"^\D*(?P<seq>\d+)\D+?(?P<digest>[0-9a-fA-F]{8,64})\s*$")


def paper_claim(text: str) -> Claim:
    """``640:3FA9C01B`` or the printed line 本公示发布时全程留痕第 640 号，摘要 3FA9C01B."""
    match = PAPER_RE.match(text.strip().replace("摘要", " "))
    if not match:
        raise CheckpointError(f"无法识别纸质公示上的留痕编号：{text!r}（例如 640:3FA9C01B）。")
    return Claim(int(match["seq"]), match["digest"].lower(), "", "纸质公示", paper=True)


def _claim_from_document(document: dict, keys: dict, source: str, problems: list[str]) -> Claim | None:
    try:
        statement_text = document["statement"]
        statement = json.loads(statement_text)
        signature = base64.b64decode(document["signature"], validate=True)
        algorithm, kid = document["algorithm"], document["key_id"]
        seq, head_hash, made_at = int(statement["seq"]), str(statement["hash"]), str(statement["made_at"])
        if statement.get("format") != FORMAT:
            raise ValueError("unknown format")
    except (KeyError, TypeError, ValueError) as error:
        problems.append(f"{source}：不是可读的检查点（{error}）")
        return None
    known = keys.get(kid)
    if known is None or known[0] != algorithm:
        problems.append(f"{source}：签名密钥 {kid} 不在受信任的公钥之列，不能作为依据")
        return None
    if not VERIFIERS[algorithm](known[1], signature, statement_text.encode()):
        problems.append(f"{source}：签名无效（检查点被改动或伪造），不能作为依据")
        return None
    token = document.get("timestamp_token")
    if token and getattr(settings, "FUNDADMIN_TSA_CA_FILE", ""):
        try:
            tsa_verify(statement_text.encode(), base64.b64decode(token, validate=True))
        except (CheckpointError, ValueError, OSError) as error:
            # The signature still holds; only the independent time is in doubt.
            problems.append(f"{source}：可信时间戳无法核验（{error}）")
    return Claim(seq, head_hash, made_at, source)


def claims_read(*, min_seq: int = 0, problems: list[str]) -> list[Claim]:
    """Every signed checkpoint with seq ≥ ``min_seq`` in the store outside the database, and the
    outbox rows in it; each signature checked. Nothing that cannot be read stops the reading."""
    keys = trusted_keys(problems)
    seen: set[tuple[str, str]] = set()
    claims: list[Claim] = []
    storage = storages[STORAGE_ALIAS]
    try:
        _, names = storage.listdir("")
    except FileNotFoundError:
        names = []
    except Exception as error:  # the bucket or folder is unreachable: say so, check the rest
        problems.append(f"无法读取数据库外的检查点存放处：{error}")
        names = []
    for name in sorted(names):
        match = NAME_RE.match(name)
        if match is None or int(match["seq"]) < min_seq:
            continue
        try:
            with storage.open(name, "rb") as fh:
                document = json.loads(fh.read())
        except Exception as error:
            problems.append(f"检查点文件 {name}：无法读取（{error}）")
            continue
        if not isinstance(document, dict):
            problems.append(f"检查点文件 {name}：不是可读的检查点")
            continue
        seen.add((document.get("statement"), document.get("signature")))
        claim = _claim_from_document(document, keys, f"文件 {name}", problems)
        if claim is not None:
            claims.append(claim)
    for row in Checkpoint.objects.filter(seq__gte=min_seq).order_by("seq", "made_at"):
        if (row.statement, row.signature) in seen:
            continue  # the same signed statement as a file already read
        document = {
            "statement": row.statement,
            "signature": row.signature,
            "algorithm": row.algorithm,
            "key_id": row.key_id,
            "timestamp_token": row.timestamp_token,
        }
        claim = _claim_from_document(document, keys, f"数据库内待写出的检查点 #{row.pk}", problems)
        if claim is not None:
            claims.append(claim)
    claims.sort(key=lambda c: (c.seq, c.made_at))
    return claims
