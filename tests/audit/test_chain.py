"""Art. 17, 19: the trail is append-only and tamper-evident."""

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import connection, transaction

from audit.models import AuditEvent
from audit.services import chain_verify, event_record
from fundadmin.roles import Role
from tests.conftest import tamper
from tests.factories import CommunityFactory, UserFactory, grant

pytestmark = pytest.mark.django_db


@pytest.fixture
def chain():
    community = CommunityFactory()
    for _ in range(4):
        grant(UserFactory(), Role.COMMUNITY_MEMBER, community)
    return list(AuditEvent.objects.order_by("seq"))


def test_events_chain_and_verify(chain):
    assert [e.seq for e in chain] == [1, 2, 3, 4]
    assert chain[1].prev_hash == chain[0].hash
    report = chain_verify()
    assert report.ok and report.verified_through_seq == 4


def test_orm_cannot_update_or_delete(chain):
    event = chain[0]
    event.reason = "改过"
    with pytest.raises(ValidationError):
        event.save()
    with pytest.raises(ValidationError):
        event.delete()
    with pytest.raises(ValidationError):
        AuditEvent.objects.filter(pk=event.pk).update(reason="x")
    with pytest.raises(ValidationError):
        AuditEvent.objects.all().delete()


def _raw(sql, params=()):
    """Tamper as a database superuser would: on PostgreSQL, past the append-only trigger, on a
    superuser connection of its own (the suite runs as the app role, which cannot)."""
    tamper(sql, params)


@pytest.mark.django_db(transaction=True)
def test_raw_edit_is_found(chain):
    _raw("UPDATE audit_auditevent SET reason = %s WHERE seq = 3", ["篡改"])
    report = chain_verify()
    assert not report.ok and report.first_broken_seq == 3 and report.verified_through_seq == 2
    with pytest.raises(CommandError, match="第 3 号"):
        call_command("verify_audit")


@pytest.mark.django_db(transaction=True)
def test_raw_delete_in_the_middle_is_found(chain):
    _raw("DELETE FROM audit_auditevent WHERE seq = 2")
    report = chain_verify()
    assert not report.ok and report.first_broken_seq == 2


@pytest.mark.django_db(transaction=True)
def test_raw_delete_of_the_tail_is_found(chain):
    _raw("DELETE FROM audit_auditevent WHERE seq = 4")
    report = chain_verify()
    assert not report.ok and report.verified_through_seq == 3


@pytest.mark.django_db(transaction=True)
def test_reorder_is_found(chain):
    _raw("UPDATE audit_auditevent SET seq = 100 WHERE seq = 2")
    _raw("UPDATE audit_auditevent SET seq = 2 WHERE seq = 3")
    _raw("UPDATE audit_auditevent SET seq = 3 WHERE seq = 100")
    assert not chain_verify().ok


def test_event_rolls_back_with_the_work():
    with pytest.raises(RuntimeError), transaction.atomic():
        event_record(action="test.write", obj=None, object_repr="x")
        raise RuntimeError
    assert not AuditEvent.objects.exists()
    event = event_record(action="test.write", obj=None, object_repr="x")
    assert event.seq == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_postgres_trigger_refuses_update_and_delete(chain):
    """The trigger refuses even the owner and a superuser who leaves the triggers on; the app role
    the suite runs as is refused before that, by its missing privilege (scripts/db-roles)."""
    import psycopg
    from django.db.utils import DatabaseError

    for sql in ("UPDATE audit_auditevent SET reason = 'x'", "DELETE FROM audit_auditevent"):
        with pytest.raises(psycopg.Error, match="append-only"):
            tamper(sql, bypass_triggers=False)
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cur:
            cur.execute(sql)
    assert AuditEvent.objects.count() == 4
