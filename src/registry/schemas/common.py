"""Types and fields shared by every create and read schema.

Create schemas are the one validator for API bodies, seed rows and bulk imports. Fields
that point at a vocabulary or another record say so in their type (`VocabRef`,
`RecordRef`), and the writer resolves them from that declaration.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    AliasChoices,
    BaseModel,
    ConfigDict,
    Field,
    GetJsonSchemaHandler,
    StringConstraints,
    ValidationInfo,
    create_model,
    field_validator,
    model_validator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
CODE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_\-]*$"


@dataclass(frozen=True)
class VocabRef:
    """Marks a field whose value is a code of the named vocabulary:
    `Annotated[Code, VocabRef("province")]`."""

    vocabulary: str

    def __get_pydantic_json_schema__(
        self, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        # x-vocabulary lets the OpenAPI document list the codes the database holds.
        return {**handler(schema), "x-vocabulary": self.vocabulary}


@dataclass(frozen=True)
class RecordRef:
    """Marks a field that names another record by slug or UUID."""

    entity: str


def _not_future_year(value: int) -> int:
    if value > datetime.now(UTC).year:
        raise ValueError("year is in the future")
    return value


def _not_future_date(value: date) -> date:
    if value > datetime.now(UTC).date():
        raise ValueError("date is in the future")
    return value


def _not_uuid(value: str) -> str:
    # Paths and references take a UUID or a slug, and a UUID is tried first. Only 32 hex
    # digits once hyphens are gone can read as one (a slug has no braces or colons), and
    # the length check spares every other slug a raised ValueError.
    if len(value) - value.count("-") != 32:
        return value
    try:
        uuid.UUID(value)
    except ValueError:
        return value
    raise ValueError(
        "a slug may not read as a UUID (ids and slugs share paths and references); "
        "use words, e.g. 'lianai-huxin'"
    )


# On create, a record's slug may be left out: `records.slugs` makes one.
SLUG_GENERATED = (
    "Optional when creating: left out, it is made from `name_en` (or the pinyin of "
    "`name_zh`), with `-2`, `-3`… if taken, and returned in the response."
)

Slug = Annotated[
    str,
    StringConstraints(pattern=SLUG_PATTERN, min_length=1, max_length=120),
    AfterValidator(_not_uuid),
    Field(
        examples=["lianai-huxin"],
        description="Lower-case words joined by hyphens; never a string that reads as a UUID "
        "(32 hex digits, hyphens aside).",
    ),
]
Code = Annotated[str, StringConstraints(pattern=CODE_PATTERN, min_length=1, max_length=64)]


def text(max_length: int) -> StringConstraints:
    """Stripped text with something other than spaces in it, at most `max_length` long."""
    return StringConstraints(
        strip_whitespace=True, min_length=1, pattern=r"\S", max_length=max_length
    )


Ref = Annotated[str, text(120)]
OrganizationRef = Annotated[Ref, RecordRef("organization")]
ProgramRef = Annotated[Ref, RecordRef("program")]
Province = Annotated[Code, VocabRef("province")]


# A year from the column CHECK's earliest up to the current one.
Year = Annotated[int, Field(ge=1800, le=2200), AfterValidator(_not_future_year)]
YearSince1900 = Annotated[int, Field(ge=1900, le=2200), AfterValidator(_not_future_year)]
YearSince1949 = Annotated[int, Field(ge=1949, le=2200), AfterValidator(_not_future_year)]
PastDate = Annotated[date, AfterValidator(_not_future_date)]
NameZh = Annotated[str, text(300)]
NameEn = Annotated[str, text(300)]


def _one_name(value: str | None, info: ValidationInfo) -> str | None:
    # name_zh comes first in every schema; absent from `data` when it failed on its own.
    if value is None and "name_zh" in info.data and info.data["name_zh"] is None:
        raise ValueError("a record needs a name: give name_en, name_zh or both")
    return value


# A record's English name: optional when it has a Chinese one (at least one is required).
OptionalNameEn = Annotated[
    NameEn | None,
    AfterValidator(_one_name),
    Field(
        default=None,
        validate_default=True,
        description="English name; may be left out when `name_zh` is given.",
    ),
]
ShortText = Annotated[str, text(200)]
LongText = Annotated[str, text(4000)]
Alias = Annotated[str, text(300)]
City = Annotated[str, text(100)]
PICKED = "The `_zh` or `_en` field in the requested language (`lang`), else the other one."


def pick(zh: str | None, en: str | None, lang: str) -> str | None:
    """A text pair's value for `lang`, falling back to the other language."""
    if lang == "zh":
        return zh if zh is not None else en
    return en if en is not None else zh


def _no_nul(value: Any) -> Any:
    if isinstance(value, str) and "\x00" in value:
        raise ValueError("text may not contain NUL characters")
    if isinstance(value, list):
        for item in value:
            _no_nul(item)
    return value


class CreateModel(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    # PostgreSQL cannot store NUL in text; refuse it on every backend alike.
    _reject_nul = field_validator("*", mode="before")(_no_nul)


NoteText = Annotated[str, StringConstraints(min_length=1, max_length=2000, pattern=r"\S")]


class QualityNote(CreateModel):
    """A data-quality note: what a source printed, what we recorded, and why."""

    issue: Annotated[
        Code, VocabRef("quality_issue"), Field(json_schema_extra={"x-vocabulary": "quality_issue"})
    ]
    field: Annotated[str, StringConstraints(max_length=64)] | None = None
    source_value: Annotated[str, StringConstraints(max_length=1000)] | None = None
    resolved_value: Annotated[str, StringConstraints(max_length=1000)] | None = None
    # `note` is what notes were called before they had two languages (imports of old files).
    note_en: NoteText | None = Field(default=None, validation_alias=AliasChoices("note_en", "note"))
    note_zh: NoteText | None = None

    @model_validator(mode="after")
    def _some_note(self) -> QualityNote:
        if self.note_en is None and self.note_zh is None:
            raise ValueError("a data-quality note needs note_en or note_zh (or both)")
        return self


class QualityNoteRead(QualityNote):
    note: str | None = Field(default=None, description=PICKED)

    @classmethod
    def of(cls, stored: dict[str, Any], lang: str) -> QualityNoteRead:
        """A stored note (JSON) with its text picked for `lang`."""
        checked = QualityNote.model_validate(stored)
        return cls(**checked.model_dump(), note=pick(checked.note_zh, checked.note_en, lang))


Locator = Annotated[str, StringConstraints(max_length=300)]


class ProvenanceIn(CreateModel):
    source: Annotated[Code, RecordRef("source")] | None = Field(
        default=None, description="Key of the source document.", examples=["rici-mapping-2024"]
    )
    locator_zh: Locator | None = Field(
        default=None, description="Where in the source (table, section, timeline row), in Chinese."
    )
    locator_en: Locator | None = Field(
        default=None, description="Where in the source (table, section, timeline row), in English."
    )
    data_quality: list[QualityNote] = Field(default_factory=list, max_length=30)


class ReadModel(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class TermRef(ReadModel):
    code: str
    label: str = Field(description="The label in the requested language (`lang`).")
    label_en: str
    label_zh: str
    parent: str | None = None


class SourceRef(ReadModel):
    key: str
    title: str | None = Field(default=None, description=PICKED)
    title_zh: str | None
    title_en: str

    @classmethod
    def of(cls, source: Any, lang: str) -> SourceRef:
        """A source record's reference, its title picked for `lang`."""
        zh, en = source.title_zh, source.title_en
        return cls(key=source.key, title=pick(zh, en, lang), title_zh=zh, title_en=en)


class Provenance(ReadModel):
    source: SourceRef | None
    locator: str | None = Field(default=None, description=PICKED)
    locator_zh: str | None
    locator_en: str | None
    data_quality: list[QualityNoteRead]


class RecordRead(ReadModel):
    id: uuid.UUID
    version: int
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None = Field(
        default=None, description="Set on soft-deleted records (admins list them with `deleted`)."
    )


class OrganizationSummary(ReadModel):
    id: uuid.UUID
    slug: str
    name: str | None = Field(default=None, description=PICKED)
    name_zh: str | None
    name_en: str | None


def _field_type(info: Any) -> Any:
    """A field's full type, its constraints and markers included."""
    return Annotated[(info.annotation, *info.metadata)] if info.metadata else info.annotation


def partial_model(model: type[CreateModel], name: str, doc: str) -> type[CreateModel]:
    """The PATCH schema of a create schema: every field optional, nothing else allowed.

    A PATCH is merged into the stored record and the result is validated by the create
    schema itself, so every rule still has one source.
    """
    fields: dict[str, Any] = {
        n: (_field_type(i) | None, Field(default=None, description=i.description))
        for n, i in model.model_fields.items()
    }
    return create_model(name, __base__=CreateModel, __doc__=doc, **fields)


def without(model: type[CreateModel], name: str, drop: str, doc: str) -> type[CreateModel]:
    """`model` minus one field, for records created inside another (programs in an org)."""
    fields: dict[str, Any] = {
        n: (_field_type(i), i) for n, i in model.model_fields.items() if n != drop
    }
    return create_model(name, __base__=CreateModel, __doc__=doc, **fields)


class ChangeRead(ReadModel):
    id: int = Field(description="Position in the change feed.")
    entity: str
    record_id: uuid.UUID
    action: str
    version: int
    actor: str
    at: datetime
    changes: dict[str, list[Any]] = Field(
        description="Each changed field's previous and new value, in create-schema terms."
    )
