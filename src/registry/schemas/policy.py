"""Policies."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import Field, StringConstraints, model_validator

from registry.schemas.common import (
    PICKED,
    SLUG_GENERATED,
    Code,
    LongText,
    PastDate,
    Provenance,
    ProvenanceIn,
    Province,
    RecordRead,
    Slug,
    TermRef,
    VocabRef,
    YearSince1949,
    partial_model,
    text,
)

Title = Annotated[str, text(500)]


class PolicyCreate(ProvenanceIn):
    slug: Slug | None = Field(default=None, description=SLUG_GENERATED)
    title_zh: Title = Field(description="Chinese title exactly as printed.")
    title_en: Title | None = Field(default=None, description="English title, if there is one.")
    year: YearSince1949  # the People's Republic's policies
    date: PastDate | None = None
    level: Annotated[Code, VocabRef("policy_level")]
    province: Province | None = None
    issuer_zh: Annotated[str, StringConstraints(max_length=200)] | None = Field(
        default=None, description="Issuing bodies as printed."
    )
    issuer_en: Annotated[str, StringConstraints(max_length=200)] | None = Field(
        default=None, description="The printed issuing bodies in English."
    )
    issuing_bodies: list[Annotated[Code, VocabRef("issuing_body")]] = Field(
        default_factory=list, max_length=30
    )
    topics: list[Annotated[Code, VocabRef("policy_topic")]] = Field(
        default_factory=list, max_length=30
    )
    summary_zh: LongText | None = None
    summary_en: LongText | None = None

    @model_validator(mode="after")
    def _consistent(self) -> PolicyCreate:
        if self.date is not None and self.date.year != self.year:
            raise ValueError("date and year disagree")
        # An unknown level is the resolver's to report, with the codes it may have meant.
        if self.level == "provincial" and self.province is None:
            raise ValueError(
                "level is 'provincial' but province is empty: give the province's code, "
                "e.g. 'CN-GD'"
            )
        if self.level == "national" and self.province is not None:
            raise ValueError(
                f"level is 'national' but province is {self.province!r}: a national policy "
                "has no province; clear it, or set level to 'provincial'"
            )
        return self


class PolicyRead(RecordRead):
    slug: str
    title: str | None = Field(default=None, description=PICKED)
    title_zh: str
    title_en: str | None
    year: int
    date: date | None
    level: TermRef
    province: TermRef | None
    issuer: str | None = Field(default=None, description=PICKED)
    issuer_zh: str | None
    issuer_en: str | None
    issuing_bodies: list[TermRef]
    topics: list[TermRef]
    summary: str | None = Field(default=None, description=PICKED)
    summary_zh: str | None
    summary_en: str | None
    provenance: Provenance


PolicyUpdate = partial_model(
    PolicyCreate, "PolicyUpdate", "Changes to a policy; lists replace the stored list."
)
