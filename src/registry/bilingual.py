"""Texts kept in two languages: `<field>_zh` beside `<field>_en`.

A record with a text in one language should have it in the other; the seed files must
(the loader refuses them otherwise) and `registry untranslated` lists what the database
still lacks. The pairs are found from the create schemas, so a new text field is covered
by being named this way.
"""

from __future__ import annotations

from collections.abc import Iterator

from pydantic import BaseModel

LANGUAGES = {"zh": "Chinese", "en": "English"}


def pairs(model: type[BaseModel]) -> list[str]:
    """The stems of the schema's `<stem>_zh`/`<stem>_en` field pairs."""
    names = model.model_fields
    return [n[:-3] for n in names if n.endswith("_zh") and f"{n[:-3]}_en" in names]


def one_language(data: BaseModel, at: str = "") -> Iterator[tuple[str, str]]:
    """(JSON pointer of the missing field, its language) for each pair with one side set,
    in `data` and the models inside it (data-quality notes, vocabulary terms)."""
    for stem in pairs(type(data)):
        zh, en = getattr(data, f"{stem}_zh"), getattr(data, f"{stem}_en")
        if (zh is None) != (en is None):
            missing = "zh" if zh is None else "en"
            yield f"{at}/{stem}_{missing}", missing
    for name in type(data).model_fields:
        value = getattr(data, name)
        items = value if isinstance(value, list) else [value]
        for index, item in enumerate(items):
            if isinstance(item, BaseModel):
                where = f"{at}/{name}/{index}" if isinstance(value, list) else f"{at}/{name}"
                yield from one_language(item, where)


def problem(language: str, other: str) -> str:
    return (
        f"has its {LANGUAGES[other]} text but no {LANGUAGES[language]} one; "
        f"write it in {LANGUAGES[language]} too (in our own words) or clear both"
    )
