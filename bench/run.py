"""The benchmark: the registry beside Datasette on one SQLite file, and on PostgreSQL.

For each size it generates a synthetic registry (bench/generate.py) and loads it with
`registry import`, timing the load. It then starts each server as a user would
(`registry serve`, which is uvicorn, and `datasette serve`), checks that both give the
same answers, and drives each request with wrk on loopback: throughput, p50 and p99
latency, and each server process's peak resident memory. At the largest size it also
records the query plan of every list, search and facet statement, and it streams the
whole table as CSV to show that memory stays flat. The tables land in
docs/performance.md between the bench markers; the raw numbers in var/bench/results.json.

    make bench                                   # 10k, 100k and 1M programs
    BENCH_SIZES=10000,100000 make bench          # smaller
    .venv/bin/python bench/run.py --help
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
from generate import generate  # noqa: E402

BIN = Path(sys.executable).parent
WORK = ROOT / "var" / "bench"
DOC = ROOT / "docs" / "performance.md"
PG_URL = os.environ.get(
    "REGISTRY_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)

# The filtered list: a link-table field and a column, both plain filters in Datasette
# too. Broad on purpose: at 10k programs it still has a page at offset 5,000.
LIST_FILTER = {"setting": "family", "interviewed": "false"}
# Each in a known share of programs (bench/generate.py): about a third, about 3%, a handful.
SEARCHES = {
    "search 留守 (~30%)": "留守",
    "search teacher (~35%)": "teacher",
    "search 正念 (~3%)": "正念",
    "search mindfulness (~3%)": "mindfulness",
    "search 马术 (rare)": "马术",
}
FACETS = ["target_group", "intervention_type", "setting"]
# Above this Datasette's exact count takes seconds per request, and paging to row 5,000
# through `_next` (a hundred such requests) would take most of an hour: it answers only
# details there.
DATASETTE_MAX = 100_000


def sh(*args: str | Path, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        [str(a) for a in args],
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode:
        raise SystemExit(f"{' '.join(map(str, args))} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def load(url: str, data: Path) -> list[dict[str, Any]]:
    """Migrate, seed, then import the generated files; the import is what is timed."""
    env = {"REGISTRY_DATABASE_URL": url}
    sh(BIN / "registry", "db", "upgrade", env=env)
    sh(BIN / "registry", "seed", env=env)
    loads = []
    for entity in ("organizations", "programs"):
        started = time.perf_counter()
        out = sh(BIN / "registry", "import", data / f"{entity}.ndjson", env=env)
        seconds = time.perf_counter() - started
        rows = int(re.search(r"created (\d+)", out).group(1))  # type: ignore[union-attr]
        loads.append({"entity": entity, "rows": rows, "seconds": round(seconds, 1)})
        print(f"    {rows:,} {entity} in {seconds:.1f} s ({rows / seconds:,.0f}/s)", flush=True)
    return loads


def dataset(size: int) -> Path:
    data = WORK / f"data-{size}"
    if not (data / "programs.ndjson").exists():
        print(f"  generating {size:,} programs", flush=True)
        generate(size, data)
    return data


def sqlite_db(size: int, rebuild: bool, results: dict[str, Any]) -> Path:
    db = WORK / f"registry-{size}.db"
    key = f"sqlite-{size}"
    if db.exists() and not rebuild and key in results["loads"]:
        print(f"  reusing {db.name} (loaded {results['loads'][key]['at']})", flush=True)
        return db
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    shutil.rmtree(f"{db}.index", ignore_errors=True)
    print(f"  loading {size:,} programs into SQLite", flush=True)
    loads = load(f"sqlite:///{db}", dataset(size))
    with sqlite3.connect(db) as conn:
        # One checkpointed file with planner statistics, read by both servers.
        conn.execute("ANALYZE")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    results["loads"][key] = {"at": time.strftime("%Y-%m-%d %H:%M"), "steps": loads}
    return db


def postgres_db(size: int, rebuild: bool, results: dict[str, Any]) -> str:
    import psycopg
    from sqlalchemy.engine import make_url

    admin = make_url(PG_URL)
    name = f"registry_bench_{size}"
    url = admin.set(database=name).render_as_string(hide_password=False)
    libpq = admin.set(drivername="postgresql")
    key = f"postgresql-{size}"
    with psycopg.connect(libpq.render_as_string(hide_password=False), autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and not rebuild and key in results["loads"]:
            print(f"  reusing PostgreSQL database {name}", flush=True)
            return url
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {name}")
    print(f"  loading {size:,} programs into PostgreSQL", flush=True)
    loads = load(url, dataset(size))
    target = libpq.set(database=name).render_as_string(hide_password=False)
    with psycopg.connect(target, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    results["loads"][key] = {"at": time.strftime("%Y-%m-%d %H:%M"), "steps": loads}
    return url


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def server(argv: list[str], port: int, env: dict[str, str]) -> Iterator[int]:
    proc = subprocess.Popen(
        argv,
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                httpx.get(f"http://127.0.0.1:{port}/", timeout=5)
                break
            except httpx.TransportError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(f"{argv[0]} did not start") from None
                time.sleep(0.3)
        yield proc.pid
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=60)


def processes(pid: int) -> list[int]:
    """The process and its descendants (uvicorn's workers)."""
    found = [pid]
    children = Path(f"/proc/{pid}/task/{pid}/children")
    if children.exists():
        for child in children.read_text().split():
            found += processes(int(child))
    return found


def peak_rss_mb(pid: int) -> dict[int, float]:
    """Each process's VmHWM, the kernel's high-water mark of resident memory, in MB."""
    peaks = {}
    for p in processes(pid):
        try:
            status = Path(f"/proc/{p}/status").read_text()
        except FileNotFoundError:
            continue
        match = re.search(r"VmHWM:\s+(\d+) kB", status)
        if match:
            peaks[p] = int(match.group(1)) / 1024
    return peaks


def wait_for_index(base: str, workers: int) -> None:
    """Until every worker reports its match index built (either backend: until then lists,
    facets and searches are answered in SQL, and a 1M build takes half a minute)."""
    deadline = time.monotonic() + 900
    ready = 0
    while ready < 4 * workers and time.monotonic() < deadline:
        shown = httpx.get(f"{base}/healthz", timeout=30).json().get("match_indexes", {})
        ready = ready + 1 if all(v is not None for v in shown.values()) else 0
        time.sleep(0.5 if ready else 2)


def startup(db: Path, size: int) -> list[dict[str, Any]]:
    """Seconds from `registry serve` to its first answer and to its match index being
    current, and its resident memory then: once built from the database (no saved index
    files) and once loaded from the files the first start saved."""
    found = []
    for how in ("built from the database", "loaded from its saved file"):
        if how.startswith("built"):
            shutil.rmtree(f"{db}.index", ignore_errors=True)
        port = free_port()
        argv = [str(BIN / "registry"), "serve", "--workers", "1", "--port", str(port)]
        started = time.monotonic()
        with server(argv, port, {"REGISTRY_DATABASE_URL": f"sqlite:///{db}"}) as pid:
            answering = time.monotonic() - started
            base = f"http://127.0.0.1:{port}"
            while None in httpx.get(f"{base}/healthz", timeout=60).json()["match_indexes"].values():
                time.sleep(0.05)
            ready = time.monotonic() - started
            rss = sum(rss_now_mb(p) for p in processes(pid))
        found.append(
            {
                "size": size,
                "index": how,
                "answering_s": round(answering, 2),
                "index_ready_s": round(ready, 2),
                "rss_mb": round(rss),
            }
        )
        print(f"  start-up, index {how}: {found[-1]}", flush=True)
    return found


LUA = """
local paths = {}
for line in io.lines("%s") do paths[#paths + 1] = line end
local i = 0
request = function()
  i = i %% #paths + 1
  return wrk.format("GET", paths[i])
end
"""


@dataclass
class Measure:
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int
    note: str = ""


def wrk(base: str, paths: list[str], seconds: int, connections: int) -> Measure:
    listing = WORK / "paths.txt"
    script = WORK / "paths.lua"
    listing.write_text("\n".join(paths) + "\n")
    script.write_text(LUA % listing)
    out = sh(
        "wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--timeout", "60s", "--latency",
        "-s", script, base,
    )  # fmt: skip
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p50 = _ms(re.search(r"50%\s+([\d.]+\w+)", out).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"99%\s+([\d.]+\w+)", out).group(1))  # type: ignore[union-attr]
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    errors = (int(bad.group(1)) if bad else 0) + (sum(map(int, sock.groups())) if sock else 0)
    return Measure(round(rps, 1), round(p50, 2), round(p99, 2), errors)


def _ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(\w+)", text).groups()  # type: ignore[union-attr]
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def sample(db: Path, n: int = 20_000) -> tuple[list[str], list[str], dict[str, str]]:
    """Random programs (ids as stored, 32 hex digits, and slugs) and the filter's term id."""
    rng = random.Random(5)
    with sqlite3.connect(db) as conn:
        top = conn.execute("SELECT max(rowid) FROM programs").fetchone()[0]
        rows = [
            row
            for _ in range(n)
            if (row := conn.execute(
                "SELECT id, slug FROM programs WHERE rowid >= ? LIMIT 1", (rng.randint(1, top),)
            ).fetchone())
        ]  # fmt: skip
        term = conn.execute(
            "SELECT t.id FROM vocabulary_terms t JOIN vocabularies v ON v.id = t.vocabulary_id"
            " WHERE v.name = 'setting' AND t.code = ?",
            (LIST_FILTER["setting"],),
        ).fetchone()[0]
    return [r[0] for r in rows], [r[1] for r in rows], {"setting": term}


def postgres_ids(url: str, slugs: list[str]) -> list[str]:
    """The same programs' ids in PostgreSQL, where the import gave them ids of their own."""
    import psycopg
    from sqlalchemy.engine import make_url

    conninfo = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(conninfo) as conn:
        found = dict(
            conn.execute("SELECT slug, id FROM programs WHERE slug = ANY(%s)", [slugs]).fetchall()
        )
    return [found[s].hex for s in slugs]


def registry_paths(base: str, ids: list[str]) -> dict[str, list[str]]:
    query = "&".join(f"{k}={v}" for k, v in LIST_FILTER.items())
    listing = f"/api/v1/programs?{query}&limit=50"
    deep = httpx.get(f"{base}{listing}&offset=4950&count=none", timeout=300).json()
    cursor = deep["next"].split("cursor=")[1] if deep.get("next") else None
    facets = "&".join(f"facet={f}" for f in FACETS)
    return {
        "detail by id": [f"/api/v1/programs/{uuid.UUID(i)}" for i in ids],
        "filtered list, exact total": [listing],
        "same list, offset 5,000": [f"{listing}&offset=5000"],
        "same list, cursor at 5,000": [f"{listing}&cursor={cursor}"] if cursor else [],
        **{name: [f"/api/v1/programs?q={quote(term)}&limit=50"] for name, term in SEARCHES.items()},
        "facets on 3 fields": [f"/api/v1/programs/facets?{query}&{facets}"],
    }


def datasette_paths(
    db: Path, ids: list[str], terms: dict[str, str], size: int
) -> dict[str, list[str]]:
    """The same questions through Datasette's table API, where it has an equivalent."""
    table = f"/{db.stem}/programs"
    if size > DATASETTE_MAX:
        return {"detail by id": [f"{table}/{i}.json" for i in ids]}
    through = json.dumps(
        {"table": "program_terms", "column": "term_id", "value": terms["setting"]},
        separators=(",", ":"),
    )
    # Datasette numbers every filter's parameter from p0, so a column filter beside
    # _through overwrites the term id; _where says the same thing without a parameter.
    listing = (
        f"{table}.json?_through={quote(through)}&_where={quote('interviewed = 0')}"
        f"&_where={quote('deleted_at IS NULL')}&_sort=name_zh_sort&_size=50"
    )
    deep = httpx.get(f"{_DATASETTE}{listing}", timeout=300).json()
    # Datasette pages by keyset only; walk to row 5,000 the way a client would.
    for _ in range(99):
        if not deep.get("next"):
            break
        deep = httpx.get(f"{_DATASETTE}{listing}&_next={quote(deep['next'])}", timeout=300).json()
    cursor = deep.get("next")
    return {
        "detail by id": [f"{table}/{i}.json" for i in ids],
        "filtered list, exact total": [listing],
        "same list, cursor at 5,000": [f"{listing}&_next={quote(cursor)}"] if cursor else [],
        "facets on 3 fields": [
            f"{listing}&_facet=intervention_type_id&_facet=established_year&_facet=interviewed"
        ],
    }


_DATASETTE = ""


def first_page(base: str, path: str) -> tuple[int, list[str]]:
    body = httpx.get(base + path, timeout=300).json()
    return body["total"], [p["name_zh"] for p in body["items"]]


def check_same(expected: tuple[int, list[str]], datasette: str, path: str) -> None:
    """Datasette must count the same total and list the same names in the same order.

    Names, not ids: each breaks ties between equal names its own way (id or rowid). And
    Datasette sorts programs without a Chinese name first, the registry last.
    """
    body = httpx.get(datasette + path, timeout=300).json()
    names = [n for row in body["rows"] if (n := row[body["columns"].index("name_zh")])]
    total, ours = expected
    if body["filtered_table_rows_count"] != total or names != ours[: len(names)]:
        raise SystemExit(f"the servers disagree: {expected} vs {body}")


def plans(url: str, paths: dict[str, list[str]]) -> dict[str, list[str]]:
    """Every statement a request runs, with the database's plan for it (in-process)."""
    from fastapi.testclient import TestClient
    from sqlalchemy import event

    from registry.api.app import create_app
    from registry.config import Settings

    app = create_app(Settings(database_url=url, environment="production"))
    out: dict[str, list[str]] = {}
    seen: list[tuple[str, Any]] = []

    def record(conn: Any, cursor: Any, statement: str, params: Any, *_: Any) -> None:
        if not statement.startswith(("EXPLAIN", "BEGIN", "COMMIT", "ROLLBACK")):
            seen.append((statement, params))

    with TestClient(app) as client:
        engine = app.state.engine
        while None in client.get("/healthz").json()["match_indexes"].values():
            time.sleep(1)  # the SQLite match index is still being built
        for name, urls in paths.items():
            if not urls or name == "detail by id":
                continue
            client.get(urls[0])
            seen.clear()
            event.listen(engine, "before_cursor_execute", record)
            client.get(urls[0])
            event.remove(engine, "before_cursor_execute", record)
            lines: list[str] = []
            with engine.connect() as conn:
                for statement, params in seen:
                    if "vocabulary_terms" in statement and "program_terms" not in statement:
                        continue  # the per-page label lookups
                    prefix = (
                        "EXPLAIN QUERY PLAN " if engine.dialect.name == "sqlite" else "EXPLAIN "
                    )
                    plan = conn.exec_driver_sql(prefix + statement, params).all()
                    lines.append(" ".join(statement.split())[:240])
                    lines += [
                        f"    {row[-1] if engine.dialect.name == 'sqlite' else row[0]}"
                        for row in plan
                    ]
            out[name] = lines
    return out


def rss_now_mb(pid: int) -> float:
    total = 0
    for p in processes(pid):
        try:
            status = Path(f"/proc/{p}/status").read_text()
        except FileNotFoundError:
            continue
        found = re.search(r"VmRSS:\s+(\d+) kB", status)
        total += int(found.group(1)) if found else 0
    return round(total / 1024)


def export(base: str, path: str, pid: int) -> dict[str, Any]:
    """Stream a whole CSV export, sampling the server's resident memory as rows arrive."""
    drain(pid)
    before = sum(peak_rss_mb(pid).values())
    started = time.perf_counter()
    rows, size, samples = 0, 0, [rss_now_mb(pid)]
    with httpx.stream("GET", base + path, timeout=3600) as response:
        response.raise_for_status()
        for chunk in response.iter_bytes():
            size += len(chunk)
            newlines = chunk.count(b"\n")
            if (rows + newlines) // 100_000 > rows // 100_000:
                samples.append(rss_now_mb(pid))
            rows += newlines
    seconds = time.perf_counter() - started
    return {
        "rows": rows - 1,
        "seconds": round(seconds, 1),
        "mb": round(size / 1e6, 1),
        "rss_before_mb": round(before),
        "rss_after_mb": round(sum(peak_rss_mb(pid).values())),
        "rss_during_mb": samples,
    }


def cpu_seconds(pid: int) -> float:
    total = 0.0
    for p in processes(pid):
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def drain(pid: int) -> None:
    """Wait until the server is idle: a finished wrk run can leave requests still running."""
    deadline = time.monotonic() + 900
    while time.monotonic() < deadline:
        before = cpu_seconds(pid)
        time.sleep(1)
        if cpu_seconds(pid) - before < 0.05:
            return


def sequential(base: str, path: str | list[str], times: int = 3) -> Measure:
    """One request at a time, wall-clock latency: for requests too slow for wrk's window,
    and for the single-client p50 (cycling through `path` when it is a list)."""
    took = []
    paths = [path] if isinstance(path, str) else path
    with httpx.Client(base_url=base, timeout=3600) as client:
        for i in range(times):
            started = time.perf_counter()
            client.get(paths[i % len(paths)]).raise_for_status()
            took.append((time.perf_counter() - started) * 1000)
    took.sort()
    return Measure(round(1000 / took[len(took) // 2], 2), round(took[len(took) // 2], 2),
                   round(took[-1], 2), 0)  # fmt: skip


def machine() -> dict[str, str]:
    cpuinfo = Path("/proc/cpuinfo").read_text().splitlines()
    cpu = next((ln.split(":", 1)[1].strip() for ln in cpuinfo if ln.startswith("model name")), "?")
    meminfo = Path("/proc/meminfo").read_text()
    mem = int(re.search(r"MemTotal:\s+(\d+)", meminfo).group(1))  # type: ignore[union-attr]
    return {
        "cpu": f"{cpu}, {os.cpu_count()} cores",
        "memory": f"{mem / 1024 / 1024:.0f} GiB",
        "os": platform.platform(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "postgresql": sh("psql", "--version").strip(),
        "datasette": sh(BIN / "datasette", "--version").strip(),
    }


@dataclass
class Server:
    label: str
    argv: list[str]
    env: dict[str, str]


def servers(db: Path, pg: str | None, workers: list[int], size: int) -> list[Server]:
    def registry(count: int) -> list[str]:
        return [str(BIN / "registry"), "serve", "--workers", str(count)]

    floor = [sys.executable, str(ROOT / "bench" / "floor.py")]
    datasette = [str(BIN / "datasette"), "serve", str(db)]
    # Facet suggestions off (the registry computes none); time limits raised so that
    # Datasette answers every request instead of giving up on the count.
    for setting, value in (
        ("suggest_facets", "off"),
        ("sql_time_limit_ms", "60000"),
        ("facet_time_limit_ms", "60000"),
    ):
        datasette += ["--setting", setting, value]
    sqlite_env = {"REGISTRY_DATABASE_URL": f"sqlite:///{db}"}
    found = [Server(_label("registry", n), registry(n), sqlite_env) for n in workers]
    found.append(Server("floor", [*floor, f"sqlite:///{db}"], {}))
    found.append(Server("datasette", datasette, {}))
    if pg:
        pg_env = {"REGISTRY_DATABASE_URL": pg}
        found += [Server(_label(PG, n), registry(n), pg_env) for n in workers]
        found.append(Server("floor (PostgreSQL)", [*floor, pg], {}))
    return found


PG = "registry (PostgreSQL)"
# Requests timed one at a time for the single-client p50, after the wrk runs.
SINGLE_RUNS = 15


def _label(name: str, workers: int) -> str:
    return name if workers == 1 else f"{name}, {workers} workers"


def _unlabel(label: str) -> str:
    """A server's label without its worker count: `--servers` names both at once."""
    return re.sub(r", \d+ workers$", "", label)


def check_floor(base: str, reference: dict[str, bytes]) -> None:
    """The floor must answer every sampled detail with the registry's very bytes."""
    for path, body in reference.items():
        got = httpx.get(base + path, timeout=60).content
        if got != body:
            raise SystemExit(f"the floor and the registry disagree on {path}:\n{got!r}\n{body!r}")


def measure(size: int, db: Path, pg: str | None, args: argparse.Namespace, results: Any) -> None:
    global _DATASETTE
    ids, slugs, terms = sample(db)
    pg_ids = postgres_ids(pg, slugs) if pg else []
    expected: tuple[int, list[str]] | None = None
    ours: dict[str, list[str]] = {}
    reference: dict[str, dict[str, bytes]] = {}  # detail bodies by backend, for the floor
    chosen = [srv for srv in servers(db, pg, args.workers, size) if args.chose(srv.label)]
    if args.chose("registry"):
        results["startup"] += startup(db, size)
    for srv in chosen:
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        on_pg = "PostgreSQL" in srv.label
        here = pg_ids if on_pg else ids
        with server([*srv.argv, "--port", str(port)], port, srv.env) as pid:
            if srv.label == "datasette":
                _DATASETTE = base
                paths = datasette_paths(db, ids, terms, size)
                if expected is not None and size <= DATASETTE_MAX:
                    check_same(expected, base, paths["filtered list, exact total"][0])
            elif srv.label.startswith("floor"):
                check_floor(base, reference["pg" if on_pg else "sqlite"])
                paths = {"detail by id": [f"/api/v1/programs/{uuid.UUID(i)}" for i in here]}
            else:
                wait_for_index(base, int(srv.argv[srv.argv.index("--workers") + 1]))
                paths = registry_paths(base, here)
                reference.setdefault(
                    "pg" if on_pg else "sqlite",
                    {
                        p: httpx.get(base + p, timeout=60).content
                        for p in paths["detail by id"][:50]
                    },
                )
                if srv.label == "registry":
                    expected = first_page(base, paths["filtered list, exact total"][0])
                ours = ours or paths  # the plans' requests (details are not planned)
            for request, urls in paths.items():
                if not urls:
                    continue
                wrk(base, urls, 2, args.connections)  # warm-up
                drain(pid)
                m = wrk(base, urls, args.seconds, args.connections)
                drain(pid)
                if m.rps * args.seconds < 5:  # too slow for the window: time it alone
                    m = sequential(base, urls[0])
                    m.note = "one at a time"
                run = {"size": size, "server": srv.label, "request": request, **m.__dict__}
                if srv.label in ("registry", PG):
                    # The targets' single-client p50: one request at a time, no queueing.
                    alone = sequential(base, urls[:SINGLE_RUNS], SINGLE_RUNS)
                    run["single_p50_ms"] = alone.p50_ms
                results["runs"].append(run)
                print(
                    f"  {srv.label:32} {request:28} {m.rps:9.1f}/s  p50 {m.p50_ms:8.2f} ms"
                    f"  p99 {m.p99_ms:8.2f} ms  {m.errors or ''}",
                    flush=True,
                )
            peaks = peak_rss_mb(pid)
            results["memory"].append(
                {
                    "size": size,
                    "server": srv.label,
                    "peak_rss_mb": [round(v) for v in peaks.values()],
                }
            )
            if srv.label in ("registry", "datasette") and (
                size == 100_000 or (srv.label == "registry" and size == max(args.sizes))
            ):
                path = (
                    f"/{db.stem}/programs.csv?_stream=on&_size=max"
                    if srv.label == "datasette"
                    else "/api/v1/programs?format=csv"
                )
                done = export(base, path, pid)
                results["exports"].append({"size": size, "server": srv.label, **done})
                print(f"  {srv.label:32} CSV export {done}", flush=True)
    results["searches"] = [r for r in results.get("searches", []) if r["size"] != size]
    results["searches"] += search_shares(db, size)
    # Plans at scale only: the largest size measured, on each backend.
    if size == max(args.sizes) and size >= 100_000 and args.chose("registry"):
        results["plans"][f"SQLite, {size:,} programs"] = plans(f"sqlite:///{db}", ours)
    pg_sizes = [int(s) for s in args.postgres_sizes.split(",") if s]
    if pg and size == max(pg_sizes) and size >= 100_000 and args.chose(PG):
        results["plans"][f"PostgreSQL, {size:,} programs"] = plans(pg, ours)


def search_shares(db: Path, size: int) -> list[dict[str, Any]]:
    """How many live programs each search term's text appears in (a substring count)."""
    with sqlite3.connect(db) as conn:
        total = conn.execute("SELECT count(*) FROM programs WHERE deleted_at IS NULL").fetchone()[0]
        found = []
        for name, term in SEARCHES.items():
            (hits,) = conn.execute(
                "SELECT count(*) FROM programs WHERE deleted_at IS NULL AND"
                " (lower(description_en) LIKE ? OR description_zh LIKE ? OR name_zh LIKE ?"
                " OR lower(name_en) LIKE ?)",
                [f"%{term.lower()}%"] * 4,
            ).fetchone()
            found.append({"size": size, "request": name, "matches": hits, "of": total})
    return found


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    env = os.environ.get
    parser.add_argument("--sizes", default=env("BENCH_SIZES", "10000,100000,1000000"))
    parser.add_argument("--seconds", type=int, default=int(env("BENCH_SECONDS", "10")))
    parser.add_argument("--connections", type=int, default=int(env("BENCH_CONNECTIONS", "8")))
    parser.add_argument(
        "--workers",
        default=env("BENCH_WORKERS", "1,2"),
        help="registry worker counts, each measured (Datasette and the floor run one process)",
    )
    parser.add_argument("--rebuild", action="store_true", help="reload the databases")
    parser.add_argument(
        "--postgres-sizes",
        default=env("BENCH_POSTGRES_SIZES", "10000,100000,1000000"),
        help="sizes also measured on PostgreSQL ('' for none)",
    )
    parser.add_argument("--data-only", action="store_true", help="build the databases and stop")
    parser.add_argument(
        "--servers",
        default=env("BENCH_SERVERS", ""),
        help="measure only these servers (labels as in the tables, comma-separated), keeping"
        " the others' earlier results; e.g. 'registry (PostgreSQL),floor (PostgreSQL)'",
    )
    args = parser.parse_args()
    args.sizes = [int(s) for s in args.sizes.split(",")]
    args.workers = [int(w) for w in args.workers.split(",")]
    only = {name.strip() for name in args.servers.split(",") if name.strip()}
    args.chose = lambda label: not only or label in only or _unlabel(label) in only
    WORK.mkdir(parents=True, exist_ok=True)
    state = WORK / "results.json"
    results: dict[str, Any] = json.loads(state.read_text()) if state.exists() else {}
    results.setdefault("loads", {})
    results.update(
        machine=machine(),
        settings={
            "seconds": args.seconds,
            "connections": args.connections,
            "workers": args.workers,
            "filter": LIST_FILTER,
        },
    )
    # Keep earlier results for sizes and servers this run does not measure, so one size, or
    # one server at a size, can be redone.
    for part in ("runs", "memory", "exports"):
        results[part] = [
            r
            for r in results.get(part, [])
            if r["size"] not in args.sizes or not args.chose(r["server"])
        ]
    results["startup"] = [
        r
        for r in results.get("startup", [])
        if r["size"] not in args.sizes or not args.chose("registry")
    ]
    results.setdefault("plans", {})
    for size in args.sizes:
        print(f"{size:,} programs", flush=True)
        db = sqlite_db(size, args.rebuild, results)
        on_pg = size in [int(s) for s in args.postgres_sizes.split(",") if s]
        pg = postgres_db(size, args.rebuild, results) if on_pg else None
        state.write_text(json.dumps(results, indent=1))
        if not args.data_only:
            measure(size, db, pg, args, results)
            state.write_text(json.dumps(results, indent=1))
    if not args.data_only:
        write_doc(results, sorted({r["size"] for r in results["runs"]}))


START, END = "<!-- bench:start -->", "<!-- bench:end -->"


def _table(header: list[str], rows: list[list[Any]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join("" if c is None else str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def _fmt(value: float | None, digits: int = 1) -> str:
    return "–" if value is None else f"{value:,.{digits}f}"


class _Cells:
    """One size's runs, looked up by server and request."""

    def __init__(self, runs: list[dict[str, Any]], size: int) -> None:
        self.here = [r for r in runs if r["size"] == size]

    def __call__(self, server: str, request: str) -> dict[str, Any] | None:
        found = (r for r in self.here if r["server"] == server and r["request"] == request)
        return next(found, None)

    def requests(self) -> list[str]:
        return list(dict.fromkeys(r["request"] for r in self.here if r["server"] == "registry"))


def _rps(r: dict[str, Any] | None) -> str:
    return _fmt(r and r["rps"], 2 if r and r.get("note") else 1) + (
        "\\*" if r and r.get("note") else ""
    )


def _ratio(a: dict[str, Any] | None, b: dict[str, Any] | None) -> str:
    return f"{a['rps'] / b['rps']:.2f}×" if a and b and b["rps"] else "–"


SLOW_NOTE = "\n\n\\* too slow for wrk's window: three requests one at a time (p99 column: slowest)."


def _request_table(runs: list[dict[str, Any]], size: int, workers: list[int]) -> str:
    cell = _Cells(runs, size)
    more = [n for n in workers if n != 1]
    header = ["request", "registry req/s", "p50 ms", "p99 ms"]
    header += [f"{n} workers req/s" for n in more]
    header += ["Datasette req/s", "p50 ms", "floor req/s", "÷ Datasette", "÷ floor"]
    rows = []
    for request in cell.requests():
        ours, theirs = cell("registry", request), cell("datasette", request)
        floor = cell("floor", request)
        row: list[Any] = [request, _rps(ours), _fmt(ours["p50_ms"] if ours else None, 2)]
        row.append(_fmt(ours["p99_ms"] if ours else None, 2))
        row += [_rps(cell(_label("registry", n), request)) for n in more]
        row += [_rps(theirs), _fmt(theirs["p50_ms"] if theirs else None, 2), _rps(floor)]
        row += [_ratio(ours, theirs), _ratio(ours, floor)]
        rows.append(row)
    return _table(header, rows) + (SLOW_NOTE if any(r.get("note") for r in cell.here) else "")


def _postgres_table(runs: list[dict[str, Any]], size: int, workers: list[int]) -> str | None:
    """PostgreSQL beside SQLite, with the same worker counts (issue 13's targets): req/s
    under load, their ratio, the scaling from one worker, and the single-client p50."""
    cell = _Cells(runs, size)
    if not any(r["server"] == PG for r in cell.here):
        return None
    more = [n for n in workers if n != 1]
    header = ["request", "SQLite req/s", "PostgreSQL req/s", "p50 ms", "p99 ms", "PG ÷ SQLite"]
    for n in more:
        header += [f"SQLite, {n} workers", f"PostgreSQL, {n} workers", "PG ÷ SQLite"]
        header.append(f"PG {n} workers ÷ 1")
    header += ["single-client p50 ms, SQLite", "PostgreSQL", "PG ÷ its floor"]
    rows = []
    for request in cell.requests():
        lite, pg = cell("registry", request), cell(PG, request)
        row: list[Any] = [request, _rps(lite), _rps(pg)]
        row += [_fmt(pg["p50_ms"] if pg else None, 2), _fmt(pg["p99_ms"] if pg else None, 2)]
        row.append(_ratio(pg, lite))
        for n in more:
            lite_n, pg_n = cell(_label("registry", n), request), cell(_label(PG, n), request)
            row += [_rps(lite_n), _rps(pg_n), _ratio(pg_n, lite_n), _ratio(pg_n, pg)]
        row += [_fmt(lite.get("single_p50_ms") if lite else None, 2)]
        row += [_fmt(pg.get("single_p50_ms") if pg else None, 2)]
        row.append(_ratio(pg, cell("floor (PostgreSQL)", request)))
        rows.append(row)
    return _table(header, rows) + (SLOW_NOTE if any(r.get("note") for r in cell.here) else "")


def _scaling_table(runs: list[dict[str, Any]], small: int, big: int) -> str:
    def p50(size: int, server: str, request: str) -> float | None:
        found = [
            r for r in runs if (r["size"], r["server"], r["request"]) == (size, server, request)
        ]
        return found[0]["p50_ms"] if found else None

    rows = []
    for request in dict.fromkeys(r["request"] for r in runs if r["server"] == "registry"):
        for server in ("registry", PG):
            a, b = p50(small, server, request), p50(big, server, request)
            if a and b:
                rows.append([request, server, _fmt(a, 2), _fmt(b, 2), f"{b / a:.2f}×"])
    return _table(["request", "server", f"p50 ms, {small:,}", f"p50 ms, {big:,}", "ratio"], rows)


def write_doc(results: dict[str, Any], sizes: list[int]) -> None:
    runs, m, s = results["runs"], results["machine"], results["settings"]
    parts = [
        f"Measured {time.strftime('%Y-%m-%d')} on {m['cpu']}, {m['memory']}, {m['os']}. "
        f"Python {m['python']}, SQLite {m['sqlite']}, {m['postgresql']}, {m['datasette']}. "
        f"wrk: 1 thread, {s['connections']} connections, {s['seconds']} s per request after a "
        f"2 s warm-up. The registry runs with {' and '.join(map(str, s['workers']))} worker "
        "process(es); Datasette and the floor (bench/floor.py: Starlette and the raw driver, the "
        "same detail JSON byte for byte) run one. Detail ids are drawn at random from the whole "
        "table. List filter: " + ", ".join(f"`{k}={v}`" for k, v in s["filter"].items()) + "."
    ]
    loads = []
    for key, load in sorted(results["loads"].items()):
        backend, size = key.rsplit("-", 1)
        if int(size) in sizes:
            for step in load["steps"]:
                rate = step["rows"] / step["seconds"]
                rows = f"{step['rows']:,}"
                loads.append(
                    [
                        f"{int(size):,}",
                        backend,
                        step["entity"],
                        rows,
                        step["seconds"],
                        f"{rate:,.0f}",
                    ]
                )
    header = ["programs", "backend", "file", "rows", "seconds", "rows/s"]
    parts += ["### Bulk load (`registry import` of NDJSON)", _table(header, loads)]
    for size in sizes:
        if any(r["size"] == size for r in runs):
            parts += [f"### {size:,} programs", _request_table(runs, size, s["workers"])]
            beside = _postgres_table(runs, size, s["workers"])
            if beside is not None:
                parts += [f"### {size:,} programs: PostgreSQL beside SQLite", beside]
    if len(sizes) > 1:
        small, big = min(sizes), max(sizes)
        parts += [
            f"### Scaling: p50 at {big:,} against {small:,}",
            _scaling_table(runs, small, big),
        ]
    shares = [
        [f"{r['size']:,}", r["request"], f"{r['matches']:,}", f"{r['matches'] / r['of']:.2%}"]
        for r in results.get("searches", [])
        if r["size"] in sizes
    ]
    parts += [
        "### Search terms (programs whose text holds the term)",
        _table(["programs", "request", "matching programs", "share"], shares),
    ]
    memory = [
        [f"{r['size']:,}", r["server"], ", ".join(map(str, r["peak_rss_mb"]))]
        for r in results["memory"]
    ]
    parts += [
        "### Peak resident memory (VmHWM, MB, one number per process)",
        _table(["programs", "server", "processes"], memory),
    ]
    starts = [
        [f"{r['size']:,}", r["index"], r["answering_s"], r["index_ready_s"], r["rss_mb"]]
        for r in results.get("startup", [])
    ]
    parts += [
        "### Start-up of one SQLite worker (`registry serve --workers 1`)",
        _table(["programs", "match index", "first answer s", "index current s", "RSS MB"], starts),
    ]
    exports = [
        [
            *(f"{e['size']:,}", e["server"], f"{e['rows']:,}", e["seconds"], e["mb"]),
            *(f"{e['rows'] / e['seconds']:,.0f}", f"{e['rss_before_mb']} → {e['rss_after_mb']}"),
            " ".join(map(str, e.get("rss_during_mb", []))),
        ]
        for e in results["exports"]
    ]
    header = ["programs", "server", "rows", "seconds", "MB", "rows/s", "peak RSS before → after"]
    header.append("RSS every 100k rows")
    parts += ["### CSV export", _table(header, exports)]
    for backend, by_request in results["plans"].items():
        body = "\n\n".join(
            f"{name}:\n\n```\n" + "\n".join(lines) + "\n```" for name, lines in by_request.items()
        )
        title = f"Query plans: {backend}"
        parts.append(f"<details><summary>{title}</summary>\n\n{body}\n\n</details>")
    text = DOC.read_text() if DOC.exists() else f"# Performance\n\n{START}\n{END}\n"
    head, rest = text.split(START, 1)
    tail = rest.split(END, 1)[1]
    DOC.write_text(head + START + "\n" + "\n\n".join(parts) + "\n" + END + tail)
    print(f"wrote {DOC}")


if __name__ == "__main__":
    main()
