"""Reads on a streaming replica, writes on the primary (`REGISTRY_READ_DATABASE_URL`).

A write's response names the newest change it can see once it has committed
(`Registry-Change`). A read that sends that number back as `Registry-Min-Change` is served
by the replica only once the replica shows that change, and by the primary until then, so
a client always reads its own writes. PostgreSQL writes are serialised by one advisory lock
(`writing.write_context`), so change ids commit in order and a replica's newest change id
says exactly how far it has replayed.

A replica that fails (down, unreachable, or a query cancelled by its recovery) is left
alone for `replica_retry_s` seconds; its reads go to the primary, the client sees no error.
Writes, tokens and If-Match checks always read the primary.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import Engine
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.orm import Session, sessionmaker
from starlette.datastructures import Headers, MutableHeaders
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from registry.errors import InvalidInput, InvalidParam
from registry.records.changes import change_head

logger = logging.getLogger(__name__)
R = TypeVar("R")

CHANGE_HEADER = "Registry-Change"
MIN_CHANGE_HEADER = "Registry-Min-Change"
# Where `commit` leaves the change head for the response header (the request's state).
STATE_KEY = "registry_change"

# What a failing replica raises: a refused or broken connection, a cancelled query.
REPLICA_ERRORS = (OperationalError, InterfaceError)


def min_change(request: Request) -> int | None:
    """The change a read must see (`Registry-Min-Change`), or None; 422 when malformed."""
    raw = request.headers.get(MIN_CHANGE_HEADER)
    if raw is None:
        return None
    value = raw.strip()
    if not value.isascii() or not value.isdigit() or len(value) > 18:
        raise InvalidInput(
            f"{MIN_CHANGE_HEADER} must be a change id, a whole number such as 1234: send back "
            f"the {CHANGE_HEADER} header of your last write",
            invalid_params=[
                InvalidParam(name=MIN_CHANGE_HEADER, reason=f"not a change id: {raw!r}")
            ],
        )
    return int(value)


class ReadRoute:
    """Which database a read runs on: the replica when there is one, it is up and it shows
    the change the read asks for; the primary otherwise."""

    def __init__(
        self,
        primary: sessionmaker[Session],
        replica: sessionmaker[Session] | None = None,
        *,
        replica_engine: Engine | None = None,
        retry_s: float = 5.0,
    ) -> None:
        self.primary, self.replica, self.replica_engine = primary, replica, replica_engine
        self.retry_s = retry_s
        self._down_until = 0.0
        self._lock = threading.Lock()

    def replica_up(self) -> bool:
        return self.replica is not None and time.monotonic() >= self._down_until

    def mark_down(self, exc: BaseException) -> None:
        with self._lock:
            self._down_until = time.monotonic() + self.retry_s
        logger.warning(
            "read replica failed; reads go to the primary for %g s: %s", self.retry_s, exc
        )

    def run(self, wanted: int | None, work: Callable[[Session], R]) -> R:
        """`work` in a read session; on the replica if it can answer, else on the primary.
        Reads have no effects, so one the replica failed is run again on the primary."""
        if self.replica is not None and self.replica_up():
            try:
                with self.replica() as session:
                    one_snapshot(session)
                    if wanted is None or change_head(session) >= wanted:
                        return work(session)
            except REPLICA_ERRORS as exc:
                self.mark_down(exc)
        with self.primary() as session:
            one_snapshot(session)
            return work(session)

    def factory(self, wanted: int | None) -> sessionmaker[Session]:
        """The sessionmaker for a read that runs later, such as an export's stream: the
        replica if it is up and shows `wanted` now."""
        head = self._replica_head()
        if self.replica is not None and head is not None and (wanted is None or head >= wanted):
            return self.replica
        return self.primary

    def status(self) -> str | None:
        """For /healthz: None without a replica, else "ok", "down" or "unreachable"."""
        if self.replica is None:
            return None
        if not self.replica_up():
            return "down"
        return "ok" if self._replica_head() is not None else "unreachable"

    def _replica_head(self) -> int | None:
        """The replica's change head, or None when there is none, it is down, or it fails
        now (which marks it down)."""
        if self.replica is None or not self.replica_up():
            return None
        try:
            with self.replica() as session:
                return change_head(session)
        except REPLICA_ERRORS as exc:
            self.mark_down(exc)
            return None


def one_snapshot(session: Session) -> None:
    """A read sees one snapshot from its first statement to its last: its change head,
    the match index refreshed to it, its count and its rows agree. SQLite's read
    transaction does that already; PostgreSQL's default gives each statement its own."""
    if session.get_bind().dialect.name == "postgresql":
        session.connection(execution_options={"isolation_level": "REPEATABLE READ"})


def note_change(state: Any, head: int) -> None:
    """Record a committed write's change head for its response's `Registry-Change`."""
    setattr(state, STATE_KEY, head)


class ChangeHeaderMiddleware:
    """Adds `Registry-Change` to the response of a write that committed."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        state: dict[str, Any] = scope.setdefault("state", {})

        async def wrapped(message: Message) -> None:
            if message["type"] == "http.response.start" and STATE_KEY in state:
                headers = MutableHeaders(raw=list(message["headers"]))
                headers[CHANGE_HEADER] = str(state[STATE_KEY])
                message = {**message, "headers": headers.raw}
            await send(message)

        await self.app(scope, receive, wrapped)


def names_a_change(scope: Scope) -> bool:
    """A read that names a change: the fast detail path leaves it to the routes."""
    return MIN_CHANGE_HEADER.lower() in Headers(scope=scope)
