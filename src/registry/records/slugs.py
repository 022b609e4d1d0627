"""Slugs made for records created without one: from the English name, or else from the
pinyin of the Chinese one, made unique with `-2`, `-3`…

Every door calls `with_slug` inside its write transaction, which holds the database's
write lock, so two writers cannot pick the same free slug.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection
from typing import Any, TypeVar

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.entities import Entity
from registry.schemas.common import SLUG_PATTERN
from registry.search import pinyin_syllables

D = TypeVar("D", bound=BaseModel)
MAX_BASE = 80  # leaves room for a suffix within the column's 120 characters
_NOT_WORD = re.compile(r"[^a-z0-9]+")


def slugify(text: str) -> str:
    """Lower-case ASCII words joined by hyphens; accents dropped, other signs split words."""
    # Accents go; any other non-ASCII sign (a dash between years, a bracket) splits words.
    decomposed = unicodedata.normalize("NFKD", text)
    letters = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    ascii_text = "".join(ch if ch.isascii() else " " for ch in letters)
    words = _NOT_WORD.sub("-", ascii_text.lower()).strip("-")
    if len(words) > MAX_BASE:
        words = words[:MAX_BASE].rsplit("-", 1)[0] if "-" in words[:MAX_BASE] else words[:MAX_BASE]
    return words.strip("-")


def base_slug(entity: Entity[Any], data: BaseModel) -> str:
    """The slug a record's names suggest: its English name, or its Chinese one in pinyin,
    or the entity's name when neither gives a letter or digit."""
    names = [f for f in entity.name_fields if f.endswith(("_en", "_zh"))]
    english = [getattr(data, f) for f in names if f.endswith("_en")]
    chinese = [getattr(data, f) for f in names if f.endswith("_zh")]
    for text in english:
        if text and (slug := slugify(text)):
            return slug
    for text in chinese:
        if text and (slug := slugify(" ".join(pinyin_syllables(text)))):
            return slug
    return entity.name.replace("_", "-")


def unique_slug(
    session: Session, entity: Entity[Any], base: str, reserved: Collection[str] = ()
) -> str:
    """`base`, or `base-N` for the smallest N from 2 that no record (deleted ones included,
    since their slugs stay theirs) nor `reserved` holds."""
    column = entity.key_column
    taken = set(session.scalars(select(column).where((column == base) | column.like(f"{base}-%"))))
    taken.update(reserved)
    if base not in taken and len(base) - base.count("-") != 32:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


def with_slug(session: Session, entity: Entity[Any], data: D, reserved: Collection[str] = ()) -> D:
    """`data` as it is when it has its key; otherwise with a slug made for it."""
    if getattr(data, entity.key) is not None:
        return data
    slug = unique_slug(session, entity, base_slug(entity, data), reserved)
    assert re.fullmatch(SLUG_PATTERN, slug), slug
    return data.model_copy(update={entity.key: slug})
