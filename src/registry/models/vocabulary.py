"""Controlled vocabularies: one row per vocabulary, one per code."""

from __future__ import annotations

import uuid

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry.models.base import Base, RecordMixin

# Codes are matched exactly, but two that differ only in case would mislead readers: a
# unique index on (vocabulary_id, lower(code)). SQLAlchemy cannot reflect an expression
# index on SQLite, so it lives in the migrations only and the drift check skips it.
LOWER_CODE_INDEX = "uq_vocabulary_terms_vocabulary_id_lower_code"


class Vocabulary(RecordMixin, Base):
    __tablename__ = "vocabularies"

    name: Mapped[str] = mapped_column(String(64), unique=True)
    label_en: Mapped[str] = mapped_column(String(200))
    label_zh: Mapped[str] = mapped_column(String(200))
    description_en: Mapped[str | None] = mapped_column(Text)
    description_zh: Mapped[str | None] = mapped_column(Text)

    terms: Mapped[list[VocabularyTerm]] = relationship(
        back_populates="vocabulary", order_by="VocabularyTerm.position"
    )


class VocabularyTerm(RecordMixin, Base):
    __tablename__ = "vocabulary_terms"
    __table_args__ = (UniqueConstraint("vocabulary_id", "code"),)

    vocabulary_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("vocabularies.id", ondelete="RESTRICT")
    )
    code: Mapped[str] = mapped_column(String(64))
    label_en: Mapped[str] = mapped_column(String(200))
    label_zh: Mapped[str] = mapped_column(String(200))
    description_en: Mapped[str | None] = mapped_column(Text)
    description_zh: Mapped[str | None] = mapped_column(Text)
    parent_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("vocabulary_terms.id", ondelete="RESTRICT")
    )
    position: Mapped[int] = mapped_column(Integer, default=0)

    vocabulary: Mapped[Vocabulary] = relationship(back_populates="terms")
    parent: Mapped[VocabularyTerm | None] = relationship(remote_side="VocabularyTerm.id")
