"""An in-memory index of every vocabulary term, loaded once per request or seed run.

Vocabularies are small (hundreds of rows), so one query replaces a join per code in every
read and every write.
"""

from __future__ import annotations

import difflib
import operator
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.models import Vocabulary, VocabularyTerm
from registry.schemas.common import TermRef


@dataclass(frozen=True, slots=True)
class Term:
    id: uuid.UUID
    vocabulary: str
    code: str
    label_en: str
    label_zh: str
    parent: str | None
    position: int
    deleted: bool = False

    def ref(self, lang: str = "en") -> TermRef:
        return TermRef(
            code=self.code,
            label=self.label_zh if lang == "zh" else self.label_en,
            label_en=self.label_en,
            label_zh=self.label_zh,
            parent=self.parent,
        )


class VocabIndex:
    def __init__(self, terms: list[Term], lang: str = "en") -> None:
        self.lang = lang
        self.by_id: dict[uuid.UUID, Term] = {t.id: t for t in terms}
        self.by_code: dict[tuple[str, str], Term] = {(t.vocabulary, t.code): t for t in terms}
        self.vocabularies: set[str] = {t.vocabulary for t in terms}
        # The index is shared by every request until a write; so are its rendered refs.
        self._refs: dict[uuid.UUID, TermRef] = {}
        self._json: dict[uuid.UUID | str, dict[str, Any]] = {}
        self._grouped: dict[str, dict[str, list[dict[str, Any]]]] = {}
        self._codes: dict[str, dict[str, str]] = {}
        self._by_text: dict[str, Term] | None = None

    @classmethod
    def load(cls, session: Session, lang: str = "en") -> VocabIndex:
        parent = VocabularyTerm.__table__.alias("parent")
        rows = session.execute(
            select(
                VocabularyTerm.id,
                Vocabulary.name,
                VocabularyTerm.code,
                VocabularyTerm.label_en,
                VocabularyTerm.label_zh,
                parent.c.code,
                VocabularyTerm.position,
                VocabularyTerm.deleted_at.is_not(None),
            )
            .join(Vocabulary, Vocabulary.id == VocabularyTerm.vocabulary_id)
            .outerjoin(parent, parent.c.id == VocabularyTerm.parent_id)
        ).all()
        return cls([Term(*row) for row in rows], lang)

    def get(self, vocabulary: str, code: str) -> Term | None:
        """A live term; deleted terms still render on old records but take no new uses."""
        term = self.by_code.get((vocabulary, code))
        return None if term is None or term.deleted else term

    def unknown(self, vocabulary: str, code: str) -> str:
        """Why `code` is refused, with the nearest live codes (by code or by label, so
        `Sichuan` suggests CN-SC) and where the valid ones are listed."""
        if vocabulary not in self.vocabularies:
            return f"unknown vocabulary {vocabulary!r}"
        terms = [t for t in self.by_id.values() if t.vocabulary == vocabulary and not t.deleted]
        names: dict[str, str] = {}
        for t in terms:
            for name in (t.code, t.label_en, t.label_zh):
                names.setdefault(name.casefold(), t.code)
        exact = names.get(code.casefold())  # a label or a code in the wrong case
        close = difflib.get_close_matches(code.casefold(), list(names), n=6, cutoff=0.6)
        nearest = [exact] if exact else list(dict.fromkeys(names[c] for c in close))[:3]
        hint = f"; did you mean {' or '.join(map(repr, nearest))}?" if nearest else ";"
        return (
            f"unknown code {code!r} in vocabulary {vocabulary}{hint} "
            f"the codes are listed at /api/v1/vocabularies/{vocabulary}"
        )

    def descendants(self, term: Term) -> list[Term]:
        found: list[Term] = []
        frontier = [term.code]
        while frontier:
            children = [
                t
                for t in self.by_id.values()
                if t.vocabulary == term.vocabulary and t.parent in frontier
            ]
            found += children
            frontier = [t.code for t in children]
        return found

    def term(self, term_id: uuid.UUID) -> TermRef:
        ref = self._refs.get(term_id)
        if ref is None:
            ref = self._refs[term_id] = self.by_id[term_id].ref(self.lang)
        return ref

    def term_json(self, term_id: uuid.UUID | str) -> dict[str, Any]:
        """`term(term_id)` as the JSON it renders to, shared by every record using it; the
        id may come as text, with or without hyphens."""
        found = self._json.get(term_id)
        if found is None:
            term = self._text(term_id) if isinstance(term_id, str) else self.by_id[term_id]
            found = self._json[term_id] = self.term(term.id).model_dump(mode="json")
        return found

    def _text(self, term_id: str) -> Term:
        if self._by_text is None:
            self._by_text = {form: t for t in self.by_id.values() for form in _texts(t.id)}
        return self._by_text[term_id]

    def grouped_json(self, packed: str) -> dict[str, list[dict[str, Any]]]:
        """`grouped` for comma-separated term ids (as the database writes them, with or
        without hyphens), as JSON; records with the same terms share the answer."""
        found = self._grouped.get(packed)
        if found is None:
            found = {}
            for term in self._sorted(packed):
                found.setdefault(term.vocabulary, []).append(self.term_json(term.id))
            if len(self._grouped) < 10_000:  # bounded: most records share a few sets
                self._grouped[packed] = found
        return found

    def grouped_codes(self, packed: str) -> dict[str, str]:
        """`grouped_json`'s codes per vocabulary, joined with `;` as a CSV cell holds them."""
        found = self._codes.get(packed)
        if found is None:
            lists: dict[str, list[str]] = {}
            for term in self._sorted(packed):
                lists.setdefault(term.vocabulary, []).append(term.code)
            found = {vocabulary: ";".join(codes) for vocabulary, codes in lists.items()}
            if len(self._codes) < 10_000:
                self._codes[packed] = found
        return found

    def _sorted(self, packed: str) -> list[Term]:
        """The terms of comma-separated ids, in their vocabularies' order."""
        return sorted(map(self._text, filter(None, packed.split(","))), key=_order)

    def ref(self, term_id: uuid.UUID | None) -> TermRef | None:
        return None if term_id is None else self.term(term_id)

    def refs(self, term_ids: list[uuid.UUID], vocabulary: str) -> list[TermRef]:
        return self.grouped(term_ids).get(vocabulary, [])

    def grouped(self, term_ids: list[uuid.UUID]) -> dict[str, list[TermRef]]:
        """A record's terms by vocabulary, each list in the vocabulary's order."""
        terms = sorted((self.by_id[t] for t in term_ids), key=lambda t: (t.position, t.code))
        out: dict[str, list[TermRef]] = {}
        for term in terms:
            out.setdefault(term.vocabulary, []).append(self.term(term.id))
        return out

    def ids(self, vocabulary: str) -> list[uuid.UUID]:
        terms = sorted(
            (t for t in self.by_id.values() if t.vocabulary == vocabulary and not t.deleted),
            key=lambda t: (t.position, t.code),
        )
        return [t.id for t in terms]

    def codes(self, vocabulary: str) -> list[str]:
        terms = sorted(
            (t for t in self.by_id.values() if t.vocabulary == vocabulary and not t.deleted),
            key=lambda t: (t.position, t.code),
        )
        return [t.code for t in terms]


def _texts(term_id: uuid.UUID) -> tuple[str, str]:
    return term_id.hex, str(term_id)


# A vocabulary's order: by position, then code.
_order = operator.attrgetter("position", "code")
