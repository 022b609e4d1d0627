"""Vocabularies and their terms."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints

from registry.schemas.common import (
    PICKED,
    Code,
    CreateModel,
    RecordRead,
    ShortText,
    partial_model,
    text,
)

LabelText = Annotated[str, text(200)]
Description = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)]


class TermCreate(CreateModel):
    code: Code
    label_en: LabelText
    label_zh: LabelText
    parent: Code | None = Field(default=None, description="Code of the parent term.")
    description_zh: Description | None = None
    description_en: Description | None = None


TermUpdate = partial_model(
    TermCreate, "TermUpdate", "Changes to a code's labels, description or parent."
)


class VocabularyCreate(CreateModel):
    vocabulary: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)]
    label_en: ShortText
    label_zh: ShortText
    description_zh: Description | None = None
    description_en: Description | None = None
    terms: list[TermCreate] = Field(default_factory=list, max_length=1000)


class TermRead(RecordRead):
    code: str
    label: str
    label_en: str
    label_zh: str
    parent: str | None
    description: str | None = Field(default=None, description=PICKED)
    description_zh: str | None
    description_en: str | None


class VocabularyRead(RecordRead):
    name: str
    label_en: str
    label_zh: str
    description: str | None = Field(default=None, description=PICKED)
    description_zh: str | None
    description_en: str | None
    terms: list[TermRead]
