"""Three-way merge of a seed file's record with the database, per field.

The base is what the seed last wrote (a `SeedRecord`). A field the file changed and the
database did not takes the file's value; a field only the database changed keeps its edit;
a field both changed to different values is a conflict, and the database wins.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

import orjson
from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.models import Change, SeedRecord

SEED_ACTOR = "seed"

# Stored as the base of a field whose conflict is unresolved, for a record the seed never
# wrote: it equals no real value, so the conflict is reported again until resolved.
UNSEEDED = {"$unseeded": True}


def canonical(value: Any) -> bytes:
    """A value's comparable form: lists as sets, since link order carries no meaning."""
    if isinstance(value, list):
        return orjson.dumps(sorted(canonical(v).decode() for v in value))
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)


def same(a: Any, b: Any) -> bool:
    return canonical(a) == canonical(b)


@dataclass
class Conflict:
    entity: str
    key: str
    field: str
    file: Any
    database: Any
    reason: str = "both changed since the last seed"

    def __str__(self) -> str:
        file = orjson.dumps(self.file).decode()
        database = orjson.dumps(self.database).decode()
        return (
            f"{self.entity} {self.key!r}, field {self.field}: the file says {file}, "
            f"the database says {database} ({self.reason}); kept the database"
        )


@dataclass
class Merge:
    """What to write (`take`), which edits were kept, the conflicts, the next base, and
    the base merged against (`prior`)."""

    take: dict[str, Any] = field(default_factory=dict)
    kept: list[str] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    base: dict[str, Any] = field(default_factory=dict)
    prior: dict[str, Any] | None = None


def merge(
    entity: str,
    key: str,
    file: dict[str, Any],
    database: dict[str, Any],
    base: dict[str, Any] | None,
) -> Merge:
    out = Merge(prior=base)
    for name, value in file.items():
        current = database.get(name)
        if base is None or name not in base:
            before: Any = UNSEEDED
        else:
            before = base[name]
        file_changed = not same(value, before)
        db_changed = not same(current, before)
        if same(value, current):
            out.base[name] = value
        elif not db_changed:
            out.take[name] = value
            out.base[name] = value
        elif not file_changed:
            out.kept.append(name)
            out.base[name] = before
        else:
            out.conflicts.append(Conflict(entity, key, name, value, current))
            out.base[name] = before
    return out


def plan(
    session: Session,
    entity: str,
    key: str,
    record_id: uuid.UUID,
    file: dict[str, Any],
    database: dict[str, Any],
    saved: SeedRecord | None,
    *,
    force: bool = False,
) -> Merge:
    """The merge for one stored record: against what the seed last wrote (from
    `seed_records`, else rebuilt from history), or, forced, the file's state outright."""
    if force:
        take = {k: v for k, v in file.items() if not same(v, database.get(k))}
        return Merge(take=take, base=file)
    if saved is not None and saved.record_id == record_id:
        base: dict[str, Any] | None = saved.values
    else:
        base = base_from_history(session, entity, record_id, database)
    return merge(entity, key, file, database, base)


def base_from_history(
    session: Session, entity: str, record_id: uuid.UUID, database: dict[str, Any]
) -> dict[str, Any] | None:
    """The record as the seed last wrote it, for databases seeded before `seed_records`:
    the current values with every later change by someone else undone. None if the seed
    never wrote the record."""
    base = dict(database)
    changes = session.scalars(
        select(Change)
        .where(Change.entity == entity, Change.record_id == record_id)
        .order_by(Change.id.desc())
    )
    for change in changes:
        if change.actor == SEED_ACTOR:
            return base
        for name, pair in change.changes.items():
            if name in base and isinstance(pair, list) and len(pair) == 2:
                base[name] = pair[0]
    return None


def state(session: Session, entity: str, key: str) -> SeedRecord | None:
    return session.get(SeedRecord, (entity, key))


def remember(
    session: Session,
    entity: str,
    key: str,
    record_id: uuid.UUID,
    values: dict[str, Any],
    existing: SeedRecord | None,
) -> None:
    if existing is None:
        session.add(SeedRecord(entity=entity, key=key, record_id=record_id, values=values))
    elif existing.values != values or existing.record_id != record_id:
        existing.values = values
        existing.record_id = record_id
