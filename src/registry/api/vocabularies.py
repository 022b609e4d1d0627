"""/api/v1/vocabularies: every controlled vocabulary with its codes and labels."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from registry.api.deps import ReadContext, ReadDep, reject_unknown_params
from registry.api.openapi import DETAIL_ERRORS, LIST_ERRORS
from registry.errors import NotFound
from registry.models import Vocabulary
from registry.schemas.vocabulary import TermRead, VocabularyRead

router = APIRouter(
    prefix="/api/v1/vocabularies",
    tags=["vocabularies"],
    dependencies=[Depends(reject_unknown_params)],
)


def _read(vocabulary: Vocabulary, ctx: ReadContext) -> VocabularyRead:
    return VocabularyRead(
        id=vocabulary.id,
        version=vocabulary.version,
        created_at=vocabulary.created_at,
        updated_at=vocabulary.updated_at,
        name=vocabulary.name,
        label_en=vocabulary.label_en,
        label_zh=vocabulary.label_zh,
        description=vocabulary.description,
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
                description=t.description,
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
