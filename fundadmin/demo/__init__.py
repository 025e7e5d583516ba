"""Demo data, in layers: the core (organisations, users, fund years) and then each app's own
examples, in the order they build on each other (``parts``).

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


def parts() -> list:
    """Each app's demo, in the order they build on each other (``FUNDADMIN_DEMO_PARTS``: the core
    knows no app). Each part moves the clock to the days its story happened."""
    from django.conf import settings
    from django.utils.module_loading import import_string

    return [import_string(path) for path in settings.FUNDADMIN_DEMO_PARTS]
