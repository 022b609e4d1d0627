"""Search designs on SQLite, measured on a bench database: what a page of `q=` costs today
and under the alternatives issue 12 names, single client, p50 of repeated runs.

    python bench/search_alternatives.py var/bench/registry-100000.db

It works on a copy (`<db>.search.db`) to which it adds a programs-only FTS5 table, and
times only the full-text part of the request (the page's ids, and the total):

- today: the shared FTS table, the `entity` phrase ANDed in, bm25 for every match, the best 51;
- per-entity: a table of programs' documents only, bm25 for every match, the best 51;
- per-entity, first 51 in rowid order: no scoring, stops after the page;
- per-entity, bm25 over the first N matches only: scoring bounded by N;
- the total: counting the matches, with no scoring.
"""

from __future__ import annotations

import argparse
import shutil
import sqlite3
import statistics
import time
from pathlib import Path

from registry.search import fts5_query, query_terms

TERMS = {
    "留守 (~30%)": "留守",
    "teacher (~35%)": "teacher",
    "正念 (~3%)": "正念",
    "马术 (rare)": "马术",
}
PAGE = 51
BOUNDS = (1_000, 5_000)


def prepare(db: Path) -> Path:
    copy = db.with_suffix(".search.db")
    if not copy.exists():
        shutil.copy(db, copy)
        with sqlite3.connect(copy) as conn:
            conn.execute(
                "CREATE VIRTUAL TABLE program_fts USING fts5(tokens, content='search_documents',"
                " content_rowid='id')"
            )
            conn.execute(
                "INSERT INTO program_fts(rowid, tokens) SELECT id, tokens FROM search_documents"
                " WHERE entity = 'program'"
            )
    return copy


def timed(
    conn: sqlite3.Connection, sql: str, params: tuple[object, ...], runs: int
) -> tuple[float, int]:
    times, found = [], 0
    for _ in range(runs):
        started = time.perf_counter()
        found = len(conn.execute(sql, params).fetchall())
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("db", type=Path)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    conn = sqlite3.connect(prepare(args.db))
    total = conn.execute("SELECT count(*) FROM programs").fetchone()[0]
    print(f"{total:,} programs; p50 of {args.runs} runs, ms")
    variants = {
        "today: shared table + entity phrase, bm25 all": (
            "SELECT rowid FROM search_fts WHERE search_fts MATCH ?"
            " ORDER BY bm25(search_fts, 0.0, 1.0) LIMIT ?",
            lambda m: (f'entity : "program" AND tokens : ({m})', PAGE),
        ),
        "per-entity table, bm25 all": (
            "SELECT rowid FROM program_fts WHERE program_fts MATCH ? ORDER BY rank LIMIT ?",
            lambda m: (m, PAGE),
        ),
        "per-entity, first 51 by rowid, unscored": (
            "SELECT rowid FROM program_fts WHERE program_fts MATCH ? LIMIT ?",
            lambda m: (m, PAGE),
        ),
        **{
            f"per-entity, bm25 over the first {n:,}": (
                "SELECT rowid FROM (SELECT rowid, rank FROM program_fts WHERE program_fts MATCH ?"
                " LIMIT ?) ORDER BY rank LIMIT ?",
                lambda m, n=n: (m, n, PAGE),
            )
            for n in BOUNDS
        },
        "total: count matches, shared table + entity": (
            "SELECT rowid FROM search_fts WHERE search_fts MATCH ?",
            lambda m: (f'entity : "program" AND tokens : ({m})',),
        ),
        "total: count matches, per-entity": (
            "SELECT rowid FROM program_fts WHERE program_fts MATCH ?",
            lambda m: (m,),
        ),
    }
    header = ["variant", *TERMS]
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for name, (sql, params) in variants.items():
        cells = []
        for q in TERMS.values():
            match = fts5_query(query_terms(q))
            ms, found = timed(conn, sql, params(match), args.runs)
            cells.append(f"{ms:,.1f} ({found:,})")
        print(f"| {name} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
