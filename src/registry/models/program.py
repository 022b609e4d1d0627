"""Programs, their vocabulary links and their partner organizations."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, query_expression, relationship

from registry.models.base import Base, ProvenanceMixin, RecordMixin, SlugMixin
from registry.models.organization import Organization
from registry.models.vocabulary import VocabularyTerm

# One link table for every vocabulary a program is tagged with (target groups, settings,
# ecological levels, elements, provinces): filters and facets then share one join.
program_terms = Table(
    "program_terms",
    Base.metadata,
    Column("program_id", ForeignKey("programs.id", ondelete="CASCADE"), primary_key=True),
    Column("term_id", ForeignKey("vocabulary_terms.id", ondelete="RESTRICT"), primary_key=True),
    # Term first, program second: filters and facets read the program ids off the index.
    Index("ix_program_terms_term_id_program_id", "term_id", "program_id"),
)


class Program(RecordMixin, SlugMixin, ProvenanceMixin, Base):
    __tablename__ = "programs"
    __table_args__ = (
        CheckConstraint("established_year BETWEEN 1800 AND 2200", name="established_year_range"),
        CheckConstraint("name_zh IS NOT NULL OR name_en IS NOT NULL", name="named"),
        # Sort keys with the id tie-breaker, so a page is read off an index in order.
        Index("ix_programs_name_zh_sort_id", "name_zh_sort", "id"),
        Index("ix_programs_name_en_id", "name_en", "id"),
        Index("ix_programs_established_year_id", "established_year", "id"),
    )

    name_zh: Mapped[str | None] = mapped_column(String(300))
    # Pinyin sort key, so Chinese names sort as Chinese readers expect (see search.py).
    name_zh_sort: Mapped[str | None] = mapped_column(String(1000))
    name_en: Mapped[str | None] = mapped_column(String(300))
    aliases: Mapped[list[Any]] = mapped_column(default=list)
    components: Mapped[list[Any]] = mapped_column(default=list)
    organization_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organizations.id", ondelete="RESTRICT"), index=True
    )
    intervention_type_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("vocabulary_terms.id"), index=True
    )
    course_based: Mapped[bool] = mapped_column(Boolean, default=False)
    established_year: Mapped[int | None] = mapped_column(Integer)
    interviewed: Mapped[bool] = mapped_column(Boolean, default=False)
    description_en: Mapped[str | None] = mapped_column(Text)
    description_zh: Mapped[str | None] = mapped_column(Text)

    # Comma-separated term ids, filled by lists and details (readers.LOAD_OPTIONS) with one
    # subquery per row instead of a term object per link; writes use `terms`.
    term_ids: Mapped[str | None] = query_expression()

    organization: Mapped[Organization] = relationship()
    intervention_type: Mapped[VocabularyTerm | None] = relationship()
    terms: Mapped[list[VocabularyTerm]] = relationship(secondary=program_terms)
    partners: Mapped[list[ProgramPartner]] = relationship(
        back_populates="program", cascade="all, delete-orphan"
    )


class ProgramPartner(Base):
    """An organization other than the owner that takes part in a program, with its role."""

    __tablename__ = "program_partners"

    program_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("programs.id", ondelete="CASCADE"), primary_key=True
    )
    organization_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organizations.id", ondelete="RESTRICT"), primary_key=True, index=True
    )
    role_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("vocabulary_terms.id"))

    program: Mapped[Program] = relationship(back_populates="partners")
    organization: Mapped[Organization] = relationship()
    role: Mapped[VocabularyTerm] = relationship()
