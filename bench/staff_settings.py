"""bench.settings with the staff pages' second floor mounted (bench/staff_urls.py): what
bench/staff_floor.py and bench/staff_load.py run the application with."""

from bench.settings import *  # noqa: F403

ROOT_URLCONF = "bench.staff_urls"
