"""The change log: every write appends its entry in the write's own transaction."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from registry.models import Change

# The newest change's id: a bare max() that SQLite answers from the end of the index. As
# plain SQL both backends read alike: every read asks it, and it needs no statement cache.
HEAD_SQL = str(select(func.max(Change.id)).compile())


def change_head(session: Session) -> int:
    head: int | None = session.connection().exec_driver_sql(HEAD_SQL).scalar()
    return head or 0


def diff(before: dict[str, Any] | None, after: dict[str, Any]) -> dict[str, list[Any]]:
    """Each changed field's [previous, new] value; empty fields of a new record left out."""
    before = before or {}
    return {
        k: [before.get(k), v]
        for k, v in after.items()
        if before.get(k) != v and not (k not in before and v in (None, [], ""))
    }


def record_change(
    session: Session,
    entity: str,
    obj: Any,
    action: str,
    actor: str,
    changes: dict[str, list[Any]],
) -> Change:
    change = Change(
        entity=entity,
        record_id=obj.id,
        action=action,
        version=obj.version,
        actor=actor,
        changes=changes,
    )
    session.add(change)
    return change
