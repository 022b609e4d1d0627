"""413 as problem+json for request bodies over the configured size, declared or streamed."""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from registry.errors import problem_response


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, default: int, limits: dict[str, int]) -> None:
        self.app = app
        self.default = default
        self.limits = limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limits.get(scope["path"], self.default)
        declared = Headers(scope=scope).get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            response = problem_response(
                413, f"the body may be at most {limit} bytes", instance=scope["path"]
            )
            await response(scope, receive, send)
            return
        seen = 0
        too_large = False

        async def counted() -> Message:
            nonlocal seen, too_large
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > limit:
                # Stop reading; whatever the app answers to the cut body is replaced below.
                too_large = True
                return {"type": "http.request", "body": b"", "more_body": False}
            return message

        async def guarded(message: Message) -> None:
            if not too_large:
                await send(message)
            elif message["type"] == "http.response.start":
                response = problem_response(
                    413, f"the body may be at most {limit} bytes", instance=scope["path"]
                )
                await send(
                    {
                        "type": "http.response.start",
                        "status": 413,
                        "headers": response.raw_headers,
                    }
                )
                await send({"type": "http.response.body", "body": response.body})

        await self.app(scope, counted, guarded)
