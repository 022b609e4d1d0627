"""Fixtures: a throwaway database on the backend named by REGISTRY_TEST_BACKEND.

`make test` runs the suite once with REGISTRY_TEST_BACKEND=sqlite and once with
REGISTRY_TEST_BACKEND=postgresql. On PostgreSQL each run creates its own database next to
the one in REGISTRY_TEST_POSTGRES_URL and drops it afterwards. An unreachable server skips
the PostgreSQL run locally but fails it when CI is set.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from alembic import command
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from registry.api.app import create_app
from registry.config import Settings
from registry.db import make_engine, make_sessionmaker
from registry.migrations import PROJECT_ROOT, alembic_config
from registry.seeding.loader import load_seeds

BACKEND = os.environ.get("REGISTRY_TEST_BACKEND", "sqlite")
POSTGRES_URL = os.environ.get(
    "REGISTRY_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
SEEDS = PROJECT_ROOT / "seeds"


def pytest_report_header() -> str:
    return f"registry backend: {BACKEND}"


def _postgres_admin_engine():  # type: ignore[no-untyped-def]
    engine = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect():
            pass
    except OperationalError as exc:
        engine.dispose()
        message = f"PostgreSQL at {make_url(POSTGRES_URL).render_as_string()} is unreachable: {exc}"
        if os.environ.get("CI"):
            pytest.fail(message, pytrace=False)
        pytest.skip(f"SKIPPING POSTGRESQL RUN: {message}")
    return engine


class DatabaseFactory:
    """Creates empty databases on the test backend and removes them at the end."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.created: list[str] = []
        self.admin = _postgres_admin_engine() if BACKEND == "postgresql" else None

    def new(self) -> str:
        name = f"registry_test_{uuid.uuid4().hex[:12]}"
        if self.admin is None:
            return f"sqlite:///{self.tmp / (name + '.db')}"
        with self.admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        self.created.append(name)
        return make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)

    def clone(self, url: str) -> str:
        """A new database with the contents of `url`, which nothing may be connected to."""
        name = f"registry_test_{uuid.uuid4().hex[:12]}"
        if self.admin is None:
            source = Path(make_url(url).database or "")
            target = self.tmp / (name + ".db")
            shutil.copyfile(source, target)
            return f"sqlite:///{target}"
        template = make_url(url).database
        with self.admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
        self.created.append(name)
        return make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)

    def drop(self, url: str) -> None:
        """Remove one database now rather than at the end of the run."""
        if self.admin is None:
            Path(make_url(url).database or "").unlink(missing_ok=True)
            return
        name = make_url(url).database
        with self.admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        self.created.remove(str(name))

    def drop_all(self) -> None:
        if self.admin is None:
            return
        with self.admin.connect() as conn:
            for name in self.created:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        self.admin.dispose()


@pytest.fixture(scope="session")
def databases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DatabaseFactory]:
    if BACKEND not in ("sqlite", "postgresql"):
        pytest.fail(f"REGISTRY_TEST_BACKEND must be sqlite or postgresql, not {BACKEND!r}")
    factory = DatabaseFactory(tmp_path_factory.mktemp("db"))
    yield factory
    factory.drop_all()


def migrate(url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)


@pytest.fixture(scope="session")
def seeded_url(databases: DatabaseFactory) -> str:
    """One migrated, seeded database shared by the read-only tests of a run."""
    url = databases.new()
    migrate(url)
    engine = make_engine(url)
    try:
        load_seeds(make_sessionmaker(engine), SEEDS)
    finally:
        engine.dispose()
    return url


@pytest.fixture
def fresh_url(databases: DatabaseFactory) -> str:
    """An empty database with no tables, for migration and loader tests."""
    return databases.new()


@pytest.fixture(scope="session")
def client(seeded_url: str) -> Iterator[TestClient]:
    app = create_app(Settings(database_url=seeded_url, environment="test"))
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def count_statements(client: TestClient) -> Callable[[], list[str]]:
    """Record the SQL statements the app runs during a test."""
    from sqlalchemy import event

    engine = client.app.state.engine  # type: ignore[attr-defined]
    statements: list[str] = []

    def _record(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", _record)
    yield lambda: statements  # type: ignore[misc]
    event.remove(engine, "before_cursor_execute", _record)
