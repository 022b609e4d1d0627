"""/api/v1/vocabularies: every controlled vocabulary with its codes and labels."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from registry import terms
from registry.api.deps import ReadContext, ReadDep, reads, reject_unknown_params
from registry.api.history import changes_of
from registry.api.openapi import DETAIL_ERRORS, LIST_ERRORS
from registry.api.responses import record_response
from registry.api.writing import (
    CREATE_ERRORS,
    PATCH_ERRORS,
    WRITE_ERRORS,
    AdminDep,
    EditorDep,
    IfMatch,
    commit,
    matched_version,
    patch_fields,
)
from registry.errors import Gone, NotFound
from registry.models import Vocabulary, VocabularyTerm
from registry.schemas.common import ChangeRead, pick
from registry.schemas.vocabulary import TermCreate, TermRead, TermUpdate, VocabularyRead
from registry.vocab import VocabIndex

router = APIRouter(
    prefix="/api/v1/vocabularies",
    tags=["vocabularies"],
    dependencies=[Depends(reject_unknown_params)],
)


def _described(row: Vocabulary | VocabularyTerm, lang: str) -> dict[str, str | None]:
    zh, en = row.description_zh, row.description_en
    return {"description": pick(zh, en, lang), "description_zh": zh, "description_en": en}


def _read(vocabulary: Vocabulary, ctx: ReadContext) -> VocabularyRead:
    return VocabularyRead(
        id=vocabulary.id,
        version=vocabulary.version,
        created_at=vocabulary.created_at,
        updated_at=vocabulary.updated_at,
        name=vocabulary.name,
        label_en=vocabulary.label_en,
        label_zh=vocabulary.label_zh,
        **_described(vocabulary, ctx.lang),
        terms=[
            TermRead(
                id=t.id,
                version=t.version,
                created_at=t.created_at,
                updated_at=t.updated_at,
                code=t.code,
                label=t.label_zh if ctx.lang == "zh" else t.label_en,
                label_en=t.label_en,
                label_zh=t.label_zh,
                parent=ctx.vocab.by_id[t.id].parent,
                **_described(t, ctx.lang),
            )
            for t in vocabulary.terms
        ],
    )


@router.get(
    "",
    operation_id="list_vocabularies",
    response_model=list[VocabularyRead],
    responses=LIST_ERRORS,
)
@reads
def list_vocabularies(ctx: ReadDep) -> list[VocabularyRead]:
    """Every vocabulary with its terms, in their documented order."""
    rows = ctx.session.scalars(
        select(Vocabulary).options(selectinload(Vocabulary.terms)).order_by(Vocabulary.name)
    )
    return [_read(v, ctx) for v in rows]


@router.get(
    "/{name}",
    operation_id="get_vocabulary",
    response_model=VocabularyRead,
    responses=DETAIL_ERRORS,
)
@reads
def get_vocabulary(
    ctx: ReadDep, name: Annotated[str, Path(max_length=64, examples=["target_group"])]
) -> VocabularyRead:
    """One vocabulary by name, with its terms."""
    vocabulary = ctx.session.scalar(
        select(Vocabulary).where(Vocabulary.name == name).options(selectinload(Vocabulary.terms))
    )
    if vocabulary is None:
        raise NotFound(f"No vocabulary named {name!r}.")
    return _read(vocabulary, ctx)


Code = Annotated[str, Path(max_length=64, examples=["left_behind"])]
Name = Annotated[str, Path(max_length=64, examples=["target_group"])]


def _vocabulary(session: Session, name: str) -> Vocabulary:
    vocabulary = session.scalar(select(Vocabulary).where(Vocabulary.name == name))
    if vocabulary is None:
        raise NotFound(f"No vocabulary named {name!r}.")
    return vocabulary


def _term(session: Session, name: str, code: str, *, deleted: bool = False) -> VocabularyTerm:
    vocabulary = _vocabulary(session, name)
    term = session.scalar(
        select(VocabularyTerm).where(
            VocabularyTerm.vocabulary_id == vocabulary.id, VocabularyTerm.code == code
        )
    )
    if term is None:
        raise NotFound(f"No code {code!r} in vocabulary {name!r}.")
    if term.deleted_at is not None and not deleted:
        raise Gone(f"The code {code!r} was deleted; an admin can restore it.")
    return term


def _term_read(session: Session, term: VocabularyTerm, lang: str) -> TermRead:
    parent = session.get(VocabularyTerm, term.parent_id) if term.parent_id else None
    return TermRead(
        id=term.id,
        version=term.version,
        created_at=term.created_at,
        updated_at=term.updated_at,
        code=term.code,
        label=term.label_zh if lang == "zh" else term.label_en,
        label_en=term.label_en,
        label_zh=term.label_zh,
        parent=parent.code if parent else None,
        **_described(term, lang),
    )


def _term_view(session: Session, term: VocabularyTerm) -> Callable[[VocabIndex], TermRead]:
    return lambda vocab: _term_read(session, term, vocab.lang)


@router.get(
    "/{name}/terms/{code}",
    operation_id="get_vocabulary_term",
    response_model=TermRead,
    responses=DETAIL_ERRORS,
)
@reads
def get_vocabulary_term(ctx: ReadDep, name: Name, code: Code) -> Response:
    """One code of a vocabulary, with its labels."""
    term = _term(ctx.session, name, code)
    return record_response(_term_read(ctx.session, term, ctx.lang), term.version)


@router.post(
    "/{name}/terms",
    operation_id="create_vocabulary_term",
    status_code=201,
    response_model=TermRead,
    responses=CREATE_ERRORS,
)
def create_vocabulary_term(
    ctx: EditorDep, request: Request, name: Name, body: TermCreate
) -> Response:
    """Add a code to a vocabulary."""
    term = terms.create_term(ctx.session, _vocabulary(ctx.session, name), body, ctx.actor.name)
    read = _term_read(ctx.session, term, ctx.lang)
    commit(ctx)
    location = str(request.url_for("get_vocabulary_term", name=name, code=term.code))
    return record_response(read, term.version, status=201, location=location)


@router.patch(
    "/{name}/terms/{code}",
    operation_id="update_vocabulary_term",
    response_model=TermRead,
    responses=PATCH_ERRORS,
)
def update_vocabulary_term(
    ctx: EditorDep,
    name: Name,
    code: Code,
    body: TermUpdate,  # type: ignore[valid-type]
    if_match: IfMatch = None,
) -> Response:
    """Change a code's labels, description or parent (the code itself is permanent)."""
    term = _term(ctx.session, name, code)
    version = matched_version(ctx, if_match, term, _term_view(ctx.session, term))
    terms.update_term(
        ctx.session,
        _vocabulary(ctx.session, name),
        term,
        patch_fields(body),
        ctx.actor.name,
        version,
    )
    read = _term_read(ctx.session, term, ctx.lang)
    commit(ctx)
    return record_response(read, term.version)


@router.delete(
    "/{name}/terms/{code}",
    operation_id="delete_vocabulary_term",
    status_code=204,
    responses=WRITE_ERRORS,
)
def delete_vocabulary_term(
    ctx: AdminDep, name: Name, code: Code, if_match: IfMatch = None
) -> Response:
    """Retire a code no live record uses; old references still render it."""
    term = _term(ctx.session, name, code)
    version = matched_version(ctx, if_match, term, _term_view(ctx.session, term))
    terms.delete_term(ctx.session, term, ctx.actor.name, version)
    commit(ctx)
    return Response(status_code=204)


@router.post(
    "/{name}/terms/{code}/restore",
    operation_id="restore_vocabulary_term",
    response_model=TermRead,
    responses=WRITE_ERRORS,
)
def restore_vocabulary_term(ctx: AdminDep, name: Name, code: Code) -> Response:
    """Bring a retired code back."""
    term = _term(ctx.session, name, code, deleted=True)
    terms.restore_term(ctx.session, term, ctx.actor.name)
    read = _term_read(ctx.session, term, ctx.lang)
    commit(ctx)
    return record_response(read, term.version)


@router.post(
    "/{name}/terms/{code}/purge",
    operation_id="purge_vocabulary_term",
    status_code=204,
    responses=WRITE_ERRORS,
)
def purge_vocabulary_term(ctx: AdminDep, name: Name, code: Code) -> Response:
    """Remove a retired code for good; its history stays."""
    terms.purge_term(ctx.session, _term(ctx.session, name, code, deleted=True), ctx.actor.name)
    commit(ctx)
    return Response(status_code=204)


@router.get(
    "/{name}/terms/{code}/history",
    operation_id="vocabulary_term_history",
    response_model=list[ChangeRead],
    responses=DETAIL_ERRORS,
)
@reads
def vocabulary_term_history(ctx: ReadDep, name: Name, code: Code) -> list[ChangeRead]:
    """Every version of a code."""
    term = _term(ctx.session, name, code, deleted=True)
    return changes_of(ctx.session, terms.ENTITY, term.id)
