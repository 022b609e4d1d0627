"""One record by UUID or natural key: 404 when there is none, 410 when it was deleted."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.entities import Entity
from registry.errors import Gone, NotFound


def fetch(
    session: Session,
    entity: Entity[Any],
    ref: str,
    *,
    deleted: bool = False,
    for_update: bool = False,
) -> Any:
    """The record; a deleted one only when `deleted` is asked for.

    A read loads what rendering needs (`entity.load`). A write (`for_update`) locks the row
    on PostgreSQL instead and loads relationships as it goes, so that what it renders after
    changing them is current.
    """
    query = select(entity.model).where(entity.ref_condition(ref))
    if not for_update:
        query = query.options(*entity.load)
    elif session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    obj = session.scalar(query)
    gone = obj is not None and obj.deleted_at is not None and not deleted
    check_found(entity, ref, obj is not None, gone)
    return obj


def check_found(entity: Entity[Any], ref: str, found: bool, deleted: bool) -> None:
    """404 for a record that is not there, 410 for one that was deleted."""
    noun = entity.name.replace("_", " ")
    if not found:
        raise NotFound(f"No {noun} with id or slug {ref!r}.")
    if deleted:
        raise Gone(f"{noun} {ref!r} was deleted; an admin can restore it.")
