"""`registry seed`: validate everything, then write everything in one transaction."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel, ValidationError
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from registry.db import write_session
from registry.entities import ENTITIES, Entity
from registry.errors import InvalidInput
from registry.schemas.vocabulary import VocabularyCreate
from registry.seeding.files import Row, SeedFileError, read_rows, read_vocabulary
from registry.vocab import VocabIndex
from registry.writes import upsert, upsert_vocabulary

ENTITY_ORDER = [
    "source",
    "organization",
    "program",
    "policy",
    "service_station",
    "hotline",
    "hotline_metric",
    "figure",
]


class SeedError(Exception):
    """Raised with every problem found; nothing has been written when it is raised."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass
class SeedSet:
    vocabularies: list[tuple[Row, VocabularyCreate]] = field(default_factory=list)
    records: dict[str, list[tuple[Row, BaseModel]]] = field(default_factory=dict)

    def row_count(self) -> int:
        terms = sum(len(v.terms) for _, v in self.vocabularies)
        return terms + sum(len(rows) for rows in self.records.values())


@dataclass
class Summary:
    counts: dict[str, Counter[str]] = field(default_factory=dict)
    dry_run: bool = False

    def add(self, entity: str, outcome: str, n: int = 1) -> None:
        self.counts.setdefault(entity, Counter())[outcome] += n

    @property
    def changed(self) -> bool:
        return any(c["created"] or c["updated"] for c in self.counts.values())


def _pydantic_problems(row: Row, exc: ValidationError, prefix: str = "") -> list[str]:
    problems = []
    for err in exc.errors():
        pointer = prefix + "/" + "/".join(str(p) for p in err["loc"])
        problems.append(f"{row.where(pointer)}: {err['msg']}")
    return problems


def read_seed_set(root: Path) -> SeedSet:
    """Parse and validate every seed file; raise SeedError listing every problem."""
    if not root.is_dir():
        raise SeedError([f"{root}: no such seed directory"])
    seeds = SeedSet()
    problems: list[str] = []
    for path in sorted((root / "vocabularies").glob("*.yaml")):
        try:
            header, terms = read_vocabulary(path)
        except SeedFileError as exc:
            problems.append(str(exc))
            continue
        try:
            seeds.vocabularies.append((header, VocabularyCreate.model_validate(header.data)))
        except ValidationError as exc:
            for err in exc.errors():
                loc = list(err["loc"])
                if loc[:1] == ["terms"] and len(loc) > 1 and isinstance(loc[1], int):
                    row = terms[loc[1]] if loc[1] < len(terms) else header
                    pointer = "/" + "/".join(str(p) for p in loc[2:])
                    problems.append(f"{row.where(pointer)}: {err['msg']}")
                else:
                    pointer = "/" + "/".join(str(p) for p in loc)
                    problems.append(f"{header.where(pointer)}: {err['msg']}")
        _check_unique(terms, "code", problems)
    names = Counter(v.vocabulary for _, v in seeds.vocabularies)
    problems += [
        f"{root}/vocabularies: vocabulary {n!r} defined twice" for n, c in names.items() if c > 1
    ]
    for name in ENTITY_ORDER:
        entity = ENTITIES[name]
        path = root / entity.seed_file
        if not path.exists():
            continue
        try:
            rows = read_rows(path)
        except SeedFileError as exc:
            problems.append(str(exc))
            continue
        validated: list[tuple[Row, BaseModel]] = []
        for row in rows:
            if not isinstance(row.data, dict):
                problems.append(f"{row.where()}: expected a mapping of fields")
                continue
            try:
                validated.append((row, entity.create.model_validate(row.data)))
            except ValidationError as exc:
                problems += _pydantic_problems(row, exc)
        _check_unique(rows, entity.key, problems)
        seeds.records[name] = validated
    if problems:
        raise SeedError(problems)
    return seeds


def _check_unique(rows: list[Row], key: str, problems: list[str]) -> None:
    seen: dict[object, Row] = {}
    for row in rows:
        value = row.data.get(key) if isinstance(row.data, dict) else None
        if value is None:
            continue
        if value in seen:
            first = seen[value].index
            problems.append(
                f"{row.where('/' + key)}: duplicate {key} {value!r}, first at row {first}"
            )
        else:
            seen[value] = row


def write_seed_set(
    session: Session, seeds: SeedSet, advance: Callable[[int], None] | None = None
) -> Summary:
    """Upsert everything into `session`; raise SeedError (and write nothing) on any problem."""
    summary = Summary()
    problems: list[str] = []
    for header, vocabulary in seeds.vocabularies:
        try:
            counts = upsert_vocabulary(session, vocabulary)
        except InvalidInput as exc:
            problems += [f"{header.where(p.name)}: {p.reason}" for p in exc.invalid_params or []]
            continue
        for outcome, n in counts.items():
            summary.add("vocabulary_term", outcome, n)
        if advance:
            advance(len(vocabulary.terms))
    if problems:
        raise SeedError(problems)
    vocab = VocabIndex.load(session)
    for name in ENTITY_ORDER:
        entity: Entity = ENTITIES[name]
        for row, data in seeds.records.get(name, []):
            try:
                _, outcome = upsert(session, entity, data, vocab)
            except InvalidInput as exc:
                problems += [f"{row.where(p.name)}: {p.reason}" for p in exc.invalid_params or []]
                continue
            except SQLAlchemyError as exc:
                reason = str(getattr(exc, "orig", None) or exc)
                raise SeedError([f"{row.where()}: the database refused the row: {reason}"]) from exc
            summary.add(name, outcome)
            if advance:
                advance(1)
    if problems:
        raise SeedError(problems)
    return summary


def load_seeds(
    factory: sessionmaker[Session],
    root: Path,
    *,
    dry_run: bool = False,
    advance: Callable[[int], None] | None = None,
    seeds: SeedSet | None = None,
) -> Summary:
    """Validate `root`, then load it in one transaction (rolled back when `dry_run`)."""
    seeds = seeds or read_seed_set(root)
    if dry_run:
        session = factory()
        try:
            summary = write_seed_set(session, seeds, advance)
        finally:
            session.rollback()
            session.close()
        summary.dry_run = True
        return summary
    with write_session(factory) as session:
        return write_seed_set(session, seeds, advance)
