"""Bulk load against the database's own floor: `registry import` of N programs, then the
same rows written by the database alone into a fresh copy of the database it started from
(no validation, no parsing), side by side in one run.

    .venv/bin/python bench/bulk_floor.py 20000 [--rounds 2]
    .venv/bin/python bench/bulk_floor.py 20000 --postgres postgresql://postgres@127.0.0.1:5432

SQLite's floor is INSERT … SELECT from the imported file. PostgreSQL's is one transaction of
binary COPYs of the imported rows, read out beforehand into memory, so it counts the server's
own work for them: the stored tsvector and its GIN index, the B-trees, the foreign-key
checks and the WAL. The floor writes exactly what the import wrote (records, links,
partners, search documents with their full-text index, history), so the ratio says how much
of the load is the database's own writing and how much is the registry's work around it.
The PostgreSQL mode uses databases named `bulk_floor_*` and drops them at its end.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import psycopg

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
sys.path.insert(0, str(ROOT / "bench"))

from generate import generate  # noqa: E402


def registry(db: Path | str, *args: object) -> None:
    url = db if isinstance(db, str) else f"sqlite:///{db}"
    env = {**os.environ, "REGISTRY_DATABASE_URL": url}
    subprocess.run([BIN / "registry", *map(str, args)], env=env, check=True, capture_output=True)


def copy(source: Path, target: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    # A checkpointed copy: the WAL folded into the file first.
    with sqlite3.connect(source) as con:
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    shutil.copy(source, target)


def floor(base: Path, imported: Path, target: Path) -> float:
    """Seconds for SQLite to copy the import's new rows into a copy of `base`."""
    copy(base, target)
    con = sqlite3.connect(target, isolation_level=None)
    con.execute("PRAGMA foreign_keys=ON")
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=NORMAL")
    con.execute("PRAGMA cache_size=-262144")  # as `registry import` sets it
    con.execute("ATTACH ? AS done", (str(imported),))
    start = time.perf_counter()
    con.execute("BEGIN IMMEDIATE")
    # The import's own FTS5 step, one statement at the end, as `deferred_search_index` does.
    con.execute("DROP TRIGGER search_documents_ai_program")
    since = con.execute("SELECT coalesce(max(id), 0) FROM search_documents").fetchone()[0]
    changes = con.execute("SELECT coalesce(max(id), 0) FROM changes").fetchone()[0]
    con.execute(
        "CREATE TEMP TABLE new AS SELECT id FROM done.programs "
        "WHERE id NOT IN (SELECT id FROM main.programs)"
    )
    for table, where in [
        ("programs", "id IN (SELECT id FROM new)"),
        ("program_terms", "program_id IN (SELECT id FROM new)"),
        ("program_partners", "program_id IN (SELECT id FROM new)"),
        ("search_documents", f"id > {since}"),
        ("changes", f"id > {changes}"),
    ]:
        con.execute(f"INSERT INTO main.{table} SELECT * FROM done.{table} WHERE {where}")
    con.execute(
        "INSERT INTO search_fts_program(rowid, names, tokens) SELECT id, names, tokens"
        " FROM search_documents WHERE id > ? AND +entity = 'program' ORDER BY id",
        (since,),
    )
    con.execute("COMMIT")
    elapsed = time.perf_counter() - start
    con.close()
    return elapsed


# What the import of programs writes on PostgreSQL, per table: the columns it fills (the
# rest are generated: `programs.rowid`, `search_documents.tsv`, the ids from sequences) and
# which of the imported database's rows are new.
PG_TABLES = [
    ("programs", "*", "id IN (SELECT id FROM new)"),
    ("program_terms", "*", "program_id IN (SELECT id FROM new)"),
    ("program_partners", "*", "program_id IN (SELECT id FROM new)"),
    ("search_documents", "entity, record_id, names, tokens", "record_id IN (SELECT id FROM new)"),
    ("changes", "entity, record_id, action, version, actor, at, changes", "id > {changes}"),
]


def pg_columns(con: psycopg.Connection[Any], table: str, wanted: str) -> str:
    if wanted != "*":
        return wanted
    names = con.execute(
        "SELECT attname FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0 "
        "AND NOT attisdropped AND attidentity = '' AND attgenerated = '' ORDER BY attnum",
        (table,),
    ).fetchall()
    return ", ".join(f'"{n}"' for (n,) in names)


def pg_floor(server: str, base: str, imported: str) -> dict[str, float]:
    """Seconds for PostgreSQL to COPY the import's new rows into a copy of `base`, per step."""
    with psycopg.connect(f"{server}/{base}") as con:
        (since,) = con.execute("SELECT coalesce(max(id), 0) FROM changes").fetchall()[0]
    data: list[tuple[str, str, bytes]] = []
    with psycopg.connect(f"{server}/{imported}") as con:
        # The new programs: those the import's history entries created.
        con.execute(
            "CREATE TEMP TABLE new AS SELECT record_id AS id FROM changes "
            "WHERE id > %s AND entity = 'program' AND action = 'create'",
            (since,),
        )
        for table, wanted, where in PG_TABLES:
            columns = pg_columns(con, table, wanted)
            condition = where.format(changes=since)
            query = f"COPY (SELECT {columns} FROM {table} WHERE {condition} ORDER BY 1) TO STDOUT"
            with con.cursor().copy(f"{query} (FORMAT binary)") as copy:
                data.append((table, columns, b"".join(bytes(block) for block in copy)))
    target = "bulk_floor_target"
    pg_database(server, target, base)
    steps: dict[str, float] = {}
    with psycopg.connect(f"{server}/{target}") as con:
        start = time.perf_counter()
        for table, columns, rows in data:
            began = time.perf_counter()
            with con.cursor().copy(f"COPY {table} ({columns}) FROM STDIN (FORMAT binary)") as copy:
                copy.write(rows)
            steps[table] = time.perf_counter() - began
        began = time.perf_counter()
        con.commit()
        steps["commit"] = time.perf_counter() - began
        steps["total"] = time.perf_counter() - start
        # The import's last step: fresh statistics for the tables it wrote.
        con.autocommit = True
        began = time.perf_counter()
        con.execute(f"ANALYZE {', '.join(table for table, _, _ in PG_TABLES)}")
        steps["analyze"] = time.perf_counter() - began
    pg_drop(server, target)
    return steps


def pg_database(server: str, name: str, template: str | None = None) -> None:
    pg_drop(server, name)
    with psycopg.connect(f"{server}/postgres", autocommit=True) as con:
        con.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))


def pg_drop(server: str, name: str) -> None:
    with psycopg.connect(f"{server}/postgres", autocommit=True) as con:
        con.execute(f'DROP DATABASE IF EXISTS "{name}"')


def main_postgres(server: str, size: int, rounds: int, work: Path) -> None:
    orgs, programs = generate(size, work / "data")
    url = server.replace("postgresql://", "postgresql+psycopg://", 1)
    base = "bulk_floor_base"
    pg_database(server, base)
    try:
        registry(f"{url}/{base}", "db", "upgrade")
        registry(f"{url}/{base}", "seed")
        registry(f"{url}/{base}", "import", orgs)
        print(f"{size:,} programs; each round: the registry, then PostgreSQL's floor")
        for round_ in range(1, rounds + 1):
            imported = "bulk_floor_imported"
            pg_database(server, imported, base)
            start = time.perf_counter()
            registry(f"{url}/{imported}", "import", programs)
            ours = time.perf_counter() - start
            steps = pg_floor(server, base, imported)
            pg_drop(server, imported)
            theirs = steps["total"]
            detail = ", ".join(f"{k} {v:.2f}" for k, v in steps.items() if k != "total")
            print(
                f"round {round_}: registry {ours:.2f} s ({size / ours:,.0f}/s), "
                f"floor {theirs:.2f} s ({size / theirs:,.0f}/s; {detail}), "
                f"registry ÷ floor {theirs / ours:.2f}×",
                flush=True,
            )
    finally:
        for name in (base, "bulk_floor_imported", "bulk_floor_target"):
            pg_drop(server, name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("programs", type=int)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--postgres", help="a PostgreSQL server's URL, without the database")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        if args.postgres:
            main_postgres(args.postgres.rstrip("/"), args.programs, args.rounds, work)
            return
        orgs, programs = generate(args.programs, work / "data")
        base = work / "base.db"
        registry(base, "db", "upgrade")
        registry(base, "seed")
        registry(base, "import", orgs)
        print(f"{args.programs:,} programs; each round: the registry, then SQLite's floor")
        for round_ in range(1, args.rounds + 1):
            imported = work / "imported.db"
            copy(base, imported)
            start = time.perf_counter()
            registry(imported, "import", programs)
            ours = time.perf_counter() - start
            theirs = floor(base, imported, work / "floor.db")
            print(
                f"round {round_}: registry {ours:.2f} s ({args.programs / ours:,.0f}/s), "
                f"floor {theirs:.2f} s ({args.programs / theirs:,.0f}/s), "
                f"registry ÷ floor {theirs / ours:.2f}×",
                flush=True,
            )


if __name__ == "__main__":
    main()
