"""A list's SQL: filters, search and sort order, and a page of rows read by keyset or offset.

The filter conditions are built when the SQL is first asked for, so a page the match index
answers never builds them.
"""

from __future__ import annotations

import functools
import typing
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session
from sqlalchemy.sql import Subquery

from registry.api.deps import RankedWindow, ReadContext
from registry.api.filters import FilterSet, FilterValues
from registry.api.listing.params import ListParams
from registry.lists.fulltext import rank_window_end, search_subquery
from registry.lists.keyset import SortKey, after, order_by, parse_sort
from registry.records.lean import Plan


@dataclass
class ListQuery:
    fs: FilterSet
    filters: FilterValues
    deleted: str
    keys: list[SortKey]
    search: Subquery | None
    # The last document scored for relevance (`fulltext.rank_window_end`), read once.
    window_end: int | None = None
    # Keeps a search's scored window for the next request at the same change head.
    keep_ranked: Callable[[Callable[[], RankedWindow]], RankedWindow] | None = None

    @functools.cached_property
    def stmt(self) -> Select[Any]:
        """The matching records' ids, unordered: for SQL pages, SQL counts and exports."""
        model = self.fs.model
        stmt = select(model.id).where(*self.fs.conditions(self.filters, deleted=self.deleted))
        if self.search is not None:
            stmt = stmt.join(self.search, self.search.c.record_id == model.id)
        return stmt


def build_query(
    ctx: ReadContext, fs: FilterSet, filters: FilterValues, params: ListParams
) -> ListQuery:
    search, window_end, keep_ranked = None, None, None
    if params.q:
        key = fs.entity.search_key
        find = functools.partial(rank_window_end, ctx.session, key, params.q)
        cache = ctx.cache
        if cache is not None and ctx.head is not None:
            window_end = cache.window_end(ctx.head, key, params.q, find)
            keep_ranked = functools.partial(cache.ranked_window, ctx.head, key, params.q)
        else:
            window_end = find()
        search = search_subquery(ctx.session, key, params.q, window_end=window_end)
    keys = parse_sort(fs.sorts, fs.default_sort, fs.model.id, params.sort, search)
    return ListQuery(fs, filters, params.deleted, keys, search, window_end, keep_ranked)


def sql_rows(
    session: Session,
    q: ListQuery,
    limit: int,
    offset: int,
    cursor_values: list[Any] | None,
) -> list[Any]:
    """(id, sort keys…) of a page in order."""
    stmt = q.stmt.add_columns(*(k.expr.label(f"k{i}") for i, k in enumerate(q.keys)))
    if cursor_values is not None:
        stmt = stmt.where(after(q.keys, cursor_values))
    stmt = stmt.order_by(*order_by(q.keys)).limit(limit).offset(offset)
    return list(session.connection().execute(stmt).all())


def export_rows(
    session: Session, q: ListQuery, plan: Plan | None, batch: int
) -> Iterator[list[tuple[Any, ...]]]:
    """Every matching record in order, in batches, from one statement whose rows are read
    as they are fetched: `plan`'s columns and cell columns (without a plan, the id), as
    the driver reads them (SQLite's ids and times as text). One statement reads one
    snapshot, and the rows after a keyset cursor on a nullable sort key were a scan from
    the first row for each batch."""
    stmt = q.stmt.order_by(*order_by(q.keys))
    if plan is not None:
        stmt = stmt.with_only_columns(*plan.columns, *plan.cell_columns)
        for target, on in plan.joins:
            stmt = stmt.outerjoin(target, on)
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        # A server-side cursor; psycopg's values need no converting for the cells.
        result = connection.execution_options(stream_results=True).execute(stmt)
        try:
            for partition in result.partitions(batch):
                yield typing.cast(list[tuple[Any, ...]], partition)
        finally:
            result.close()
        return
    # SQLite's cursor steps through the rows as they are fetched; they are taken from it
    # as text, without SQLAlchemy's converting of each id and time.
    result = connection.execute(stmt)
    try:
        while rows := result.cursor.fetchmany(batch):
            yield typing.cast(list[tuple[Any, ...]], rows)
    finally:
        result.close()
