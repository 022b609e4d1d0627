"""Alembic environment: the URL comes from Settings, or from a connection a caller passes."""

from __future__ import annotations

import warnings

from alembic import context
from sqlalchemy import Connection
from sqlalchemy.exc import SAWarning

from registry.config import get_settings
from registry.db import is_sqlite, make_engine
from registry.models import Base
from registry.models.base import UTCDateTime
from registry.models.search import FTS_TABLE, GIN_INDEX, TSV_COLUMN, SearchDocument
from registry.models.vocabulary import LOWER_CODE_INDEX

# SQLite's reflection skips expression indexes with a warning; LOWER_CODE_INDEX is one, and
# the drift check leaves it out on every backend.
warnings.filterwarnings(
    "ignore", message="Skipped unsupported reflection of expression-based index", category=SAWarning
)

config = context.config
target_metadata = Base.metadata


def include_name(name: str | None, type_: str, parent: dict[str, str | None]) -> bool:
    # The full-text structures are backend-specific and live only in the migrations.
    if type_ == "table" and name is not None and name.startswith(FTS_TABLE):
        return False
    documents = parent.get("table_name") == SearchDocument.__tablename__
    if type_ == "column" and name == TSV_COLUMN and documents:
        return False
    # PostgreSQL's stand-in for SQLite's rowid (0009), which the models cannot declare.
    if (type_, name) == ("column", "rowid"):
        return False
    if type_ == "unique_constraint" and name is not None and name.endswith("_rowid"):
        return False
    return not (type_ == "index" and name in (GIN_INDEX, LOWER_CODE_INDEX))


def render_item(type_: str, obj: object, autogen_context: object) -> str | bool:
    # Migrations must not import the app: UTCDateTime is stored as a plain aware DateTime.
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        compare_server_default=True,
        include_name=include_name,
        render_item=render_item,
    )


def run_offline() -> None:
    url = config.get_main_option("sqlalchemy.url") or get_settings().database_url
    context.configure(
        url=url,
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=is_sqlite(url),
    )
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()
        return
    url = config.get_main_option("sqlalchemy.url") or get_settings().database_url
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            _configure(conn)
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
