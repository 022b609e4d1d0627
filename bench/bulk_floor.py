"""Bulk load against SQLite's own floor: `registry import` of N programs, then the same rows
copied by SQLite alone (INSERT … SELECT from the imported file into a fresh copy of the
database it started from: no Python, no validation, no parsing), side by side in one run.

    .venv/bin/python bench/bulk_floor.py 20000 [--rounds 2]

The floor writes exactly what the import wrote (records, links, partners, search documents
with their FTS5 index, history), so the ratio says how much of the load is the database's
own writing and how much is the registry's work around it.
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

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
sys.path.insert(0, str(ROOT / "bench"))

from generate import generate  # noqa: E402


def registry(db: Path, *args: object) -> None:
    env = {**os.environ, "REGISTRY_DATABASE_URL": f"sqlite:///{db}"}
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
        "INSERT INTO search_fts_program(rowid, tokens) "
        "SELECT id, tokens FROM search_documents WHERE id > ? AND +entity = 'program' ORDER BY id",
        (since,),
    )
    con.execute("COMMIT")
    elapsed = time.perf_counter() - start
    con.close()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("programs", type=int)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
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
