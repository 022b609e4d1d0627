"""`registry seed`: validate everything, then write everything in one transaction."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from registry import bilingual, terms
from registry.db import write_session
from registry.entities import ENTITIES, Entity
from registry.errors import Conflict, InvalidInput, InvalidParam, pointer
from registry.models import SeedRecord, Vocabulary, VocabularyTerm
from registry.models.base import utcnow
from registry.records import documents
from registry.records.changes import diff, record_change
from registry.records.lifecycle import restore
from registry.records.mapping import to_create_dict
from registry.records.write import apply, find
from registry.schemas.vocabulary import TermCreate, VocabularyCreate
from registry.seeding import merge
from registry.seeding.files import Row, SeedFileError, read_rows, read_vocabulary
from registry.vocab import VocabIndex

# The author the loader writes history as; `base_from_history` looks for it.
SEED_ACTOR = merge.SEED_ACTOR

ENTITY_ORDER = list(ENTITIES)  # declared in dependency order


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
    """Per entity: created, updated, kept (edited since the last seed; the edit stays),
    unchanged; and every conflict and kept record, named."""

    counts: dict[str, Counter[str]] = field(default_factory=dict)
    conflicts: list[merge.Conflict] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    dry_run: bool = False

    def add(self, entity: str, outcome: str, n: int = 1) -> None:
        self.counts.setdefault(entity, Counter())[outcome] += n

    def keep(self, entity: str, key: str, why: str) -> None:
        self.add(entity, "kept")
        self.kept.append(f"{entity} {key!r}: {why}")

    def record(self, entity: str, key: str, result: merge.Merge) -> None:
        """Count one merged record; conflicts are counted as well as listed."""
        if result.take:
            self.add(entity, "updated")
        elif result.kept or result.conflicts:
            self.add(entity, "kept")
        else:
            self.add(entity, "unchanged")
        if result.kept:
            fields = ", ".join(result.kept)
            self.kept.append(f"{entity} {key!r}: edited since the last seed ({fields}); kept")
        if result.conflicts:
            self.add(entity, "conflicts")
            self.conflicts += result.conflicts

    @property
    def changed(self) -> bool:
        return any(c["created"] or c["updated"] for c in self.counts.values())


def _pydantic_problems(row: Row, exc: ValidationError, prefix: str = "") -> list[str]:
    problems = []
    for err in exc.errors():
        at = pointer(err["loc"], prefix)
        problems.append(f"{row.where(at)}: {err['msg']}")
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
                    at = pointer(loc[2:])
                    problems.append(f"{row.where(at)}: {err['msg']}")
                else:
                    at = pointer(loc)
                    problems.append(f"{header.where(at)}: {err['msg']}")
        if seeds.vocabularies and seeds.vocabularies[-1][0] is header:
            vocabulary = seeds.vocabularies[-1][1]
            problems += _untranslated(header, vocabulary.model_copy(update={"terms": []}))
            for term_row, term in zip(terms, vocabulary.terms, strict=False):
                problems += _untranslated(term_row, term)
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
                data = entity.create.model_validate(row.data)
            except ValidationError as exc:
                problems += _pydantic_problems(row, exc)
                continue
            if getattr(data, entity.key) is None:
                # The seed loader tracks each record's base and edits by this key.
                problems.append(
                    f"{row.where('/' + entity.key)}: seed rows need a {entity.key} (the key "
                    "their record is tracked by); add one, lower-case words joined by hyphens"
                )
                continue
            validated.append((row, data))
            problems += _untranslated(row, data)
        _check_unique(rows, entity.key, problems)
        seeds.records[name] = validated
    if problems:
        raise SeedError(problems)
    return seeds


def _untranslated(row: Row, data: BaseModel) -> list[str]:
    """Seed files hold every text in both languages."""
    return [
        f"{row.where(at)}: {bilingual.problem(missing, 'en' if missing == 'zh' else 'zh')}"
        for at, missing in bilingual.one_language(data)
    ]


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
    session: Session,
    seeds: SeedSet,
    advance: Callable[[int], None] | None = None,
    *,
    force: bool = False,
) -> Summary:
    """Merge everything into `session`; raise SeedError (and write nothing) on any problem.

    Edits made since the last seed are kept (see `merge`); `force` writes the files' state.
    """
    summary = Summary()
    problems: list[str] = []
    for header, vocabulary in seeds.vocabularies:
        try:
            seed_vocabulary(session, vocabulary, summary, force=force)
        except InvalidInput as exc:
            problems += [f"{header.where(p.name)}: {p.reason}" for p in exc.invalid_params or []]
            continue
        if advance:
            advance(len(vocabulary.terms))
    if problems:
        raise SeedError(problems)
    vocab = VocabIndex.load(session)
    for name in ENTITY_ORDER:
        entity: Entity[Any] = ENTITIES[name]
        for row, data in seeds.records.get(name, []):
            try:
                seed_record(session, entity, data, vocab, summary, force=force)
            except (InvalidInput, Conflict) as exc:
                params = exc.invalid_params or [InvalidParam(name="", reason=exc.detail)]
                problems += [f"{row.where(p.name)}: {p.reason}" for p in params]
                continue
            except SQLAlchemyError as exc:
                reason = str(getattr(exc, "orig", None) or exc)
                raise SeedError([f"{row.where()}: the database refused the row: {reason}"]) from exc
            if advance:
                advance(1)
    if problems:
        raise SeedError(problems)
    # Documents written before they kept names apart (revision 0010) are written anew.
    documents.reindex(session, vocab, stale_only=True)
    return summary


def seed_record(
    session: Session,
    entity: Entity[Any],
    data: BaseModel,
    vocab: VocabIndex,
    summary: Summary,
    *,
    force: bool = False,
) -> None:
    """Create, update or keep one record, merging the file with edits since the last seed."""
    key = str(getattr(data, entity.key))
    file = data.model_dump(mode="json")
    saved = merge.state(session, entity.name, key)
    obj = session.get(entity.model, saved.record_id) if saved else None
    if obj is None:
        obj = find(session, entity, key)
        if obj is None and saved is not None and not force:
            summary.keep(entity.name, key, "purged since the last seed; not recreated")
            return
    if obj is None:
        obj, _ = apply(session, entity, data, vocab, SEED_ACTOR)
        merge.remember(session, entity.name, key, obj.id, file, saved)
        summary.add(entity.name, "created")
        return
    if obj.deleted_at is not None:
        if not force:
            summary.keep(entity.name, key, "deleted since the last seed; left deleted")
            return
        restore(session, entity, obj, SEED_ACTOR)
    database = to_create_dict(session, entity, obj, vocab)
    result = merge.plan(session, entity.name, key, obj.id, file, database, saved, force=force)
    if result.take:
        try:
            combined = entity.create.model_validate({**database, **result.take})
        except ValidationError as exc:
            # The file's changes do not fit the edits kept beside them: keep the database.
            reason = "; ".join(str(e["msg"]) for e in exc.errors())
            for name in result.take:
                result.conflicts.append(
                    merge.Conflict(entity.name, key, name, file[name], database.get(name), reason)
                )
                result.base[name] = (result.prior or {}).get(name, merge.UNSEEDED)
            result.take = {}
        else:
            apply(session, entity, combined, vocab, SEED_ACTOR, obj)
    summary.record(entity.name, key, result)
    merge.remember(session, entity.name, key, obj.id, result.base, saved)


def _term_values(term: TermCreate) -> dict[str, Any]:
    """A term in `terms.term_dict`'s shape, to merge with the stored one."""
    return term.model_dump(
        mode="json",
        include={"code", "label_en", "label_zh", "parent", "description_zh", "description_en"},
    )


def seed_vocabulary(
    session: Session, data: VocabularyCreate, summary: Summary, *, force: bool = False
) -> None:
    """Insert a vocabulary and its terms, or merge them like records; terms absent from
    `data` are kept."""
    vocabulary = session.scalar(select(Vocabulary).where(Vocabulary.name == data.vocabulary))
    header = {
        "label_en": data.label_en,
        "label_zh": data.label_zh,
        "description_zh": data.description_zh,
        "description_en": data.description_en,
    }
    if vocabulary is None:
        vocabulary = Vocabulary(name=data.vocabulary, **header)
        session.add(vocabulary)
        session.flush()
    elif any(getattr(vocabulary, k) != v for k, v in header.items()):
        for k, v in header.items():
            setattr(vocabulary, k, v)
    existing = {
        t.code: t
        for t in session.scalars(
            select(VocabularyTerm).where(VocabularyTerm.vocabulary_id == vocabulary.id)
        )
    }
    codes = {t.code for t in data.terms} | set(existing)
    errors = [
        InvalidParam(name=f"/terms/{i}/parent", reason=f"unknown parent code {t.parent!r}")
        for i, t in enumerate(data.terms)
        if t.parent is not None and (t.parent not in codes or t.parent == t.code)
    ] + [
        InvalidParam(
            name=f"/terms/{i}/code", reason=f"differs only in case from the existing code {twin!r}"
        )
        for i, t in enumerate(data.terms)
        if t.code not in existing and (twin := terms.case_twin(existing, t.code))
    ]
    if errors:
        raise InvalidInput("; ".join(e.reason for e in errors), invalid_params=errors)
    plans: list[_TermPlan] = []
    for position, term_in in enumerate(data.terms):
        plan = _TermPlan(
            key=f"{data.vocabulary}/{term_in.code}",
            file=_term_values(term_in),
            term=existing.get(term_in.code),
        )
        plan.saved = merge.state(session, terms.ENTITY, plan.key)
        if plan.term is None and plan.saved is not None and not force:
            summary.keep(terms.ENTITY, plan.key, "purged since the last seed; not recreated")
            continue
        if plan.term is not None and plan.term.deleted_at is not None:
            if not force:
                summary.keep(terms.ENTITY, plan.key, "deleted since the last seed; left deleted")
                continue
            terms.restore_term(session, plan.term, SEED_ACTOR)
        plans.append(plan)
        if plan.term is None:
            plan.term = VocabularyTerm(
                vocabulary_id=vocabulary.id,
                code=term_in.code,
                label_en=term_in.label_en,
                label_zh=term_in.label_zh,
                description_zh=term_in.description_zh,
                description_en=term_in.description_en,
                position=position,
            )
            session.add(plan.term)
            existing[term_in.code] = plan.term
            plan.result = merge.Merge(base=plan.file)
            continue
        plan.before = terms.term_dict(session, plan.term)
        plan.term.position = position
        plan.result = merge.plan(
            session,
            terms.ENTITY,
            plan.key,
            plan.term.id,
            plan.file,
            plan.before,
            plan.saved,
            force=force,
        )
        for name, value in plan.result.take.items():
            if name != "parent":
                setattr(plan.term, name, value)
    session.flush()
    for plan in plans:
        assert plan.term is not None
        if plan.before is None:
            parent = plan.file["parent"]
        else:
            parent = plan.result.take.get("parent", plan.before["parent"])
        if parent is None:
            plan.term.parent_id = None
        elif parent in existing:  # not a parent the seed keeps purged
            plan.term.parent_id = existing[parent].id
    session.flush()
    relabelled: list[Any] = []
    for plan in plans:
        assert plan.term is not None
        after = terms.term_dict(session, plan.term)
        if plan.before is None:
            summary.add(terms.ENTITY, "created")
            record_change(session, terms.ENTITY, plan.term, "create", SEED_ACTOR, diff(None, after))
        else:
            if after != plan.before:
                plan.term.updated_at = utcnow()
                session.flush()
                change = diff(plan.before, after)
                record_change(session, terms.ENTITY, plan.term, "update", SEED_ACTOR, change)
                if {"label_en", "label_zh"} & set(change):
                    relabelled.append(plan.term.id)
            summary.record(terms.ENTITY, plan.key, plan.result)
        merge.remember(session, terms.ENTITY, plan.key, plan.term.id, plan.result.base, plan.saved)
    if relabelled:
        vocab = VocabIndex.load(session)
        for term_id in relabelled:
            documents.refresh_embedding(session, vocab, None, term_id)


@dataclass
class _TermPlan:
    key: str
    file: dict[str, Any]
    term: VocabularyTerm | None
    saved: SeedRecord | None = None
    before: dict[str, Any] | None = None
    result: merge.Merge = field(default_factory=merge.Merge)


def load_seeds(
    factory: sessionmaker[Session],
    root: Path,
    *,
    dry_run: bool = False,
    advance: Callable[[int], None] | None = None,
    seeds: SeedSet | None = None,
    force: bool = False,
) -> Summary:
    """Validate `root`, then load it in one transaction (rolled back when `dry_run`)."""
    seeds = seeds or read_seed_set(root)
    if dry_run:
        session = factory()
        try:
            summary = write_seed_set(session, seeds, advance, force=force)
        finally:
            session.rollback()
            session.close()
        summary.dry_run = True
        return summary
    with write_session(factory) as session:
        return write_seed_set(session, seeds, advance, force=force)
