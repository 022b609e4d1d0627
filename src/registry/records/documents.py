"""What a record is known by: the text its search document holds.

A document has two parts. `names` holds the record's own names, aliases and titles (with
the titles a data-quality note resolves, so a policy is found by its corrected title),
each Chinese one also as pinyin; matches there rank first. `tokens` holds the rest: its
other texts in both languages, the zh/en labels of every code it carries, and what the
records it points at are known by (a program's organization: its names, city and
province). So `q=留守` finds programs tagged 留守儿童 and `q=深圳` a Shenzhen
organization's programs, on both backends alike.

Because a document embeds other records, a write to an organization or a term rewrites
the documents that embed it, in the same transaction (`refresh_embedding`).
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from registry.entities import ENTITIES, Entity
from registry.models import SearchDocument
from registry.records.mapping import to_create_dict
from registry.records.markers import fields
from registry.schemas.common import RecordRef, VocabRef
from registry.search import pinyin_tokens, tokens, zh_sort_key
from registry.vocab import VocabIndex

Texts = list[str | None]
# (texts of names, other texts): plain strings, so a process pool can tokenise them.
DocumentInput = tuple[Texts, Texts]
Document = tuple[str, str]  # (names tokens, other tokens), as stored
CHUNK = 500  # ids per IN (…): well inside both backends' limits on bound parameters


@dataclass
class Known:
    """What referenced records are known by, read once per record and kept for a run."""

    session: Session
    vocab: VocabIndex
    _texts: dict[tuple[str, Any], Texts] = field(default_factory=dict)

    def term_labels(self, vocabulary: str, code: str | None) -> Texts:
        term = self.vocab.get(vocabulary, code) if code else None
        return [term.label_zh, term.label_en] if term is not None else []

    def term_id_labels(self, term_id: uuid.UUID | None) -> Texts:
        term = self.vocab.by_id.get(term_id) if term_id is not None else None
        return [term.label_zh, term.label_en] if term is not None else []

    def record(self, entity_name: str, ref: str | None) -> Texts:
        if ref is None:
            return []
        key = (entity_name, ref)
        if key not in self._texts:
            self.prefetch(entity_name, [ref])
        return self._texts.get(key, [])

    def prefetch(self, entity_name: str, refs: Iterable[str]) -> None:
        """Read the embedded texts of many referenced records in a few queries."""
        entity = ENTITIES[entity_name]
        wanted = {r for r in refs if (entity_name, r) not in self._texts}
        if not wanted or not entity.embed:
            return
        columns = [getattr(entity.model, c) for c in entity.embed]
        model = entity.model
        by_id = {r for r in wanted if _is_uuid(r)}
        by_key = wanted - by_id
        batches: list[tuple[Any, list[Any]]] = []
        if by_id:
            batches.append((model.id, [uuid.UUID(r) for r in by_id]))
        if by_key:
            batches.append((entity.key_column, list(by_key)))
        for column, values in batches:
            for start in range(0, len(values), CHUNK):
                chunk = values[start : start + CHUNK]
                rows = self.session.execute(
                    select(model.id, entity.key_column, *columns).where(column.in_(chunk))
                )
                for record_id, key, *embedded in rows:
                    texts = self._embedded(entity, embedded)
                    self._texts[(entity_name, str(record_id))] = texts
                    self._texts[(entity_name, key)] = texts

    def _embedded(self, entity: Entity[Any], values: Sequence[Any]) -> Texts:
        out: Texts = []
        for column, value in zip(entity.embed, values, strict=True):
            if column.endswith("_id"):
                out += self.term_id_labels(value)
            elif isinstance(value, list):
                out += [str(v) for v in value]
            else:
                out.append(value)
        return out

    def prefetch_rows(self, entity: Entity[Any], rows: Sequence[BaseModel]) -> None:
        """Read the referenced records of many rows of `entity` at once."""
        wanted: dict[str, set[str]] = {}
        for spec in fields(entity.create):
            if isinstance(spec.ref, RecordRef) and not spec.is_list and spec.ref.entity in ENTITIES:
                refs = wanted.setdefault(spec.ref.entity, set())
                refs.update(r for row in rows if (r := getattr(row, spec.name, None)))
        for entity_name, refs in wanted.items():
            self.prefetch(entity_name, refs)


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def document_input(entity: Entity[Any], data: BaseModel, known: Known) -> DocumentInput:
    """The texts of `data`'s document, with its codes' labels and its references' texts."""
    names: Texts = []
    texts: Texts = []
    own, named, other, codes, refs = _plan(entity.name, type(data))
    for name in named:
        value = getattr(data, name)
        names.extend(value if isinstance(value, list) else [value])
    # A title or name as a data-quality note corrects it is a name too.
    for note in getattr(data, "data_quality", ()):
        if note.field in own and note.resolved_value:
            names.append(note.resolved_value)
    for name in other:
        value = getattr(data, name)
        texts.extend(value if isinstance(value, list) else [value])
    for name, vocabulary, is_list in codes:
        value = getattr(data, name)
        for code in value if is_list else (value,):
            texts += known.term_labels(vocabulary, code)
    for name, entity_name in refs:
        texts += known.record(entity_name, getattr(data, name))
    return names, texts


@functools.cache
def _plan(
    entity_name: str, schema: type[BaseModel]
) -> tuple[
    frozenset[str],
    tuple[str, ...],
    tuple[str, ...],
    list[tuple[str, str, bool]],
    list[tuple[str, str]],
]:
    """Which of a schema's fields give names, other texts, codes and references."""
    entity = ENTITIES[entity_name]
    own = frozenset(entity.name_fields)
    other = tuple(n for n in entity.search_fields if n not in own)
    codes: list[tuple[str, str, bool]] = []
    refs: list[tuple[str, str]] = []
    for spec in fields(schema):
        if entity.child(spec.name) is not None or spec.ref is None:
            continue
        if isinstance(spec.ref, VocabRef):
            codes.append((spec.name, spec.ref.vocabulary, spec.is_list))
        elif isinstance(spec.ref, RecordRef) and spec.ref.entity in ENTITIES and not spec.is_list:
            refs.append((spec.name, spec.ref.entity))
    return own, entity.name_fields, other, codes, refs


def build(item: DocumentInput) -> Document:
    """Tokens of a document's two parts; pure, so a process pool can run it."""
    names, texts = item
    named = tokens(names)
    spelled = pinyin_tokens(names)
    return (f"{named} {spelled}" if spelled else named), tokens(texts)


DeriveInput = tuple[str | None, DocumentInput]


def derive_input(entity: Entity[Any], data: BaseModel, known: Known) -> DeriveInput:
    """What `derive` needs of a record: the text behind its pinyin key and its document's
    texts, referenced records' included. Plain strings, so a process pool can take them."""
    sort_source = getattr(data, entity.zh_sort) if entity.zh_sort else None
    return sort_source, document_input(entity, data, known)


def derive(item: DeriveInput) -> tuple[str | None, Document]:
    """(pinyin sort key, search document): the per-record text work of a write, which is
    pure and so can run in another process during a large import."""
    return zh_sort_key(item[0]), build(item[1])


def document(entity: Entity[Any], data: BaseModel, known: Known) -> Document:
    return build(document_input(entity, data, known))


def sync(session: Session, entity: Entity[Any], record_id: Any, doc: Document) -> None:
    """Keep the record's search document current, in the caller's transaction."""
    sync_many(session, entity, {record_id: doc})


def sync_many(session: Session, entity: Entity[Any], docs: dict[Any, Document]) -> None:
    """`sync` for many records of one entity, their stored documents read in one query."""
    if not entity.search_fields or not docs:
        return
    ids = list(docs)
    stored = {
        d.record_id: d
        for start in range(0, len(ids), CHUNK)
        for d in session.scalars(
            select(SearchDocument).where(
                SearchDocument.entity == entity.search_key,
                SearchDocument.record_id.in_(ids[start : start + CHUNK]),
            )
        )
    }
    for record_id, (names, text) in docs.items():
        found = stored.get(record_id)
        if found is None:
            session.add(
                SearchDocument(
                    entity=entity.search_key, record_id=record_id, names=names, tokens=text
                )
            )
        elif (found.names, found.tokens) != (names, text):
            found.names, found.tokens = names, text


def _rewrite(
    session: Session, entity: Entity[Any], objs: Iterable[Any], vocab: VocabIndex, known: Known
) -> int:
    """Make stored records' documents again from what they hold now; how many."""
    docs = {
        obj.id: document(
            entity,
            entity.create.model_validate(to_create_dict(session, entity, obj, vocab)),
            known,
        )
        for obj in objs
    }
    sync_many(session, entity, docs)
    return len(docs)


def refresh_embedding(
    session: Session, vocab: VocabIndex, entity_name: str | None, changed: uuid.UUID
) -> int:
    """Rewrite the documents that embed a changed record (`entity_name`) or, with no
    entity, a changed term: those of the records pointing at it or carrying it. Returns
    how many documents were looked at."""
    session.flush()
    known = Known(session, vocab)
    seen = 0
    for entity in ENTITIES.values():
        if not entity.search_fields:
            continue
        owners = _owners(entity, entity_name, changed)
        if owners is None:
            continue
        objs = session.scalars(select(entity.model).where(entity.model.id.in_(owners)))
        seen += _rewrite(session, entity, objs, vocab, known)
    return seen


def _owners(entity: Entity[Any], entity_name: str | None, changed: uuid.UUID) -> Any:
    """A subquery of the ids of `entity`'s records that embed `changed`, or None."""
    model = entity.model
    conditions: list[Any] = []
    for spec in fields(entity.create):
        if entity.child(spec.name) is not None or spec.ref is None:
            continue
        if entity_name is None and isinstance(spec.ref, VocabRef):
            if spec.is_list:
                table = model.__mapper__.relationships["terms"].secondary
                owner = next(c for c in table.c if c.name != "term_id")
                conditions.append(model.id.in_(select(owner).where(table.c.term_id == changed)))
            else:
                conditions.append(getattr(model, spec.column) == changed)
        elif isinstance(spec.ref, RecordRef) and spec.ref.entity == entity_name:
            conditions.append(getattr(model, spec.column) == changed)
    if not conditions:
        return None
    return select(model.id).where(or_(*conditions)).scalar_subquery()


def reindex(session: Session, vocab: VocabIndex, *, stale_only: bool = False) -> dict[str, int]:
    """Write every record's search document again (or, `stale_only`, those written before
    documents kept names apart: their `names` is empty). Per entity, how many were written."""
    known = Known(session, vocab)
    written: dict[str, int] = {}
    for entity in ENTITIES.values():
        if not entity.search_fields:
            continue
        ids = select(entity.model.id).order_by(entity.model.id)
        if stale_only:
            stale = select(SearchDocument.record_id).where(
                SearchDocument.entity == entity.search_key, SearchDocument.names == ""
            )
            missing = select(SearchDocument.record_id).where(
                SearchDocument.entity == entity.search_key
            )
            ids = ids.where(entity.model.id.in_(stale) | entity.model.id.not_in(missing))
        pending = list(session.scalars(ids))
        for start in range(0, len(pending), CHUNK):
            chunk = pending[start : start + CHUNK]
            objs = session.scalars(select(entity.model).where(entity.model.id.in_(chunk)))
            _rewrite(session, entity, objs, vocab, known)
            session.flush()
            session.expunge_all()
        written[entity.name] = len(pending)
    return written
