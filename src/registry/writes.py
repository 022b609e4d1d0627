"""Turning validated create schemas into rows: reference resolution and upsert.

The API, the seed loader and bulk import all write through here, so a code or a reference
is checked the same way whichever door it came in by.
"""

from __future__ import annotations

import functools
import types
import typing
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, HttpUrl
from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.entities import ENTITIES, Entity
from registry.errors import Conflict, InvalidInput, InvalidParam
from registry.models import Change, ProgramPartner, SearchDocument, VocabularyTerm
from registry.models.base import utcnow
from registry.schemas.common import RecordRef, VocabRef
from registry.search import tokens, zh_sort_key
from registry.vocab import VocabIndex

Outcome = Literal["created", "updated", "unchanged"]

# Create-schema fields stored under another column name.
_RENAMED = {"source": "source_id", "locator": "source_locator"}


def _markers(annotation: Any, metadata: list[Any]) -> Iterator[tuple[bool, Any]]:
    """Yield (is_list, marker) for VocabRef/RecordRef markers anywhere in a field's type."""
    for item in metadata:
        if isinstance(item, VocabRef | RecordRef):
            yield False, item
    stack: list[tuple[bool, Any]] = [(False, annotation)]
    while stack:
        in_list, tp = stack.pop()
        origin = typing.get_origin(tp)
        if origin is typing.Annotated:
            for item in tp.__metadata__:
                if isinstance(item, VocabRef | RecordRef):
                    yield in_list, item
            stack.append((in_list, typing.get_args(tp)[0]))
        elif origin is list:
            stack.extend((True, a) for a in typing.get_args(tp))
        elif origin in (typing.Union, types.UnionType):
            stack.extend((in_list, a) for a in typing.get_args(tp))


Marker = tuple[bool, Any]  # (is_list, VocabRef or RecordRef)


@functools.cache
def field_markers(schema: type[BaseModel]) -> tuple[tuple[str, tuple[Marker, ...]], ...]:
    """Each field of a schema with its (is_list, marker) pairs; worked out once per class."""
    return tuple(
        (name, tuple(_markers(info.annotation, list(info.metadata))))
        for name, info in schema.model_fields.items()
    )


@dataclass
class Resolver:
    """Resolves vocabulary codes and record references, collecting every failure."""

    session: Session
    vocab: VocabIndex
    errors: list[InvalidParam] = field(default_factory=list)
    _records: dict[tuple[str, str], uuid.UUID | None] = field(default_factory=dict)

    def term(self, pointer: str, vocabulary: str, code: str) -> uuid.UUID | None:
        term = self.vocab.get(vocabulary, code)
        if term is None:
            self.errors.append(
                InvalidParam(
                    name=pointer, reason=f"unknown code {code!r} in vocabulary {vocabulary}"
                )
            )
            return None
        return term.id

    def record(self, pointer: str, entity_name: str, ref: str) -> uuid.UUID | None:
        cache_key = (entity_name, ref)
        if cache_key not in self._records:
            entity = ENTITIES[entity_name]
            condition = entity.ref_condition(ref)
            self._records[cache_key] = self.session.scalar(select(entity.model.id).where(condition))
        found = self._records[cache_key]
        if found is None:
            self.errors.append(InvalidParam(name=pointer, reason=f"no {entity_name} {ref!r}"))
        return found

    def remember(self, entity_name: str, ids: dict[str, uuid.UUID]) -> None:
        """Pre-resolved references (natural key to id), so `record` needs no query."""
        self._records.update(((entity_name, k), v) for k, v in ids.items())

    def take_errors(self) -> list[InvalidParam]:
        errors, self.errors = self.errors, []
        return errors

    def check(self, model: BaseModel, pointer: str = "") -> None:
        """Check every code and reference inside `model`, nested models included."""
        for name, markers in field_markers(type(model)):
            value = getattr(model, name)
            path = f"{pointer}/{name}"
            for in_list, marker in markers:
                items = list(enumerate(value)) if in_list else [(None, value)]
                for index, item in items:
                    if item is None:
                        continue
                    at = path if index is None else f"{path}/{index}"
                    if isinstance(marker, VocabRef):
                        self.term(at, marker.vocabulary, item)
                    else:
                        self.record(at, marker.entity, item)
            nested = value if isinstance(value, list) else [value]
            for index, item in enumerate(nested):
                if isinstance(item, BaseModel):
                    self.check(item, f"{path}/{index}" if isinstance(value, list) else path)

    def raise_if_errors(self) -> None:
        if self.errors:
            errors, self.errors = self.errors, []
            raise InvalidInput(
                "; ".join(f"{e.name}: {e.reason}" for e in errors), invalid_params=errors
            )


def _plain(value: Any) -> Any:
    if isinstance(value, HttpUrl):
        return str(value)
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def row_values(entity: Entity, data: BaseModel, resolver: Resolver) -> dict[str, Any]:
    """Column values (and `terms`/`partners` link sets) for a checked create schema."""
    values: dict[str, Any] = {}
    terms: set[uuid.UUID] = set()
    for name, markers in field_markers(type(data)):
        value = getattr(data, name)
        if name == "partners":
            values["partners"] = {
                (
                    resolver.record("", "organization", p.organization),
                    resolver.term("", "partner_role", p.role),
                )
                for p in value
            }
        elif markers and markers[0][0]:  # a list of codes: goes to the link table
            vocabulary = markers[0][1].vocabulary
            terms.update(t for c in value if (t := resolver.term("", vocabulary, c)))
        elif markers:
            marker = markers[0][1]
            column = _RENAMED.get(name, f"{name}_id")
            if value is None:
                values[column] = None
            elif isinstance(marker, VocabRef):
                values[column] = resolver.term("", marker.vocabulary, value)
            else:
                values[column] = resolver.record("", marker.entity, value)
        else:
            values[_RENAMED.get(name, name)] = _plain(value)
    if hasattr(entity.model, "terms"):  # its vocabulary lists share one `terms` link table
        values["terms"] = terms
    if entity.zh_sort:
        values[f"{entity.zh_sort}_sort"] = zh_sort_key(values[entity.zh_sort])
    return values


def search_text(entity: Entity, data: BaseModel) -> str:
    texts: list[str | None] = []
    for name in entity.search_fields:
        value = getattr(data, name)
        texts.extend(value if isinstance(value, list) else [value])
    return tokens(texts)


def sync_search_document(session: Session, entity: Entity, record_id: uuid.UUID, text: str) -> None:
    """Keep the record's search tokens current, in the caller's transaction."""
    if not entity.search_fields:
        return
    document = session.scalar(
        select(SearchDocument).where(
            SearchDocument.entity == entity.search_key, SearchDocument.record_id == record_id
        )
    )
    if document is None:
        session.add(SearchDocument(entity=entity.search_key, record_id=record_id, tokens=text))
    elif document.tokens != text:
        document.tokens = text


def _current(obj: Any, column: str) -> Any:
    if column == "terms":
        return {t.id for t in obj.terms}
    if column == "partners":
        return {(p.organization_id, p.role_id) for p in obj.partners}
    return getattr(obj, column)


def _assign(session: Session, obj: Any, column: str, value: Any) -> None:
    if column == "terms":
        obj.terms = [session.get_one(VocabularyTerm, t) for t in sorted(value)]
    elif column == "partners":
        obj.partners = [
            ProgramPartner(organization_id=org, role_id=role) for org, role in sorted(value)
        ]
    else:
        setattr(obj, column, value)


def to_create_dict(session: Session, entity: Entity, obj: Any, vocab: VocabIndex) -> dict[str, Any]:
    """A stored record in its create schema's terms (codes and slugs), JSON-ready.

    The inverse of `row_values`: PATCH merges into it, history records it, export writes it.
    """
    out: dict[str, Any] = {}
    for name, markers in field_markers(entity.create):
        if name == "partners":
            out[name] = sorted(
                (
                    {
                        "organization": _key_of(session, "organization", p.organization_id),
                        "role": vocab.by_id[p.role_id].code,
                    }
                    for p in obj.partners
                ),
                key=lambda p: (p["organization"], p["role"]),
            )
        elif markers and markers[0][0]:
            vocabulary = markers[0][1].vocabulary
            terms = [
                vocab.by_id[t.id] for t in obj.terms if vocab.by_id[t.id].vocabulary == vocabulary
            ]
            out[name] = [t.code for t in sorted(terms, key=lambda t: (t.position, t.code))]
        elif markers:
            marker = markers[0][1]
            value = getattr(obj, _RENAMED.get(name, f"{name}_id"))
            if value is None:
                out[name] = None
            elif isinstance(marker, VocabRef):
                out[name] = vocab.by_id[value].code
            else:
                out[name] = _key_of(session, marker.entity, value)
        else:
            out[name] = _plain(getattr(obj, _RENAMED.get(name, name)))
    return typing.cast(dict[str, Any], _json(out))


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


def _key_of(session: Session, entity_name: str, record_id: uuid.UUID) -> str:
    entity = ENTITIES[entity_name]
    record = session.get(entity.model, record_id)
    assert record is not None
    return str(getattr(record, entity.key))


def diff(before: dict[str, Any] | None, after: dict[str, Any]) -> dict[str, list[Any]]:
    before = before or {}
    return {
        k: [before.get(k), v]
        for k, v in after.items()
        if before.get(k) != v and not (k not in before and v in (None, [], ""))
    }


def record_change(
    session: Session,
    entity: str,
    obj: Any,
    action: str,
    actor: str,
    changes: dict[str, list[Any]],
) -> Change:
    change = Change(
        entity=entity,
        record_id=obj.id,
        action=action,
        version=obj.version,
        actor=actor,
        changes=changes,
    )
    session.add(change)
    return change


def apply(
    session: Session,
    entity: Entity,
    data: BaseModel,
    vocab: VocabIndex,
    actor: str,
    obj: Any | None = None,
) -> tuple[Any, Outcome]:
    """Write `data` into a new record, or into `obj`; log the change in the same transaction."""
    resolver = Resolver(session, vocab)
    resolver.check(data)
    resolver.raise_if_errors()
    values = row_values(entity, data, resolver)
    text = search_text(entity, data)
    if obj is None:
        obj = typing.cast(Any, entity.model())
        for column, value in values.items():
            _assign(session, obj, column, value)
        session.add(obj)
        session.flush()
        sync_search_document(session, entity, obj.id, text)
        after = to_create_dict(session, entity, obj, vocab)
        record_change(session, entity.name, obj, "create", actor, diff(None, after))
        return obj, "created"
    before = to_create_dict(session, entity, obj, vocab)
    changed = [c for c, v in values.items() if _current(obj, c) != v]
    if changed:
        # One UPDATE of the row, which also bumps the version when only links changed;
        # loading terms for the links must not flush a half-applied change first.
        with session.no_autoflush:
            for column in changed:
                _assign(session, obj, column, values[column])
            obj.updated_at = utcnow()
        session.flush()
    sync_search_document(session, entity, obj.id, text)
    if not changed:
        return obj, "unchanged"
    after = to_create_dict(session, entity, obj, vocab)
    record_change(session, entity.name, obj, "update", actor, diff(before, after))
    return obj, "updated"


def find(session: Session, entity: Entity, key: str) -> Any:
    return session.scalar(select(entity.model).where(entity.key_column == key))


def upsert(
    session: Session, entity: Entity, data: BaseModel, vocab: VocabIndex, actor: str = "seed"
) -> tuple[Any, Outcome]:
    """Insert or update one record by its natural key; report what happened."""
    obj = find(session, entity, getattr(data, entity.key))
    if obj is not None and obj.deleted_at is not None:
        raise Conflict(
            f"{entity.name} {getattr(data, entity.key)!r} is deleted; restore or purge it first"
        )
    return apply(session, entity, data, vocab, actor, obj)
