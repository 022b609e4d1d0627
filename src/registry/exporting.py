"""`registry export`: the whole registry as seed files, which `registry seed` loads back."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from registry.entities import ENTITIES
from registry.models import Source, Vocabulary
from registry.records.mapping import to_create_dict
from registry.seeding.loader import ENTITY_ORDER
from registry.terms import term_dict
from registry.vocab import VocabIndex


def _dump(path: Path, data: Any) -> None:
    path.write_text(
        yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100), encoding="utf-8"
    )


def export(session: Session, target: Path) -> dict[str, int]:
    """Write live records in the seeds' format; returns the count per file."""
    counts: dict[str, int] = {}
    (target / "vocabularies").mkdir(parents=True, exist_ok=True)
    vocab = VocabIndex.load(session)
    vocabularies = session.scalars(
        select(Vocabulary).options(selectinload(Vocabulary.terms)).order_by(Vocabulary.name)
    )
    for vocabulary in vocabularies:
        terms = [term_dict(session, t) for t in vocabulary.terms if t.deleted_at is None]
        _dump(
            target / "vocabularies" / f"{vocabulary.name}.yaml",
            {
                "vocabulary": vocabulary.name,
                "label_en": vocabulary.label_en,
                "label_zh": vocabulary.label_zh,
                "description_zh": vocabulary.description_zh,
                "description_en": vocabulary.description_en,
                "terms": terms,
            },
        )
        counts[f"vocabularies/{vocabulary.name}.yaml"] = len(terms)
    for name in ENTITY_ORDER:
        entity = ENTITIES[name]
        query = select(entity.model).order_by(entity.key_column)
        if entity.model is not Source:
            query = query.where(entity.model.deleted_at.is_(None))
        rows = [to_create_dict(session, entity, obj, vocab) for obj in session.scalars(query)]
        _dump(target / entity.seed_file, rows)
        counts[entity.seed_file] = len(rows)
    return counts
