# make run  : venv, install, migrate, seed, serve on http://127.0.0.1:8000
# make test : the whole suite, every test on SQLite and on PostgreSQL (a pytest run per backend, side by side)
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
export REGISTRY_TEST_POSTGRES_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test

.PHONY: run install lock migrate seed serve test test-sqlite test-postgresql tools lint format clean bench postgres-replication

$(BIN)/python:
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is required"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Installs take the pinned versions in requirements/ (from `make lock`); the stamps make a
# second run skip the install while the lock files have not changed.
$(VENV)/.installed: requirements/runtime.txt pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements/runtime.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $@

$(VENV)/.installed-dev: requirements/dev.txt $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -r requirements/dev.txt
	touch $@

# Re-pin every runtime and dev dependency after changing pyproject.toml.
LOCK_FLAGS := --quiet --no-emit-index-url --no-emit-find-links --strip-extras --allow-unsafe
lock: | $(BIN)/python
	$(BIN)/python -m pip install --quiet 'pip-tools>=7.4'
	$(BIN)/pip-compile $(LOCK_FLAGS) -o requirements/runtime.txt pyproject.toml
	$(BIN)/pip-compile $(LOCK_FLAGS) --extra dev -o requirements/dev.txt pyproject.toml

install: $(VENV)/.installed

migrate: install
	$(BIN)/registry db upgrade

seed: migrate
	$(BIN)/registry seed

serve: install
	$(BIN)/registry serve --host $(HOST) --port $(PORT)

run: seed serve

# Both backends, whatever REGISTRY_TEST_BACKEND the caller has set: CI runs this target.
# One pytest run per backend, side by side: much of the PostgreSQL run's time is the server's,
# so on two cores the pair takes little longer than the slower run. Each run's output is
# printed whole when it ends; the target fails if either does.
test: $(VENV)/.installed-dev tools
	@$(MAKE) --no-print-directory -j2 --output-sync=target test-sqlite test-postgresql

# One backend's tests; the other's are deselected.
test-sqlite: $(VENV)/.installed-dev tools
	REGISTRY_TEST_BACKEND=sqlite $(BIN)/python -m pytest $(PYTEST_ARGS)

test-postgresql: $(VENV)/.installed-dev postgres-replication
	REGISTRY_TEST_BACKEND=postgresql $(BIN)/python -m pytest $(PYTEST_ARGS)

# The browser tests (SQLite only) drive Debian's Chromium, with a font for Chinese in the
# screenshots, and the TypeScript client check needs node and npm. Run as root with apt, this
# installs what is missing; otherwise it stops at once with the one command to run.
# SKIP_TOOLS=1 runs the suite without them (those tests are then skipped; never under CI).
TOOL_PACKAGES = chromium fonts-wqy-microhei nodejs npm
tools:
	@missing=; \
	[ -x "$${REGISTRY_CHROMIUM:-/usr/bin/chromium}" ] || missing="$$missing chromium"; \
	fc-list :lang=zh 2>/dev/null | grep -q . || missing="$$missing fonts-wqy-microhei"; \
	command -v node >/dev/null 2>&1 || missing="$$missing nodejs"; \
	command -v npm >/dev/null 2>&1 || missing="$$missing npm"; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ -n "$$SKIP_TOOLS" ] && [ -z "$$CI" ]; then \
	  echo "*** SKIP_TOOLS: the tests needing$$missing will be skipped ***"; exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "installing$$missing (apt-get)"; export DEBIAN_FRONTEND=noninteractive; \
	  apt-get install -y -qq $$missing >/dev/null \
	    || { apt-get update -qq >/dev/null && apt-get install -y -qq $$missing >/dev/null; } \
	    || { echo "apt-get could not install$$missing"; exit 1; }; \
	else \
	  echo "The browser and TypeScript tests need$$missing. Install them with:"; \
	  echo "    sudo apt-get install -y $(TOOL_PACKAGES)"; \
	  echo "or run without those tests: make test SKIP_TOOLS=1"; exit 1; \
	fi

# The read-replica tests take a base backup of the test server: it must accept replication
# connections from 127.0.0.1. Adds that line to pg_hba.conf once and reloads the server.
PSQL = psql -h 127.0.0.1 -U postgres -d test -Atq
# `make test` runs it; where the file cannot be changed it says so, and the replica tests skip.
postgres-replication:
	@if ! $(PSQL) -c 'SELECT 1' >/dev/null 2>&1; then \
	  echo "*** PostgreSQL at 127.0.0.1:5432 does not answer: its tests will say why ***"; \
	elif [ "$$($(PSQL) -c "SELECT count(*) FROM pg_hba_file_rules WHERE 'replication' = ANY(database) AND address = '127.0.0.1'")" = 0 ]; then \
	  hba=$$($(PSQL) -c "SHOW hba_file"); \
	  echo "host replication all 127.0.0.1/32 trust" >> "$$hba" && $(PSQL) -c "SELECT pg_reload_conf()" >/dev/null && \
	  echo "added a replication line to $$hba" || \
	  echo "*** could not let the server accept replication connections; the replica tests will skip ***"; \
	fi

$(VENV)/.installed-bench: pyproject.toml $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	touch $@

# The benchmark against Datasette (docs/performance.md); needs wrk (apt-get install wrk).
# BENCH_SIZES=10000,100000 make bench for a shorter run.
bench: $(VENV)/.installed-bench
	@command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk"; exit 1; }
	$(BIN)/python bench/run.py

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check src tests alembic bench
	$(BIN)/ruff format --check src tests alembic bench
	$(BIN)/mypy

format: $(VENV)/.installed-dev
	$(BIN)/ruff format src tests alembic bench
	$(BIN)/ruff check --fix src tests alembic bench

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache clients/node_modules clients/src/registry.d.ts
