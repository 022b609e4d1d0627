"""Request-scoped dependencies: the session, the read context and parameter checks."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from fastapi import Depends, Header, Query, Request
from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.errors import InvalidInput, InvalidParam
from registry.models import Source
from registry.vocab import VocabIndex


def get_session(request: Request) -> Iterator[Session]:
    """One session per request: committed when the handler succeeds, rolled back otherwise."""
    session: Session = request.app.state.sessionmaker()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


SessionDep = Annotated[Session, Depends(get_session)]


@dataclass
class ReadContext:
    session: Session
    vocab: VocabIndex
    sources: dict[uuid.UUID, Source]
    lang: str


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
    session: SessionDep,
    lang: Annotated[
        Literal["zh", "en"] | None,
        Query(description="Language of `label` fields; defaults to Accept-Language, then en."),
    ] = None,
    accept_language: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> ReadContext:
    chosen = negotiate_lang(lang, accept_language)
    sources = {s.id: s for s in session.scalars(select(Source))}
    return ReadContext(session, VocabIndex.load(session, chosen), sources, chosen)


ReadDep = Annotated[ReadContext, Depends(get_read_context)]


def reject_unknown_params(request: Request) -> None:
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
