"""Source documents."""

from __future__ import annotations

from typing import Annotated

from pydantic import StringConstraints

from registry.schemas.common import Code, CreateModel, LongText, RecordRead, Year, text

Title = Annotated[str, text(300)]


class SourceCreate(CreateModel):
    key: Code
    title_en: Title
    title_zh: Title | None = None
    publisher_zh: Title | None = None
    publisher_en: Title | None = None
    year: Year | None = None
    file: Annotated[str, StringConstraints(max_length=200)] | None = None
    language: Annotated[str, StringConstraints(max_length=16)] | None = None
    description_zh: LongText | None = None
    description_en: LongText | None = None


class SourceRead(RecordRead):
    key: str
    title_en: str
    title_zh: str | None
    publisher_zh: str | None
    publisher_en: str | None
    year: int | None
    file: str | None
    language: str | None
    description_zh: str | None
    description_en: str | None
