"""PostgreSQL details on the event loop: async connections, one round trip a detail.

A detail through a pooled DB-API connection cost a thread-pool hop and five round trips
(the pool's ping, the change head, the record, its partners, the rollback), each a wait
for the server's process to be scheduled on a loaded host. Here the head, the record and
each child table's rows go to the server as one query string inside one REPEATABLE READ,
READ ONLY transaction: one snapshot, one round trip, and the loop serves other requests
while the server answers. The values are bound on the client (psycopg's own quoting), as
several statements in one string take no server-side parameters. Psycopg's pipeline mode
did the same in one round trip, but its send loop took an event-loop turn per statement:
at 10k programs under 8 connections it answered 450–515 details/s against 725–850/s for
the one string.

Only the fast detail path uses this (`api/details.py`); every other read keeps the
engine's pool and the app's threads.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import orjson
import psycopg
from psycopg import AsyncClientCursor, AsyncConnection
from psycopg.types.json import set_json_loads
from psycopg_pool import AsyncConnectionPool
from sqlalchemy import Engine

from registry.entities import Entity
from registry.records import lean
from registry.records.changes import HEAD_SQL
from registry.vocab import VocabIndex

Cached = tuple[VocabIndex, lean.Sources]
BEGIN = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"
# How long a detail waits for a connection here before the app answers it on its own pool
# (which waits and words any outage): a server that is down must not hold clients.
WAIT_S = 2.0


class OneTripReader:
    """A small pool of async connections to one PostgreSQL server (the primary or a
    replica), for details."""

    def __init__(self, engine: Engine, *, size: int) -> None:
        self.dialect = engine.dialect
        conninfo = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        self.pool = AsyncConnectionPool(
            conninfo,
            kwargs={"connect_timeout": round(WAIT_S)},
            min_size=1,
            max_size=size,
            timeout=WAIT_S,
            open=False,
            configure=_configure,
            name=f"details:{engine.url.host}:{engine.url.port}",
        )
        # Until then the app answers details: a server that is down fails them fast there.
        self.failed_until = 0.0

    async def open(self) -> None:
        # Not waiting: the server may be down at start; requests then go to the app.
        await self.pool.open(wait=False)

    async def close(self) -> None:
        await self.pool.close()

    async def detail(
        self, entity: Entity[Any], ref: str, peek: Callable[[int], Cached | None]
    ) -> dict[str, Any] | None:
        """The JSON values of the record `ref` names, or None when `peek` has no read cache
        for the change head read (the app's read refreshes it), or when the server failed
        in the last WAIT_S seconds. 404 and 410 raise, as does a failure now."""
        if time.monotonic() < self.failed_until:
            return None
        try:
            return await self._detail(entity, ref, peek)
        except psycopg.OperationalError:  # down, unreachable, no connection in time
            self.failed_until = time.monotonic() + WAIT_S
            raise

    async def _detail(
        self, entity: Entity[Any], ref: str, peek: Callable[[int], Cached | None]
    ) -> dict[str, Any] | None:
        plan = lean.plan(entity)
        by, value = entity.ref_column(ref)
        statements = [plan.compiled(self.dialect, by, 1)]
        statements += [plan.child_by(self.dialect, i, by) for i in range(len(plan.children))]
        async with self.pool.connection() as conn:
            quote = AsyncClientCursor(conn)
            sql = ";".join(
                [BEGIN, HEAD_SQL, *(quote.mogrify(s.sql, s.bound([value])) for s in statements)]
            )
            cursor = await conn.execute(sql + ";COMMIT")
            cursor.nextset()
            found = await cursor.fetchone()
            cached = peek((found[0] if found else None) or 0)
            if cached is None:
                return None
            results = []
            for s in statements:
                cursor.nextset()
                results.append(s.convert(cursor.description, await cursor.fetchall()))
        rows = plan.assemble(results[0], results[1:], lean.Context(*cached))
        return plan.live(entity, ref, rows[0] if rows else None)


async def _configure(conn: AsyncConnection[Any]) -> None:
    # As the engine reads JSON columns (db.JSON_CODEC), so rows equal the sync path's.
    set_json_loads(orjson.loads, conn)
    await conn.set_autocommit(True)


class OneTripReaders:
    """The readers of a PostgreSQL app: its primary's, and its replica's when it has one."""

    def __init__(self, primary: Engine, replica: Engine | None, *, size: int) -> None:
        self.primary = OneTripReader(primary, size=size)
        self.replica = OneTripReader(replica, size=size) if replica else None

    async def open(self) -> None:
        for reader in (self.primary, self.replica):
            if reader is not None:
                await reader.open()

    async def close(self) -> None:
        for reader in (self.primary, self.replica):
            if reader is not None:
                await reader.close()
