"""A stored record to its read schema, one generic piece driven by the entity spec.

The read schema's fields are matched to the create schema's markers once per entity: a
vocabulary code renders as a term, a list of codes as terms of the `terms` links, a record
reference as the referenced record's summary, a child list as its items, `provenance` from
the source columns, and anything else as the column of that name. The plan is a list of
steps over attribute access, so it can run over Core rows as well as ORM objects.
"""

from __future__ import annotations

import functools
import types
import typing
import uuid
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel

from registry.entities import Child, Entity
from registry.models import Source
from registry.records.markers import fields
from registry.schemas.common import (
    PICKED,
    Provenance,
    QualityNoteRead,
    RecordRead,
    SourceRef,
    VocabRef,
    pick,
)
from registry.vocab import VocabIndex

Sources = dict[Any, Source]


class _Scope:
    """What one record's steps share: the vocabulary, the sources, and its terms grouped by
    vocabulary, worked out once however many term lists the schema has."""

    __slots__ = ("_terms", "obj", "sources", "vocab")

    def __init__(self, obj: Any, vocab: VocabIndex, sources: Sources) -> None:
        self.obj, self.vocab, self.sources = obj, vocab, sources
        self._terms: dict[str, list[Any]] | None = None

    def terms(self, vocabulary: str) -> list[Any]:
        if self._terms is None:
            self._terms = self.vocab.grouped(_term_ids(self.obj))
        return self._terms.get(vocabulary, [])


Step = Callable[[Any, _Scope], Any]


def summary_type(annotation: Any) -> type[BaseModel]:
    """The model in `Summary` or `Summary | None`."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        annotation = next(a for a in typing.get_args(annotation) if a is not type(None))
    assert isinstance(annotation, type)
    assert issubclass(annotation, BaseModel)
    return annotation


def _term_ids(obj: Any) -> list[uuid.UUID]:
    packed = getattr(obj, "term_ids", None)
    if packed is None:  # not loaded as one string (a write's own object)
        return [t.id for t in obj.terms]
    return [uuid.UUID(t) for t in packed.split(",") if t]


def _provenance(obj: Any, scope: _Scope) -> Provenance:
    source = scope.sources.get(obj.source_id)
    return Provenance(
        source=SourceRef.of(source, scope.vocab.lang) if source else None,
        locator=pick(obj.source_locator_zh, obj.source_locator_en, scope.vocab.lang),
        locator_zh=obj.source_locator_zh,
        locator_en=obj.source_locator_en,
        data_quality=[QualityNoteRead.of(n, scope.vocab.lang) for n in obj.data_quality or []],
    )


def _steps(read: type[BaseModel], create: type[BaseModel], entity: Entity[Any] | None) -> Any:
    specs = {spec.name: spec for spec in fields(create)}
    steps: list[tuple[str, Step]] = []
    for name, info in read.model_fields.items():
        spec = specs.get(name)
        child = entity.child(name) if entity is not None else None
        if info.description == PICKED:
            steps.append((name, _picked(name)))
        elif name == "provenance":
            steps.append((name, _provenance))
        elif child is not None:
            steps.append((name, _child_step(child, info.annotation)))
        elif spec is None or spec.ref is None:
            steps.append((name, _attribute(name)))
        elif spec.is_list and isinstance(spec.ref, VocabRef):
            steps.append((name, _terms(spec.ref.vocabulary)))
        elif isinstance(spec.ref, VocabRef):
            steps.append((name, _term(spec.column)))
        else:
            steps.append((name, _summary(name, summary_type(info.annotation))))
    return steps


def _attribute(name: str) -> Step:
    return lambda obj, scope: getattr(obj, name)


def _picked(name: str) -> Step:
    zh, en = f"{name}_zh", f"{name}_en"
    return lambda obj, scope: pick(getattr(obj, zh), getattr(obj, en), scope.vocab.lang)


def _term(column: str) -> Step:
    return lambda obj, scope: scope.vocab.ref(getattr(obj, column))


def _terms(vocabulary: str) -> Step:
    return lambda obj, scope: scope.terms(vocabulary)


def _summary(relationship: str, summary: type[BaseModel]) -> Step:
    plain = [
        (n, _picked(n) if i.description == PICKED else _attribute(n))
        for n, i in summary.model_fields.items()
    ]

    def step(obj: Any, scope: _Scope) -> Any:
        related = getattr(obj, relationship)
        if related is None:
            return None
        values = {n: s(related, scope) for n, s in plain}
        return summary.model_validate(values)

    return step


def _child_step(child: Child, annotation: Any) -> Step:
    (item_type,) = typing.get_args(annotation)
    steps = _steps(item_type, child.schema, None)
    specs = {spec.name: spec for spec in fields(child.schema)}

    def order(row: Any, vocab: VocabIndex) -> tuple[Any, ...]:
        key: list[Any] = []
        for name in child.render_order:
            spec = specs[name]
            if isinstance(spec.ref, VocabRef):
                key.append(vocab.by_id[getattr(row, spec.column)].position)
            else:
                key.append(getattr(row, name).slug)
        return tuple(key)

    def step(obj: Any, scope: _Scope) -> Any:
        rows = sorted(getattr(obj, child.field), key=lambda row: order(row, scope.vocab))
        return [
            item_type.model_validate(
                {n: s(row, _Scope(row, scope.vocab, scope.sources)) for n, s in steps}
            )
            for row in rows
        ]

    return step


@functools.cache
def _plan(entity: Entity[Any]) -> tuple[type[RecordRead], list[tuple[str, Step]]]:
    assert entity.read is not None, f"{entity.name} has no read schema"
    return entity.read, _steps(entity.read, entity.create, entity)


def render(entity: Entity[Any], obj: Any, vocab: VocabIndex, sources: Sources) -> RecordRead:
    """`obj` (loaded with `entity.load`, so nothing loads lazily) as its read schema."""
    read, steps = _plan(entity)
    scope = _Scope(obj, vocab, sources)
    return read.model_validate({name: step(obj, scope) for name, step in steps})
