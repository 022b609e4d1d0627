"""Hotlines and the metrics reported for them."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import CheckConstraint, Double, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry.models.base import Base, NamesMixin, ProvenanceMixin, RecordMixin, SlugMixin
from registry.models.organization import Organization
from registry.models.program import Program
from registry.models.vocabulary import VocabularyTerm


class Hotline(RecordMixin, SlugMixin, NamesMixin, ProvenanceMixin, Base):
    __tablename__ = "hotlines"
    __table_args__ = (
        CheckConstraint("launch_year BETWEEN 1900 AND 2200", name="launch_year_range"),
        CheckConstraint("name_zh IS NOT NULL OR name_en IS NOT NULL", name="named"),
    )

    operator_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organizations.id", ondelete="RESTRICT"), index=True
    )
    program_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("programs.id", ondelete="RESTRICT"), index=True
    )
    audience_en: Mapped[str | None] = mapped_column(String(500))
    audience_zh: Mapped[str | None] = mapped_column(String(500))
    launch_date: Mapped[date | None]
    launch_year: Mapped[int | None] = mapped_column(Integer)
    hours_en: Mapped[str | None] = mapped_column(String(200))
    hours_zh: Mapped[str | None] = mapped_column(String(200))
    description_en: Mapped[str | None] = mapped_column(Text)
    description_zh: Mapped[str | None] = mapped_column(Text)

    operator: Mapped[Organization] = relationship()
    program: Mapped[Program | None] = relationship()


class HotlineMetric(RecordMixin, SlugMixin, ProvenanceMixin, Base):
    __tablename__ = "hotline_metrics"
    __table_args__ = (
        CheckConstraint("date_precision IN ('day', 'month', 'year')", name="date_precision"),
    )

    hotline_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("hotlines.id", ondelete="RESTRICT"), index=True
    )
    metric_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("vocabulary_terms.id"), index=True)
    value: Mapped[float] = mapped_column(Double)
    unit_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("vocabulary_terms.id"))
    qualifier_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("vocabulary_terms.id"))
    as_of_date: Mapped[date | None] = mapped_column(index=True)
    period_start: Mapped[date | None]
    period_end: Mapped[date | None]
    date_precision: Mapped[str] = mapped_column(String(8), default="day")
    period_label_en: Mapped[str | None] = mapped_column(String(200))
    period_label_zh: Mapped[str | None] = mapped_column(String(200))
    note_en: Mapped[str | None] = mapped_column(Text)
    note_zh: Mapped[str | None] = mapped_column(Text)

    hotline: Mapped[Hotline] = relationship()
    metric: Mapped[VocabularyTerm] = relationship(foreign_keys=[metric_id])
    unit: Mapped[VocabularyTerm] = relationship(foreign_keys=[unit_id])
    qualifier: Mapped[VocabularyTerm] = relationship(foreign_keys=[qualifier_id])
