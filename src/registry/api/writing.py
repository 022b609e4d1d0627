"""HTTP glue for admin writes: bearer auth, the write transaction, preconditions,
idempotency keys and the responses (Location, ETag)."""

from __future__ import annotations

import asyncio
import hashlib
import re
import weakref
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from typing import Annotated, Any

import orjson
from fastapi import Depends, Header, Request
from fastapi.responses import Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from registry.api.deps import ReadCache, ReadContext, negotiate_lang
from registry.api.openapi import problems
from registry.api.replica import note_change
from registry.api.responses import etag, record_response
from registry.auth import Actor, authenticate
from registry.db import take_write_lock
from registry.entities import Entity
from registry.errors import (
    InvalidInput,
    InvalidParam,
    PreconditionFailed,
    PreconditionRequired,
    ServiceUnavailable,
)
from registry.models import IdempotencyKey, Source
from registry.records import write
from registry.records.changes import change_head
from registry.records.render import render
from registry.vocab import VocabIndex

WRITE_ERRORS = problems(400, 401, 403, 404, 409, 410, 412, 413, 422, 428, 503)
# Writes that take a JSON body also refuse one sent as another media type.
PATCH_ERRORS = problems(400, 401, 403, 404, 409, 410, 412, 413, 415, 422, 428, 503)
CREATE_ERRORS = problems(400, 401, 403, 404, 409, 413, 415, 422, 503)

# Declared as an OpenAPI security scheme, so clients and fuzzers know writes need a token;
# auto_error is off so that a missing token gets our 401 problem, not FastAPI's 403.
bearer = HTTPBearer(
    auto_error=False,
    scheme_name="bearer",
    description="A token from `registry token create`.",
)
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]


def _actor(request: Request, credentials: HTTPAuthorizationCredentials | None) -> Actor:
    header = f"{credentials.scheme} {credentials.credentials}" if credentials else None
    with request.app.state.sessionmaker() as session:
        return authenticate(session, header)


def editor(request: Request, credentials: Credentials) -> Actor:
    """Any valid token: editors and admins."""
    return _actor(request, credentials)


def admin(request: Request, credentials: Credentials) -> Actor:
    actor = _actor(request, credentials)
    actor.require("admin")
    return actor


@dataclass
class WriteContext(ReadContext):
    actor: Actor
    # The request's state: `commit` notes there the change head its response names.
    request_state: Any = field(default=None, kw_only=True)


class WriteGate:
    """Queues one process's writes on the event loop, before they take a thread or a
    database connection.

    Only one write per process at a time holds a connection and waits on the database's
    own write lock (SQLite's BEGIN IMMEDIATE, PostgreSQL's advisory lock), so a burst can
    neither exhaust the thread pool nor the connection pool: the rest wait here, where
    waiting costs nothing. A write queued longer than `timeout` seconds gets 503.
    """

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        # asyncio locks belong to one event loop; test clients may run several.
        self._locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
            weakref.WeakKeyDictionary()
        )

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        loop = asyncio.get_running_loop()
        lock = self._locks.setdefault(loop, asyncio.Lock())
        try:
            await asyncio.wait_for(lock.acquire(), self.timeout)
        except TimeoutError as exc:
            raise ServiceUnavailable(
                f"writes have queued for more than {self.timeout:g} s; retry shortly",
                retry_after=max(1, int(self.timeout // 4)),
            ) from exc
        try:
            yield
        finally:
            lock.release()


async def write_slot(request: Request) -> AsyncIterator[None]:
    async with request.app.state.write_gate.slot():
        yield


@contextmanager
def write_context(request: Request, actor: Actor) -> Iterator[WriteContext]:
    """The write transaction: begun (and the database's write lock taken) on entry, rolled
    back on exit unless the handler committed. Call it in a worker thread, in a slot."""
    session: Session = request.app.state.sessionmaker()
    try:
        take_write_lock(session)
        lang = negotiate_lang(None, request.headers.get("accept-language"))
        cache: ReadCache | None = getattr(request.app.state, "read_cache", None)
        if cache is None:
            sources = {s.id: s for s in session.scalars(select(Source))}
            vocab = VocabIndex.load(session, lang)
            yield WriteContext(session, vocab, sources, lang, actor, request_state=request.state)
        else:
            # Read inside the write lock, so the cache's change head is the newest.
            read = cache.read(session, lang)
            yield WriteContext(
                session,
                read.vocab,
                read.sources,
                lang,
                actor,
                head=read.head,
                cache=cache,
                request_state=request.state,
            )
    finally:
        session.rollback()  # a no-op after the handler's commit
        session.close()


Slot = Annotated[None, Depends(write_slot)]


def editor_context(
    request: Request, actor: Annotated[Actor, Depends(editor)], _slot: Slot
) -> Iterator[WriteContext]:
    with write_context(request, actor) as ctx:
        yield ctx


def admin_context(
    request: Request, actor: Annotated[Actor, Depends(admin)], _slot: Slot
) -> Iterator[WriteContext]:
    with write_context(request, actor) as ctx:
        yield ctx


EditorDep = Annotated[WriteContext, Depends(editor_context)]
AdminDep = Annotated[WriteContext, Depends(admin_context)]
IfMatch = Annotated[
    str | None,
    Header(description="The record's ETag from a GET; required, so no update is ever lost."),
]
IdempotencyKeyHeader = Annotated[
    str | None,
    Header(
        max_length=200,
        description="Repeat a POST safely: a replay with the same body returns the first response.",
    ),
]


_ENTITY_TAG = re.compile(r'\s*(W/)?("[\x21\x23-\x7e\x80-\xff]*")\s*(?:,|$)')


def if_match_tags(if_match: str | None) -> list[str] | None:
    """The strong entity-tags of an If-Match header (RFC 9110 §13.1.1), or None for `*`.

    428 without the header; 412 for a header that holds no strong tag, since a weak tag
    never matches under the strong comparison If-Match uses.
    """
    if not if_match or not if_match.strip():
        raise PreconditionRequired("send If-Match with the record's ETag from a GET")
    value = if_match.strip()
    if value == "*":
        return None
    tags: list[str] = []
    position = 0
    while position < len(value):
        match = _ENTITY_TAG.match(value, position)
        if match is None or match.end() == position:
            raise PreconditionFailed(
                'If-Match must be the record\'s ETag as sent, quotes included, e.g. "3-1a2b…"'
            )
        if match.group(1) is None:
            tags.append(match.group(2))
        position = match.end()
    if not tags:
        raise PreconditionFailed("If-Match needs the strong ETag of the record, not a weak one")
    return tags


def matched_version(
    ctx: WriteContext, if_match: str | None, obj: Any, read: Callable[[VocabIndex], BaseModel]
) -> int:
    """The record's version when If-Match names one of its current ETags in either
    language, as GET sends it (`read` renders the record with a language's vocabulary).
    428 without the header, 412 otherwise. Called once the record is found, so an unknown
    record is 404 whatever the header says."""
    tags = if_match_tags(if_match)
    if tags is None:
        return int(obj.version)
    # Every current ETag starts with the version: a stale tag fails without rendering.
    prefix = f'"{obj.version}-'
    if not any(tag.startswith(prefix) for tag in tags):
        raise _stale(obj)
    current = set()
    cache: ReadCache | None = ctx.cache
    for lang in ("en", "zh"):
        if lang == ctx.lang:
            vocab = ctx.vocab
        elif cache is not None:
            vocab = cache.read(ctx.session, lang).vocab
        else:
            vocab = VocabIndex.load(ctx.session, lang)
        body = orjson.dumps(read(vocab).model_dump(mode="json"))
        current.add(etag(obj.version, body))
    if current.isdisjoint(tags):
        raise _stale(obj)
    return int(obj.version)


def _stale(obj: Any) -> PreconditionFailed:
    return PreconditionFailed(
        f"If-Match does not match the record's current ETag (it is at version "
        f"{obj.version}); GET it again and send that ETag"
    )


def commit(ctx: WriteContext) -> None:
    """Commit the write; its response will name the change head it leaves (`replica`).
    Writes hold the database's write lock, so that head is this write's own last change
    (or, for a write that changed nothing, the newest before it)."""
    try:
        ctx.session.flush()
        head = change_head(ctx.session)
        ctx.session.commit()
    except StaleDataError as exc:
        raise PreconditionFailed("the record changed while this write ran; fetch it again") from exc
    if ctx.request_state is not None:
        note_change(ctx.request_state, head)


def create_response(
    ctx: WriteContext,
    request: Request,
    entity: Entity[Any],
    body: BaseModel,
    idempotency_key: str | None,
    make: Callable[[], Any],
) -> Response:
    """Run `make` once per idempotency key; answer 201 with Location and ETag."""
    request_hash = hashlib.sha256(
        request.url.path.encode()
        + orjson.dumps(body.model_dump(mode="json"), option=orjson.OPT_SORT_KEYS)
    ).hexdigest()
    if idempotency_key:
        stored = ctx.session.get(IdempotencyKey, (ctx.actor.name, idempotency_key))
        if stored is not None:
            return _replay(stored, request_hash)
    obj = make()
    ctx.session.flush()
    # A record lives under the collection it was created in.
    location = f"{str(request.url.replace(query='')).rstrip('/')}/{obj.id}"
    read = render(entity, obj, ctx.vocab, ctx.sources)
    response = record_response(read, obj.version, status=201, location=location)
    if idempotency_key:
        ctx.session.add(
            IdempotencyKey(
                actor=ctx.actor.name,
                key=idempotency_key,
                request_hash=request_hash,
                status=201,
                body=bytes(response.body).decode(),
                location=location,
            )
        )
    try:
        commit(ctx)
    except IntegrityError:
        # Another worker stored the same key first: answer as it did.
        ctx.session.rollback()
        stored = ctx.session.get(IdempotencyKey, (ctx.actor.name, idempotency_key or ""))
        if stored is None:
            raise
        return _replay(stored, request_hash)
    return response


def create_record(
    ctx: WriteContext,
    request: Request,
    entity: Entity[Any],
    body: BaseModel,
    idempotency_key: str | None,
) -> Response:
    """POST of one new record: `write.create` under `create_response`'s rules."""
    return create_response(
        ctx,
        request,
        entity,
        body,
        idempotency_key,
        lambda: write.create(ctx.session, entity, body, ctx.vocab, ctx.actor.name),
    )


def _replay(stored: IdempotencyKey, request_hash: str) -> Response:
    if stored.request_hash != request_hash:
        raise InvalidInput(
            "this Idempotency-Key was used with a different request",
            invalid_params=[
                InvalidParam(name="Idempotency-Key", reason="reused with another body")
            ],
        )
    body = stored.body.encode()
    version = orjson.loads(body).get("version", 1)
    headers = {"ETag": etag(version, body), "Idempotent-Replayed": "true"}
    if stored.location:
        headers["Location"] = stored.location
    return Response(body, status_code=stored.status, media_type="application/json", headers=headers)


def patch_fields(body: BaseModel) -> dict[str, Any]:
    """Fields the client sent, in create-schema terms."""
    return body.model_dump(mode="json", exclude_unset=True)
