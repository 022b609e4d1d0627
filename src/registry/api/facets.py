"""Facet counts for a resource's filters, disjunctive per facet."""

from __future__ import annotations

import functools
import inspect
import typing
from collections.abc import Callable
from typing import Annotated, Any, Literal

from fastapi import Query
from pydantic import BaseModel, Field
from sqlalchemy import func, select

from registry.api.deps import ReadContext
from registry.api.filters import FilterSet, FilterValues, TermFilter, facet_counts, facet_rollup
from registry.api.listing.indexed import match_index, search_rowids
from registry.lists.fulltext import search_subquery


class FacetValue(BaseModel):
    value: str | int | bool = Field(description="The vocabulary code, year or flag.")
    label: str
    label_en: str
    label_zh: str
    count: int = Field(description="Records that would match if this value were chosen.")


class Facets(BaseModel):
    total: int = Field(description="Records matching every filter.")
    facets: dict[str, list[FacetValue]]


def compute_facets(
    ctx: ReadContext, fs: FilterSet, filters: FilterValues, names: list[str], q: str | None
) -> Facets:
    extra = []
    search = search_subquery(ctx.session, fs.entity.search_key, q, ranked=False) if q else None
    if search is not None:
        extra.append(fs.model.id.in_(select(search.c.record_id)))
    indexed = match_index(ctx, fs)
    hits = None
    if indexed is not None and search is not None:
        hits = search_rowids(ctx.session, fs, q or "", indexed[1])
    matched = indexed[0].matches(indexed[1], filters, search=hits) if indexed else None
    if matched is not None:
        total = len(matched)
    else:
        counted = select(func.count(fs.model.id)).where(*fs.conditions(filters), *extra)
        total = ctx.session.scalar(counted) or 0
    result: dict[str, list[FacetValue]] = {}
    for name in names:
        counts = None
        rollup: Callable[[list[Any]], int] | None = None
        if indexed is not None and matched is not None:
            index, state = indexed
            others = index.matches(state, filters, skip=name, search=hits)
            if others is not None:
                counts = index.facet_counts(state, name, others)
                rollup = functools.partial(index.rollup, state, name, others)
        if counts is None:
            counts = facet_counts(ctx.session, fs, name, filters, extra)
            rollup = functools.partial(facet_rollup, ctx.session, fs, name, filters, extra=extra)
        facet = fs.facets[name]
        if isinstance(facet, TermFilter):
            result[name] = _term_values(ctx, facet, counts, rollup)
        else:
            result[name] = [
                _plain_value(k, c, ctx.vocab.lang)
                for k, c in sorted(counts.items(), key=lambda kv: kv[0])
            ]
    return Facets(total=total, facets=result)


def _plain_value(value: Any, count: int, lang: str) -> FacetValue:
    if isinstance(value, bool):
        en, zh = ("Yes", "是") if value else ("No", "否")
    else:
        en = zh = str(value)
    return FacetValue(
        value=value, label=zh if lang == "zh" else en, label_en=en, label_zh=zh, count=count
    )


def _term_values(
    ctx: ReadContext,
    facet: TermFilter,
    counts: dict[Any, int],
    rollup: Callable[[list[Any]], int] | None,
) -> list[FacetValue]:
    vocab = ctx.vocab
    terms = [vocab.by_id[i] for i in vocab.ids(facet.vocabulary)]
    by_code = {t.code: counts.get(t.id, 0) for t in terms}
    for t in terms:
        # A parent counts what filtering on it returns: the records carrying it or any
        # descendant, each once (a program for teachers and principals is one school-staff
        # program).
        below = [d.id for d in vocab.descendants(t) if counts.get(d.id)]
        if below and rollup is not None:
            by_code[t.code] = rollup([t.id, *below])
    return [
        FacetValue(
            value=t.code,
            label=t.label_zh if vocab.lang == "zh" else t.label_en,
            label_en=t.label_en,
            label_zh=t.label_zh,
            count=by_code[t.code],
        )
        for t in terms
    ]


class FacetNames:
    """A dependency for the `facet` parameter, its choices taken from the filter set; its
    signature is built at run time, as the choices exist only then."""

    def __init__(self, fs: FilterSet) -> None:
        self.fs = fs
        choices = typing.cast(Any, Literal)[tuple(fs.facets)]
        annotation: Any = Annotated[
            typing.cast(Any, list)[choices] | None,
            Query(description="Facets to count; all of them when omitted."),
        ]
        self.__signature__ = inspect.Signature(
            [
                inspect.Parameter(
                    "facet", inspect.Parameter.KEYWORD_ONLY, default=None, annotation=annotation
                )
            ]
        )

    async def __call__(self, facet: list[str] | None = None) -> list[str]:
        return list(facet or self.fs.facets)


def facet_names(fs: FilterSet) -> FacetNames:
    return FacetNames(fs)
