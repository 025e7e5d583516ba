# fundadmin — the two commands are `make demo` and `make test`; everything else is set up by them.
SHELL := /bin/sh
VENV := .venv
PY := $(VENV)/bin/python
UV := $(VENV)/bin/uv
PORT ?= 8000
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: demo test test-postgres lint check venv system-deps system-deps-test lock clean bench screenshots

## make demo: set up, load demo data for every role (SQLite) and serve on 127.0.0.1:$(PORT), with
##   the background worker (notifications, reminder e-mail, PDFs) beside the server, stopped with it.
##   It installs only what the demo needs (requirements/demo.lock), not the test tools.
demo: $(VENV)/.demo-installed system-deps
	@echo "== [3/4] 数据库迁移 · Migrating the database (db.sqlite3)"
	@DJANGO_SETTINGS_MODULE=fundadmin.settings.dev $(PY) manage.py migrate --no-input -v0
	@echo "== [4/4] 载入演示数据 · Loading the demo data"
	@DJANGO_SETTINGS_MODULE=fundadmin.settings.dev $(PY) manage.py load_demo
	@export DJANGO_SETTINGS_MODULE=fundadmin.settings.dev; \
	$(PY) manage.py db_worker --no-reload --verbosity 0 & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT; trap 'exit 130' INT TERM; \
	echo "== 后台任务进程已启动（pid $$worker），随服务器一起停止 · Background worker started, stops with the server"; \
	$(PY) manage.py serve_demo 127.0.0.1:$(PORT)

## make test: set up (with test-only needs) and run the whole suite
test: $(VENV)/.installed system-deps-test tests/guards/node_modules/.installed
	$(PY) -m pytest $(PYTEST_ARGS)

# axe-core for the accessibility guard (tests/guards/test_accessibility.py), pinned by its lock.
tests/guards/node_modules/.installed: tests/guards/package.json tests/guards/package-lock.json
	@command -v npm >/dev/null 2>&1 || { echo "The accessibility tests need npm: on Debian, apt-get install npm." >&2; exit 1; }
	npm ci --prefix tests/guards --no-audit --no-fund --loglevel=error
	@touch $@

## make bench: city-scale data, page/PDF/audit/ledger/stream timings and a loopback load test, on a
##   throw-away PostgreSQL (scripts/with-postgres, PGPORT) and then on SQLite (not part of make test)
##   BENCH_ARGS="--scales 0.1 --quick" for a short run; results in bench/results/latest.md
bench: $(VENV)/.installed system-deps
	scripts/with-postgres $(PY) bench/all.py $(BENCH_ARGS)

## make screenshots: the main pages of each demo role at 1280 and 360 px into docs/screenshots/
##   (a fresh demo database in a temporary folder, served on a free loopback port, Debian's chromium)
screenshots: $(VENV)/.installed system-deps-test
	$(PY) scripts/screenshots.py

## make lint: ruff, and the one-way doors between the rooms (import-linter, docs/architecture.md)
lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

check: $(VENV)/.installed
	$(PY) manage.py makemigrations --check --dry-run
	DJANGO_SETTINGS_MODULE=fundadmin.settings.production SECRET_KEY=check-only-$$(date +%s)-not-a-real-key-0123456789abcdefghij ALLOWED_HOSTS=example.org PUBLIC_BASE_URL=https://example.org \
		$(PY) manage.py check --deploy --fail-level WARNING

venv: $(VENV)/.installed

# The virtualenv, with uv in it: uv installs the same hash-pinned locks as pip, in parallel and
# from its cache, in seconds where pip took minutes (uv itself comes from PyPI, pinned by
# requirements/uv.lock). Rebuilt when it was made by a Python older than 3.12.
$(UV): requirements/uv.lock scripts/find-python
	@if [ -x $(PY) ] && ! $(PY) -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then \
		echo "Removing $(VENV): it was made by a Python older than 3.12"; rm -rf $(VENV); fi
	@if [ ! -x $(PY) ]; then \
		interp=$$(scripts/find-python) || exit 1; \
		echo "== [1/4] 创建虚拟环境 · Creating $(VENV) with $$interp"; \
		"$$interp" -m venv $(VENV) || { echo "Could not create a virtualenv: on Debian install python3-venv for that Python." >&2; exit 1; }; \
	fi
	@echo "== 安装 uv · Installing uv (requirements/uv.lock)"
	@$(PY) -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements/uv.lock
	@touch $@

# What the demo needs (runtime + time-machine); `make test` adds the test tools (dev.lock).
$(VENV)/.demo-installed: requirements/demo.lock $(UV)
	@echo "== [2/4] 安装演示所需的 Python 包 · Installing the demo's Python packages ($$(grep -c '^[a-z0-9]' requirements/demo.lock) from requirements/demo.lock)"
	@$(UV) pip install --python $(PY) --require-hashes -r requirements/demo.lock
	@touch $@

$(VENV)/.installed: requirements/dev.lock $(UV)
	@echo "== 安装开发和测试所需的 Python 包 · Installing the dev and test packages ($$(grep -c '^[a-z0-9]' requirements/dev.lock) from requirements/dev.lock)"
	@$(UV) pip install --python $(PY) --require-hashes -r requirements/dev.lock
	@touch $@

system-deps:
	@scripts/system-deps runtime

system-deps-test:
	@scripts/system-deps test

## make lock: re-pin requirements/*.lock from pyproject.toml (needs network to PyPI)
##   demo.lock is constrained to dev.lock, so the demo and the tests run the same versions.
lock: $(VENV)/.installed
	$(UV) pip compile requirements/uv.in --quiet --python-version 3.12 --generate-hashes -o requirements/uv.lock
	$(UV) pip compile pyproject.toml --quiet --python-version 3.12 --generate-hashes -o requirements/base.lock
	$(UV) pip compile pyproject.toml --quiet --extra demo --extra dev --python-version 3.12 --generate-hashes -o requirements/dev.lock
	$(UV) pip compile pyproject.toml --quiet --extra demo --python-version 3.12 --generate-hashes -c requirements/dev.lock -o requirements/demo.lock

clean:
	rm -rf $(VENV) db.sqlite3 media staticfiles
