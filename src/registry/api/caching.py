"""ETag and Cache-Control for GET responses, with 304 on a matching If-None-Match.

The ETag hashes the body, so it changes whenever anything a response shows changes,
including related records. Streamed exports are passed through untouched.
"""

from __future__ import annotations

import hashlib

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CACHE_CONTROL = "public, no-cache"  # store, but revalidate every time: writes show at once


def _matches(if_none_match: str, etag: str) -> bool:
    candidates = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
    return "*" in candidates or etag in candidates


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

        async def wrapped(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                headers = Headers(raw=message["headers"])
                cacheable = message["status"] == 200 and headers.get("content-type", "").startswith(
                    "application/json"
                )
                if not cacheable:
                    await send(message)
                    return
                start = message
                return
            if start is None:
                await send({**message, "body": b""} if head else message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body", False):
                return
            body = b"".join(chunks)
            headers = MutableHeaders(raw=list(start["headers"]))
            # Records bring their own ETag (version and body hash, for If-Match too).
            etag = headers.get("etag") or '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
            headers["ETag"] = etag
            headers.setdefault("Cache-Control", CACHE_CONTROL)
            headers.append("Vary", "Accept, Accept-Language")
            if if_none_match and _matches(if_none_match, etag):
                del headers["content-length"]
                del headers["content-type"]
                await send({"type": "http.response.start", "status": 304, "headers": headers.raw})
                await send({"type": "http.response.body", "body": b""})
                return
            await send({**start, "headers": headers.raw})
            await send({"type": "http.response.body", "body": b"" if head else body})

        await self.app(scope, receive, wrapped)
