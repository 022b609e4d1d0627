"""Full-text matching in SQL: FTS5 on SQLite, a GIN-indexed tsvector match on PostgreSQL,
both over the tokens `registry.search` writes."""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    ColumnElement,
    Double,
    Select,
    cast,
    column,
    func,
    literal_column,
    select,
    table,
)
from sqlalchemy.orm import Session
from sqlalchemy.sql import Subquery

from registry.errors import invalid_param
from registry.models import SearchDocument
from registry.models.search import FTS_TABLE
from registry.search import NOTHING_SEARCHABLE, fts5_query, query_terms, tsquery


def search_subquery(session: Session, entity: str, q: str, *, ranked: bool = True) -> Subquery:
    """(record_id, rank) of the records matching `q`; lower rank is more relevant.

    Unranked, it is (record_id) alone: matching without scoring every match.

    `entity` is an Entity.search_key. On SQLite the entity is matched inside the FTS query
    only, so the planner drives the join from the full-text index outwards.
    """
    terms = query_terms(q)
    if not terms:
        raise invalid_param("q", NOTHING_SEARCHABLE)
    doc = SearchDocument
    if session.get_bind().dialect.name == "sqlite":
        fts, whole, match, rank = _fts(entity, q, ranked)
        return (
            select(doc.record_id, *rank)
            .select_from(fts)
            .join(doc, doc.id == fts.c.rowid)
            .where(whole.op("MATCH")(match))
            .subquery("search")
        )
    config: ColumnElement[Any] = literal_column("'simple'::regconfig")
    vector = func.to_tsvector(config, doc.tokens)
    query = func.to_tsquery(config, tsquery(terms))
    # ts_rank is a real; as a double it survives the trip through a cursor exactly.
    scored = [cast(-func.ts_rank(vector, query), Double).label("rank")] if ranked else []
    return (
        select(doc.record_id, *scored)
        .where(vector.op("@@")(query), doc.entity == entity)
        .subquery("search")
    )


def fts_matches(entity: str, q: str, *, ranked: bool) -> Select[Any]:
    """SQLite: (doc, rank) of the search documents matching `q`, `doc` being the document's
    id, from the FTS5 table alone: no join per match."""
    fts, whole, match, rank = _fts(entity, q, ranked)
    return select(fts.c.rowid.label("doc"), *rank).where(whole.op("MATCH")(match))


def _fts(entity: str, q: str, ranked: bool) -> tuple[Any, ColumnElement[Any], str, list[Any]]:
    """The FTS5 table, itself as a column (FTS5 matches and ranks on the table), the MATCH
    string and, when ranked, the bm25 column."""
    terms = query_terms(q)
    if not terms:
        raise invalid_param("q", NOTHING_SEARCHABLE)
    whole: ColumnElement[Any] = literal_column(FTS_TABLE)
    match = f'entity : "{entity}" AND tokens : ({fts5_query(terms)})'
    rank = [func.bm25(whole, 0.0, 1.0, type_=Double).label("rank")] if ranked else []
    return table(FTS_TABLE, column("rowid")), whole, match, rank
