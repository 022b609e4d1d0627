"""Reading the change log: one record's history, and the feed of all changes."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.entities import Entity
from registry.errors import NotFound
from registry.models import Change
from registry.schemas.common import ChangeRead


def changes_of(session: Session, entity: str, record_id: uuid.UUID) -> list[ChangeRead]:
    """A record's changes, oldest first."""
    rows = session.scalars(
        select(Change)
        .where(Change.entity == entity, Change.record_id == record_id)
        .order_by(Change.id)
    )
    return [ChangeRead.model_validate(c) for c in rows]


def history(session: Session, entity: Entity[Any], ref: str) -> list[ChangeRead]:
    """A record's history; purged records are found by their UUID."""
    try:
        record_id: uuid.UUID | None = uuid.UUID(ref)
    except ValueError:
        record_id = session.scalar(select(entity.model.id).where(entity.key_column == ref))
    changes = changes_of(session, entity.name, record_id) if record_id else []
    if not changes:
        raise NotFound(f"No history for {entity.name.replace('_', ' ')} {ref!r}.")
    return changes
