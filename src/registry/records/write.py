"""Creating and changing records: every door (API, seed, import) writes through here.

Each function runs inside the caller's transaction and logs its change there, so a failed
write leaves neither the record nor its history touched.
"""

from __future__ import annotations

import typing
from typing import Any, Literal

from pydantic import BaseModel, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.entities import Entity
from registry.errors import (
    Conflict,
    InvalidParam,
    PreconditionFailed,
    invalid_input,
    validation_problems,
)
from registry.models.base import utcnow
from registry.records import documents, slugs
from registry.records.changes import diff, record_change
from registry.records.mapping import assign, current, row_values, to_create_dict
from registry.records.resolve import Resolver
from registry.vocab import VocabIndex

Outcome = Literal["created", "updated", "unchanged"]


def checked_values(
    session: Session,
    entity: Entity[Any],
    data: BaseModel,
    resolver: Resolver,
    sort_key: str | None = None,
) -> dict[str, Any]:
    """Row values for `data`, once its codes, references and the entity's own rules pass;
    422 naming every failure otherwise. Bulk creation calls this too."""
    resolver.check(data)
    resolver.raise_if_errors()
    values = row_values(entity, data, resolver, sort_key)
    if entity.check is not None:
        errors = list(entity.check(session, data, values))
        if errors:
            raise invalid_input(errors)
    return values


def apply(
    session: Session,
    entity: Entity[Any],
    data: BaseModel,
    vocab: VocabIndex,
    actor: str,
    obj: Any | None = None,
) -> tuple[Any, Outcome]:
    """Write `data` into a new record, or into `obj`; log the change in the same transaction."""
    values = checked_values(session, entity, data, Resolver(session, vocab))
    doc = documents.document(entity, data, documents.Known(session, vocab))
    if obj is None:
        obj = typing.cast(Any, entity.model())
        for column, value in values.items():
            assign(session, entity, obj, column, value)
        session.add(obj)
        session.flush()
        documents.sync(session, entity, obj.id, doc)
        after = to_create_dict(session, entity, obj, vocab)
        record_change(session, entity.name, obj, "create", actor, diff(None, after))
        return obj, "created"
    before = to_create_dict(session, entity, obj, vocab)
    changed = [c for c, v in values.items() if current(entity, obj, c) != v]
    if changed:
        # One UPDATE of the row, which also bumps the version when only links changed;
        # loading terms for the links must not flush a half-applied change first.
        with session.no_autoflush:
            for column in changed:
                assign(session, entity, obj, column, values[column])
            obj.updated_at = utcnow()
        session.flush()
    documents.sync(session, entity, obj.id, doc)
    if not changed:
        return obj, "unchanged"
    if set(changed) & set(entity.embed):
        documents.refresh_embedding(session, vocab, entity.name, obj.id)
    after = to_create_dict(session, entity, obj, vocab)
    record_change(session, entity.name, obj, "update", actor, diff(before, after))
    return obj, "updated"


def find(session: Session, entity: Entity[Any], key: str) -> Any:
    return session.scalar(select(entity.model).where(entity.key_column == key))


def upsert(
    session: Session, entity: Entity[Any], data: BaseModel, vocab: VocabIndex, actor: str = "seed"
) -> tuple[Any, Outcome]:
    """Insert or update one record by its natural key; report what happened."""
    obj = find(session, entity, getattr(data, entity.key))
    if obj is not None and obj.deleted_at is not None:
        raise Conflict(
            f"{entity.name} {getattr(data, entity.key)!r} is deleted; restore or purge it first"
        )
    return apply(session, entity, data, vocab, actor, obj)


def check_version(obj: Any, expected: int) -> None:
    if obj.version != expected:
        raise PreconditionFailed(
            f"the record is at version {obj.version}, not {expected}; fetch it again"
        )


def create(
    session: Session, entity: Entity[Any], data: BaseModel, vocab: VocabIndex, actor: str
) -> Any:
    data = slugs.with_slug(session, entity, data)
    key = getattr(data, entity.key)
    existing = find(session, entity, key)
    if existing is not None:
        state = " (deleted; restore it instead)" if existing.deleted_at else ""
        raise Conflict(
            f"{entity.name} {key!r} already exists{state}",
            invalid_params=[InvalidParam(name=f"/{entity.key}", reason="already exists")],
        )
    obj, _ = apply(session, entity, data, vocab, actor)
    return obj


def update(
    session: Session,
    entity: Entity[Any],
    obj: Any,
    patch: dict[str, Any],
    vocab: VocabIndex,
    actor: str,
    expected_version: int,
) -> Any:
    """Merge `patch` into the record; a list in the patch replaces the stored list."""
    check_version(obj, expected_version)
    merged = {**to_create_dict(session, entity, obj, vocab), **patch}
    try:
        data = entity.create.model_validate(merged)
    except ValidationError as exc:
        raise invalid_input(validation_problems(exc)) from exc
    key = getattr(data, entity.key)
    if key is None:
        raise invalid_input(
            [
                InvalidParam(
                    name=f"/{entity.key}",
                    reason=f"a record keeps its {entity.key}; send a new one to rename it",
                )
            ]
        )
    if key != getattr(obj, entity.key) and find(session, entity, key) is not None:
        raise Conflict(
            f"{entity.name} {key!r} already exists",
            invalid_params=[InvalidParam(name=f"/{entity.key}", reason="already exists")],
        )
    apply(session, entity, data, vocab, actor, obj)
    return obj
