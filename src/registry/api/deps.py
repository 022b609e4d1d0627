"""Request-scoped dependencies: the session, the read context and parameter checks."""

from __future__ import annotations

import inspect
import logging
import threading
import time
import typing
import uuid
from array import array
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from typing import Annotated, Any, Generic, Literal, TypeVar

import anyio
import anyio.to_thread
from fastapi import Depends, Header, Path, Query, Request
from pydantic import BaseModel
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from registry.api.replica import ReadRoute, min_change, one_snapshot
from registry.config import Settings
from registry.db import transaction
from registry.errors import InvalidInput, InvalidParam
from registry.models import Source
from registry.records.changes import change_head
from registry.vocab import VocabIndex

logger = logging.getLogger(__name__)
T = TypeVar("T")
R = TypeVar("R")


async def get_session(request: Request) -> AsyncIterator[Session]:
    """One session per request: committed when the handler succeeds, rolled back otherwise.

    Async, so FastAPI does not hop to its thread pool to open and close it (each hop costs
    more than a short statement). Creating a session takes no connection: the first
    statement does, in a pool thread (the handler's), so the event loop
    never waits for a pooled connection that only it could give back.
    """
    with transaction(request.app.state.sessionmaker()) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]


@dataclass
class ReadContext:
    session: Session
    vocab: VocabIndex
    sources: dict[uuid.UUID, Source]
    lang: str
    # The change-log head this request's snapshot shows, and the app's per-process caches.
    head: int | None = field(default=None, kw_only=True)
    cache: ReadCache | None = field(default=None, kw_only=True)


# Searches whose rank window's end each process keeps (per change head).
WINDOWS_KEPT = 256
# Searches whose scored window each process keeps: 24 bytes a match, 120 KB a window.
RANKED_KEPT = 64
K = TypeVar("K")


@dataclass(frozen=True)
class RankedWindow:
    """A search's scored matches in rank order, packed: document ids, ranks and, where the
    full-text index holds them (PostgreSQL), the records' ids (16 bytes each), by which
    ties are then ordered (`ordered`)."""

    docs: array[int]
    ranks: array[float]
    records: bytes
    ordered: bool = False

    def __iter__(self) -> Iterator[tuple[int, int, float]]:
        """(position, document id, rank) of each match, best first."""
        for i, (doc, rank) in enumerate(zip(self.docs, self.ranks, strict=True)):
            yield i, doc, rank

    def record(self, i: int) -> uuid.UUID | None:
        """The record id of the match at position `i`, where the window holds them."""
        return uuid.UUID(bytes=self.records[16 * i : 16 * i + 16]) if self.records else None


@dataclass
class ReadCache:
    """What every read needs and writes rarely change: vocabularies, sources, match indexes.

    Valid while the change log's head is the same: every write, term edits and seeding
    included, adds a change.
    """

    indexes: dict[str, Any] = field(default_factory=dict)
    head: int | None = None
    vocab: dict[str, VocabIndex] = field(default_factory=dict)
    sources: dict[uuid.UUID, Source] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    # (head, search key, q) → the last document a search scores (`rank_window_end`): on
    # PostgreSQL finding it walks the matches in id order, a third of a common word's cost.
    windows: dict[tuple[int, str, str], int | None] = field(default_factory=dict)
    # (head, search key, q) → the scored window's matches in rank order: scoring and
    # sorting them was most of a repeated search's time, on PostgreSQL above all.
    ranked: dict[tuple[int, str, str], RankedWindow] = field(default_factory=dict)

    def warm(self, app: Any) -> Warmup:
        """Build every match index now, in a thread and a session of its own.

        Only a head start: if it fails or is stopped (the app shutting down), the first
        request that needs an index builds it.
        """
        warmup = Warmup(app, self)
        warmup.thread.start()
        return warmup

    def window_end(self, head: int, key: str, q: str, find: Callable[[], int | None]) -> int | None:
        """`find()`'s answer for this search at change `head`, kept for the next request."""
        return self._kept(self.windows, (head, key, q), find, WINDOWS_KEPT)

    def ranked_window(
        self, head: int, key: str, q: str, read: Callable[[], RankedWindow]
    ) -> RankedWindow:
        """`read()`'s scored window for this search at change `head`, kept likewise."""
        return self._kept(self.ranked, (head, key, q), read, RANKED_KEPT)

    def _kept(self, store: dict[Any, K], entry: Any, find: Callable[[], K], most: int) -> K:
        with self.lock:
            if entry in store:
                return store[entry]
        found = find()
        with self.lock:
            if len(store) >= most:
                store.pop(next(iter(store)), None)  # the oldest
            store[entry] = found
        return found

    def peek(self, head: int, lang: str) -> tuple[VocabIndex, dict[uuid.UUID, Source]] | None:
        """The vocabulary in `lang` and the sources, if they are those of change `head`."""
        with self.lock:
            if head == self.head and lang in self.vocab:
                return self.vocab[lang], self.sources
        return None

    def read(self, session: Session, lang: str) -> ReadContext:
        head = change_head(session)
        if (cached := self.peek(head, lang)) is not None:
            return ReadContext(session, *cached, lang, head=head, cache=self)
        sources = {s.id: s for s in session.scalars(select(Source))}
        for source in sources.values():
            # Shared between requests: out of this session, so its rollback cannot expire them.
            session.expunge(source)
        vocab = VocabIndex.load(session, lang)
        with self.lock:
            if head != self.head:
                self.head, self.vocab, self.sources = head, {}, sources
            self.vocab[lang] = vocab
        return ReadContext(session, vocab, sources, lang, head=head, cache=self)


class Warmup:
    """A match-index build in a thread, which the app's shutdown can cut short: it cancels
    the statement running (a million rows' build takes a while) rather than leave the
    thread holding a connection the engine is disposing of."""

    def __init__(self, app: Any, cache: ReadCache) -> None:
        self.app, self.cache = app, cache
        self.thread = threading.Thread(target=self._run, daemon=True)
        self._connection: Any = None
        self._stopped = threading.Event()

    def _run(self) -> None:
        try:
            with self.app.state.sessionmaker() as session:
                one_snapshot(session)
                self._connection = session.connection().connection.dbapi_connection
                if self._stopped.is_set():
                    return
                head = change_head(session)
                for index in self.cache.indexes.values():
                    index.current(session, head)
        except Exception:
            logger.info("match index warm-up stopped", exc_info=True)

    def stop(self, timeout: float = 30) -> None:
        """Cancel the build's statements until the thread has let its connection go: a
        cancel between two statements is lost, so it is repeated."""
        self._stopped.set()
        deadline = time.monotonic() + timeout
        while self.thread.is_alive() and time.monotonic() < deadline:
            connection = self._connection
            if connection is not None:
                # psycopg's cancel() and sqlite3's interrupt() may be called from any thread.
                cancel = getattr(connection, "cancel", None) or connection.interrupt
                try:
                    cancel()
                except Exception:
                    logger.debug("could not cancel the warm-up", exc_info=True)
            self.thread.join(timeout=0.2)


def negotiate_lang(lang: str | None, accept_language: str | None) -> str:
    if lang:
        return lang
    for part in (accept_language or "").split(","):
        tag = part.split(";")[0].strip().lower()
        if tag.startswith("zh"):
            return "zh"
        if tag.startswith("en"):
            return "en"
    return "en"


async def language(
    lang: Annotated[
        Literal["zh", "en"] | None,
        Query(description="Language of `label` fields; defaults to Accept-Language, then en."),
    ] = None,
    accept_language: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> str:
    return negotiate_lang(lang, accept_language)


Language = Annotated[str, Depends(language)]


def read_context(request: Request, session: Session, lang: str) -> ReadContext:
    """The read context of `session`: from the app's cache while the change head holds."""
    cache: ReadCache | None = getattr(request.app.state, "read_cache", None)
    if cache is None:
        sources = {s.id: s for s in session.scalars(select(Source))}
        vocab = VocabIndex.load(session, lang)
        return ReadContext(session, vocab, sources, lang, head=change_head(session))
    return cache.read(session, lang)


@dataclass(frozen=True)
class InThread(Generic[T]):
    """A dependency's value that needs the read context, built in the request's thread.

    FastAPI resolves dependencies on the event loop, where no statement may run; `reads`
    turns these into their values once the request's one thread has its session.
    """

    lang: str
    build: Callable[[ReadContext], T]


async def later_read_context(lang: Language) -> InThread[ReadContext]:
    return InThread(lang, lambda ctx: ctx)


def read_limiter(settings: Settings, engine: Engine) -> anyio.CapacityLimiter | None:
    """How many reads run at once in the thread pool (`Settings.read_threads`). On SQLite
    a read is Python and SQLite's C work, both on one core at a time: with up to 40
    threads taking turns at the GIL, a filtered list under 8 connections did 70 requests
    a second where two threads did 104–120. None: the pool's own limit."""
    threads = settings.read_threads
    if threads is None and engine.dialect.name == "sqlite":
        threads = 2
    return None if threads is None else anyio.CapacityLimiter(threads)


# Only for endpoints wrapped by `reads`, which gives them the context itself.
ReadDep = Annotated[ReadContext, Depends(later_read_context)]


def reads(fn: Callable[..., R]) -> Callable[..., Awaitable[R]]:
    """`fn` as an endpoint with one thread-pool hop: in it, a read session, the context its
    `InThread` dependencies need, `fn`, and the session's close.

    FastAPI sees `fn`'s own parameters (their dependencies run on the event loop, so they
    must be async and must not touch the database) and a `Request` if `fn` has none.
    """
    hints = typing.get_type_hints(fn, include_extras=True)
    parameters = [
        p.replace(annotation=hints.get(p.name, p.annotation), kind=inspect.Parameter.KEYWORD_ONLY)
        for p in inspect.signature(fn).parameters.values()
    ]
    wants_request = [p.name for p in parameters if p.annotation is Request]
    if not wants_request:
        parameters.append(
            inspect.Parameter("_request", inspect.Parameter.KEYWORD_ONLY, annotation=Request)
        )
    request_name = wants_request[0] if wants_request else "_request"

    async def endpoint(**values: Any) -> R:
        request: Request = values[request_name]
        if not wants_request:
            del values[request_name]
        later = [v for v in values.values() if isinstance(v, InThread)]
        assert later, f"{fn.__name__} reads nothing: it needs no `reads`"
        wanted = min_change(request)

        def read(session: Session) -> R:
            ctx = read_context(request, session, later[0].lang)
            built = {k: v.build(ctx) for k, v in values.items() if isinstance(v, InThread)}
            return fn(**{**values, **built})

        def work() -> R:
            route: ReadRoute = request.app.state.reads
            return route.run(wanted, read)

        limiter = getattr(request.app.state, "read_limiter", None)
        return await anyio.to_thread.run_sync(work, limiter=limiter)

    endpoint.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        parameters, return_annotation=hints.get("return", inspect.Signature.empty)
    )
    endpoint.__name__, endpoint.__qualname__ = fn.__name__, fn.__qualname__
    endpoint.__doc__, endpoint.__module__ = fn.__doc__, fn.__module__
    return endpoint


Ref = Annotated[str, Path(description="UUID or slug.", max_length=120)]


def _query_names(route: Any) -> frozenset[str]:
    """The query parameters a route declares, its dependencies' included: walked once."""
    names: frozenset[str] | None = getattr(route, "registry_query_names", None)
    if names is not None:
        return names
    known: set[str] = set()
    stack = [route.dependant]
    while stack:
        dep = stack.pop()
        for param in dep.query_params:
            # A model of query parameters (a list's whole query) stands for its fields.
            model: Any = param.field_info.annotation
            if isinstance(model, type) and issubclass(model, BaseModel):
                known.update(f.alias or name for name, f in model.model_fields.items())
            else:
                known.add(param.alias)
        stack.extend(dep.dependencies)
    names = frozenset(known)
    route.registry_query_names = names
    return names


async def reject_unknown_params(request: Request) -> None:
    """Unknown query parameters are an error, never silently ignored."""
    route: Any = request.scope.get("route")
    if getattr(route, "dependant", None) is None:
        return
    known = _query_names(route)
    for source in (request.query_params.multi_items(), request.path_params.items()):
        for name, value in source:
            if "\x00" in str(value):
                raise InvalidInput(
                    f"{name}: NUL characters are not allowed",
                    invalid_params=[InvalidParam(name=name, reason="contains NUL")],
                )
    unknown = sorted(set(request.query_params) - known)
    if unknown:
        raise InvalidInput(
            f"Unknown query parameter(s): {', '.join(unknown)}",
            invalid_params=[InvalidParam(name=n, reason="unknown parameter") for n in unknown],
        )
