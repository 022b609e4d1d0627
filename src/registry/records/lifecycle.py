"""Soft delete, restore and purge: a record leaves lists, comes back, or goes for good.

A record still referred to by live records cannot be deleted, nor one referred to by any
record purged; history stays after a purge.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from registry.entities import ENTITIES, Entity
from registry.errors import Conflict, InvalidParam
from registry.models import Base, SearchDocument
from registry.models.base import utcnow
from registry.records.changes import record_change
from registry.records.mapping import to_create_dict
from registry.records.markers import fields
from registry.records.write import check_version
from registry.schemas.common import RecordRef
from registry.vocab import VocabIndex


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
    session: Session, entity: Entity[Any], obj: Any, actor: str, expected_version: int
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


def restore(session: Session, entity: Entity[Any], obj: Any, actor: str) -> Any:
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


def purge(session: Session, entity: Entity[Any], obj: Any, vocab: VocabIndex, actor: str) -> None:
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


def _references(entity: Entity[Any]) -> list[tuple[str, str]]:
    """(entity name, column) for each record this entity's create schema points at."""
    return [
        (spec.ref.entity, spec.column)
        for spec in fields(entity.create)
        if isinstance(spec.ref, RecordRef) and not spec.is_list and spec.ref.entity != "source"
    ]
