"""Details beneath FastAPI's routing and dependencies: `GET /api/v1/<resource>/<ref>`
answered from the ASGI scope on the event loop: on a DB-API connection for SQLite, in one
round trip on an async connection for PostgreSQL (`api/onetrip.py`).

A detail is the registry's most frequent request and its smallest. Through FastAPI it
spends most of its time matching routes and solving dependencies, not reading. This takes
only the plain case: a path the router would give to a detail route, no query parameter but
a valid `lang`, a read cache current at the change head, and a live record. Everything
else (unknown parameters, a bad `lang`, a missing or deleted record, a cache to refresh,
any error) goes on to the app, whose detail route answers it with its own checks and
problems. Both render through `lean.one_json` and `detail_response`, and
`tests/test_details.py` holds the two to the same responses.

It sits inside the CORS, body-limit and ETag middlewares, so their headers and 304s apply.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp, Receive, Scope, Send

from registry.api.deps import ReadCache, negotiate_lang
from registry.api.onetrip import OneTripReaders
from registry.api.replica import names_a_change
from registry.api.responses import detail_response
from registry.entities import Entity
from registry.errors import RegistryError
from registry.records import lean
from registry.records.changes import HEAD_SQL

logger = logging.getLogger(__name__)

# Detail endpoints, as `routes.add_record_routes` registers them.
_ENTITIES: dict[Callable[..., Any], Entity[Any]] = {}
LANGS = ("zh", "en")
MAX_REF = 120  # as the route's `Ref` path parameter allows
PROBE = "~probe~"  # a segment no fixed path is named


def register(endpoint: Callable[..., Any], entity: Entity[Any]) -> None:
    _ENTITIES[endpoint] = entity


def detail_table(routes: list[BaseRoute]) -> dict[str, tuple[Entity[Any], frozenset[str]]]:
    """Collection path → (entity, the one-segment names an earlier GET route takes), from
    the app's routes in the router's order.

    A collection is left out where an earlier route could take any one segment under it
    (a path parameter): only the router can tell those apart.
    """
    table: dict[str, tuple[Entity[Any], frozenset[str]]] = {}
    for index, route in enumerate(routes):
        if not isinstance(route, Route) or route.endpoint not in _ENTITIES:
            continue
        prefix = route.path.removesuffix("/{ref}")
        earlier = [
            r
            for r in routes[:index]
            if isinstance(r, Route) and "GET" in (r.methods or ()) and r.path != route.path
        ]
        if any(r.path_regex.match(f"{prefix}/{PROBE}") for r in earlier):
            continue
        taken = frozenset(
            rest
            for r in earlier
            if (rest := r.path.removeprefix(prefix + "/")) != r.path and "/" not in rest
        )
        table[prefix] = (_ENTITIES[route.endpoint], taken)
    return table


class LoopReader:
    """A SQLite read connection of the event loop's own, for reads too short to be worth a
    thread-pool hop.

    A detail on SQLite is a few B-tree lookups in the page cache, a tenth of a millisecond;
    handing it to a thread and back costs several times that under load, the GIL passing
    between the two. It never waits on the loop: with no busy timeout a locked database
    fails at once, and the request goes to the app, whose thread waits. Read-only, and
    used by the loop's thread alone.
    """

    def __init__(self, engine: Any) -> None:
        self.engine = engine
        self.connection: Any = None

    def cursor(self) -> Any:
        if self.connection is None:
            pooled = self.engine.raw_connection()
            pooled.detach()  # its own for the app's life; pragmas as the engine sets them
            self.connection = pooled
            self.connection.execute("PRAGMA busy_timeout = 0")
            self.connection.execute("PRAGMA query_only = 1")
        return self.connection.cursor()

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None


def on_loop(engine: Any) -> bool:
    """Whether reads run on the event loop: a SQLite file (PostgreSQL goes over a network)."""
    url = engine.url
    return bool(url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"))


class FastDetails:
    """ASGI middleware: plain detail reads answered here, the rest passed to `app`."""

    def __init__(self, app: ASGIApp, *, registry: Any, routes: list[BaseRoute]) -> None:
        self.app = app
        self.registry = registry  # the FastAPI app: its engine, read cache and loop reader
        self.table = detail_table(routes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        plain = self._plain(scope) if scope["type"] == "http" else None
        if plain is not None:
            values = await self._answer(*plain)
            if values is not None:
                await detail_response(values)(scope, receive, send)
                return
        await self.app(scope, receive, send)

    async def _answer(self, entity: Entity[Any], ref: str, lang: str) -> Any:
        """The record's read JSON values, or None for the app to answer."""
        state = self.registry.state
        loop: LoopReader | None = getattr(state, "loop_reader", None)
        if loop is not None:
            return self._guarded(lambda: self._read(loop.cursor(), entity, ref, lang), loop)
        if getattr(state, "one_trip", None) is not None:
            return await self._one_trip(entity, ref, lang)
        return await run_in_threadpool(self._guarded, lambda: self._pooled(entity, ref, lang))

    def _plain(self, scope: Scope) -> tuple[Entity[Any], str, str] | None:
        """(entity, ref, language) of a plain detail request, or None."""
        if scope["method"] != "GET" or names_a_change(scope):
            return None
        prefix, _, ref = scope["path"].rpartition("/")
        found = self.table.get(prefix)
        if found is None or not ref or ref in found[1] or len(ref) > MAX_REF or "\x00" in ref:
            return None
        lang = None
        if query := scope["query_string"]:
            pairs = parse_qsl(query.decode("latin-1"), keep_blank_values=True)
            if len(pairs) != 1 or pairs[0][0] != "lang" or pairs[0][1] not in LANGS:
                return None
            lang = pairs[0][1]
        return found[0], ref, negotiate_lang(lang, Headers(scope=scope).get("accept-language"))

    def _guarded(self, read: Callable[[], Any], loop: LoopReader | None = None) -> Any:
        """`read()`, or None on any error (the database down, say): the app answers that.
        The loop's connection is opened anew after one."""
        try:
            return read()
        except Exception:
            logger.debug("detail left to the app", exc_info=True)
            if loop is not None:
                loop.close()
            return None

    async def _one_trip(self, entity: Entity[Any], ref: str, lang: str) -> Any:
        """PostgreSQL: on the replica when one is up, else the primary, on the event loop.
        If the replica fails, the route answers (and notes it)."""
        state = self.registry.state
        cache: ReadCache | None = getattr(state, "read_cache", None)
        if cache is None:
            return None
        readers: OneTripReaders = state.one_trip
        reader = readers.replica if readers.replica and state.reads.replica_up() else None
        try:
            return await (reader or readers.primary).detail(
                entity, ref, lambda head: cache.peek(head, lang)
            )
        except Exception:
            logger.debug("detail left to the app", exc_info=True)
            return None

    def _pooled(self, entity: Entity[Any], ref: str, lang: str) -> Any:
        """A SQLite database in memory (one connection, no loop reader of its own); a
        PostgreSQL app reads on `one_trip`, its replica included."""
        connection = self.registry.state.engine.raw_connection()
        try:
            return self._read(connection.cursor(), entity, ref, lang)
        finally:
            connection.close()  # back to the pool, rolled back

    def _read(self, cursor: Any, entity: Entity[Any], ref: str, lang: str) -> Any:
        """The record's read JSON values, or None for the app to answer."""
        cache: ReadCache | None = getattr(self.registry.state, "read_cache", None)
        if cache is None:
            return None
        dialect = self.registry.state.engine.dialect
        sqlite = dialect.name == "sqlite"
        try:
            if sqlite:
                cursor.execute("BEGIN")  # one snapshot for the head and the rows
            cursor.execute(HEAD_SQL)
            cached = cache.peek(cursor.fetchone()[0] or 0, lang)
            if cached is None:
                return None  # the app's read refreshes the cache
            return lean.one_json(cursor, dialect, entity, ref, *cached)
        except RegistryError:
            return None  # 404 and 410: the app words them
        finally:
            if sqlite:
                cursor.connection.rollback()
            cursor.close()
