"""Running the background worker inside a test."""

from django.db import connection
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult


def run_worker(max_tasks: int | None = None) -> int:
    """Run the database worker the way ``manage.py db_worker --batch`` does — every task that is
    due, then stop — in this process; the number of tasks it ran. (The command itself is run in
    tests/notifications/test_worker.py; this leaves pytest's signal handlers alone.)

    Only in a transactional test (``django_db(transaction=True)``): the worker takes its tasks in
    transactions of its own and closes a connection left inside one, as it must in production —
    inside a test's transaction that would close the test's connection on PostgreSQL.
    """
    assert connection.get_autocommit(), "run_worker needs @pytest.mark.django_db(transaction=True)"
    before = DBTaskResult.objects.finished().count()
    Worker(
        queue_names=["*"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=max_tasks,
        worker_id="test-worker",
        excluded_queue_names=[],
    ).run()
    return DBTaskResult.objects.finished().count() - before
