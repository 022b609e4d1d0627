# make run  : venv, install, migrate, seed, serve on http://127.0.0.1:8000
# make test : the whole suite on SQLite, then on PostgreSQL
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
export REGISTRY_TEST_POSTGRES_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test

.PHONY: run install migrate seed serve test test-sqlite test-postgresql lint format clean

$(BIN)/python:
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is required"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# The stamps make a second run skip the install when pyproject.toml has not changed.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed

migrate: install
	$(BIN)/registry db upgrade

seed: migrate
	$(BIN)/registry seed

serve: install
	$(BIN)/registry serve --host $(HOST) --port $(PORT)

run: seed serve

test: test-sqlite test-postgresql

test-sqlite: $(VENV)/.installed-dev
	REGISTRY_TEST_BACKEND=sqlite $(BIN)/python -m pytest $(PYTEST_ARGS)

test-postgresql: $(VENV)/.installed-dev
	REGISTRY_TEST_BACKEND=postgresql $(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check src tests alembic
	$(BIN)/ruff format --check src tests alembic
	$(BIN)/mypy

format: $(VENV)/.installed-dev
	$(BIN)/ruff format src tests alembic
	$(BIN)/ruff check --fix src tests alembic

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
