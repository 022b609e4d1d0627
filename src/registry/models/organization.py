"""Organizations working in the field."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry.models.base import Base, NamesMixin, ProvenanceMixin, RecordMixin, SlugMixin
from registry.models.vocabulary import VocabularyTerm


class Organization(RecordMixin, SlugMixin, NamesMixin, ProvenanceMixin, Base):
    __tablename__ = "organizations"
    __table_args__ = (
        CheckConstraint("founded_year BETWEEN 1800 AND 2200", name="founded_year_range"),
        CheckConstraint("name_zh IS NOT NULL OR name_en IS NOT NULL", name="named"),
    )

    aliases: Mapped[list[Any]] = mapped_column(default=list)
    kind_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("vocabulary_terms.id"), index=True)
    province_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("vocabulary_terms.id"), index=True
    )
    city_en: Mapped[str | None] = mapped_column(String(100))
    city_zh: Mapped[str | None] = mapped_column(String(100))
    founded_year: Mapped[int | None] = mapped_column(Integer)
    website: Mapped[str | None] = mapped_column(String(2083))  # HttpUrl's longest
    description_en: Mapped[str | None] = mapped_column(Text)
    description_zh: Mapped[str | None] = mapped_column(Text)

    kind: Mapped[VocabularyTerm] = relationship(foreign_keys=[kind_id])
    province: Mapped[VocabularyTerm | None] = relationship(foreign_keys=[province_id])
