"""Full-text matching in SQL: FTS5 on SQLite, a stored, GIN-indexed tsvector on PostgreSQL,
both over the tokens `registry.search` writes."""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    ColumnElement,
    Double,
    Select,
    case,
    cast,
    column,
    func,
    literal_column,
    select,
    table,
)
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.orm import Session
from sqlalchemy.sql import Subquery

from registry.errors import invalid_param
from registry.models import SearchDocument
from registry.models.search import TSV_COLUMN, fts_table
from registry.search import NOTHING_SEARCHABLE, Term, fts5_query, query_terms, tsquery

# Relevance is scored for at most this many matches: the first ones in the index's order
# (document id, that is the order records were added in). Matches beyond it rank after
# them, with rank 0, in id order. So a word found in a third of a million records costs a
# few thousand scores, not a third of a million; totals and facets still count every match.
RANK_WINDOW = 5_000


# What `window_end` means when the caller has not read it: read it here.
UNREAD = -1


def search_subquery(
    session: Session, entity: str, q: str, *, ranked: bool = True, window_end: int | None = UNREAD
) -> Subquery:
    """(record_id, rank) of the records matching `q`; lower rank is more relevant.

    Unranked, it is (record_id) alone: matching without scoring every match. `window_end`
    is `rank_window_end`'s answer, for a caller that needs it too and has read it once.

    `entity` is an Entity.search_key. On SQLite it names the entity's own FTS5 table, which
    the planner drives the join from.
    """
    terms = query_terms(q)
    if not terms:
        raise invalid_param("q", NOTHING_SEARCHABLE)
    doc = SearchDocument
    last = None
    if ranked:
        last = rank_window_end(session, entity, q) if window_end == UNREAD else window_end
    if session.get_bind().dialect.name == "sqlite":
        fts, whole, match, rank = _fts(entity, q, ranked)
        if rank and last is not None:
            rank = [case((fts.c.rowid <= last, _bm25(whole)), else_=0.0).label("rank")]
        return (
            select(doc.record_id, *rank)
            .select_from(fts)
            .join(doc, doc.id == fts.c.rowid)
            .where(whole.op("MATCH")(match))
            .subquery("search")
        )
    matches, score = _tsv_match(entity, terms)
    if last is not None:
        score = case((doc.id <= last, score), else_=literal_column("0.0", Double))
    scored = [score.label("rank")] if ranked else []
    return select(doc.record_id, *scored).where(*matches).subquery("search")


def rank_window_end(session: Session, entity: str, q: str) -> int | None:
    """The document id of the last match scored for relevance, or None when every match
    is (there are at most RANK_WINDOW). Reading it walks at most RANK_WINDOW matches."""
    if session.get_bind().dialect.name == "sqlite":
        fts, whole, match, _ = _fts(entity, q, False)
        stmt = select(fts.c.rowid).where(whole.op("MATCH")(match)).order_by(fts.c.rowid)
    else:
        doc = SearchDocument
        matches, _ = _tsv_match(entity, query_terms(q))
        stmt = select(doc.id).where(*matches).order_by(doc.id)
    found: int | None = session.scalar(stmt.offset(RANK_WINDOW - 1).limit(1))
    return found


def _tsv_match(
    entity: str, terms: list[Term]
) -> tuple[list[ColumnElement[bool]], ColumnElement[Any]]:
    """PostgreSQL: the conditions for the entity's documents matching `terms` on their
    stored tsvector (migration 0008), and the score that orders them (lower is better).
    The model does not map the column, since SQLite has none; it is named with its table,
    so it stays unambiguous in a join."""
    vector = literal_column(f"{SearchDocument.__tablename__}.{TSV_COLUMN}", TSVECTOR)
    config: ColumnElement[Any] = literal_column("'simple'::regconfig")
    query = func.to_tsquery(config, tsquery(terms))
    # ts_rank is a real; as a double it survives the trip through a cursor exactly.
    score: ColumnElement[Any] = cast(-func.ts_rank(vector, query), Double)
    return [vector.op("@@")(query), SearchDocument.entity == entity], score


def fts_matches(
    entity: str,
    q: str,
    *,
    ranked: bool,
    after: int | None = None,
    upto: int | None = None,
    dialect: str = "sqlite",
) -> Select[Any]:
    """(doc, rank) of the entity's search documents matching `q`, `doc` being the
    document's id, from the full-text index alone: no join per match. `after` and `upto`
    bound the document ids, which FTS5 seeks to rather than filters. On PostgreSQL, the
    documents' stored tsvector, ranked as `search_subquery` ranks them."""
    if dialect == "sqlite":
        fts, whole, match, rank = _fts(entity, q, ranked)
        doc_id: ColumnElement[int] = fts.c.rowid
        stmt = select(doc_id.label("doc"), *rank).where(whole.op("MATCH")(match))
    else:
        terms = query_terms(q)
        if not terms:
            raise invalid_param("q", NOTHING_SEARCHABLE)
        matches, score = _tsv_match(entity, terms)
        doc_id = SearchDocument.id.expression
        scored = [score.label("rank")] if ranked else []
        stmt = select(doc_id.label("doc"), *scored).where(*matches)
    if after is not None:
        stmt = stmt.where(doc_id > after)
    if upto is not None:
        stmt = stmt.where(doc_id <= upto)
    return stmt


def _fts(entity: str, q: str, ranked: bool) -> tuple[Any, ColumnElement[Any], str, list[Any]]:
    """The entity's FTS5 table, itself as a column (FTS5 matches and ranks on the table),
    the MATCH string and, when ranked, the bm25 column."""
    terms = query_terms(q)
    if not terms:
        raise invalid_param("q", NOTHING_SEARCHABLE)
    name = fts_table(entity)
    whole: ColumnElement[Any] = literal_column(name)
    rank = [_bm25(whole).label("rank")] if ranked else []
    return table(name, column("rowid")), whole, fts5_query(terms), rank


# bm25's weight of a match in the names column against one in the rest: a name match
# ranks first (PostgreSQL gives the names weight A, the rest D: 1.0 against 0.1).
NAME_WEIGHT = 10.0


def _bm25(whole: ColumnElement[Any]) -> ColumnElement[Any]:
    return func.bm25(whole, NAME_WEIGHT, 1.0, type_=Double)
