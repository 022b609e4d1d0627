"""Service stations: detachments, stations and outlets of service networks."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry.models.base import Base, NamesMixin, ProvenanceMixin, RecordMixin, SlugMixin
from registry.models.organization import Organization
from registry.models.vocabulary import VocabularyTerm


class ServiceStation(RecordMixin, SlugMixin, NamesMixin, ProvenanceMixin, Base):
    __tablename__ = "service_stations"
    __table_args__ = (
        CheckConstraint("established_year BETWEEN 1800 AND 2200", name="established_year_range"),
        CheckConstraint("name_zh IS NOT NULL OR name_en IS NOT NULL", name="named"),
    )

    network_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("vocabulary_terms.id"), index=True)
    kind_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("vocabulary_terms.id"), index=True)
    province_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("vocabulary_terms.id"), index=True
    )
    city_en: Mapped[str | None] = mapped_column(String(100))
    city_zh: Mapped[str | None] = mapped_column(String(100))
    operator_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("organizations.id", ondelete="RESTRICT"), index=True
    )
    established_date: Mapped[date | None]
    established_year: Mapped[int | None] = mapped_column(Integer)
    description_en: Mapped[str | None] = mapped_column(Text)
    description_zh: Mapped[str | None] = mapped_column(Text)

    network: Mapped[VocabularyTerm] = relationship(foreign_keys=[network_id])
    kind: Mapped[VocabularyTerm] = relationship(foreign_keys=[kind_id])
    province: Mapped[VocabularyTerm | None] = relationship(foreign_keys=[province_id])
    operator: Mapped[Organization | None] = relationship()
