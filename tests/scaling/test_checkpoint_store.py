"""Signed audit checkpoints in an S3-compatible bucket (moto on loopback), configured by the same
function the settings use: written once, read back by verify_audit, and a truncation of the
database contradicts them (issue 15)."""

import json
import uuid

import pytest
from django.core.management import CommandError, call_command

from audit.checkpoints import checkpoint_export, checkpoint_make
from audit.services import event_record
from fundadmin.settings.cluster import checkpoint_storage_from_env
from tests.conftest import tamper

from .conftest import s3_client

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def bucket(s3_server, settings):
    name = f"fundadmin-cp-{uuid.uuid4().hex[:12]}"
    client = s3_client(s3_server)
    client.create_bucket(Bucket=name)
    environ = {
        "FUNDADMIN_CHECKPOINT_S3_BUCKET": name,
        "FUNDADMIN_S3_ENDPOINT_URL": s3_server,
        "FUNDADMIN_S3_REGION": "us-east-1",
    }
    settings.STORAGES = {**settings.STORAGES, "checkpoints": checkpoint_storage_from_env(environ, "/nonexistent")}
    return client, name


def test_checkpoints_go_to_the_bucket_and_witness_a_truncation(bucket):
    client, name = bucket
    for i in range(5):
        event_record(action="test.write", obj=None, object_repr=f"事件 {i}")
    made = checkpoint_export(checkpoint_make(reason="manual"))
    keys = [o["Key"] for o in client.list_objects_v2(Bucket=name)["Contents"]]
    assert keys == [f"checkpoints/{made.export_name}"]
    document = json.loads(client.get_object(Bucket=name, Key=keys[0])["Body"].read())
    assert json.loads(document["statement"])["seq"] == 5
    call_command("verify_audit", "--full")
    # A superuser removes the last events, the head, and the outbox copy in the database.
    tamper("DELETE FROM audit_auditevent WHERE seq > 3")
    tamper("UPDATE audit_audithead SET seq = 3, hash = (SELECT hash FROM audit_auditevent WHERE seq = 3)")
    tamper("DELETE FROM audit_checkpoint")
    with pytest.raises(CommandError, match=rf"检查点 第 5 号.*{made.export_name}.*链被截断"):
        call_command("verify_audit", "--full")
