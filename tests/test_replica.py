"""Reads on a read replica, writes on the primary, and a client that reads its own writes.

On PostgreSQL the tests build a real hot standby of the test server: a second cluster in
the test's own temporary directory, made with `pg_basebackup -R` and started with `pg_ctl`
on another port. The server must accept replication connections from 127.0.0.1 (a
`replication` line in pg_hba.conf; `make postgres-replication` adds one). Without them the
tests are skipped with a loud reason, except under CI, where they fail.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Connection, create_engine, text
from sqlalchemy.engine import make_url

from tests.admin_support import Tokens, free_port, missing_tool, serve
from tests.conftest import WriteDatabase

TIMEOUT = 120
_served = contextmanager(serve)


def _program(slug: str, description: str) -> dict[str, object]:
    return {
        "slug": slug,
        "name_zh": "副本测试",
        "name_en": f"Replica test {slug}",
        "organization": "guangdong-rici-foundation",
        "target_groups": ["left_behind"],
        "description_en": description,
    }


def test_write_responses_name_their_change_and_reads_accept_it(write_db: WriteDatabase) -> None:
    """Without a replica (either backend): every write names the change it committed, and
    a read that names a change is served as usual; a malformed one is a clear 422."""
    with _served(write_db.url, 1) as base, httpx.Client(base_url=base, timeout=TIMEOUT) as http:
        headers = write_db.tokens.headers()
        created = http.post("/api/v1/programs", json=_program("rw", "kiwi"), headers=headers)
        assert created.status_code == 201, created.text
        change = int(created.headers["registry-change"])
        feed = http.get("/api/v1/changes", params={"since": change - 1}).json()["items"]
        assert [(c["id"], c["action"]) for c in feed] == [(change, "create")]

        etag = created.headers["etag"]
        patched = http.patch(
            "/api/v1/programs/rw",
            json={"description_en": "weka"},
            headers={**headers, "If-Match": etag},
        )
        assert patched.status_code == 200, patched.text
        assert int(patched.headers["registry-change"]) == change + 1
        # A write that changes nothing names the newest change it saw.
        again = http.patch(
            "/api/v1/programs/rw",
            json={"description_en": "weka"},
            headers={**headers, "If-Match": patched.headers["etag"]},
        )
        assert again.status_code == 200 and int(again.headers["registry-change"]) == change + 1

        named = {"Registry-Min-Change": str(change + 1)}
        assert http.get("/api/v1/programs/rw", headers=named).json()["description"] == "weka"
        assert (
            http.get("/api/v1/programs", params={"q": "weka"}, headers=named).json()["total"] == 1
        )
        for bad in ("soon", "-1", "1.5", "9" * 40):
            refused = http.get("/api/v1/programs", headers={"Registry-Min-Change": bad})
            assert refused.status_code == 422, refused.text
            assert refused.headers["content-type"] == "application/problem+json"
            assert "Registry-Change" in refused.json()["detail"]
        # Browsers may send it and read the write's header across origins.
        preflight = http.options(
            "/api/v1/programs",
            headers={
                "Origin": "http://localhost:5173",
                "Access-Control-Request-Method": "GET",
                "Access-Control-Request-Headers": "registry-min-change",
            },
        )
        assert preflight.status_code == 200, preflight.text
        cors = http.post(
            "/api/v1/programs",
            json=_program("rw-cors", "kea"),
            headers={**headers, "Origin": "http://localhost:5173"},
        )
        assert "registry-change" in cors.headers["access-control-expose-headers"].lower()


def test_a_replica_url_needs_postgresql(write_db: WriteDatabase, tmp_path: Path) -> None:
    env = {
        **os.environ,
        "REGISTRY_DATABASE_URL": write_db.url,
        "REGISTRY_READ_DATABASE_URL": f"sqlite:///{tmp_path / 'copy.db'}",
    }
    run = subprocess.run(
        [sys.executable, "-m", "registry", "serve", "--port", str(free_port())],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 2
    assert "REGISTRY_READ_DATABASE_URL" in run.stderr and "Traceback" not in run.stderr


class Standby:
    """A hot standby of the test server in a directory of its own, on its own port."""

    def __init__(self, primary_url: str, root: Path) -> None:
        self.primary = make_url(primary_url)
        self.root = root
        self.data = root / "data"
        self.port = free_port()
        self.bin = Path(_pg_bindir(primary_url))
        # PostgreSQL will not run as root: the standby is the server's own user's.
        self.as_owner = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        self.slot = f"{SLOT_PREFIX}{os.getpid()}_{self.port}"

    def url(self) -> str:
        return self.primary.set(port=self.port).render_as_string(hide_password=False)

    def create(self) -> None:
        if self.as_owner:
            shutil.chown(self.root, "postgres", "postgres")
        source = {
            "-h": self.primary.host or "127.0.0.1",
            "-p": str(self.primary.port or 5432),
            "-U": self.primary.username or "postgres",
            "-D": str(self.data),
            "-X": "stream",
            "-c": "fast",
            # A slot of its own: the primary keeps the WAL the standby has yet to stream.
            "-S": self.slot,
        }
        backup = subprocess.run(
            # -R: standby.signal and the primary's connection, so it starts as a standby
            [*self.as_owner, str(self.bin / "pg_basebackup"), "-R", "-C", *sum(source.items(), ())],
            capture_output=True,
            text=True,
            timeout=600,
        )
        if backup.returncode != 0:
            missing_tool(
                "read-replica tests",
                f"pg_basebackup from the test server failed: {backup.stderr.strip()} "
                "(`make postgres-replication` lets the server accept it)",
            )
        # Debian keeps the server's configuration outside its data directory.
        (self.data / "postgresql.conf").write_text(
            f"port = {self.port}\n"
            "listen_addresses = '127.0.0.1'\n"
            f"unix_socket_directories = '{self.root}'\n"
            "hot_standby = on\n",
            encoding="utf-8",
        )
        (self.data / "pg_hba.conf").write_text(
            "local all all trust\nhost all all 127.0.0.1/32 trust\n", encoding="utf-8"
        )
        for name in ("postgresql.conf", "pg_hba.conf"):
            if self.as_owner:
                shutil.chown(self.data / name, "postgres", "postgres")
        self.start()

    def start(self) -> None:
        self._ctl("start", "-w", "-t", "120", "-l", str(self.root / "log"))
        deadline = time.monotonic() + 120
        while True:
            try:
                with self.connect() as conn:
                    if conn.execute(text("SELECT pg_is_in_recovery()")).scalar():
                        return
            except Exception:
                if time.monotonic() > deadline:
                    raise
            time.sleep(0.2)

    def stop(self) -> None:
        self._ctl("stop", "-w", "-m", "fast")

    def _ctl(self, *args: str) -> None:
        run = subprocess.run(
            [*self.as_owner, str(self.bin / "pg_ctl"), "-D", str(self.data), *args],
            capture_output=True,
            text=True,
            timeout=180,
        )
        if run.returncode != 0:
            log = self.root / "log"
            tail = log.read_text(encoding="utf-8")[-2000:] if log.exists() else ""
            raise RuntimeError(f"pg_ctl {args[0]} failed: {run.stdout}{run.stderr}\n{tail}")

    def drop_slot(self) -> None:
        _drop_slots(self.primary.render_as_string(hide_password=False), self.slot)

    @contextmanager
    def connect(self) -> Iterator[Connection]:
        engine = create_engine(self.url(), isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as conn:
                yield conn
        finally:
            engine.dispose()

    def replay(self, on: bool) -> None:
        """Resume or pause the standby's replay; a pause is waited for, as it takes effect
        between records."""
        with self.connect() as conn:
            conn.execute(text(f"SELECT pg_wal_replay_{'resume' if on else 'pause'}()"))
            state = text("SELECT pg_get_wal_replay_pause_state()")
            _eventually(lambda: on or conn.execute(state).scalar() == "paused")

    def running(self) -> bool:
        return (self.data / "postmaster.pid").exists()


def _pg_bindir(url: str) -> str:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            version = int(conn.execute(text("SHOW server_version_num")).scalar_one())
    finally:
        engine.dispose()
    path = Path(f"/usr/lib/postgresql/{version // 10000}/bin")
    if not (path / "pg_basebackup").exists():
        found = shutil.which("pg_basebackup")
        if found is None:
            missing_tool(
                "read-replica tests",
                "pg_basebackup and pg_ctl are not installed (Debian: postgresql)",
            )
        return str(Path(found).parent)
    return str(path)


SLOT_PREFIX = "registry_test_standby_"


def _drop_slots(url: str, like: str) -> None:
    """Drop the named replication slots no standby is streaming from: a slot left behind
    would make the server keep its WAL for ever."""
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(
                text(
                    "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots "
                    "WHERE slot_name LIKE :like AND NOT active"
                ),
                {"like": like},
            )
    finally:
        engine.dispose()


@pytest.fixture
def standby(backend: str, write_db: WriteDatabase) -> Iterator[Standby]:
    if backend != "postgresql":
        pytest.skip("a streaming replica is PostgreSQL's; the test above covers SQLite")
    _drop_slots(write_db.url, SLOT_PREFIX + "%")  # any an interrupted run left
    root = Path(tempfile.mkdtemp(prefix="registry-standby-"))
    replica = Standby(write_db.url, root)
    try:
        replica.create()
        yield replica
    finally:
        if replica.running():
            replica.stop()
        replica.drop_slot()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def routed(
    standby: Standby, write_db: WriteDatabase
) -> Iterator[tuple[httpx.Client, Standby, Tokens]]:
    """A server reading from the standby, with a short retry after a replica failure."""
    env = {"REGISTRY_READ_DATABASE_URL": standby.url(), "REGISTRY_REPLICA_RETRY_S": "1"}
    with ExitStack() as stack:
        base = stack.enter_context(_served(write_db.url, 1, env=env))
        http = stack.enter_context(httpx.Client(base_url=base, timeout=TIMEOUT))
        assert http.get("/healthz").json()["read_replica"] == "ok"
        yield http, standby, write_db.tokens


def _eventually(check: Callable[[], bool], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "the replica did not catch up"
        time.sleep(0.1)


def test_a_client_reads_its_own_writes_however_far_the_replica_lags(
    routed: tuple[httpx.Client, Standby, Tokens],
) -> None:
    http, replica, tokens = routed
    headers = tokens.headers()
    first = http.post("/api/v1/programs", json=_program("lag-1", "kakapo"), headers=headers)
    assert first.status_code == 201, first.text
    seen = {"Registry-Min-Change": first.headers["registry-change"]}
    assert http.get("/api/v1/programs/lag-1", headers=seen).status_code == 200
    _eventually(lambda: http.get("/api/v1/programs/lag-1").status_code == 200)

    # The standby stops replaying: reads that name no change see its older state, which
    # proves they are served there; reads that name the write see it, from the primary.
    replica.replay(False)
    try:
        second = http.post("/api/v1/programs", json=_program("lag-2", "takahe"), headers=headers)
        assert second.status_code == 201, second.text
        mine = {"Registry-Min-Change": second.headers["registry-change"]}
        time.sleep(1)
        assert http.get("/api/v1/programs/lag-2").status_code == 404
        assert http.get("/api/v1/programs/lag-2", headers=mine).status_code == 200
        assert http.get("/api/v1/programs", params={"q": "takahe"}).json()["total"] == 0
        assert (
            http.get("/api/v1/programs", params={"q": "takahe"}, headers=mine).json()["total"] == 1
        )
        facets = http.get(
            "/api/v1/programs/facets", params={"facet": "target_group"}, headers=mine
        ).json()["facets"]["target_group"]
        stale_facets = http.get("/api/v1/programs/facets", params={"facet": "target_group"}).json()[
            "facets"
        ]["target_group"]
        count = {f["value"]: f["count"] for f in facets}
        stale = {f["value"]: f["count"] for f in stale_facets}
        assert count["left_behind"] == stale["left_behind"] + 1
        export = http.get("/api/v1/programs", params={"format": "csv"}, headers=mine).text
        assert "lag-2" in export
        assert "lag-2" not in http.get("/api/v1/programs", params={"format": "csv"}).text

        # If-Match never acts on a stale version: an ETag read from the lagging replica
        # after a change on the primary is refused by the write.
        fresh = http.get("/api/v1/programs/lag-1", headers=mine)
        changed = http.patch(
            "/api/v1/programs/lag-1",
            json={"description_en": "kea"},
            headers={**headers, "If-Match": fresh.headers["etag"]},
        )
        assert changed.status_code == 200, changed.text
        stale_read = http.get("/api/v1/programs/lag-1")
        assert stale_read.json()["description"] == "kakapo"  # the replica's older version
        refused = http.patch(
            "/api/v1/programs/lag-1",
            json={"description_en": "lost"},
            headers={**headers, "If-Match": stale_read.headers["etag"]},
        )
        assert refused.status_code == 412, refused.text
    finally:
        replica.replay(True)
    _eventually(lambda: http.get("/api/v1/programs/lag-1").json()["description"] == "kea")
    assert http.get("/api/v1/programs/lag-2").status_code == 200


def test_reads_fall_back_to_the_primary_when_the_replica_goes_down(
    routed: tuple[httpx.Client, Standby, Tokens],
) -> None:
    http, replica, tokens = routed
    before = http.get("/api/v1/programs", params={"limit": 1}).json()["total"]
    replica.stop()
    created = http.post(
        "/api/v1/programs", json=_program("while-down", "tuatara"), headers=tokens.headers()
    )
    assert created.status_code == 201, created.text
    # No error reaches the client, and every read is the primary's (current) answer.
    for _ in range(3):
        assert http.get("/api/v1/programs/while-down").status_code == 200
        assert http.get("/api/v1/programs", params={"limit": 1}).json()["total"] == before + 1
        assert http.get("/api/v1/programs", params={"q": "tuatara"}).json()["total"] == 1
        facets = http.get("/api/v1/programs/facets", params={"facet": "setting"})
        assert facets.status_code == 200, facets.text
        export = http.get("/api/v1/programs", params={"format": "csv"})
        assert export.status_code == 200 and "while-down" in export.text
        hsds = http.get("/hsds/services", params={"per_page": 1})
        assert hsds.status_code == 200, hsds.text
    health = http.get("/healthz")
    assert health.status_code == 200 and health.json()["read_replica"] in ("down", "unreachable")

    # Back up: once the retry interval has passed, reads return to it.
    replica.start()
    _eventually(lambda: http.get("/healthz").json()["read_replica"] == "ok")
    _eventually(lambda: http.get("/api/v1/programs/while-down").status_code == 200)
