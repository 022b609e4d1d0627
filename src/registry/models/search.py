"""The search index: one row of pre-computed tokens per searchable record.

The backend-specific full-text index over `tokens` is created by the migrations, not by the
model: FTS5 tables on SQLite; on PostgreSQL a stored, generated tsvector column with a GIN
index on it, which is not mapped because SQLite has no such column.
"""

from __future__ import annotations

import uuid

from sqlalchemy import Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from registry.models.base import Base

FTS_TABLE = "search_fts"  # the prefix of the per-entity FTS5 tables (SQLite)


def fts_table(search_key: str) -> str:
    """The FTS5 table of one entity's search documents (migration 0007)."""
    return f"{FTS_TABLE}_{search_key}"


TSV_COLUMN = "tsv"  # PostgreSQL: to_tsvector('simple', tokens), stored (migration 0008)
GIN_INDEX = "ix_search_documents_tsv"


class SearchDocument(Base):
    __tablename__ = "search_documents"
    __table_args__ = (UniqueConstraint("entity", "record_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    entity: Mapped[str] = mapped_column(String(32))
    record_id: Mapped[uuid.UUID]  # looked up with entity, through the unique index
    # The record's names apart from the rest, so a match in a name ranks first.
    names: Mapped[str] = mapped_column(Text, default="", server_default=text("''"))
    tokens: Mapped[str] = mapped_column(Text)
