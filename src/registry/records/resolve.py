"""Vocabulary codes and record references to ids, collecting every failure."""

from __future__ import annotations

import difflib
import uuid
from dataclasses import dataclass, field

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.entities import ENTITIES
from registry.errors import InvalidParam, invalid_input
from registry.records.markers import fields
from registry.schemas.common import VocabRef
from registry.vocab import VocabIndex


@dataclass
class Resolver:
    session: Session
    vocab: VocabIndex
    errors: list[InvalidParam] = field(default_factory=list)
    _records: dict[tuple[str, str], uuid.UUID | None] = field(default_factory=dict)

    def term(self, pointer: str, vocabulary: str, code: str) -> uuid.UUID | None:
        term = self.vocab.get(vocabulary, code)
        if term is None:
            self.errors.append(
                InvalidParam(name=pointer, reason=self.vocab.unknown(vocabulary, code))
            )
            return None
        return term.id

    def record(self, pointer: str, entity_name: str, ref: str) -> uuid.UUID | None:
        cache_key = (entity_name, ref)
        if cache_key not in self._records:
            entity = ENTITIES[entity_name]
            condition = entity.ref_condition(ref)
            self._records[cache_key] = self.session.scalar(select(entity.model.id).where(condition))
        found = self._records[cache_key]
        if found is None:
            self.errors.append(InvalidParam(name=pointer, reason=self._missing(entity_name, ref)))
        return found

    def _missing(self, entity_name: str, ref: str) -> str:
        """No such record, with the nearest natural keys sharing its first letters."""
        entity = ENTITIES[entity_name]
        reason = f"no {entity.label} {ref!r}"
        prefix = ref[:3]
        if prefix and not prefix.isspace():
            key = entity.key_column
            # A range on the unique key's index, however large the table.
            keys = self.session.scalars(
                select(key).where(key >= prefix, key < prefix + "\uffff").order_by(key).limit(500)
            ).all()
            nearest = difflib.get_close_matches(ref, [str(k) for k in keys], n=3, cutoff=0.6)
            if nearest:
                reason += f"; did you mean {' or '.join(map(repr, nearest))}?"
        if entity.resource:
            reason += (" " if reason.endswith("?") else "; ") + (
                f"look it up at /api/v1/{entity.resource}?q=…"
            )
        return reason

    def remember(self, entity_name: str, ids: dict[str, uuid.UUID]) -> None:
        """Pre-resolved references (natural key to id), so `record` needs no query."""
        self._records.update(((entity_name, k), v) for k, v in ids.items())

    def take_errors(self) -> list[InvalidParam]:
        errors, self.errors = self.errors, []
        return errors

    def check(self, model: BaseModel, pointer: str = "") -> None:
        """Check every code and reference inside `model`, nested models included."""
        for spec in fields(type(model)):
            value = getattr(model, spec.name)
            path = f"{pointer}/{spec.name}"
            for in_list, marker in spec.markers:
                items = list(enumerate(value)) if in_list else [(None, value)]
                for index, item in items:
                    if item is None:
                        continue
                    at = path if index is None else f"{path}/{index}"
                    if isinstance(marker, VocabRef):
                        self.term(at, marker.vocabulary, item)
                    else:
                        self.record(at, marker.entity, item)
            nested = value if isinstance(value, list) else [value]
            for index, item in enumerate(nested):
                if isinstance(item, BaseModel):
                    self.check(item, f"{path}/{index}" if isinstance(value, list) else path)

    def raise_if_errors(self) -> None:
        if self.errors:
            raise invalid_input(self.take_errors())
