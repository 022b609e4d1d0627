"""ETag and Cache-Control for GET responses, with 304 on a matching If-None-Match.

A response that brings its own ETag (a record's version and body hash; a list's or facets'
snapshot tag) is passed through as it streams. Any other JSON response is buffered and
tagged with a hash of its body, so the tag changes whenever anything it shows changes,
related records included. Streamed exports are passed through untouched.
"""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path

from starlette.datastructures import Headers, MutableHeaders
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CACHE_CONTROL = "public, no-cache"  # store, but revalidate every time: writes show at once
VARY = "Accept, Accept-Language"


def _matches(if_none_match: str, etag: str) -> bool:
    candidates = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
    return "*" in candidates or etag in candidates


@functools.cache
def code_token() -> str:
    """A hash of this package's code: a new release renders anew, and the workers of every
    host running the same code agree."""
    digest = hashlib.sha256()
    root = Path(__file__).resolve().parents[1]
    for path in sorted(root.rglob("*.py")):
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def snapshot(head: int | None, lang: str, request: Request) -> tuple[str | None, Response | None]:
    """The ETag of a list page or facets, and the 304 to answer with if the request's
    If-None-Match holds it. What they show follows from the change head, the URL and the
    language (and Accept), so both are known before any row is read."""
    if head is None:
        return None, None
    key = "\n".join(
        [code_token(), str(head), lang, request.headers.get("accept", ""), str(request.url)]
    )
    etag = '"s' + hashlib.sha256(key.encode()).hexdigest()[:32] + '"'
    if_none_match = request.headers.get("if-none-match")
    if not if_none_match or not _matches(if_none_match, etag):
        return etag, None
    headers = {"ETag": etag, "Cache-Control": CACHE_CONTROL, "Vary": VARY}
    return etag, Response(status_code=304, headers=headers)


def tagged_json(body: bytes, etag: str | None) -> Response:
    return Response(body, media_type="application/json", headers={"ETag": etag} if etag else None)


class ETagMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD"):
            await self.app(scope, receive, send)
            return
        head = scope["method"] == "HEAD"
        if head:  # routes are declared for GET; HEAD gets the same headers and no body
            scope = {**scope, "method": "GET"}
        if_none_match = Headers(scope=scope).get("if-none-match")
        start: Message | None = None
        chunks: list[bytes] = []

        passing = False  # a response with its own ETag streams through
        dropping = False  # after a 304, the body that follows

        async def wrapped(message: Message) -> None:
            nonlocal start, passing, dropping
            if message["type"] == "http.response.start":
                headers = MutableHeaders(raw=list(message["headers"]))
                own = headers.get("etag")
                json = headers.get("content-type", "").startswith("application/json")
                if message["status"] != 200 or not json:
                    await send(message)
                    return
                if own is None:
                    start = message
                    return
                passing = True
                headers.setdefault("Cache-Control", CACHE_CONTROL)
                headers.append("Vary", VARY)
                if if_none_match and _matches(if_none_match, own):
                    await send(_not_modified(headers))
                    await send({"type": "http.response.body", "body": b""})
                    dropping = True
                    return
                await send({**message, "headers": headers.raw})
                return
            if dropping:
                return
            if start is None:
                await send({**message, "body": b""} if head else message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body", False):
                return
            body = b"".join(chunks)
            headers = MutableHeaders(raw=list(start["headers"]))
            etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
            headers["ETag"] = etag
            headers.setdefault("Cache-Control", CACHE_CONTROL)
            headers.append("Vary", VARY)
            if if_none_match and _matches(if_none_match, etag):
                await send(_not_modified(headers))
                await send({"type": "http.response.body", "body": b""})
                return
            await send({**start, "headers": headers.raw})
            await send({"type": "http.response.body", "body": b"" if head else body})

        await self.app(scope, receive, wrapped)


def _not_modified(headers: MutableHeaders) -> Message:
    del headers["content-length"]
    del headers["content-type"]
    return {"type": "http.response.start", "status": 304, "headers": headers.raw}
