"""Demo data, in layers: the core (organisations, users, fund years) and then each capability's
own examples, in the order they build on each other.

The layers that describe the past run under a moved clock (``at``), in date order, so that the
trail they leave reads forward in time like a real one and every deadline is computed from the
day the step really happened.
"""

import contextlib
import datetime

BEIJING = datetime.timezone(datetime.timedelta(hours=8))


@contextlib.contextmanager
def at(day: datetime.date, *, second: int = 0, hour: int = 9):
    try:
        import time_machine
    except ImportError as exc:  # pragma: no cover - `make demo` installs the dev dependencies
        raise RuntimeError("演示数据需要开发依赖 time-machine：请用 make demo 运行。") from exc
    moment = datetime.datetime.combine(day, datetime.time(hour), tzinfo=BEIJING) + datetime.timedelta(seconds=second)
    with time_machine.travel(moment, tick=False):
        yield


def extensions():
    from ledger import demo as ledger_demo
    from projects import demo as projects_demo
    from publicity import demo as publicity_demo
    from supervision import demo as supervision_demo

    # The books first: 2025 and 2026 appropriations, 2025 closed into 2026 (the demo projects are
    # all of 2026, so nothing of 2025 is left unpaid). Then the projects' histories, then the
    # notices, objections and needs that refer to them, then the supervisors' opinions and the
    # annual reports.
    def books():
        with at(datetime.date(2026, 8, 31)):
            ledger_demo.load()

    def notices_and_needs():
        # The evening of 27 November 2026: after the last replayed project step (09:00 that day).
        with at(datetime.date(2026, 11, 27), hour=17):
            publicity_demo.load()

    return [books, projects_demo.load, notices_and_needs, supervision_demo.load]
