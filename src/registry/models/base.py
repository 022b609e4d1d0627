"""Declarative base, constraint naming convention and the columns every record shares."""

from __future__ import annotations

import os
import time
import uuid
from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import JSON, DateTime, Dialect, ForeignKey, Integer, MetaData, String, Uuid
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_id() -> uuid.UUID:
    """A time-ordered UUID (version 7, RFC 9562): milliseconds since the epoch, then random
    bits. Records made together get neighbouring ids, so every index keyed by record id
    (primary keys, links, search documents, history) grows at its end instead of at a
    random page: at a million rows that is the difference between appending and re-reading."""
    random = int.from_bytes(os.urandom(10), "big")
    return uuid.UUID(
        int=(time.time_ns() // 1_000_000) << 80
        | 0x7 << 76
        | (random >> 62 & 0xFFF) << 64
        | 0b10 << 62
        | random & (1 << 62) - 1
    )


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite would drop the offset)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime; use an aware UTC datetime")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        uuid.UUID: Uuid(),
        datetime: UTCDateTime(),
        dict[str, Any]: JSON(),
        list[Any]: JSON(),
    }


class RecordMixin:
    """UUID id, timestamps and an optimistic-locking version for every record."""

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)
    # Soft delete: the record leaves lists and details but stays restorable until purged.
    deleted_at: Mapped[datetime | None] = mapped_column(default=None)

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:  # noqa: N805
        # SQLAlchemy adds "AND version = :old" to every UPDATE, so a stale write fails.
        return {"version_id_col": cls.version}


class ProvenanceMixin:
    """Which source a record comes from, where in it, and what is doubtful about it."""

    source_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("sources.id", ondelete="RESTRICT"), index=True
    )
    source_locator_en: Mapped[str | None] = mapped_column(String(300))
    source_locator_zh: Mapped[str | None] = mapped_column(String(300))
    data_quality: Mapped[list[Any]] = mapped_column(default=list)


class NamesMixin:
    """A Chinese and an English name, and the pinyin key the Chinese name sorts by."""

    name_zh: Mapped[str | None] = mapped_column(String(300))
    # Pinyin sort key, so Chinese names sort as Chinese readers expect (see search.py).
    name_zh_sort: Mapped[str | None] = mapped_column(String(1000), index=True)
    name_en: Mapped[str | None] = mapped_column(String(300))


class SlugMixin:
    slug: Mapped[str] = mapped_column(String(120), unique=True)
