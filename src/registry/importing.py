"""Bulk import of one entity type from JSON or CSV: validated row by row, all or nothing."""

from __future__ import annotations

import csv
import gc
import io
import itertools
import multiprocessing
import typing
from collections.abc import Iterable, Iterator
from concurrent.futures import Executor, ProcessPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from typing import Any

import orjson
from pydantic import BaseModel, Field, ValidationError
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from registry.entities import ENTITIES, Entity
from registry.errors import (
    InvalidInput,
    InvalidParam,
    RegistryError,
    unreadable_body,
    validation_problems,
)
from registry.records import bulk, slugs
from registry.records.bulk import LOOKUP_CHUNK
from registry.records.documents import Document, Known, derive, derive_input
from registry.records.lean import LABELLED_PROVENANCE
from registry.records.mapping import to_create_dict
from registry.records.resolve import Resolver
from registry.records.write import checked_values, upsert
from registry.roundtrip import reshape
from registry.vocab import VocabIndex

# The names the API uses for each importable entity.
RESOURCES = {e.resource: e.name for e in ENTITIES.values() if e.resource}


class RowProblem(BaseModel):
    field: str
    reason: str


class RowReport(BaseModel):
    row: int = Field(description="1-based row of the upload (CSV: not counting the header).")
    key: str | None
    outcome: str = Field(description="created, updated, unchanged, or error.")
    errors: list[RowProblem] = Field(default_factory=list)


class ImportReport(BaseModel):
    entity: str
    dry_run: bool
    written: bool
    counts: dict[str, int]
    rows: list[RowReport]


def parse(entity: Entity[Any], content: bytes, content_type: str) -> list[dict[str, Any]]:
    """Rows as dicts in create-schema shape; CSV lists are `;`-joined, partners `org:role`.

    A CSV column that is present but blank clears the field; leave the column out to keep it.
    """
    if "ndjson" in content_type:
        rows = list(ndjson_rows(content.splitlines()))
    elif "csv" in content_type:
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise InvalidInput("the CSV is not UTF-8") from exc
        reader = csv.DictReader(io.StringIO(text))
        if LABELLED_LOCATOR in (reader.fieldnames or ()):
            # Only an export with `labels` writes this column: it holds words, not codes.
            raise InvalidInput(
                "this CSV was exported with labels=zh|en, for reading; its labels and names do "
                "not import back: export again without `labels` and edit that file",
                invalid_params=[
                    InvalidParam(
                        name=LABELLED_LOCATOR,
                        reason="a column only labelled exports write; export without `labels`",
                    )
                ],
            )
        rows = [_csv_row(entity, row, number) for number, row in enumerate(reader, start=1)]
    else:
        rows = _json_rows(content)
    if not rows:
        raise InvalidInput("the upload has no rows")
    return rows


def ndjson_rows(lines: Iterable[bytes]) -> Iterator[dict[str, Any]]:
    """One JSON object per line, read lazily so a big file never sits in memory at once."""
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            raise InvalidInput(f"line {number} is not JSON: {exc}") from exc
        if not isinstance(row, dict):
            raise InvalidInput(f"line {number} is not a JSON object")
        yield row


def _json_rows(content: bytes) -> list[dict[str, Any]]:
    try:
        data = orjson.loads(content)
    except orjson.JSONDecodeError as exc:
        raise _unreadable(content, exc) from exc
    if isinstance(data, dict) and isinstance(data.get("items"), list):
        data = data["items"]
    if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
        raise InvalidInput('send a JSON list of objects (or {"items": [...]})')
    return typing.cast(list[dict[str, Any]], data)


def _unreadable(content: bytes, exc: orjson.JSONDecodeError) -> InvalidInput:
    """The reasons the API gives for a body it cannot read (orjson names them in words)."""
    try:
        content.decode("utf-8")
    except UnicodeDecodeError as bad:
        return unreadable_body(bad)
    if "depth limit" in exc.msg:
        return unreadable_body(RecursionError())
    return unreadable_body(exc)


def _is_list(annotation: Any) -> bool:
    if typing.get_origin(annotation) is list:
        return True
    return any(_is_list(a) for a in typing.get_args(annotation))


LABELLED_LOCATOR = LABELLED_PROVENANCE[1]


def _csv_row(entity: Entity[Any], row: dict[str, str | None], number: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    fields = entity.create.model_fields
    for name, raw in row.items():
        if name is None:
            continue
        value = (raw or "").strip()
        info = fields.get(name)
        if value == "":
            # Blank clears: the field's default (empty list, false) or null.
            out[name] = (
                None
                if info is None or info.is_required()
                else info.get_default(call_default_factory=True)
            )
        elif name == "partners":
            out[name] = [
                dict(zip(("organization", "role"), p.split(":", 1), strict=False))
                for p in value.split(";")
                if p
            ]
        elif name == "data_quality" or (value[:1] in "[{" and info and _is_list(info.annotation)):
            try:
                out[name] = orjson.loads(value)
            except orjson.JSONDecodeError as exc:
                reason = f"row {number}, column {name}: not JSON ({exc}); write the list as JSON"
                where = InvalidParam(name=f"row {number}/{name}", reason=reason)
                raise InvalidInput(reason, invalid_params=[where]) from exc
        elif info is not None and _is_list(info.annotation):
            out[name] = [v.strip() for v in value.split(";") if v.strip()]
        else:
            out[name] = value  # Pydantic coerces numbers, booleans and dates from text
    return out


# New records after which PostgreSQL's statistics are refreshed before the import commits:
# with a table's row count still the old one, the planner sorts where it would read an index.
ANALYZE_AFTER = 1000

# Rows checked and written per round: big enough that the INSERTs are set-based, small
# enough that a million-row file never sits in memory at once.
BATCH = 5000


@dataclass
class Prepared:
    """A batch whose rows are validated, waiting to be written."""

    first: int
    last: int
    new: list[tuple[int, str | None, BaseModel]]
    old: list[tuple[int, str | None, BaseModel]]
    # (sort key, tokens) per new row, computed beside the main process in a large import
    derived: Iterator[tuple[str | None, Document]] | None


@dataclass
class Importer:
    session: Session
    entity: Entity[Any]
    actor: str
    # Per-row reports for every row (the API's answer), or only for failed rows.
    every_row: bool = True
    # Worker processes for the per-row text work (pinyin keys and search tokens) once an
    # import runs past its first batch; 0 keeps it in this process. Only for a process
    # that may fork, such as the CLI: never inside the threaded API server.
    workers: int = 0
    reports: list[RowReport] = field(default_factory=list)
    counts: dict[str, int] = field(
        default_factory=lambda: {o: 0 for o in ("created", "updated", "unchanged", "error")}
    )
    _seen: dict[str, int] = field(default_factory=dict)
    _pool: Executor | None = None

    def run(self, rows: Iterable[dict[str, Any]]) -> ImportReport:
        """Check and upsert every row; raises nothing, reports everything.

        A row for an existing record changes only the fields it carries (as a PATCH
        would); a row for a new record must be complete. New records are written in
        batches (`bulk.create_many`), the rest one at a time. After the first failed row
        nothing more is written, but every row is still checked. The caller rolls the
        transaction back when any row failed, or for a dry run.

        Each batch is validated, and its text work handed to the pool, before the batch
        ahead of it is written, so the workers compute while this process writes.
        """
        vocab = VocabIndex.load(self.session)
        resolver = Resolver(self.session, vocab)
        numbered = enumerate(rows, start=1)
        waiting: Prepared | None = None
        large_run = False  # past its first batch: search index and text work go in bulk
        with ExitStack() as large:
            if self.workers:
                large.enter_context(_long_lived_frozen())
            while batch := tuple(itertools.islice(numbered, BATCH)):
                if waiting is not None and not large_run:
                    large_run = True
                    large.enter_context(bulk.deferred_search_index(self.session))
                    if self.workers:
                        self._pool = large.enter_context(
                            ProcessPoolExecutor(self.workers, mp_context=_fork())
                        )
                        waiting.derived = self._derive(waiting.new, vocab)
                prepared = self._prepare(batch, vocab)
                if waiting is not None and not self._write(waiting, vocab, resolver):
                    waiting = None
                    break
                waiting = prepared
            if waiting is not None:
                self._write(waiting, vocab, resolver)
        self._pool = None
        if self.counts["created"] >= ANALYZE_AFTER and not self.counts["error"]:
            bulk.analyze(self.session, self.entity)
        self.reports.sort(key=lambda r: r.row)
        return ImportReport(
            entity=self.entity.name,
            dry_run=False,
            written=False,
            counts=self.counts,
            rows=self.reports,
        )

    def _prepare(
        self, batch: tuple[tuple[int, dict[str, Any]], ...], vocab: VocabIndex
    ) -> Prepared:
        """Validate a batch against its create schema, merging rows for existing records
        into their stored values."""
        entity = self.entity
        keys = [str(row[entity.key]) for _, row in batch if row.get(entity.key) is not None]
        existing = {
            str(getattr(obj, entity.key)): obj
            for start in range(0, len(keys), LOOKUP_CHUNK)
            for obj in self.session.scalars(
                select(entity.model).where(
                    entity.key_column.in_(keys[start : start + LOOKUP_CHUNK])
                )
            )
        }
        new: list[tuple[int, str | None, BaseModel]] = []
        old: list[tuple[int, str | None, BaseModel]] = []
        for index, row in batch:
            raw_key = row.get(entity.key)
            key = None if raw_key is None else str(raw_key)
            if key is not None and key in self._seen:
                problem = RowProblem(
                    field=f"/{entity.key}", reason=f"repeats row {self._seen[key]}"
                )
                self._error(index, key, [problem])
                continue
            if key is not None:
                self._seen[key] = index
            obj = existing.get(key) if key is not None else None
            row, exported = reshape(entity, row, obj)
            if exported:
                self._error(index, key, [RowProblem(field=f, reason=r) for f, r in exported])
                continue
            if obj is not None and obj.deleted_at is None:
                row = {**to_create_dict(self.session, entity, obj, vocab), **row}
            try:
                data = entity.create.model_validate(row)
            except ValidationError as exc:
                self._error(
                    index,
                    key,
                    [RowProblem(field=p.name, reason=p.reason) for p in validation_problems(exc)],
                )
                continue
            if key is None:  # a new record named by the file but not keyed: make its slug
                data = slugs.with_slug(self.session, entity, data, self._seen)
                key = str(getattr(data, entity.key))
                self._seen[key] = index
            (new if obj is None else old).append((index, key, data))
        return Prepared(batch[0][0], batch[-1][0], new, old, self._derive(new, vocab))

    def _derive(
        self, new: list[tuple[int, str | None, BaseModel]], vocab: VocabIndex
    ) -> Iterator[tuple[str | None, Document]] | None:
        """Hand the rows' pinyin keys and search documents to the pool, if there is one."""
        if self._pool is None or not new:
            return None
        known = Known(self.session, vocab)
        rows = [data for _, _, data in new]
        known.prefetch_rows(self.entity, rows)
        inputs = [derive_input(self.entity, data, known) for data in rows]
        return self._pool.map(derive, inputs, chunksize=max(1, len(inputs) // 8))

    def _write(self, prepared: Prepared, vocab: VocabIndex, resolver: Resolver) -> bool:
        """Write a prepared batch; False when the database refused a write (stop there)."""
        entity = self.entity
        new, old = prepared.new, list(prepared.old)
        resolved = bulk.prefetch_refs(self.session, resolver, [d for _, _, d in new])
        derived = list(prepared.derived) if prepared.derived is not None else None
        fast: list[tuple[int, str | None, BaseModel]] = []
        checked: list[bulk.Checked] = []
        for position, (item, known) in enumerate(zip(new, resolved, strict=True)):
            if not known:
                old.append(item)  # UUID or unknown references: resolved and reported one by one
                continue
            sort_key, text = derived[position] if derived is not None else (None, None)
            try:
                values = checked_values(self.session, entity, item[2], resolver, sort_key)
            except InvalidInput as exc:
                problems = exc.invalid_params or []
                self._error(
                    item[0], item[1], [RowProblem(field=e.name, reason=e.reason) for e in problems]
                )
            else:
                fast.append(item)
                checked.append((item[2], values, text))
        try:
            if not self.counts["error"]:
                bulk.create_many(self.session, entity, checked, vocab, self.actor)
        except SQLAlchemyError as exc:
            # A set-based INSERT cannot name its row; name the batch instead.
            reason = f"rows {prepared.first}-{prepared.last}: {getattr(exc, 'orig', exc)}"
            self._error(prepared.first, None, [RowProblem(field="", reason=reason)])
            return False
        for index, key, _ in fast:
            self._report(index, key, "created")
        for index, key, row_data in sorted(old, key=lambda item: item[0]):
            try:
                self._one(index, key, row_data, vocab)
            except SQLAlchemyError as exc:
                self._error(
                    index, key, [RowProblem(field="", reason=str(getattr(exc, "orig", exc)))]
                )
                return False
        return True

    def _one(self, index: int, key: str | None, data: BaseModel, vocab: VocabIndex) -> None:
        try:
            _, outcome = upsert(self.session, self.entity, data, vocab, self.actor)
        except RegistryError as exc:
            problems = [RowProblem(field=p.name, reason=p.reason) for p in exc.invalid_params or []]
            self._error(index, key, problems or [RowProblem(field="", reason=exc.detail)])
            return
        self._report(index, key, outcome)

    def _report(self, index: int, key: str | None, outcome: str) -> None:
        self.counts[outcome] += 1
        if self.every_row:
            self.reports.append(RowReport(row=index, key=key, outcome=outcome))

    def _error(self, index: int, key: Any, problems: list[RowProblem]) -> None:
        self.counts["error"] += 1
        self.reports.append(
            RowReport(
                row=index, key=None if key is None else str(key), outcome="error", errors=problems
            )
        )


@contextmanager
def _long_lived_frozen() -> Iterator[None]:
    """The cyclic collector kept out of a large import's way: the objects loaded before
    the rows (modules, the pinyin and OpenCC tables, the vocabulary) out of its walks, and
    its youngest generation collected every 100,000 allocations instead of every 700. A
    batch's thousands of live rows made each collection walk them all: a fifth of the
    import's time (2.9 of 14.4 s for 20k programs). The rows hold no reference cycles,
    so nothing waits longer to be freed. Workers fork with the tables loaded, too."""
    derive(("中文", ([], [])))
    thresholds = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(100_000, *thresholds[1:])
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()


def _fork() -> Any:
    """Workers forked from this process start with its modules (pinyin tables, OpenCC)
    loaded; they touch no connection and leave with os._exit."""
    return multiprocessing.get_context("fork")


def import_failure(report: ImportReport) -> InvalidInput:
    params = [
        InvalidParam(name=f"row {r.row}{p.field}", reason=p.reason)
        for r in report.rows
        if r.outcome == "error"
        for p in r.errors
    ]
    return InvalidInput(
        f"{report.counts['error']} row(s) failed; nothing was written", invalid_params=params
    )


def entity_for(resource: str) -> Entity[Any]:
    name = RESOURCES.get(resource) or (resource if resource in ENTITIES else None)
    if name is None or name == "source":
        raise InvalidInput(
            f"cannot import {resource!r}; use one of {', '.join(RESOURCES)}",
            invalid_params=[InvalidParam(name="entity", reason="unknown")],
        )
    return ENTITIES[name]
