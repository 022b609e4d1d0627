"""API tokens, the change log, and stored idempotency keys."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from registry.models.base import Base, utcnow


class ApiToken(Base):
    """A bearer token; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"
    __table_args__ = (CheckConstraint("role IN ('editor', 'admin')", name="role"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class Change(Base):
    """One successful write: who, when, what, and each changed field's old and new value.

    `id` orders the feed at /api/v1/changes; values are in the create schema's terms
    (codes and slugs), so replaying a record's changes rebuilds it.
    """

    __tablename__ = "changes"
    __table_args__ = (
        Index("ix_changes_entity_record_id", "entity", "record_id"),
        CheckConstraint(
            "action IN ('create', 'update', 'delete', 'restore', 'purge')", name="action"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    entity: Mapped[str] = mapped_column(String(32))
    record_id: Mapped[uuid.UUID]
    action: Mapped[str] = mapped_column(String(16))
    version: Mapped[int] = mapped_column(Integer)
    actor: Mapped[str] = mapped_column(String(100))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    changes: Mapped[dict[str, Any]] = mapped_column(default=dict)


class IdempotencyKey(Base):
    """The first response to a POST with an Idempotency-Key, replayed for repeats."""

    __tablename__ = "idempotency_keys"

    actor: Mapped[str] = mapped_column(String(100), primary_key=True)
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    status: Mapped[int] = mapped_column(Integer)
    body: Mapped[str] = mapped_column(Text)
    location: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SeedRecord(Base):
    """What `registry seed` last wrote for one seeded record, in its seed file's terms.

    The base of a three-way merge: a field whose database value still equals it was not
    edited since, so a changed seed file may update it; any other field was edited through
    the API, an import or the CLI, and the seed keeps it.
    """

    __tablename__ = "seed_records"

    entity: Mapped[str] = mapped_column(String(32), primary_key=True)
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    record_id: Mapped[uuid.UUID]
    values: Mapped[dict[str, Any]] = mapped_column(default=dict)
    seeded_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
