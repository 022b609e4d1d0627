"""Set-based creation of many new records: the fast half of bulk import.

`write.apply` creates one record through the ORM (a flush, a search-document lookup and a
change entry per row). For thousands of new rows that is dominated by round trips, so this
writes the same rows, links, children, search documents and change entries with one
multi-row INSERT per table per batch. Rows come checked by `write.checked_values`, the same
checks `apply` runs, and `tests/test_bulk.py` holds both paths to the same stored result
and history.
"""

from __future__ import annotations

import typing
import uuid
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Table, insert, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from registry.db import dbapi_cursor
from registry.entities import ENTITIES, Entity
from registry.models import Change, SearchDocument
from registry.models.base import new_id, utcnow
from registry.models.search import fts_table
from registry.records import documents
from registry.records.changes import diff
from registry.records.mapping import child_columns, created_dict
from registry.records.markers import fields
from registry.records.resolve import Resolver
from registry.schemas.common import RecordRef
from registry.vocab import VocabIndex

# Bound parameters per IN (…) lookup: well inside SQLite's and PostgreSQL's limits.
LOOKUP_CHUNK = 900

# A create schema, its checked row values and its search document (None: make it here).
Checked = tuple[BaseModel, dict[str, Any], documents.Document | None]


def link_table(entity: Entity[Any]) -> tuple[Table, str] | None:
    """The vocabulary link table of an entity with term lists, and its owner column."""
    relationship = getattr(entity.model, "terms", None)
    if relationship is None:
        return None
    table = relationship.property.secondary
    owner = next(c.name for c in table.columns if c.references(_table(entity.model).c.id))
    return table, owner


def prefetch_refs(session: Session, resolver: Resolver, rows: Sequence[BaseModel]) -> list[bool]:
    """Resolve every record reference in `rows` by natural key with a few IN queries.

    Returns, per row, whether all its references are keys of existing records. Rows with
    a UUID or an unknown key take the one-at-a-time path, which resolves and reports them.
    """
    per_row = [set(_record_refs(row)) for row in rows]
    wanted: dict[str, set[str]] = {}
    for row_refs in per_row:
        for entity_name, ref in row_refs:
            wanted.setdefault(entity_name, set()).add(ref)
    unresolved: set[tuple[str, str]] = set()
    for entity_name, keys in wanted.items():
        entity = ENTITIES[entity_name]
        pending = sorted(keys)
        found: dict[str, uuid.UUID] = {}
        for start in range(0, len(pending), LOOKUP_CHUNK):
            chunk = pending[start : start + LOOKUP_CHUNK]
            query = select(entity.key_column, entity.model.id).where(entity.key_column.in_(chunk))
            found.update((str(k), i) for k, i in session.execute(query))
        resolver.remember(entity_name, found)
        unresolved |= {(entity_name, k) for k in keys if k not in found}
    return [not (row_refs & unresolved) for row_refs in per_row]


def _record_refs(model: BaseModel) -> Iterable[tuple[str, str]]:
    for spec in fields(type(model)):
        value = getattr(model, spec.name)
        if value is None:
            continue
        for in_list, marker in spec.markers:
            if isinstance(marker, RecordRef):
                yield from ((marker.entity, v) for v in (value if in_list else [value]))
        nested = value if isinstance(value, list) else [value]
        for item in nested:
            if isinstance(item, BaseModel):
                yield from _record_refs(item)


def create_many(
    session: Session,
    entity: Entity[Any],
    rows: Sequence[Checked],
    vocab: VocabIndex,
    actor: str,
) -> list[uuid.UUID]:
    """Insert new records for checked rows; return their ids."""
    if not rows:
        return []
    now = utcnow()
    links = link_table(entity)
    records: list[dict[str, Any]] = []
    link_rows: list[dict[str, Any]] = []
    child_rows: dict[str, list[dict[str, Any]]] = {c.field: [] for c in entity.children}
    search_rows: list[dict[str, Any]] = []
    changes: list[dict[str, Any]] = []
    ids: list[uuid.UUID] = []
    children = [(child, child_columns(child)) for child in entity.children]
    known = documents.Known(session, vocab)
    if entity.search_fields:
        known.prefetch_rows(entity, [data for data, _, doc in rows if doc is None])
    for data, checked, doc in rows:
        record_id = new_id()
        ids.append(record_id)
        values = dict(checked)
        terms = values.pop("terms", set())
        for child, columns in children:
            child_rows[child.field] += [
                {child.owner: record_id, **dict(zip(columns, row, strict=True))}
                for row in values.pop(child.field)
            ]
        records.append(
            {**values, "id": record_id, "created_at": now, "updated_at": now, "version": 1}
        )
        if links is not None:
            link_rows += [{links[1]: record_id, "term_id": t} for t in terms]
        if entity.search_fields:
            names, tokens = doc or documents.document(entity, data, known)
            search_rows.append(
                {
                    "entity": entity.search_key,
                    "record_id": record_id,
                    "names": names,
                    "tokens": tokens,
                }
            )
        changes.append(
            {
                "entity": entity.name,
                "record_id": record_id,
                "action": "create",
                "version": 1,
                "actor": actor,
                "at": now,
                "changes": diff(None, created_dict(entity, data, vocab)),
            }
        )
    insert_rows(session, _table(entity.model), records)
    if link_rows and links is not None:
        insert_rows(session, links[0], link_rows)
    for child in entity.children:
        if child_rows[child.field]:
            insert_rows(session, _table(child.model), child_rows[child.field])
    if search_rows:
        insert_rows(session, _table(SearchDocument), search_rows)
    insert_rows(session, _table(Change), changes)
    return ids


# The triggers that copy each new search document into its entity's FTS5 table (0007).
_FTS_INSERT_TRIGGERS = "search_documents_ai_%"


@contextmanager
def deferred_search_index(session: Session) -> Iterator[None]:
    """On SQLite, index the search documents written inside the block with one INSERT …
    SELECT per entity at its end instead of a trigger run per row, which costs FTS5 four to
    five times as much. The insert triggers are dropped and re-created inside the caller's
    transaction, so other connections never see them missing and a rollback restores them.
    Documents written in the block must not be updated in it (an import touches each
    record once): the update trigger would remove from FTS5 a row it never held."""
    if session.get_bind().dialect.name != "sqlite":
        yield
        return
    triggers = session.execute(
        text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name LIKE :like"),
        {"like": _FTS_INSERT_TRIGGERS},
    ).all()
    since = session.execute(text("SELECT coalesce(max(id), 0) FROM search_documents")).scalar_one()
    for name, _ in triggers:
        session.execute(text(f'DROP TRIGGER "{name}"'))
    yield
    for name, sql in triggers:
        key = name.removeprefix(_FTS_INSERT_TRIGGERS[:-1])
        # In id order (`+entity` keeps the planner off the (entity, record_id) index):
        # FTS5 flushes its pending postings whenever a rowid comes out of order, and the
        # record ids' order made 20k documents cost 1.6 s instead of 0.3 s.
        session.execute(
            text(
                f"INSERT INTO {fts_table(key)}(rowid, names, tokens) "  # noqa: S608 (ours)
                "SELECT id, names, tokens FROM search_documents "
                "WHERE id > :since AND +entity = :key ORDER BY id"
            ),
            {"since": since, "key": key},
        )
        session.execute(text(sql))


def analyze(session: Session, entity: Entity[Any]) -> None:
    """PostgreSQL: refresh the statistics of the tables a large import wrote (SQLite's
    planner needs none). Autovacuum would, but only a minute or so after the commit."""
    if session.get_bind().dialect.name != "postgresql":
        return
    tables = [_table(entity.model), _table(SearchDocument), _table(Change)]
    if (links := link_table(entity)) is not None:
        tables.append(links[0])
    tables += [_table(child.model) for child in entity.children]
    names = ", ".join(dict.fromkeys(t.name for t in tables))
    session.execute(text(f"ANALYZE {names}"))  # names from the models, never input


def insert_rows(session: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    """Write rows on the driver: COPY on PostgreSQL, one `executemany` INSERT on SQLite.

    Each value goes through its column type's bind processor: SQLAlchemy's per-row
    parameter handling took as long as the database's writing. Rows that leave out a
    column with a default go through SQLAlchemy, which fills it. A refusal by the database
    is raised as SQLAlchemy's error for it, as a session's statement would be.
    """
    keys = list(rows[0])
    if any(
        c.key not in rows[0] and (c.default is not None or c.server_default is not None)
        for c in table.columns
    ) or any(row.keys() != rows[0].keys() for row in rows):
        session.execute(insert(table), rows)
        return
    dialect = session.get_bind().dialect
    compiled = insert(table).compile(dialect=dialect, column_keys=keys)
    names = list(compiled.positiontup or compiled.binds)
    plan = []
    for name in names:
        column = table.c[compiled.binds[name].key]
        plan.append((column.key, column.type.dialect_impl(dialect).bind_processor(dialect)))

    # A batch's rows share their times and actor: each is converted once.
    last: list[tuple[Any, Any]] = [(None, None)] * len(plan)

    def values(row: dict[str, Any]) -> list[Any]:
        out = []
        for i, (key, convert) in enumerate(plan):
            value = row[key]
            if convert is None or value is None:
                out.append(value)
            elif value is last[i][0]:
                out.append(last[i][1])
            else:
                converted = convert(value)
                last[i] = (value, converted)
                out.append(converted)
        return out

    with dbapi_cursor(session) as (cursor, _):
        statement = str(compiled)
        try:
            if dialect.name == "postgresql":
                quote = dialect.identifier_preparer.quote
                columns = ", ".join(quote(key) for key, _ in plan)
                statement = f"COPY {quote(table.name)} ({columns}) FROM STDIN"
                with cursor.copy(statement) as copy:
                    for row in rows:
                        copy.write_row(values(row))
            elif compiled.positiontup is not None:
                cursor.executemany(statement, [tuple(values(row)) for row in rows])
            else:
                cursor.executemany(
                    statement, [dict(zip(names, values(row), strict=True)) for row in rows]
                )
        except dialect.loaded_dbapi.Error as exc:
            raise DBAPIError.instance(statement, None, exc, dialect.loaded_dbapi.Error) from exc


def _table(model: Any) -> Table:
    return typing.cast(Table, model.__table__)
