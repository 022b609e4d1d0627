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
    publisher: Title | None = None
    year: Year | None = None
    file: Annotated[str, StringConstraints(max_length=200)] | None = None
    language: Annotated[str, StringConstraints(max_length=16)] | None = None
    description: LongText | None = None


class SourceRead(RecordRead):
    key: str
    title_en: str
    title_zh: str | None
    publisher: str | None
    year: int | None
    file: str | None
    language: str | None
    description: str | None
