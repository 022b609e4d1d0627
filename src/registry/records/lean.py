"""Records as JSON straight from Core rows: the read path without ORM objects or Pydantic.

The plan comes from the same spec as `render`: each read-schema field is a column, a term
(its `<field>_id` column), the terms of one vocabulary (from the record's link table,
aggregated into one string), a summary of a referenced record (a LEFT JOIN), a child list
(one more query for a page) or the provenance. The values are what `orjson` writes as the
read schema's JSON would be (`OPT_UTC_Z` for times); `tests/test_lean_render.py` proves
the two renderings equal for every entity, on both backends.
"""

from __future__ import annotations

import functools
import operator
import typing
import uuid
from collections.abc import Callable, Collection, Sequence
from datetime import date, datetime
from typing import Any

import orjson
from pydantic import BaseModel
from sqlalchemy import JSON, ColumnElement, Select, Uuid, bindparam, func, select
from sqlalchemy.dialects import sqlite
from sqlalchemy.orm import Session, aliased

from registry.db import dbapi_cursor
from registry.entities import ENTITIES, Child, Entity, term_ids_column
from registry.models import Source, VocabularyTerm
from registry.models.base import UTCDateTime
from registry.records.lookup import check_found
from registry.records.markers import fields
from registry.records.render import summary_type
from registry.schemas.common import (
    PICKED,
    QualityNoteRead,
    RecordRef,
    SourceRef,
    VocabRef,
    pick,
)
from registry.vocab import VocabIndex

JSON_OPTIONS = orjson.OPT_UTC_Z
Sources = dict[Any, Source]
Value = Callable[[Sequence[Any], "Context"], Any]
# A CSV cell from the same row: exports write these without building the JSON values. An
# int is the index of a column the CSV writer takes as it is (text, a number, a date; null
# as an empty cell).
Cell = Callable[[Sequence[Any], "Context"], str] | int


class Context:
    """What rendering a page shares: the vocabulary, the sources and the children loaded for
    its records, by child field and then by owner id."""

    __slots__ = (
        "_codes",
        "_packed",
        "_source_refs",
        "children",
        "source_keys",
        "sources",
        "vocab",
    )

    def __init__(self, vocab: VocabIndex, sources: Sources) -> None:
        self.vocab, self.sources = vocab, sources
        self.children: dict[str, dict[uuid.UUID, list[dict[str, Any]]]] = {}
        self.source_keys: dict[Any, str] = {}
        self._source_refs: dict[str, dict[str, Any]] = {}
        self._packed: str | None = None
        self._codes: dict[str, str] = {}

    def term_codes(self, packed: str) -> dict[str, str]:
        """`VocabIndex.grouped_codes`, kept for the row: its term-list cells ask in turn."""
        if packed is not self._packed:
            self._packed, self._codes = packed, self.vocab.grouped_codes(packed)
        return self._codes

    def source_ref(self, source: Source) -> dict[str, Any]:
        """`SourceRef.of` a source as JSON, made once per page: every row repeats it."""
        found = self._source_refs.get(source.key)
        if found is None:
            found = self._source_refs[source.key] = SourceRef.of(
                source, self.vocab.lang
            ).model_dump()
        return found

    def source_key(self, source_id: Any) -> str:
        """A source's key by its id as read (a UUID, or text on SQLite)."""
        key = self.source_keys.get(source_id)
        if key is None:
            found = self.sources.get(as_uuid(source_id))
            key = self.source_keys[source_id] = found.key if found else ""
        return key


class Plan:
    """The columns one SELECT reads for an entity's records, and how each read-schema field
    is made from a row of it."""

    def __init__(self, read: type[BaseModel], create: type[BaseModel], model: Any) -> None:
        self.model = model
        self.columns: list[Any] = []
        self.joins: list[tuple[Any, ColumnElement[bool]]] = []
        self.children: list[tuple[Child, Plan, int, list[str | None]]] = []
        self.values: list[tuple[str, Value]] = []
        # Each field's CSV cells (provenance has three), in read-schema order, and the
        # columns only they read, selected after `columns`.
        self.cells: dict[str, list[Cell]] = {}
        self.cell_columns: list[Any] = []
        specs = {spec.name: spec for spec in fields(create)}
        entity = next((e for e in ENTITIES.values() if e.model is model), None)
        self._id = self._column(model.id) if hasattr(model, "id") else -1
        self._deleted = self._column(model.deleted_at) if hasattr(model, "deleted_at") else -1
        self._term_index: int | None = None
        self._naming = ""
        self._compiled: dict[tuple[str, str, str | int, int], Compiled] = {}
        for name, info in read.model_fields.items():
            self._naming = name
            spec = specs.get(name)
            child = entity.child(name) if entity is not None else None
            if info.description == PICKED:
                self.values.append((name, self._picked(name)))
            elif name == "provenance":
                self.values.append((name, self._provenance()))
            elif child is not None:
                self.values.append((name, self._child(child, info.annotation)))
            elif spec is None or spec.ref is None:
                self.values.append((name, self._attribute(getattr(model, name))))
            elif spec.is_list and isinstance(spec.ref, VocabRef):
                self.values.append((name, self._terms(spec.ref.vocabulary)))
            elif isinstance(spec.ref, VocabRef):
                self.values.append((name, self._term(getattr(model, spec.column))))
            else:
                assert isinstance(spec.ref, RecordRef)
                summary = summary_type(info.annotation)
                related = ENTITIES[spec.ref.entity].model
                self.values.append(
                    (name, self._summary(getattr(model, spec.column), related, summary))
                )

    def _column(self, column: Any) -> int:
        # Labelled by position: SELECT would render one column named twice only once.
        self.columns.append(column.label(f"c{len(self.columns)}"))
        return len(self.columns) - 1

    def _cell(self, *cells: Cell) -> None:
        self.cells[self._naming] = list(cells)

    def _attribute(self, column: Any) -> Value:
        index = self._column(column)
        self._cell(_raw_cell(index, column.type))
        return lambda row, ctx: row[index]

    def _picked(self, name: str) -> Value:
        zh = self._column(getattr(self.model, f"{name}_zh"))
        en = self._column(getattr(self.model, f"{name}_en"))

        def value(row: Sequence[Any], ctx: Context) -> Any:
            return pick(row[zh], row[en], ctx.vocab.lang)

        self._cell(lambda row, ctx: value(row, ctx) or "")
        return value

    def _term(self, column: Any) -> Value:
        index = self._column(column)

        def cell(row: Sequence[Any], ctx: Context) -> str:
            term_id = row[index]
            return "" if term_id is None else str(ctx.vocab.term_json(term_id)["code"])

        self._cell(cell)

        def value(row: Sequence[Any], ctx: Context) -> Any:
            term_id = row[index]
            return None if term_id is None else ctx.vocab.term_json(term_id)

        return value

    def _terms(self, vocabulary: str) -> Value:
        if self._term_index is None:
            self._term_index = self._column(term_ids_column(self.model))
        index = self._term_index
        self._cell(lambda row, ctx: ctx.term_codes(row[index]).get(vocabulary, ""))

        def value(row: Sequence[Any], ctx: Context) -> Any:
            return ctx.vocab.grouped_json(row[index]).get(vocabulary, [])

        return value

    def _summary(self, fk: Any, related: Any, summary: type[BaseModel]) -> Value:
        target = aliased(related)
        self.joins.append((target, target.id == fk))
        picked = [n for n, i in summary.model_fields.items() if i.description == PICKED]
        names = [n for n in summary.model_fields if n not in picked]
        first = len(self.columns)
        for name in names:
            self._column(getattr(target, name))
        fk_index = self._column(fk)
        pairs = [
            (n, first + names.index(f"{n}_zh"), first + names.index(f"{n}_en")) for n in picked
        ]
        order = list(summary.model_fields)

        def value(row: Sequence[Any], ctx: Context) -> Any:
            if row[fk_index] is None:
                return None
            out = {name: row[first + i] for i, name in enumerate(names)}
            for name, zh, en in pairs:
                out[name] = pick(row[zh], row[en], ctx.vocab.lang)
            return {name: out[name] for name in order} if pairs else out

        # The cell is the record's natural key, as `flat` writes a summary (null without one).
        key = next((first + names.index(k) for k in REFERENCE_KEYS if k in names), None)
        self._cell(key if key is not None else lambda row, ctx: flat(value(row, ctx)))
        return value

    def _provenance(self) -> Value:
        source = self._column(self.model.source_id)
        locator_en = self._column(self.model.source_locator_en)
        locator_zh = self._column(self.model.source_locator_zh)
        notes = self._column(self.model.data_quality)
        self._cell(
            lambda row, ctx: "" if row[source] is None else ctx.source_key(row[source]),
            locator_en,
            locator_zh,
            # The notes themselves, as JSON: an import reads them back unchanged.
            lambda row, ctx: _notes_cell(_json_value(row[notes])),
        )

        def value(row: Sequence[Any], ctx: Context) -> Any:
            key = row[source]
            found = ctx.sources.get(as_uuid(key)) if key is not None else None
            return {
                "source": ctx.source_ref(found) if found else None,
                "locator": pick(row[locator_zh], row[locator_en], ctx.vocab.lang),
                "locator_zh": row[locator_zh],
                "locator_en": row[locator_en],
                "data_quality": [
                    QualityNoteRead.of(n, ctx.vocab.lang).model_dump(mode="json")
                    for n in row[notes] or []
                ],
            }

        return value

    def _child(self, child: Child, annotation: Any) -> Value:
        (item_type,) = typing.get_args(annotation)
        plan = Plan(item_type, child.schema, child.model)
        owner = plan._column(getattr(child.model, child.owner))
        specs = {spec.name: spec for spec in fields(child.schema)}
        # Items sort by these fields: a code by its vocabulary's order, a record by slug.
        order = [
            r.vocabulary if isinstance(r := specs[name].ref, VocabRef) else None
            for name in child.render_order
        ]
        self.children.append((child, plan, owner, order))
        id_index = self._id
        # The cell comes from a column only exports read: the items' keys aggregated in SQL.
        extra = len(self.cell_columns)
        self.cell_columns.append(_child_keys(child, self.model).label(f"x{extra}"))
        place = [[spec.name for spec in fields(child.schema)].index(n) for n in child.render_order]

        def cell(row: Sequence[Any], ctx: Context) -> str:
            packed = row[len(self.columns) + extra]
            if not packed or ";" not in packed:
                return typing.cast(str, packed or "")
            return ";".join(sorted(packed.split(";"), key=lambda item: _item_key(item, ctx)))

        def _item_key(item: str, ctx: Context) -> tuple[Any, ...]:
            parts = item.split(":")
            return tuple(
                ctx.vocab.by_code[(vocabulary, parts[i])].position if vocabulary else parts[i]
                for i, vocabulary in zip(place, order, strict=True)
            )

        self._cell(cell)

        def value(row: Sequence[Any], ctx: Context) -> Any:
            return ctx.children[child.field].get(row[id_index], [])

        return value

    @property
    def id_index(self) -> int:
        """Where a row of `columns` holds the record's id."""
        return self._id

    def select(self) -> Select[Any]:
        stmt = select(*self.columns).select_from(self.model)
        for target, on in self.joins:
            stmt = stmt.outerjoin(target, on)
        return stmt

    def render(
        self, row: Sequence[Any], ctx: Context, only: Collection[str] | None = None
    ) -> dict[str, Any]:
        return {
            name: value(row, ctx) for name, value in self.values if only is None or name in only
        }

    def load_children(
        self,
        session: Session,
        ids: list[uuid.UUID],
        ctx: Context,
        only: Collection[str] | None = None,
    ) -> None:
        for child, plan, owner, order in self.children:
            if only is not None and child.field not in only:
                continue
            column = getattr(child.model, child.owner)
            rows = session.execute(plan.select().where(column.in_(ids))).all()
            self._group(child, plan, owner, order, rows, ctx)

    def _group(
        self,
        child: Child,
        plan: Plan,
        owner: int,
        order: list[str | None],
        rows: Sequence[Sequence[Any]],
        ctx: Context,
    ) -> None:
        """A child table's rows as each owner's items, in the read schema's order."""
        found: dict[uuid.UUID, list[tuple[tuple[Any, ...], dict[str, Any]]]] = {}
        for row in rows:
            item = plan.render(row, ctx)
            key = tuple(
                ctx.vocab.by_code[(vocabulary, item[name]["code"])].position
                if vocabulary
                else item[name]["slug"]
                for name, vocabulary in zip(child.render_order, order, strict=True)
            )
            found.setdefault(row[owner], []).append((key, item))
        ctx.children[child.field] = {
            owner_id: [item for _, item in sorted(items, key=lambda pair: pair[0])]
            for owner_id, items in found.items()
        }

    def compiled(self, dialect: Any, by: str | int, n: int = 1) -> Compiled:
        """The statement for `n` values of `id` or a natural key (a str), or of a child
        table's owner (an int, the child's index), for one dialect."""
        key = (dialect.name, dialect.driver, by, n)
        found = self._compiled.get(key)
        if found is None:
            if isinstance(by, int):
                child, plan, _, _ = self.children[by]
                column, stmt = getattr(child.model, child.owner), plan.select()
            else:
                column, stmt = getattr(self.model, by), self.select()
            names = [f"v{i}" for i in range(n)]
            binds = [bindparam(name, None, type_=column.type, required=False) for name in names]
            stmt = stmt.where(column == binds[0] if n == 1 else column.in_(binds))
            found = self._compiled[key] = Compiled(stmt, dialect, names)
        return found

    def child_by(self, dialect: Any, index: int, by: str) -> Compiled:
        """A child table's statement for the one owner whose `by` is a value: sent beside
        the owner's own statement, before its id is known."""
        key = (dialect.name, dialect.driver, f"{index}:{by}", 1)
        found = self._compiled.get(key)
        if found is None:
            child, plan, _, _ = self.children[index]
            column, key_column = getattr(child.model, child.owner), getattr(self.model, by)
            bind = bindparam("v0", None, type_=key_column.type, required=False)
            owner: Any = bind
            if by != "id":
                owner = select(self.model.id).where(key_column == bind).scalar_subquery()
            stmt = plan.select().where(column == owner)
            found = self._compiled[key] = Compiled(stmt, dialect, ["v0"])
        return found

    def assemble(
        self, rows: Sequence[tuple[Any, ...]], children: Sequence[Sequence[Any]], ctx: Context
    ) -> list[tuple[tuple[Any, ...], dict[str, Any]]]:
        """(row, its JSON values) of each row, with each child table's rows (in `children`'s
        order) read already."""
        for (child, plan, owner, order), found in zip(self.children, children, strict=True):
            self._group(child, plan, owner, order, found, ctx)
        return [(row, self.render(row, ctx)) for row in rows]

    def live(
        self, entity: Entity[Any], ref: str, found: tuple[tuple[Any, ...], dict[str, Any]] | None
    ) -> dict[str, Any]:
        """The JSON values of a record found by `ref`: 404 when there is none, 410 when it
        is deleted."""
        deleted = found is not None and found[0][self._deleted] is not None
        check_found(entity, ref, found is not None, deleted)
        assert found is not None
        return found[1]

    def one(self, cursor: Any, dialect: Any, entity: Entity[Any], ref: str, ctx: Context) -> Any:
        """(row, its JSON values) of the record `ref` names, or None: the detail path, on
        statements compiled once per dialect and run on a DB-API cursor."""
        by, value = entity.ref_column(ref)
        found = self.many(cursor, dialect, by, [value], ctx)
        return found[0] if found else None

    def many(
        self,
        cursor: Any,
        dialect: Any,
        by: str,
        values: Sequence[Any],
        ctx: Context,
        only: Collection[str] | None = None,
    ) -> list[tuple[tuple[Any, ...], dict[str, Any]]]:
        """(row, its JSON values) of each record whose `by` is one of `values`, in no set
        order; with `only`, just those fields, and only their children loaded."""
        rows = self._rows(cursor, dialect, by, values)
        if rows and self.children:
            ids = [as_uuid(r[self._id]) for r in rows]
            for index, (child, plan, owner, order) in enumerate(self.children):
                if only is None or child.field in only:
                    children = self._rows(cursor, dialect, index, ids)
                    self._group(child, plan, owner, order, children, ctx)
        return [(row, self.render(row, ctx, only)) for row in rows]

    def _rows(
        self, cursor: Any, dialect: Any, by: str | int, values: Sequence[Any]
    ) -> list[tuple[Any, ...]]:
        found: list[tuple[Any, ...]] = []
        for start in range(0, len(values), CHUNK):
            chunk = values[start : start + CHUNK]
            # One statement per chunk size: a page's size, its last page's, a detail's one.
            found += self.compiled(dialect, by, len(chunk)).rows(cursor, chunk)
        return found


# Values per compiled IN (…): a page at the largest limit, well inside the drivers' limits.
CHUNK = 501


class Compiled:
    """A SELECT with its parameters named, compiled once for a dialect and run on the DB-API
    cursor: no statement building, cache lookup or result wrapping per call; the column
    types' own bind and result processors convert the values, so rows equal the ORM's."""

    def __init__(self, stmt: Select[Any], dialect: Any, names: Sequence[str]) -> None:
        # Literal-execute parameters (group_concat's separator) rendered into the SQL.
        compiled = stmt.compile(dialect=dialect, compile_kwargs={"render_postcompile": True})
        self.sql = str(compiled)
        processors = {
            key: param.type.dialect_impl(dialect).bind_processor(dialect)
            for key, param in compiled.binds.items()
        }
        # The statement's own literals, converted once; `names` are bound per call.
        self.params = {}
        for key, value in compiled.construct_params().items():
            convert = processors[key]
            self.params[key] = value if value is None or convert is None else convert(value)
        self.names = list(names)
        self.binds = [processors[name] for name in self.names]
        self.order = compiled.positiontup
        self.types = [c.type.dialect_impl(dialect) for c in stmt.selected_columns]
        self.dialect = dialect
        self.results: list[Any] | None = None

    def rows(self, cursor: Any, values: Sequence[Any]) -> list[tuple[Any, ...]]:
        cursor.execute(self.sql, self.bound(values))
        return self.convert(cursor.description, cursor.fetchall())

    def bound(self, values: Sequence[Any]) -> Any:
        """The driver's parameters for `values`, bound to `names` in turn."""
        params = dict(self.params)
        for name, bind, value in zip(self.names, self.binds, values, strict=True):
            params[name] = bind(value) if bind and value is not None else value
        return params if self.order is None else tuple(params[n] for n in self.order)

    def convert(self, description: Any, raws: Sequence[Sequence[Any]]) -> list[tuple[Any, ...]]:
        """Driver rows as the ORM's values."""
        converters = self.results
        if converters is None:
            # As SQLAlchemy does, by the driver's type code of each column (PostgreSQL's
            # numerics need it); only the columns that need converting.
            codes = [column[1] for column in description]
            processors = [
                _text_processor(t, self.dialect) or t.result_processor(self.dialect, code)
                for t, code in zip(self.types, codes, strict=True)
            ]
            converters = self.results = [(i, p) for i, p in enumerate(processors) if p]
        rows = []
        for raw in raws:
            row = list(raw)
            for index, convert in converters:
                if (value := row[index]) is not None:
                    row[index] = convert(value)
            rows.append(tuple(row))
        return rows


def _text_processor(column_type: Any, dialect: Any) -> Callable[[Any], Any] | None:
    """For values SQLite stores as text: straight to the JSON text they render to. Parsing
    each UUID and time into an object only to write it back out was a third of a detail."""
    if dialect.name != "sqlite":
        return None
    if isinstance(column_type, Uuid):
        return _text_uuid
    if isinstance(column_type, UTCDateTime):
        parse = column_type.dialect_impl(dialect).result_processor(dialect, None)
        assert parse is not None
        return lambda value: _text_time(value, parse)
    return None


def as_uuid(value: uuid.UUID | str) -> uuid.UUID:
    """An id from read values, which hold it as text where the driver has no UUID type
    (`_text_uuid`) and as a UUID elsewhere."""
    return value if isinstance(value, uuid.UUID) else uuid.UUID(value)


def _text_uuid(value: str | None) -> str | None:
    if value is None:
        return None
    return f"{value[:8]}-{value[8:12]}-{value[12:16]}-{value[16:20]}-{value[20:]}"


def _text_time(value: str | None, parse: Callable[[Any], Any]) -> str | None:
    """SQLAlchemy's `YYYY-MM-DD HH:MM:SS.ffffff` as orjson writes the UTC time (no fraction
    when it is zero); anything else through the type's own parsing."""
    if value is None:
        return None
    if len(value) == 26 and value[10] == " " and value[19] == ".":
        seconds, fraction = value[:19], value[20:]
        return f"{seconds[:10]}T{seconds[11:]}{'' if fraction == '000000' else '.' + fraction}Z"
    text: str = orjson.dumps(parse(value), option=JSON_OPTIONS).decode()
    return text[1:-1]


# What a term, a record summary or a source is written as in a cell (and read back by).
REFERENCE_KEYS = ("code", "slug", "key")


def _child_keys(child: Child, owner_model: Any) -> ColumnElement[str]:
    """A record's child rows as one string: each item's natural keys (a code, a slug)
    joined with `:`, the items with `;`, in no set order."""
    table = child.model
    keys: list[Any] = []
    stmt = select().select_from(table)
    for spec in fields(child.schema):
        marker = spec.ref
        if isinstance(marker, VocabRef):
            target = aliased(VocabularyTerm)
            keys.append(target.code)
        else:
            assert isinstance(marker, RecordRef)
            related = ENTITIES[marker.entity]
            target = aliased(related.model)
            keys.append(getattr(target, related.key))
        stmt = stmt.join(target, target.id == getattr(table, spec.column))
    item = keys[0]
    for key in keys[1:]:
        item = item + ":" + key
    owner = getattr(table, child.owner) == owner_model.id
    aggregated = stmt.add_columns(func.aggregate_strings(item, ";")).where(owner)
    return func.coalesce(aggregated.scalar_subquery(), "")


def _raw_cell(index: int, column_type: Any) -> Cell:
    """The cell of a column read raw: SQLite holds ids, times and JSON as text, PostgreSQL's
    driver returns them as objects; either becomes what `flat` writes of the JSON value."""
    if isinstance(column_type, UTCDateTime):
        return lambda row, ctx: _time_cell(row[index])
    if isinstance(column_type, JSON):
        return lambda row, ctx: flat(_json_value(row[index]))
    python = column_type.python_type
    if python in (str, int, float, date):
        return index
    if python is bool:
        return lambda row, ctx: "" if (v := row[index]) is None else ("true" if v else "false")
    if python is uuid.UUID:
        return lambda row, ctx: "" if (v := row[index]) is None else _id_text(v)
    return lambda row, ctx: flat(row[index])


def _id_text(value: Any) -> str:
    return typing.cast(str, _text_uuid(value)) if isinstance(value, str) else str(value)


def _time_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return typing.cast(str, _text_time(value, _sqlite_time()))
    return flat(value)


@functools.cache
def _sqlite_time() -> Callable[[Any], Any]:
    dialect = sqlite.dialect()
    parse = UTCDateTime().dialect_impl(dialect).result_processor(dialect, None)
    assert parse is not None
    return parse


def _json_value(value: Any) -> Any:
    """A JSON column's value: SQLite's driver returns its text (always an array or an
    object in this registry), PostgreSQL's the parsed value."""
    return orjson.loads(value) if isinstance(value, str) else value


def flat(value: Any) -> str:
    """A JSON value as one CSV cell: lists joined with `;`, a term or record by its code,
    slug or key, times as the JSON API writes them."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        text: str = orjson.dumps(value, option=JSON_OPTIONS).decode()
        return text[1:-1]
    if isinstance(value, dict):
        for key in REFERENCE_KEYS:
            if key in value:
                return str(value[key])
        return orjson.dumps(value, option=JSON_OPTIONS).decode()
    if isinstance(value, list):
        return ";".join(flat(v) for v in value)
    return str(value)


# How a labelled CSV (`labels=zh|en`, for people) joins a list, brackets a part and writes
# a yes or no, by language.
_LABELLED = {
    "zh": ("；", "（{}）", "：", ("是", "否")),
    "en": ("; ", " ({})", ": ", ("yes", "no")),
}


# Provenance's CSV columns: an export's four (what an import reads) and a labelled one's three.
PROVENANCE_COLUMNS = ("source", "source_locator_en", "source_locator_zh", "data_quality")
LABELLED_PROVENANCE = ("source", "source_locator", "data_quality")


def labelled_cells(name: str, value: Any, vocab: VocabIndex) -> list[str]:
    """A read JSON value (rendered in `vocab.lang`) as the cells a person reads: a code as
    its label, a record as its name, a source as its title, notes as their texts."""
    if name == "snippet" and value:  # the matched words' <mark>s mean nothing in a sheet
        return [value.replace("<mark>", "").replace("</mark>", "")]
    if name != "provenance":
        return [labelled(value, vocab.lang)]
    provenance = value or {}
    joiner, _, colon, _ = _LABELLED[vocab.lang]
    notes = []
    for note in provenance.get("data_quality") or []:
        issue = vocab.get("quality_issue", note["issue"])
        label = issue.ref(vocab.lang).label if issue is not None else note["issue"]
        notes.append(f"{label}{colon}{note.get('note') or ''}")
    source = provenance.get("source") or {}
    return [source.get("title") or "", provenance.get("locator") or "", joiner.join(notes)]


def labelled(value: Any, lang: str) -> str:
    joiner, bracket, _, (yes, no) = _LABELLED[lang]
    if isinstance(value, bool):
        return yes if value else no
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a count reads 47, not 47.0
    if isinstance(value, list):
        return joiner.join(labelled(v, lang) for v in value)
    if not isinstance(value, dict):
        return flat(value)
    for key in ("label", "name", "title"):
        if key in value:
            return flat(value[key])
    # A child item (a partner): the records it names, then its codes in brackets.
    parts = [v for v in value.values() if isinstance(v, dict)]
    named = " ".join(labelled(v, lang) for v in parts if "name" in v)
    coded = joiner.join(labelled(v, lang) for v in parts if "name" not in v)
    return named + bracket.format(coded) if coded else named


def _notes_cell(notes: Any) -> str:
    return orjson.dumps(notes).decode() if notes else ""


@functools.cache
def plan(entity: Entity[Any]) -> Plan:
    assert entity.read is not None, f"{entity.name} has no read schema"
    return Plan(entity.read, entity.create, entity.model)


def one_json(
    cursor: Any, dialect: Any, entity: Entity[Any], ref: str, vocab: VocabIndex, sources: Sources
) -> dict[str, Any]:
    """One live record by UUID or natural key as its read JSON, read on a DB-API cursor;
    404 or 410 otherwise."""
    p = plan(entity)
    return p.live(entity, ref, p.one(cursor, dialect, entity, ref, Context(vocab, sources)))


def by_id(
    session: Session,
    entity: Entity[Any],
    ids: Sequence[uuid.UUID | str],
    vocab: VocabIndex,
    sources: Sources,
    *,
    only: Collection[str] | None = None,
) -> list[dict[str, Any]]:
    """The records with these ids, in their order, as read JSON values: with `only`, just
    those fields (and `id`), the others neither rendered nor their children loaded. Run on
    the compiled statements, as a detail is; ids may come as UUIDs or text."""
    keys = [as_uuid(i) for i in ids]
    with dbapi_cursor(session) as (cursor, dialect):
        only = None if only is None else {"id", *only}
        rows = plan(entity).many(cursor, dialect, "id", keys, Context(vocab, sources), only)
    found = {str(values["id"]): values for _, values in rows}
    return [found[str(i)] for i in keys]


def rows_json(
    session: Session,
    entity: Entity[Any],
    condition: ColumnElement[bool],
    vocab: VocabIndex,
    sources: Sources,
    *,
    order: Sequence[Any] = (),
    only: Collection[str] | None = None,
) -> list[tuple[Sequence[Any], dict[str, Any]]]:
    """Each record matching `condition`, as (row, its read JSON as Python values)."""
    p = plan(entity)
    rows = session.execute(p.select().where(condition).order_by(*order)).all()
    ctx = Context(vocab, sources)
    if p.children and rows:
        p.load_children(session, [row[p._id] for row in rows], ctx, only)
    return [(row, p.render(row, ctx, only)) for row in rows]


def header(columns: Sequence[str], provenance: Sequence[str] = PROVENANCE_COLUMNS) -> list[str]:
    """CSV column names for read-schema fields, provenance as `provenance`'s columns."""
    out: list[str] = []
    for name in columns:
        out += provenance if name == "provenance" else [name]
    return out


class CellReader:
    """CSV cells of one entity's read-schema fields `columns` (see `header`): what `flat`
    writes of their JSON values, without building those values."""

    def __init__(
        self, entity: Entity[Any], columns: Sequence[str], vocab: VocabIndex, sources: Sources
    ) -> None:
        self.plan = plan(entity)
        self.row_cells = [cell for name in columns for cell in self.plan.cells[name]]
        self.vocab, self.sources = vocab, sources

    def cells(self, rows: Sequence[Sequence[Any]]) -> list[list[Any]]:
        """Rows of the plan's `columns` and then its `cell_columns`, as the driver reads
        them (`query.export_rows`), as the CSV writer's rows. The columns it writes as they
        are come out of each row in one step; the rest are made one by one."""
        taken = [cell if isinstance(cell, int) else 0 for cell in self.row_cells]
        take = operator.itemgetter(*taken, 0)  # and one more: always a tuple
        made = [(i, cell) for i, cell in enumerate(self.row_cells) if not isinstance(cell, int)]
        ctx = Context(self.vocab, self.sources)
        out = []
        for row in rows:
            cells = list(take(row))
            cells.pop()
            for i, cell in made:
                cells[i] = cell(row, ctx)
            out.append(cells)
        return out
