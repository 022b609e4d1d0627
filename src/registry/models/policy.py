"""Policy documents, tagged with topics and issuing bodies."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import CheckConstraint, Column, ForeignKey, Integer, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry.models.base import Base, ProvenanceMixin, RecordMixin, SlugMixin
from registry.models.vocabulary import VocabularyTerm

policy_terms = Table(
    "policy_terms",
    Base.metadata,
    Column("policy_id", ForeignKey("policies.id", ondelete="CASCADE"), primary_key=True),
    Column(
        "term_id",
        ForeignKey("vocabulary_terms.id", ondelete="RESTRICT"),
        primary_key=True,
        index=True,
    ),
)


class Policy(RecordMixin, SlugMixin, ProvenanceMixin, Base):
    __tablename__ = "policies"
    __table_args__ = (CheckConstraint("year BETWEEN 1949 AND 2200", name="year_range"),)

    title_zh: Mapped[str] = mapped_column(String(500))
    # Pinyin sort key, so Chinese names sort as Chinese readers expect (see search.py).
    title_zh_sort: Mapped[str | None] = mapped_column(String(1000), index=True)
    title_en: Mapped[str | None] = mapped_column(String(500))
    year: Mapped[int] = mapped_column(Integer, index=True)
    date: Mapped[date | None]
    level_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("vocabulary_terms.id"), index=True)
    province_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("vocabulary_terms.id"), index=True
    )
    issuer_zh: Mapped[str | None] = mapped_column(String(200))
    issuer_en: Mapped[str | None] = mapped_column(String(200))
    summary_en: Mapped[str | None] = mapped_column(Text)
    summary_zh: Mapped[str | None] = mapped_column(Text)

    level: Mapped[VocabularyTerm] = relationship(foreign_keys=[level_id])
    province: Mapped[VocabularyTerm | None] = relationship(foreign_keys=[province_id])
    terms: Mapped[list[VocabularyTerm]] = relationship(secondary=policy_terms)
