"""Request-scoped dependencies: the session, the read context and parameter checks."""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

from fastapi import Depends, Header, Path, Query, Request
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from registry.db import transaction
from registry.errors import InvalidInput, InvalidParam
from registry.models import Change, Source
from registry.vocab import VocabIndex

logger = logging.getLogger(__name__)


async def get_session(request: Request) -> AsyncIterator[Session]:
    """One session per request: committed when the handler succeeds, rolled back otherwise.

    Async, so FastAPI does not hop to its thread pool to open and close it (each hop costs
    more than a short statement). Creating a session takes no connection: the first
    statement does, in a pool thread (`get_read_context` or the handler), so the event loop
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


def change_head(session: Session) -> int:
    """The newest change's id: a bare max() that SQLite answers from the end of the index."""
    return session.scalar(select(func.max(Change.id))) or 0


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

    def warm(self, app: Any) -> None:
        """Build every match index now, in a session of its own (run in a thread).

        Only a head start: if it fails (say the app is shutting down), the first request
        that needs an index builds it.
        """
        try:
            with app.state.sessionmaker() as session:
                head = change_head(session)
                for index in self.indexes.values():
                    index.current(session, head)
        except Exception:
            logger.info("match index warm-up stopped", exc_info=True)

    def read(self, session: Session, lang: str) -> ReadContext:
        head = change_head(session)
        with self.lock:
            if head == self.head and lang in self.vocab:
                return ReadContext(
                    session, self.vocab[lang], self.sources, lang, head=head, cache=self
                )
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


def get_read_context(
    request: Request,
    session: SessionDep,
    lang: Annotated[
        Literal["zh", "en"] | None,
        Query(description="Language of `label` fields; defaults to Accept-Language, then en."),
    ] = None,
    accept_language: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> ReadContext:
    chosen = negotiate_lang(lang, accept_language)
    cache: ReadCache | None = getattr(request.app.state, "read_cache", None)
    if cache is None:
        sources = {s.id: s for s in session.scalars(select(Source))}
        return ReadContext(session, VocabIndex.load(session, chosen), sources, chosen)
    return cache.read(session, chosen)


ReadDep = Annotated[ReadContext, Depends(get_read_context)]
Ref = Annotated[str, Path(description="UUID or slug.", max_length=120)]


async def reject_unknown_params(request: Request) -> None:
    """Unknown query parameters are an error, never silently ignored."""
    route: Any = request.scope.get("route")
    dependant = getattr(route, "dependant", None)
    if dependant is None:
        return
    known: set[str] = set()
    stack = [dependant]
    while stack:
        dep = stack.pop()
        known.update(p.alias for p in dep.query_params)
        stack.extend(dep.dependencies)
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
