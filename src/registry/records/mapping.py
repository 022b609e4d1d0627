"""A create schema to row values, and a stored record back to its create schema's terms.

Codes and references become ids (through the `Resolver`), lists of codes become links in
the entity's `terms` table, and child lists (a program's partners) rows of their own.
"""

from __future__ import annotations

import operator
import typing
import uuid
from datetime import date, datetime
from functools import cache
from typing import Any

from pydantic import BaseModel, HttpUrl
from sqlalchemy.orm import Session

from registry.entities import ENTITIES, Child, Entity
from registry.models import VocabularyTerm
from registry.records.markers import Field, fields
from registry.records.resolve import Resolver
from registry.schemas.common import VocabRef
from registry.search import zh_sort_key
from registry.vocab import VocabIndex

ChildRow = tuple[uuid.UUID | None, ...]  # a child's resolved columns, in its schema's order


def _plain(value: Any) -> Any:
    if isinstance(value, HttpUrl):
        return str(value)
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _child_row(child: Child, item: BaseModel, resolver: Resolver) -> ChildRow:
    out: list[uuid.UUID | None] = []
    for spec in fields(child.schema):
        marker, value = spec.ref, getattr(item, spec.name)
        if isinstance(marker, VocabRef):
            out.append(resolver.term("", marker.vocabulary, value))
        elif marker is not None:
            out.append(resolver.record("", marker.entity, value))
    return tuple(out)


def row_values(
    entity: Entity[Any], data: BaseModel, resolver: Resolver, sort_key: str | None = None
) -> dict[str, Any]:
    """Column values, plus the `terms` link set and each child's set of rows.

    `sort_key` is the pinyin key when the caller has already computed it (`derive`)."""
    values: dict[str, Any] = {}
    terms: set[uuid.UUID] = set()
    for spec in fields(type(data)):
        value = getattr(data, spec.name)
        marker = spec.ref
        if (child := entity.child(spec.name)) is not None:
            values[spec.name] = {_child_row(child, item, resolver) for item in value}
        elif spec.is_list and isinstance(marker, VocabRef):  # goes to the link table
            terms.update(t for c in value if (t := resolver.term("", marker.vocabulary, c)))
        elif marker is None:
            values[spec.column] = _plain(value)
        elif value is None:
            values[spec.column] = None
        elif isinstance(marker, VocabRef):
            values[spec.column] = resolver.term("", marker.vocabulary, value)
        else:
            values[spec.column] = resolver.record("", marker.entity, value)
    if hasattr(entity.model, "terms"):  # its vocabulary lists share one `terms` link table
        values["terms"] = terms
    if entity.zh_sort:
        values[f"{entity.zh_sort}_sort"] = sort_key or zh_sort_key(values[entity.zh_sort])
    return values


def child_columns(child: Child) -> list[str]:
    return [spec.column for spec in fields(child.schema)]


def current(entity: Entity[Any], obj: Any, column: str) -> Any:
    """What `row_values` would give for the stored record's `column`."""
    if column == "terms":
        return {t.id for t in obj.terms}
    if (child := entity.child(column)) is not None:
        columns = child_columns(child)
        return {tuple(getattr(row, c) for c in columns) for row in getattr(obj, column)}
    return getattr(obj, column)


def assign(session: Session, entity: Entity[Any], obj: Any, column: str, value: Any) -> None:
    if column == "terms":
        obj.terms = [session.get_one(VocabularyTerm, t) for t in sorted(value)]
    elif (child := entity.child(column)) is not None:
        columns = child_columns(child)
        rows = [child.model(**dict(zip(columns, row, strict=True))) for row in sorted(value)]
        setattr(obj, column, rows)
    else:
        setattr(obj, column, value)


def _codes(vocab: VocabIndex, term_ids: list[uuid.UUID], vocabulary: str) -> list[str]:
    terms = [vocab.by_id[t] for t in term_ids if vocab.by_id[t].vocabulary == vocabulary]
    return [t.code for t in sorted(terms, key=lambda t: (t.position, t.code))]


def _export_field(session: Session, spec: Field, obj: Any, vocab: VocabIndex) -> Any:
    marker = spec.ref
    if spec.is_list and isinstance(marker, VocabRef):
        return _codes(vocab, [t.id for t in obj.terms], marker.vocabulary)
    if marker is None:
        return _plain(getattr(obj, spec.column))
    if (value := getattr(obj, spec.column)) is None:
        return None
    if isinstance(marker, VocabRef):
        return vocab.by_id[value].code
    return key_of(session, marker.entity, value)


def to_create_dict(
    session: Session, entity: Entity[Any], obj: Any, vocab: VocabIndex
) -> dict[str, Any]:
    """A stored record in its create schema's terms (codes and slugs), JSON-ready.

    The inverse of `row_values`: PATCH merges into it, history records it, export writes it.
    """
    out: dict[str, Any] = {}
    for spec in fields(entity.create):
        if (child := entity.child(spec.name)) is None:
            out[spec.name] = _export_field(session, spec, obj, vocab)
            continue
        item_fields = fields(child.schema)
        items = [
            {f.name: _export_field(session, f, row, vocab) for f in item_fields}
            for row in getattr(obj, spec.name)
        ]
        out[spec.name] = sorted(items, key=lambda i: [i[f.name] for f in item_fields])
    return typing.cast(dict[str, Any], _json(out))


def created_dict(entity: Entity[Any], data: BaseModel, vocab: VocabIndex) -> dict[str, Any]:
    """What `to_create_dict` returns for the record just created from `data`, without reading
    it back. References are natural keys here (bulk sends UUID references the other way)."""
    out: dict[str, Any] = data.model_dump(mode="json")
    for name, child_fields, vocabulary in _created_plan(entity.name):
        value = out[name]
        if child_fields is not None:
            out[name] = sorted(value, key=lambda i: [i[n] for n in child_fields])
        elif value:
            terms = [vocab.by_code[(vocabulary, code)] for code in dict.fromkeys(value)]
            out[name] = [t.code for t in sorted(terms, key=_term_order)]
    return out


_term_order = operator.attrgetter("position", "code")


@cache
def _created_plan(entity_name: str) -> list[tuple[str, list[str] | None, str]]:
    """The fields `created_dict` reorders: children by their fields, term lists by order."""
    entity = ENTITIES[entity_name]
    plan: list[tuple[str, list[str] | None, str]] = []
    for spec in fields(entity.create):
        if (child := entity.child(spec.name)) is not None:
            plan.append((spec.name, [s.name for s in fields(child.schema)], ""))
        elif spec.is_list and isinstance(spec.ref, VocabRef):
            plan.append((spec.name, None, spec.ref.vocabulary))
    return plan


def _json(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json(v) for v in value]
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def key_of(session: Session, entity_name: str, record_id: uuid.UUID) -> str:
    entity = ENTITIES[entity_name]
    record = session.get(entity.model, record_id)
    assert record is not None
    return str(getattr(record, entity.key))
