"""Single-client p50 of a few requests, in-process (no network, no server), on one
database, with the match index and without it (the SQL path), one after the other:

    .venv/bin/python bench/pg_inprocess.py postgresql+psycopg://postgres@127.0.0.1/db [index] [sql]

Any database URL works (a SQLite file too), so both backends can be measured on the same
rows. PostgreSQL needs fresh statistics (`ANALYZE`) after a load made outside
`registry import`.
"""

from __future__ import annotations

import statistics
import sys
import time

from fastapi.testclient import TestClient

from registry.api.app import create_app
from registry.config import Settings

FACETS = ("target_group", "setting", "province")
REQUESTS = [
    ("list, 2 link filters", "/api/v1/programs?target_group=left_behind&setting=school"),
    ("same, offset 500", "/api/v1/programs?target_group=left_behind&setting=school&offset=500"),
    (
        "facets on 3 fields",
        "/api/v1/programs/facets?facet=target_group&facet=setting&facet=province",
    ),
    ("q=留守 (~30%)", "/api/v1/programs?q=留守"),
    ("q=teacher (~35%)", "/api/v1/programs?q=teacher"),
    ("q=正念 (~3%)", "/api/v1/programs?q=正念"),
    ("q=马术 (rare)", "/api/v1/programs?q=马术"),
    ("q=留守 + setting", "/api/v1/programs?q=留守&setting=school"),
]
RUNS = 9


def measure(url: str, mode: str) -> None:
    app = create_app(Settings(database_url=url, environment="test"))
    if mode == "sql":
        app.state.read_cache = None
    with TestClient(app) as client:
        if mode == "index":
            started = time.perf_counter()
            while client.get("/healthz").json()["match_indexes"].get("program") is None:
                time.sleep(0.2)
            print(f"[{mode}] match index ready after {time.perf_counter() - started:.1f} s")
        # The bench's filtered list, and its page after the cursor at row 5,000.
        listing = "/api/v1/programs?setting=family&interviewed=false&limit=50"
        after = client.get(f"{listing}&offset=4950&count=none").json()["next"]
        requests = list(REQUESTS)
        if after:
            requests.append(("cursor at 5,000", f"{listing}&cursor={after.split('cursor=')[1]}"))
        for name, path in requests:
            client.get(path)  # warm: caches, plans, the search's kept matches
            times = []
            for _ in range(RUNS):
                started = time.perf_counter()
                response = client.get(path)
                times.append(time.perf_counter() - started)
                assert response.status_code == 200, response.text
            p50 = statistics.median(times) * 1000
            total = response.json().get("total")
            print(f"[{mode}] {name:22} p50 {p50:8.1f} ms  total={total}", flush=True)


def main() -> None:
    url, modes = sys.argv[1], sys.argv[2:] or ["index", "sql"]
    for mode in modes:
        measure(url, mode)


if __name__ == "__main__":
    main()
