"""Fixtures: one pytest run tests both backends, and no test sees another test's writes.

Every test takes the session-scoped `backend` fixture (autouse, params `sqlite` and
`postgresql`), so it runs twice, as `test_x[sqlite]` and `test_x[postgresql]`. pytest groups
the items by that param, so each backend's session fixtures (templates, the shared read
database, its client) are built once and torn down before the other backend's start.
REGISTRY_TEST_BACKEND=sqlite or =postgresql deselects the other backend's tests.

On PostgreSQL every database is created beside the one in REGISTRY_TEST_POSTGRES_URL and
dropped when it is no longer needed (any left are dropped at the end of the backend). If the
server is unreachable the postgresql tests are skipped with a loud reason, except when CI is
set, where they fail.

The databases, per backend:

- `seeded_template`: migrated and seeded once, and only ever copied, so nothing connects to it
  (PostgreSQL copies a database with CREATE DATABASE … TEMPLATE, which needs it idle).
- `seeded_url`: one copy shared by the read-only tests (`client`, `count_statements`). A test
  that uses it and changes it fails: `_shared_database_unchanged` compares row counts, the
  change log's head, record versions and the backend's own sign of a commit before and
  after each such test.
- `write_db`: for each test that writes, its own copy of `write_template` (the seeded template
  plus an admin and an editor token), dropped when the test ends. Modules build their clients
  or live servers on it.
- `fresh_url`: an empty database with no tables, dropped when the test ends.
"""

from __future__ import annotations

import os
import sqlite3
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from fastapi.testclient import TestClient
from sqlalchemy import BigInteger, Engine, create_engine, func, literal_column, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from registry.api.app import create_app
from registry.config import Settings
from registry.db import make_engine, make_sessionmaker
from registry.migrations import PROJECT_ROOT, alembic_config
from registry.models import Base, Change
from registry.seeding.loader import load_seeds
from tests.admin_support import Tokens, create_tokens
from tests.browser_support import (  # noqa: F401 (fixtures)
    axe_source,
    browser,
    chromium,
    page,
    server,
)

BACKENDS = ("sqlite", "postgresql")
ONLY = os.environ.get("REGISTRY_TEST_BACKEND", "")
POSTGRES_URL = os.environ.get(
    "REGISTRY_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
SEEDS = PROJECT_ROOT / "seeds"
_unreachable: list[str] = []  # why PostgreSQL was skipped, for the summary at the end


def pytest_configure(config: pytest.Config) -> None:
    if ONLY and ONLY not in BACKENDS:
        raise pytest.UsageError(
            f"REGISTRY_TEST_BACKEND must be sqlite, postgresql or unset, not {ONLY!r}"
        )


def pytest_report_header() -> str:
    return f"registry backends: {ONLY or ', '.join(BACKENDS)}"


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if _unreachable:
        terminalreporter.write_line(
            f"*** POSTGRESQL TESTS SKIPPED: {_unreachable[0]} ***", red=True, bold=True
        )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """REGISTRY_TEST_BACKEND keeps one backend's items and deselects the other's."""
    if not ONLY:
        return
    keep: list[pytest.Item] = []
    other: list[pytest.Item] = []
    for item in items:
        callspec = getattr(item, "callspec", None)
        param = callspec.params.get("backend") if callspec else None
        (other if param not in (None, ONLY) else keep).append(item)
    if other:
        config.hook.pytest_deselected(items=other)
        items[:] = keep


def _postgres_admin_engine() -> Engine:
    """An engine on the server's maintenance database; skips or fails if it is unreachable."""
    engine = create_engine(
        POSTGRES_URL, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 10}
    )
    try:
        with engine.connect():
            pass
    except OperationalError as exc:
        engine.dispose()
        where = make_url(POSTGRES_URL).render_as_string()
        reason = str(exc.orig or exc).strip().splitlines()[0]
        message = f"PostgreSQL at {where} is unreachable: {reason}"
        if os.environ.get("CI"):
            pytest.fail(message, pytrace=False)
        _unreachable.append(message)
        pytest.skip(f"*** POSTGRESQL TESTS SKIPPED: {message} ***")
    return engine


@pytest.fixture(scope="session", params=BACKENDS, autouse=True)
def backend(request: pytest.FixtureRequest) -> str:
    """The database backend this test runs on, `sqlite` or `postgresql`."""
    name: str = request.param
    if name == "postgresql":
        _postgres_admin_engine().dispose()
    return name


class DatabaseFactory:
    """Creates databases on one backend and removes them, each when asked or all at the end."""

    def __init__(self, backend: str, tmp: Path) -> None:
        self.backend = backend
        self.tmp = tmp
        self.created: set[str] = set()
        self.admin = _postgres_admin_engine() if backend == "postgresql" else None

    def _name(self) -> str:
        return f"registry_test_{uuid.uuid4().hex[:12]}"

    def _postgres_url(self, name: str) -> str:
        return make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)

    def new(self) -> str:
        """An empty database with no tables."""
        name = self._name()
        if self.admin is None:
            return f"sqlite:///{self.tmp / (name + '.db')}"
        with self.admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        self.created.add(name)
        return self._postgres_url(name)

    def clone(self, url: str) -> str:
        """A new database with the contents of `url`, which nothing may be connected to."""
        name = self._name()
        if self.admin is None:
            target = self.tmp / (name + ".db")
            # The backup API copies what is committed, even if part of it is still in the WAL.
            source = sqlite3.connect(make_url(url).database or "")
            copy = sqlite3.connect(target)
            try:
                source.backup(copy)
            finally:
                copy.close()
                source.close()
            return f"sqlite:///{target}"
        template = make_url(url).database
        with self.admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
        self.created.add(name)
        return self._postgres_url(name)

    def drop(self, url: str) -> None:
        """Remove one database now rather than at the end of the run."""
        name = str(make_url(url).database)
        if self.admin is None:
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(name + suffix).unlink(missing_ok=True)
            return
        with self.admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        self.created.discard(name)

    def drop_all(self) -> None:
        if self.admin is None:
            return
        with self.admin.connect() as conn:
            for name in sorted(self.created):
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        self.created.clear()
        self.admin.dispose()


@pytest.fixture(scope="session")
def databases(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[DatabaseFactory]:
    factory = DatabaseFactory(backend, tmp_path_factory.mktemp(f"db-{backend}"))
    yield factory
    factory.drop_all()


def migrate(url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)


@pytest.fixture(scope="session")
def seeded_template(databases: DatabaseFactory) -> str:
    """Migrated and seeded once per backend; only copied from, never used directly."""
    url = databases.new()
    migrate(url)
    engine = make_engine(url)
    try:
        load_seeds(make_sessionmaker(engine), SEEDS)
    finally:
        engine.dispose()
    return url


@pytest.fixture(scope="session")
def seeded_url(databases: DatabaseFactory, seeded_template: str) -> str:
    """One seeded database shared by the read-only tests of a backend."""
    return databases.clone(seeded_template)


@dataclass(frozen=True)
class WriteDatabase:
    url: str
    tokens: Tokens


@pytest.fixture(scope="session")
def write_template(databases: DatabaseFactory, seeded_template: str) -> WriteDatabase:
    """The seeded template plus an admin and an editor token, copied for each writing test."""
    url = databases.clone(seeded_template)
    return WriteDatabase(url, create_tokens(url))


@pytest.fixture
def write_db(databases: DatabaseFactory, write_template: WriteDatabase) -> Iterator[WriteDatabase]:
    """A seeded database with tokens, this test's own, dropped when it ends."""
    url = databases.clone(write_template.url)
    yield WriteDatabase(url, write_template.tokens)
    databases.drop(url)


@pytest.fixture
def api(write_db: WriteDatabase) -> Iterator[TestClient]:
    """The app on the test's own seeded database (`write_db`), for tests that write."""
    with TestClient(create_app(Settings(database_url=write_db.url, environment="test"))) as c:
        yield c


# The resources with records of their own: paged lists, exports and imports.
RECORD_RESOURCES = (
    "organizations",
    "programs",
    "policies",
    "service-stations",
    "hotlines",
    "hotline-metrics",
    "figures",
)


@pytest.fixture
def fresh_url(databases: DatabaseFactory) -> Iterator[str]:
    """An empty database with no tables, for migration and loader tests."""
    url = databases.new()
    yield url
    databases.drop(url)


@pytest.fixture(scope="session")
def client(seeded_url: str) -> Iterator[TestClient]:
    app = create_app(Settings(database_url=seeded_url, environment="test"))
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture(scope="session")
def _fingerprint(backend: str, seeded_url: str) -> Iterator[Callable[[], dict[str, Any]]]:
    """What any write changes in the shared database: row counts, the change log's head and
    record versions, and a backend's own sign of a commit (SQLite's data_version, which moves
    when another connection commits; PostgreSQL's newest row version per table)."""
    engine = make_engine(seeded_url)
    tables = Base.metadata.sorted_tables
    columns: list[Any] = [select(func.max(Change.id)).scalar_subquery().label("changes.head")]
    for table in tables:
        columns.append(select(func.count()).select_from(table).scalar_subquery().label(table.name))
        if "version" in table.c:
            versions = select(func.coalesce(func.sum(table.c.version), 0))
            columns.append(versions.scalar_subquery().label(f"{table.name}.versions"))
        if backend == "postgresql":
            # A new or updated row carries the id of the transaction that wrote it.
            xmin = literal_column("xmin::text::bigint", type_=BigInteger)
            newest = select(func.max(xmin)).select_from(table)
            columns.append(newest.scalar_subquery().label(f"{table.name}.xmin"))
    query = select(*columns)
    watcher = None
    if backend == "sqlite":
        watcher = sqlite3.connect(make_url(seeded_url).database or "")

    def fingerprint() -> dict[str, Any]:
        with engine.connect() as conn:
            now = dict(conn.execute(query).one()._mapping)
        if watcher is not None:
            now["data_version"] = watcher.execute("PRAGMA data_version").fetchone()[0]
        return now

    yield fingerprint
    if watcher is not None:
        watcher.close()
    engine.dispose()


@pytest.fixture(autouse=True)
def _shared_database_unchanged(request: pytest.FixtureRequest) -> Iterator[None]:
    """Fail a test that wrote to the database the read-only tests share."""
    if "seeded_url" not in request.fixturenames:
        yield
        return
    fingerprint: Callable[[], dict[str, Any]] = request.getfixturevalue("_fingerprint")
    before = fingerprint()
    yield
    after = fingerprint()
    changed = {k: (before[k], after[k]) for k in before if before[k] != after[k]}
    if changed:
        pytest.fail(
            f"{request.node.nodeid} wrote to the shared read-only database ({changed}); "
            "a test that writes takes `write_db`, a database of its own",
            pytrace=False,
        )


@pytest.fixture
def count_statements(client: TestClient) -> Iterator[Callable[[], list[str]]]:
    """Record the SQL statements the app runs during a test."""
    from sqlalchemy import event

    engine = client.app.state.engine  # type: ignore[attr-defined]
    statements: list[str] = []

    def _record(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", _record)
    yield lambda: statements
    event.remove(engine, "before_cursor_execute", _record)
