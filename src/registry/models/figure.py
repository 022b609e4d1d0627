"""Field figures: numbers that describe the field rather than one record."""

from __future__ import annotations

import uuid

from sqlalchemy import CheckConstraint, Double, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry.models.base import Base, ProvenanceMixin, RecordMixin, SlugMixin
from registry.models.organization import Organization
from registry.models.program import Program
from registry.models.vocabulary import VocabularyTerm


class Figure(RecordMixin, SlugMixin, ProvenanceMixin, Base):
    __tablename__ = "figures"
    __table_args__ = (CheckConstraint("year BETWEEN 1900 AND 2200", name="year_range"),)

    subject: Mapped[str] = mapped_column(String(120), index=True)
    population: Mapped[str | None] = mapped_column(String(120))
    # What the figure is counted within or a share of: "61 programs in the overview".
    base_value: Mapped[float | None] = mapped_column(Double)
    base_en: Mapped[str | None] = mapped_column(String(200))
    base_zh: Mapped[str | None] = mapped_column(String(200))
    label_en: Mapped[str] = mapped_column(String(300))
    label_zh: Mapped[str | None] = mapped_column(String(300))
    value: Mapped[float] = mapped_column(Double)
    unit_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("vocabulary_terms.id"))
    qualifier_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("vocabulary_terms.id"))
    year: Mapped[int | None] = mapped_column(Integer, index=True)
    period_label_en: Mapped[str | None] = mapped_column(String(200))
    period_label_zh: Mapped[str | None] = mapped_column(String(200))
    organization_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("organizations.id", ondelete="RESTRICT"), index=True
    )
    program_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("programs.id", ondelete="RESTRICT"), index=True
    )
    cited_source: Mapped[str | None] = mapped_column(String(300))
    note_en: Mapped[str | None] = mapped_column(Text)
    note_zh: Mapped[str | None] = mapped_column(Text)

    unit: Mapped[VocabularyTerm] = relationship(foreign_keys=[unit_id])
    qualifier: Mapped[VocabularyTerm] = relationship(foreign_keys=[qualifier_id])
    organization: Mapped[Organization | None] = relationship()
    program: Mapped[Program | None] = relationship()
