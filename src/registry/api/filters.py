"""Declarative filters: one declaration per resource drives its SQL, its OpenAPI query
parameters and its facet counts.

A `FilterSet` lists a resource's filters, sort keys and facets. `FilterSet.dependency()`
turns the filters into a FastAPI dependency whose signature FastAPI documents like any
other; `conditions()` turns parsed values into SQL; `facet_counts()` counts records per
value with every filter applied except the facet's own.
"""

from __future__ import annotations

import inspect
import re
import typing
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Annotated, Any

from fastapi import Query
from fastapi.routing import APIRoute
from pydantic import BaseModel, BeforeValidator
from sqlalchemy import ColumnElement, Select, and_, func, or_, select, true, union
from sqlalchemy.orm import Session

from registry.api.deps import InThread, Language
from registry.entities import Entity
from registry.errors import invalid_param
from registry.schemas.listing import Page
from registry.vocab import VocabIndex

# (owner_id, key) rows: one per record and value.
Pairs = Callable[[], Select[*tuple[Any, ...]]]


# Years every backend's integer columns can compare against.
YEAR_MIN, YEAR_MAX = 0, 9999


def _iso_date(value: Any) -> Any:
    """Only YYYY-MM-DD: Pydantic would otherwise read "0" as a Unix timestamp."""
    if isinstance(value, str) and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise ValueError("use a date as YYYY-MM-DD")
    return value


IsoDate = Annotated[date, BeforeValidator(_iso_date)]


@dataclass(frozen=True)
class Param:
    name: str
    annotation: Any
    description: str
    examples: list[Any]
    vocabulary: str | None = None
    ge: int | None = None
    le: int | None = None

    def parameter(self) -> inspect.Parameter:
        extra = {"x-vocabulary": self.vocabulary} if self.vocabulary else None
        description = self.description
        if typing.get_origin(self.annotation) is list:
            description += " Repeat the parameter for any of several values; none may be empty."
        query = Query(
            description=description,
            examples=self.examples,
            json_schema_extra=extra,
            ge=self.ge,
            le=self.le,
        )
        return inspect.Parameter(
            self.name,
            inspect.Parameter.KEYWORD_ONLY,
            default=None,
            annotation=Annotated[self.annotation | None, query],
        )


class Filter:
    name: str
    facet: bool = False

    def params(self) -> list[Param]:
        raise NotImplementedError

    def parse(self, raw: dict[str, Any], vocab: VocabIndex) -> Any:
        """The filter's value from the request, or None when it is absent."""
        raise NotImplementedError

    def condition(self, value: Any) -> ColumnElement[bool]:
        raise NotImplementedError

    def pairs(self) -> Select[Any] | None:
        return None


@dataclass
class TermFilter(Filter):
    """Any-of over vocabulary codes, on a term-id column or through a link (`pairs`)."""

    name: str
    vocabulary: str
    description: str
    example: str
    owner: Any  # the model's id column
    column: Any | None = None
    link: Pairs | None = None
    facet: bool = True

    def params(self) -> list[Param]:
        note = " A code includes its sub-codes."
        return [
            Param(
                self.name,
                list[str],
                f"{self.description} Codes of vocabulary `{self.vocabulary}`; "
                f"repeat for any-of.{note}",
                [self.example],
                self.vocabulary,
            )
        ]

    def parse(self, raw: dict[str, Any], vocab: VocabIndex) -> list[uuid.UUID] | None:
        codes = raw.get(self.name)
        if not codes:
            return None
        ids: list[uuid.UUID] = []
        for code in codes:
            term = vocab.get(self.vocabulary, code)
            if term is None:
                raise invalid_param(self.name, vocab.unknown(self.vocabulary, code))
            ids.append(term.id)
            # Every vocabulary is a hierarchy: a parent code stands for its descendants.
            ids += [t.id for t in vocab.descendants(term)]
        return list(dict.fromkeys(ids))

    def pairs(self) -> Select[Any]:
        if self.link is not None:
            return self.link()
        assert self.column is not None
        return select(self.owner.label("owner_id"), self.column.label("key"))

    def condition(self, value: list[uuid.UUID]) -> ColumnElement[bool]:
        condition: ColumnElement[bool]
        if self.column is not None:
            condition = self.column.in_(value)
        else:
            sub = self.pairs().subquery()
            condition = self.owner.in_(select(sub.c.owner_id).where(sub.c.key.in_(value)))
        return condition


@dataclass
class ValueFilter(Filter):
    """Any-of over plain values, for example ids of related records."""

    name: str
    column: Any
    description: str
    example: Any
    kind: type = uuid.UUID

    def params(self) -> list[Param]:
        annotation: Any = typing.cast(Any, list)[self.kind]
        return [
            Param(self.name, annotation, f"{self.description} Repeat for any-of.", [self.example])
        ]

    def parse(self, raw: dict[str, Any], vocab: VocabIndex) -> list[Any] | None:
        return raw.get(self.name) or None

    def condition(self, value: list[Any]) -> ColumnElement[bool]:
        condition: ColumnElement[bool] = self.column.in_(value)
        return condition


@dataclass
class PrefixFilter(Filter):
    """A dotted code and everything under it: `prevalence` matches `prevalence.anxiety`."""

    name: str
    column: Any
    description: str
    example: str

    def params(self) -> list[Param]:
        return [Param(self.name, list[str], self.description, [self.example])]

    def parse(self, raw: dict[str, Any], vocab: VocabIndex) -> list[str] | None:
        return raw.get(self.name) or None

    def condition(self, value: list[str]) -> ColumnElement[bool]:
        return or_(
            *(self.column == v for v in value),
            *(self.column.startswith(v + ".", autoescape=True) for v in value),
        )


@dataclass
class BoolFilter(Filter):
    name: str
    column: Any
    description: str
    facet: bool = True

    def params(self) -> list[Param]:
        return [Param(self.name, bool, self.description, [True])]

    def parse(self, raw: dict[str, Any], vocab: VocabIndex) -> bool | None:
        value = raw.get(self.name)
        return None if value is None else bool(value)

    def condition(self, value: bool) -> ColumnElement[bool]:
        condition: ColumnElement[bool] = self.column.is_(value)
        return condition

    def pairs(self) -> Select[Any]:
        owner = self.column.class_.id
        return select(owner.label("owner_id"), self.column.label("key"))


@dataclass
class RangeFilter(Filter):
    """`<name>_min` and `<name>_max`, inclusive, on a column of the record or, through
    `link` (pairs of record id and value), on a related record's column."""

    name: str
    column: Any
    description: str
    example: Any
    kind: type = int
    facet: bool = False
    owner: Any | None = None  # the record's id column, with `link`
    link: Pairs | None = None

    def params(self) -> list[Param]:
        kind: Any = IsoDate if self.kind is date else self.kind
        low, high = (YEAR_MIN, YEAR_MAX) if self.kind is int else (None, None)
        return [
            Param(
                f"{self.name}_{end}",
                kind,
                f"{self.description}: {words}. {rule}",
                [self.example],
                ge=low,
                le=high,
            )
            for end, words, rule in (
                ("min", "at least", f"Must not be greater than `{self.name}_max` (else 422)."),
                ("max", "at most", f"Must not be less than `{self.name}_min` (else 422)."),
            )
        ]

    def parse(self, raw: dict[str, Any], vocab: VocabIndex) -> tuple[Any, Any] | None:
        low, high = raw.get(f"{self.name}_min"), raw.get(f"{self.name}_max")
        if low is None and high is None:
            return None
        if low is not None and high is not None and low > high:
            raise invalid_param(f"{self.name}_min", f"greater than {self.name}_max")
        return low, high

    def condition(self, value: tuple[Any, Any]) -> ColumnElement[bool]:
        if self.link is None or self.owner is None:
            return _between(self.column, value)
        sub = self.link().subquery()
        condition: ColumnElement[bool] = self.owner.in_(
            select(sub.c.owner_id).where(_between(sub.c.key, value))
        )
        return condition

    def pairs(self) -> Select[Any]:
        """(owner_id, key) of every record with a value: one without is in no range."""
        if self.link is not None:
            linked = self.link().subquery()
            return select(linked.c.owner_id, linked.c.key).where(linked.c.key.is_not(None))
        owner = self.column.class_.id  # facets need a mapped column
        return select(owner.label("owner_id"), self.column.label("key")).where(
            self.column.is_not(None)
        )


def _between(column: Any, value: tuple[Any, Any]) -> ColumnElement[bool]:
    low, high = value
    parts = []
    if low is not None:
        parts.append(column >= low)
    if high is not None:
        parts.append(column <= high)
    return and_(true(), *parts)


@dataclass
class FilterValues:
    values: dict[str, Any]
    raw: dict[str, Any]


@dataclass
class FilterSet:
    """A resource's filters and sort keys: its SQL, its query parameters, its facets and,
    when `match_index` is set, a match index (`api.matchindex`) kept from the change log.

    Every record also sorts by `created_at` and `updated_at`, after the sorts given.
    `match_index` names the other entities whose changes move this one's filter values,
    each with the column pointing at them (a program's province comes from its
    organization too); `{}` for an index that depends on nothing else.
    """

    entity: Entity[Any]
    filters: list[Filter]
    sorts: dict[str, Any]
    default_sort: list[str]
    match_index: dict[str, Any] | None = None
    facets: dict[str, Filter] = field(init=False)

    def __post_init__(self) -> None:
        self.facets = {f.name: f for f in self.filters if f.facet}
        for column in ("created_at", "updated_at"):
            self.sorts.setdefault(column, getattr(self.model, column))

    @property
    def model(self) -> Any:
        return self.entity.model

    def all_params(self) -> list[Param]:
        return [p for f in self.filters for p in f.params()]

    def dependency(self) -> FilterDependency:
        """A FastAPI dependency that parses and checks this resource's filters."""
        return FilterDependency(self)

    def conditions(
        self, values: FilterValues, *, skip: str | None = None, deleted: str = "exclude"
    ) -> list[ColumnElement[bool]]:
        by_name = {f.name: f for f in self.filters}
        found = [by_name[n].condition(v) for n, v in values.values.items() if n != skip]
        if deleted == "exclude":
            found.append(self.model.deleted_at.is_(None))
        elif deleted == "only":
            found.append(self.model.deleted_at.is_not(None))
        return found


class FilterDependency:
    """Parses a FilterSet's query parameters; FastAPI reads its signature.

    Runs on the event loop, so codes are checked against the vocabularies later, in the
    request's thread (see `reads`). Routes that take it are found again by
    `declared_lists`, so a list's filters are declared in its router only.
    """

    def __init__(self, filterset: FilterSet) -> None:
        self.filterset = filterset
        self.__signature__ = inspect.Signature(
            [
                inspect.Parameter(
                    "lang", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=Language
                ),
                *(p.parameter() for p in filterset.all_params()),
            ]
        )

    async def __call__(self, lang: str, **raw: Any) -> InThread[FilterValues]:
        for name, given in raw.items():
            if isinstance(given, list) and any(v == "" for v in given):
                raise invalid_param(name, "empty value")
        return InThread(lang, lambda ctx: self.values(raw, ctx.vocab))

    def values(self, raw: dict[str, Any], vocab: VocabIndex) -> FilterValues:
        values = {}
        for f in self.filterset.filters:
            value = f.parse(raw, vocab)
            if value is not None:
                values[f.name] = value
        return FilterValues(values, {k: v for k, v in raw.items() if v is not None})


def declared_lists(routes: Sequence[Any]) -> dict[str, tuple[FilterSet, type[BaseModel]]]:
    """Each list route's FilterSet and item schema, by operation id: what the OpenAPI
    document, the match indexes and the stats need to know about a list."""
    found: dict[str, tuple[FilterSet, type[BaseModel]]] = {}
    for route in routes:
        if not isinstance(route, APIRoute) or not _is_page(route.response_model):
            continue
        for dependency in route.dependant.dependencies:
            # A FilterDependency, or a list's whole query (`listing.ListRequestDependency`).
            filterset = getattr(dependency.call, "filterset", None)
            if isinstance(filterset, FilterSet):
                (item,) = typing.get_args(route.response_model.model_fields["items"].annotation)
                found[str(route.operation_id)] = (filterset, item)
    return found


def _is_page(model: Any) -> bool:
    return isinstance(model, type) and issubclass(model, Page)


def facet_counts(
    session: Session,
    fs: FilterSet,
    name: str,
    values: FilterValues,
    extra: Sequence[ColumnElement[bool]] = (),
) -> dict[Any, int]:
    """Records per value of facet `name`, ignoring that facet's own filter (disjunctive)."""
    facet = fs.facets[name]
    pairs = facet.pairs()
    assert pairs is not None
    sub = pairs.subquery()
    matching = select(fs.model.id).where(*fs.conditions(values, skip=name), *extra)
    rows = session.execute(
        select(sub.c.key, func.count(func.distinct(sub.c.owner_id)))
        .where(sub.c.owner_id.in_(matching))
        .group_by(sub.c.key)
    ).all()
    return {key: count for key, count in rows}


def facet_rollup(
    session: Session,
    fs: FilterSet,
    name: str,
    values: FilterValues,
    keys: Sequence[Any],
    extra: Sequence[ColumnElement[bool]] = (),
) -> int:
    """Records carrying any of `keys` (a code and its descendants), as `facet_counts`
    counts one value: each record once, however many of the codes it carries."""
    facet = fs.facets[name]
    pairs = facet.pairs()
    assert pairs is not None
    sub = pairs.subquery()
    matching = select(fs.model.id).where(*fs.conditions(values, skip=name), *extra)
    counted = select(func.count(func.distinct(sub.c.owner_id))).where(
        sub.c.owner_id.in_(matching), sub.c.key.in_(keys)
    )
    return session.scalar(counted) or 0


def term_link(table: Any, owner: str, vocabulary: str) -> Pairs:
    """(owner_id, term_id) rows of a link table, for the terms of one vocabulary."""
    from registry.models import Vocabulary, VocabularyTerm

    def build() -> Select[Any]:
        return (
            select(table.c[owner].label("owner_id"), table.c.term_id.label("key"))
            .join(VocabularyTerm, VocabularyTerm.id == table.c.term_id)
            .join(Vocabulary, Vocabulary.id == VocabularyTerm.vocabulary_id)
            .where(Vocabulary.name == vocabulary)
        )

    return build


def union_pairs(*selects: Callable[[], Select[Any]]) -> Pairs:
    def build() -> Select[Any]:
        sub = union(*(s() for s in selects)).subquery()
        return select(sub.c.owner_id, sub.c.key)

    return build
