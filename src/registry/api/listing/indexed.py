"""Answering a list from the match index: the matches as a bitmap, and the page found by
walking the sort key's index (SQLite's plan says whether a walk streams in order)."""

from __future__ import annotations

import functools
import json
import uuid
from array import array
from dataclasses import dataclass
from typing import Any

from pyroaring import BitMap, FrozenBitMap
from sqlalchemy import literal_column, select
from sqlalchemy.orm import Session

from registry.api.deps import RankedWindow, ReadContext
from registry.api.filters import FilterSet, FilterValues
from registry.api.listing.params import ListParams
from registry.api.listing.query import ListQuery
from registry.api.matchindex import FETCH_LIMIT, MatchIndex, State, rowid
from registry.db import dbapi_cursor
from registry.lists.fulltext import fts_matches
from registry.lists.keyset import after, after_in_order, order_by
from registry.models import SearchDocument
from registry.records.bulk import LOOKUP_CHUNK
from registry.search import query_terms


def match_index(ctx: ReadContext, fs: FilterSet) -> tuple[MatchIndex, State] | None:
    """The entity's match index, current for this request's snapshot, if it has one."""
    if ctx.cache is None or ctx.head is None:
        return None
    index = ctx.cache.indexes.get(fs.entity.name)
    state = index.current(ctx.session, ctx.head) if index is not None else None
    return None if index is None or state is None else (index, state)


SEARCH_CHUNK = 10_000


def search_rowids(session: Session, fs: FilterSet, q: str, state: State) -> FrozenBitMap:
    """Rowids of every match, unscored: the search as one more bitmap to intersect. The
    full-text index gives document ids, which the state turns into rowids; the state keeps
    the answer, so a repeated search reads no match again."""
    terms = tuple(query_terms(q))
    kept = state.searches.get(terms)
    if kept is not None:
        return kept
    found = BitMap()
    with dbapi_cursor(session) as (cursor, dialect):
        stmt = fts_matches(fs.entity.search_key, q, ranked=False, dialect=dialect.name)
        compiled = stmt.compile(dialect=dialect)
        params = compiled.construct_params()
        if compiled.positiontup is None:  # psycopg's named parameters
            cursor.execute(str(compiled), params)
        else:
            cursor.execute(str(compiled), [params[name] for name in compiled.positiontup])
        # On the driver, in chunks: a common word has a third of a million matches at 1M,
        # and eight requests holding them all at once took 300 MB.
        while docs := cursor.fetchmany(SEARCH_CHUNK):
            found.update(map(state.record_rowid, (doc for (doc,) in docs)))
    found.discard(0)
    rowids = FrozenBitMap(found)
    state.remember(terms, rowids)
    return rowids


@dataclass
class Matched:
    rows: BitMap
    population: int  # rows in the table, deleted ones included: what a walk passes over
    state: State


def matched_rows(
    ctx: ReadContext, fs: FilterSet, filters: FilterValues, params: ListParams, query: ListQuery
) -> Matched | None:
    found = match_index(ctx, fs)
    if found is None:
        return None
    index, state = found
    hits = search_rowids(ctx.session, fs, params.q, state) if params.q else None
    rows = index.matches(state, filters, deleted=params.deleted, search=hits)
    return None if rows is None else Matched(rows, len(state.everything), state)


# Walk at most this many index entries for a page; beyond it SQL does better.
WALK_LIMIT = 50_000


def indexed_rows(
    session: Session,
    q: ListQuery,
    fs: FilterSet,
    matched: Matched,
    params: ListParams,
    cursor_values: list[Any] | None,
) -> list[Any] | None:
    """The page's rows found through the match index, or None to let SQL find them.

    The sort key's index is walked: rowids come off it in order and the first members of the
    result are kept, so the cost follows the page's depth divided by the share of rows
    that match. When that share is too small for a walk, a small result is fetched by
    rowid and sorted by SQL, and a large one is left to SQL.
    """
    model = fs.model
    ids = rowid(model)
    found = matched.rows
    wanted, skip = params.limit + 1, params.offset or 0
    if skip >= len(found):
        return []
    if q.keys[0].name == "relevance":
        plain = [(k.name, k.desc) for k in q.keys] == [("relevance", False), ("id", False)]
        return ranked_rows(session, q, matched, params, cursor_values) if plain else None
    keys = [k.expr.label(f"k{i}") for i, k in enumerate(q.keys)]
    # The sort keys' index holds the id and the keys too, so the walk reads the page's
    # rows as it finds them.
    walk = select(ids, model.id, *keys).select_from(model).order_by(*order_by(q.keys))
    # Index entries a walk is expected to pass before it has the page.
    steps = (skip + wanted) * max(1, matched.population) / len(found)
    shape = (model, tuple((k.name, k.desc) for k in q.keys), cursor_values is not None)
    dialect = session.get_bind().dialect
    if steps <= WALK_LIMIT and dialect.name == "postgresql":
        phases = [] if cursor_values is None else after_in_order(q.keys, cursor_values)
        return _bounded_walk(session, walk, phases, shape, found, skip, wanted, steps)
    if cursor_values is not None:
        walk = walk.where(after(q.keys, cursor_values))
    if steps <= WALK_LIMIT and _walkable(session, walk, shape):
        picked: list[Any] = []
        result = session.connection().execute(walk)
        # Raw rows off the DB-API cursor, a chunk at a time; only the picked ones are
        # converted. Converting every row walked past was a sixth of a filtered page.
        chunk = min(max(64, int(steps * 1.2)), 1000)
        try:
            while len(picked) < wanted and (rows := result.cursor.fetchmany(chunk)):
                for row in rows:
                    if row[0] in found:
                        if skip:
                            skip -= 1
                            continue
                        picked.append(row)
                        if len(picked) == wanted:
                            break
        finally:
            result.close()
        convert = [
            column.type.dialect_impl(dialect).result_processor(dialect, None)
            for column in walk.selected_columns
        ][1:]
        return [
            tuple(
                v if f is None or v is None else f(v) for f, v in zip(convert, r[1:], strict=True)
            )
            for r in picked
        ]
    if len(found) <= FETCH_LIMIT:
        stmt = select(model.id, *keys).where(ids.in_(list(found)))
    else:
        return None
    if cursor_values is not None:
        stmt = stmt.where(after(q.keys, cursor_values))
    stmt = stmt.order_by(*order_by(q.keys))
    return list(session.execute(stmt.limit(wanted).offset(skip)).all())


def _bounded_walk(
    session: Session,
    walk: Any,
    phases: list[Any],
    shape: tuple[Any, ...],
    found: BitMap,
    skip: int,
    wanted: int,
    steps: float,
) -> list[Any] | None:
    """PostgreSQL's walk: the sort order's first entries up to a budget a few times the
    expected steps, in one statement per phase (a cursor's `after_in_order` conditions,
    walked one after the other; none without a cursor). A client-side cursor would fetch
    the whole ordered table before the first row, so the LIMIT is what lets the planner
    read the index in order and stop. If the budget runs out before the page is in
    (matches bunched late in the order), SQL answers the page."""
    budget = max(1_000, int(steps * 3))
    row_number = walk.selected_columns[0]
    walked: list[int] = []
    for condition in phases or [None]:
        left = budget - len(walked)
        bounded = walk if condition is None else walk.where(condition)
        bounded = bounded.with_only_columns(row_number).limit(left)
        if not _walkable(session, bounded, shape):
            return None
        # Only the row numbers cross the wire (the database's part is a fraction of the
        # cost of sending and converting every walked row's id and keys); then the rows.
        result = session.connection().execute(bounded)
        try:
            here = [n for (n,) in result.cursor.fetchall()]
        finally:
            result.close()
        walked += here
        if len(here) == left or sum(n in found for n in walked) >= skip + wanted:
            break
    picked = [n for n in walked if n in found][skip : skip + wanted]
    if len(picked) < wanted and len(walked) == budget:
        return None
    place = {n: i for i, n in enumerate(picked)}
    rows = session.execute(walk.where(row_number.in_(picked)).order_by(None)).all()
    return [tuple(row[1:]) for row in sorted(rows, key=lambda row: place[row[0]])]


def ranked_rows(
    session: Session,
    query: ListQuery,
    matched: Matched,
    params: ListParams,
    cursor_values: list[Any] | None,
) -> list[Any] | None:
    """The page of a list sorted by relevance alone: the full-text index's matches read in
    rank order, kept when their rowid is in the result, until the page and every tie of its
    last rank are in; then ordered by (rank, id) as SQL orders them."""
    if cursor_values is not None and not (
        isinstance(cursor_values[0], int | float) and isinstance(cursor_values[1], uuid.UUID)
    ):
        return None  # a cursor this walk cannot compare (a null, say): SQL answers it
    assert params.q is not None
    needed = (params.offset or 0) + params.limit + 1
    start = None if cursor_values is None else cursor_values[0]
    fs, last = query.fs, query.window_end
    key = fs.entity.search_key
    dialect = session.get_bind().dialect.name
    read = functools.partial(scored_window, session, key, params.q, last, dialect)
    window = read() if query.keep_ranked is None else query.keep_ranked(read)
    page = _ordered_page(window, matched, needed, cursor_values) if window.ordered else None
    if page is not None:
        kept = [(rank, row_id) for rank, row_id, _ in page]
        ids = {row_id: record_id for _, row_id, record_id in page}
    else:
        kept, ids = _page_with_ties(session, query, matched, params.q, window, needed, start)
    model = fs.model
    rowids = [row_id for _, row_id in kept if row_id not in ids]
    for first in range(0, len(rowids), LOOKUP_CHUNK):
        chunk = rowids[first : first + LOOKUP_CHUNK]
        for row_id, record_id in session.execute(
            select(rowid(model), model.id).where(rowid(model).in_(chunk))
        ):
            ids[row_id] = record_id
    rows = sorted((rank, ids[row_id]) for rank, row_id in kept)
    if cursor_values is not None:
        rows = [r for r in rows if r > (cursor_values[0], cursor_values[1])]
    skip = params.offset or 0
    return [
        (record_id, rank, record_id) for rank, record_id in rows[skip : skip + params.limit + 1]
    ]


def _walkable(session: Session, stmt: Any, shape: tuple[Any, ...]) -> bool:
    """Whether the database reads `stmt` in order from an index, without sorting the table.

    SQLite's plan follows the statement's shape, not its values, so it is asked once per
    `shape` (the table, the sort and whether a cursor bounds it). PostgreSQL's follows its
    statistics and the walk's LIMIT, so it is asked each time (a fraction of a millisecond).
    """
    key = (session.get_bind().dialect.name, *shape)
    known = _WALKABLE.get(key)
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        compiled = stmt.compile(session.get_bind())
        sql = "EXPLAIN (FORMAT JSON) " + str(compiled)
        plan = connection.exec_driver_sql(sql, compiled.params).scalar()
        # No sort of the table anywhere in the plan: an index read in order.
        walkable = '"Node Type": "Sort"' not in json.dumps(plan)
        _WALKABLE[key] = walkable or bool(known)  # seen walkable at least once
        return walkable
    if known is None:
        compiled = stmt.compile(session.get_bind())
        blanks = (None,) * len(compiled.positiontup or ())
        sql = "EXPLAIN QUERY PLAN " + str(compiled)
        steps = connection.exec_driver_sql(sql, blanks).all()
        known = not any("B-TREE FOR ORDER BY" in str(step[-1]) for step in steps)
        _WALKABLE[key] = known
    return known


# (backend, shape) → whether its walks read an index in order (PostgreSQL: ever did).
_WALKABLE: dict[tuple[Any, ...], bool] = {}


def _page_with_ties(
    session: Session,
    query: ListQuery,
    matched: Matched,
    q: str,
    window: RankedWindow,
    needed: int,
    start: float | None,
) -> tuple[list[tuple[float, int]], dict[int, Any]]:
    """(rank, rowid) of the result's matches in rank order until the page and every tie of
    its last rank are in, and the record ids of those the full-text index gave: the
    window's matches, then any past it (rank 0) in index order."""
    found, state = matched.rows, matched.state
    kept: list[tuple[float, int]] = []
    ids: dict[int, Any] = {}
    beyond = 0  # kept entries ranked after the cursor's rank: only those fill the page

    def take(doc: int, rank: float) -> int | None:
        """The match's rowid if the page keeps it, 0 if not; None once it is complete."""
        nonlocal beyond
        row_id = state.record_rowid(doc)
        if not row_id or row_id not in found or (start is not None and rank < start):
            return 0
        if beyond >= needed and rank != kept[-1][0]:
            return None
        kept.append((rank, row_id))
        beyond += start is None or rank > start
        return row_id

    for i, doc, rank in window:
        taken = take(doc, rank)
        if taken is None:
            return kept, ids
        if taken and (known := window.record(i)) is not None:
            ids[taken] = known
    if query.window_end is None:
        return kept, ids
    # Read as fetched (a server-side cursor on PostgreSQL), so stopping early reads no more.
    dialect = session.get_bind().dialect.name
    record = [SearchDocument.record_id] if dialect != "sqlite" else []
    key = query.fs.entity.search_key
    tail = fts_matches(key, q, ranked=False, after=query.window_end, dialect=dialect)
    tail = tail.add_columns(*record).order_by(literal_column("doc"))
    streamed = session.connection().execution_options(stream_results=True, yield_per=500)
    result = streamed.execute(tail)
    try:
        for doc, *holds in result:
            taken = take(doc, 0.0)
            if taken is None:
                break
            if taken and holds:
                ids[taken] = holds[0]
    finally:
        result.close()
    return kept, ids


def _ordered_page(
    window: RankedWindow, matched: Matched, needed: int, cursor: list[Any] | None
) -> list[tuple[float, int, Any]] | None:
    """(rank, rowid, record id) of the first `needed` members of the result after the
    cursor, from a window in (rank, record id) order, so that ties need no more reading.
    None when the page is not all ranked above the matches past the window (rank 0)."""
    found, state = matched.rows, matched.state
    page: list[tuple[float, int, Any]] = []
    for i, doc, rank in window:
        row_id = state.record_rowid(doc)
        if not row_id or row_id not in found:
            continue
        record = window.record(i)
        if cursor is not None and (rank, record) <= (cursor[0], cursor[1]):
            continue
        page.append((rank, row_id, record))
        if len(page) >= needed:
            return page if rank < 0.0 else None
    return None


def scored_window(
    session: Session, key: str, q: str, last: int | None, dialect: str
) -> RankedWindow:
    """The matches of `q` up to document `last` (every match without it), scored and in
    rank order. On PostgreSQL with their records' ids, which its documents hold, and in
    (rank, record id) order, as a page orders them: `ts_rank` ties often."""
    record = [SearchDocument.record_id] if dialect != "sqlite" else []
    stmt = fts_matches(key, q, ranked=True, upto=last, dialect=dialect)
    stmt = stmt.add_columns(*record).order_by(literal_column("rank"), *record)
    docs, ranks, records = array("q"), array("d"), bytearray()
    for doc, rank, *record_id in session.execute(stmt):
        docs.append(doc)
        ranks.append(rank)
        if record_id:
            records += record_id[0].bytes
    return RankedWindow(docs, ranks, bytes(records), ordered=bool(record))
