"""Admin operations on records: create, update, soft delete, restore, purge.

Each function runs inside the caller's write transaction and logs its change there, so a
failed write leaves neither the record nor its history touched.
"""

from __future__ import annotations

import uuid
from typing import Any

from pydantic import BaseModel, ValidationError
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from registry.entities import ENTITIES, Entity
from registry.errors import Conflict, InvalidInput, InvalidParam, PreconditionFailed
from registry.models import Base, SearchDocument
from registry.models.base import utcnow
from registry.vocab import VocabIndex
from registry.writes import apply, find, record_change, to_create_dict


def validation_error(exc: ValidationError, prefix: str = "") -> InvalidInput:
    params = [
        InvalidParam(name=prefix + "/" + "/".join(str(p) for p in err["loc"]), reason=err["msg"])
        for err in exc.errors()
    ]
    return InvalidInput("; ".join(f"{p.name}: {p.reason}" for p in params), invalid_params=params)


def check_version(obj: Any, expected: int) -> None:
    if obj.version != expected:
        raise PreconditionFailed(
            f"the record is at version {obj.version}, not {expected}; fetch it again"
        )


def create(session: Session, entity: Entity, data: BaseModel, vocab: VocabIndex, actor: str) -> Any:
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
    entity: Entity,
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
        raise validation_error(exc) from exc
    key = getattr(data, entity.key)
    if key != getattr(obj, entity.key) and find(session, entity, key) is not None:
        raise Conflict(
            f"{entity.name} {key!r} already exists",
            invalid_params=[InvalidParam(name=f"/{entity.key}", reason="already exists")],
        )
    apply(session, entity, data, vocab, actor, obj)
    return obj


def dependents(session: Session, table: Any, record_id: uuid.UUID, *, live_only: bool) -> list[str]:
    """Records that point at a row of `table` through a foreign key, named `entity:key`."""
    found: list[str] = []
    for other in ENTITIES.values():
        other_table = other.model.__table__
        for fk in other_table.foreign_keys:
            if fk.column.table is not table or fk.parent.name == "id":
                continue
            query = select(getattr(other.model, other.key)).where(fk.parent == record_id)
            if live_only:
                query = query.where(other.model.deleted_at.is_(None))
            found += [f"{other.name}:{k}" for k in session.scalars(query)]
    # Link tables (partners, tagged terms) belong to the record their cascading key points
    # at; their other keys are references from that owner.
    owners = {e.model.__table__: e for e in ENTITIES.values()}
    for link in Base.metadata.tables.values():
        if "id" in link.c:
            continue
        owner_fk = next((f for f in link.foreign_keys if f.ondelete == "CASCADE"), None)
        if owner_fk is None or owner_fk.column.table is table:
            continue
        owner = owners[owner_fk.column.table]
        for fk in link.foreign_keys:
            if fk is owner_fk or fk.column.table is not table:
                continue
            query = (
                select(getattr(owner.model, owner.key))
                .join(link, owner_fk.parent == owner.model.id)
                .where(fk.parent == record_id)
            )
            if live_only:
                query = query.where(owner.model.deleted_at.is_(None))
            found += [f"{owner.name}:{k}" for k in session.scalars(query)]
    return sorted(set(found))


def soft_delete(
    session: Session, entity: Entity, obj: Any, actor: str, expected_version: int
) -> Any:
    check_version(obj, expected_version)
    blockers = dependents(session, entity.model.__table__, obj.id, live_only=True)
    if blockers:
        raise Conflict(
            f"{entity.name} {getattr(obj, entity.key)!r} is still used by live records: "
            + ", ".join(blockers)
            + ". Delete or re-point them first.",
            invalid_params=[InvalidParam(name=b, reason="still refers to it") for b in blockers],
        )
    before = obj.deleted_at
    obj.deleted_at = utcnow()
    session.flush()
    record_change(
        session,
        entity.name,
        obj,
        "delete",
        actor,
        {"deleted_at": [before, obj.deleted_at.isoformat()]},
    )
    return obj


def restore(session: Session, entity: Entity, obj: Any, actor: str) -> Any:
    if obj.deleted_at is None:
        raise Conflict(f"{entity.name} {getattr(obj, entity.key)!r} is not deleted")
    for name, column in _references(entity):
        target_id = getattr(obj, column)
        target_entity = ENTITIES[name]
        target = session.get(target_entity.model, target_id) if target_id else None
        if target is not None and target.deleted_at is not None:
            raise Conflict(f"restore {name} {getattr(target, target_entity.key)!r} first")
    deleted = obj.deleted_at.isoformat()
    obj.deleted_at = None
    obj.updated_at = utcnow()
    session.flush()
    record_change(session, entity.name, obj, "restore", actor, {"deleted_at": [deleted, None]})
    return obj


def purge(session: Session, entity: Entity, obj: Any, vocab: VocabIndex, actor: str) -> None:
    """Remove a soft-deleted record for good; its history stays."""
    if obj.deleted_at is None:
        raise Conflict(f"delete {entity.name} {getattr(obj, entity.key)!r} before purging it")
    blockers = dependents(session, entity.model.__table__, obj.id, live_only=False)
    if blockers:
        raise Conflict(
            "deleted records still refer to it: " + ", ".join(blockers) + ". Purge them first.",
            invalid_params=[InvalidParam(name=b, reason="still refers to it") for b in blockers],
        )
    snapshot = to_create_dict(session, entity, obj, vocab)
    record_change(
        session, entity.name, obj, "purge", actor, {k: [v, None] for k, v in snapshot.items()}
    )
    session.execute(
        delete(SearchDocument).where(
            SearchDocument.entity == entity.search_key, SearchDocument.record_id == obj.id
        )
    )
    session.delete(obj)
    session.flush()


def _references(entity: Entity) -> list[tuple[str, str]]:
    """(entity name, column) for each record this entity's create schema points at."""
    from registry.schemas.common import RecordRef
    from registry.writes import _RENAMED, field_markers

    refs = []
    for name, markers in field_markers(entity.create):
        for in_list, marker in markers:
            if isinstance(marker, RecordRef) and not in_list and marker.entity != "source":
                refs.append((marker.entity, _RENAMED.get(name, f"{name}_id")))
    return refs
