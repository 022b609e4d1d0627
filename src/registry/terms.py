"""Admin operations on vocabulary terms, logged like every other record."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pydantic import ValidationError
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from registry.errors import (
    Conflict,
    InvalidInput,
    InvalidParam,
    invalid_input,
    validation_problems,
)
from registry.models import Vocabulary, VocabularyTerm
from registry.models.base import utcnow
from registry.records import documents
from registry.records.changes import diff, record_change
from registry.records.lifecycle import dependents
from registry.records.write import check_version
from registry.schemas.vocabulary import TermCreate
from registry.vocab import VocabIndex

ENTITY = "vocabulary_term"


def term_dict(session: Session, term: VocabularyTerm) -> dict[str, Any]:
    parent = session.get(VocabularyTerm, term.parent_id) if term.parent_id else None
    return {
        "code": term.code,
        "label_en": term.label_en,
        "label_zh": term.label_zh,
        "parent": parent.code if parent else None,
        "description_zh": term.description_zh,
        "description_en": term.description_en,
    }


def case_twin(codes: Iterable[str], code: str) -> str | None:
    """An existing code that differs from `code` only in case (deleted codes count too: the
    unique index on lower(code) holds for them)."""
    return next((c for c in codes if c != code and c.casefold() == code.casefold()), None)


def _live_terms(session: Session, vocabulary: Vocabulary) -> dict[str, VocabularyTerm]:
    return {
        t.code: t
        for t in session.scalars(
            select(VocabularyTerm).where(VocabularyTerm.vocabulary_id == vocabulary.id)
        )
    }


def _parent_id(
    terms: dict[str, VocabularyTerm], data: TermCreate, own: VocabularyTerm | None
) -> Any:
    if data.parent is None:
        return None
    parent = terms.get(data.parent)
    if parent is None or parent.deleted_at is not None:
        raise InvalidInput(
            f"unknown parent code {data.parent!r}",
            invalid_params=[InvalidParam(name="/parent", reason="unknown code")],
        )
    # A term may not become its own ancestor.
    cursor: VocabularyTerm | None = parent
    by_id = {t.id: t for t in terms.values()}
    while cursor is not None:
        if own is not None and cursor.id == own.id:
            raise InvalidInput(
                "a term cannot sit under itself",
                invalid_params=[InvalidParam(name="/parent", reason="would make a cycle")],
            )
        cursor = by_id.get(cursor.parent_id) if cursor.parent_id else None
    return parent.id


def create_term(
    session: Session, vocabulary: Vocabulary, data: TermCreate, actor: str
) -> VocabularyTerm:
    terms = _live_terms(session, vocabulary)
    if data.code in terms:
        raise Conflict(
            f"{vocabulary.name} already has the code {data.code!r}",
            invalid_params=[InvalidParam(name="/code", reason="already exists")],
        )
    twin = case_twin(terms, data.code)
    if twin is not None:
        raise Conflict(
            f"{vocabulary.name} already has the code {twin!r}, which differs from "
            f"{data.code!r} only in case; use {twin!r} or a different code",
            invalid_params=[
                InvalidParam(name="/code", reason=f"differs only in case from {twin!r}")
            ],
        )
    position = session.scalar(
        select(func.coalesce(func.max(VocabularyTerm.position), -1) + 1).where(
            VocabularyTerm.vocabulary_id == vocabulary.id
        )
    )
    term = VocabularyTerm(
        vocabulary_id=vocabulary.id,
        code=data.code,
        label_en=data.label_en,
        label_zh=data.label_zh,
        description_zh=data.description_zh,
        description_en=data.description_en,
        parent_id=_parent_id(terms, data, None),
        position=position,
    )
    session.add(term)
    session.flush()
    record_change(session, ENTITY, term, "create", actor, diff(None, term_dict(session, term)))
    return term


def update_term(
    session: Session,
    vocabulary: Vocabulary,
    term: VocabularyTerm,
    patch: dict[str, Any],
    actor: str,
    expected_version: int,
) -> VocabularyTerm:
    check_version(term, expected_version)
    before = term_dict(session, term)
    try:
        data = TermCreate.model_validate({**before, **patch})
    except ValidationError as exc:
        raise invalid_input(validation_problems(exc)) from exc
    if data.code != term.code:
        raise InvalidInput(
            "codes are permanent; add a new code and retire this one instead",
            invalid_params=[InvalidParam(name="/code", reason="cannot change")],
        )
    term.parent_id = _parent_id(_live_terms(session, vocabulary), data, term)
    term.label_en, term.label_zh = data.label_en, data.label_zh
    term.description_zh, term.description_en = data.description_zh, data.description_en
    after = term_dict(session, term)
    if after != before:
        term.updated_at = utcnow()
        session.flush()
        record_change(session, ENTITY, term, "update", actor, diff(before, after))
        if (before["label_en"], before["label_zh"]) != (data.label_en, data.label_zh):
            # Documents embed the labels: `q` must find the records by the new ones.
            documents.refresh_embedding(session, VocabIndex.load(session), None, term.id)
    return term


def _blockers(session: Session, term: VocabularyTerm, *, live_only: bool) -> list[str]:
    found = dependents(session, VocabularyTerm.__table__, term.id, live_only=live_only)
    children = select(VocabularyTerm.code).where(VocabularyTerm.parent_id == term.id)
    if live_only:
        children = children.where(VocabularyTerm.deleted_at.is_(None))
    return found + [f"vocabulary_term:{code}" for code in session.scalars(children)]


def delete_term(session: Session, term: VocabularyTerm, actor: str, expected_version: int) -> None:
    check_version(term, expected_version)
    blockers = _blockers(session, term, live_only=True)
    if blockers:
        raise Conflict(
            f"the code {term.code!r} is still used by: " + ", ".join(blockers),
            invalid_params=[InvalidParam(name=b, reason="still uses it") for b in blockers],
        )
    term.deleted_at = utcnow()
    session.flush()
    record_change(
        session, ENTITY, term, "delete", actor, {"deleted_at": [None, term.deleted_at.isoformat()]}
    )


def restore_term(session: Session, term: VocabularyTerm, actor: str) -> None:
    if term.deleted_at is None:
        raise Conflict(f"the code {term.code!r} is not deleted")
    deleted = term.deleted_at.isoformat()
    term.deleted_at = None
    term.updated_at = utcnow()
    session.flush()
    record_change(session, ENTITY, term, "restore", actor, {"deleted_at": [deleted, None]})


def purge_term(session: Session, term: VocabularyTerm, actor: str) -> None:
    if term.deleted_at is None:
        raise Conflict(f"delete the code {term.code!r} before purging it")
    blockers = _blockers(session, term, live_only=False)
    if blockers:
        raise Conflict(
            "deleted records still use it: " + ", ".join(blockers),
            invalid_params=[InvalidParam(name=b, reason="still uses it") for b in blockers],
        )
    snapshot = term_dict(session, term)
    record_change(
        session, ENTITY, term, "purge", actor, {k: [v, None] for k, v in snapshot.items()}
    )
    session.execute(delete(VocabularyTerm).where(VocabularyTerm.id == term.id))
