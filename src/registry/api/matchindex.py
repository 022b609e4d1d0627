"""Exact counts, facets and pages whose cost follows the page, not the table.

SQL answers "how many programs match" and "how many per target group" by visiting every
matching row, so at a million programs a broad filter costs hundreds of milliseconds. A
`MatchIndex` keeps, for each filter value, the set of records carrying it as a compressed
bitmap of row numbers (pyroaring): SQLite's rowid, and on PostgreSQL an identity column of
the same name (migration 0009). A filter is then a few bitmap ANDs and ORs, a count
is the size of the result, a facet is one intersection count per value, and a page is
found by walking the sort order's index until enough members of the result have passed.

The bitmaps are built from each filter's own `pairs()` declaration, so they can only
agree with the SQL path (the tests compare both). They are a per-process cache of the
database: every write leaves a row in `changes`, and a request whose snapshot shows a
newer change than the index has applies those changes first, in its own transaction,
so what it counts is exactly what it reads. A built index is also saved to a file keyed
by its change head (`IndexFiles`), so a new worker on the same host loads it and applies
only the changes since, instead of reading every row again (SQLite only: a PostgreSQL
worker builds its own). A request that cannot use the index (a filter without pairs, a
refresh in progress in another thread) takes the SQL path, which gives the same answers
more slowly.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import threading
import uuid
from array import array
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pyroaring import AbstractBitMap, BitMap, FrozenBitMap
from sqlalchemy import ColumnElement, Select, Text, cast, func, literal_column, select
from sqlalchemy.orm import Session

from registry.api.caching import code_token
from registry.api.filters import (
    BoolFilter,
    Filter,
    FilterSet,
    FilterValues,
    RangeFilter,
    TermFilter,
)
from registry.models import Change, SearchDocument
from registry.search import Term
from registry.terms import ENTITY as TERM_ENTITY

logger = logging.getLogger(__name__)

# Above this many changed records a rebuild is cheaper than patching.
PATCH_LIMIT = 5_000
# Records patched in after which the index is saved again, so a new worker has less to apply.
SAVE_AFTER = 1_000
# Searches whose matches are kept with a state, the oldest dropped first.
SEARCHES_KEPT = 64
# A result this small is fetched by rowid and sorted in SQL rather than walked.
FETCH_LIMIT = 2_000


def rowid(model: Any) -> ColumnElement[int]:
    return literal_column(f"{model.__tablename__}.rowid")


@dataclass(frozen=True)
class State:
    """One consistent picture of the table; replaced, never changed, so readers need no lock."""

    head: int
    everything: BitMap
    live: BitMap
    values: dict[str, dict[Any, BitMap]]
    # Search document id → the record's rowid (0 for none): full-text matches become
    # rowids without a join per match. Empty for an entity that is not searched.
    docs: array[int] = field(default_factory=lambda: array("q"))
    # Rowids matching each recent search (its terms as the key): a common word's matches
    # come from the full-text index a row at a time, so they are kept with the state and
    # patched from the change log with the bitmaps. A cache: filled, never otherwise changed.
    searches: dict[tuple[Term, ...], FrozenBitMap] = field(default_factory=dict, compare=False)

    def record_rowid(self, doc_id: int) -> int:
        return self.docs[doc_id] if doc_id < len(self.docs) else 0

    def remember(self, terms: tuple[Term, ...], rowids: FrozenBitMap) -> None:
        if len(self.searches) >= SEARCHES_KEPT:
            self.searches.pop(next(iter(self.searches)), None)  # the oldest entry
        self.searches[terms] = rowids


@dataclass
class MatchIndex:
    fs: FilterSet
    # Other entities whose changes move this one's filter values (program province comes
    # from its organization too), with the column that points at them.
    depends: dict[str, Any] = field(default_factory=dict)
    state: State | None = None
    files: IndexFiles | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _walkable: dict[str, bool] = field(default_factory=dict)
    _unsaved: int = 0  # records patched in since the last saved file

    @property
    def filters(self) -> list[Filter]:
        return [f for f in self.fs.filters if _indexable(f)]

    def current(self, session: Session, head: int) -> State | None:
        """The state for `session`'s snapshot, whose change-log head is `head`, refreshed if
        need be; None means use SQL (another thread is refreshing). On PostgreSQL the
        session must read one snapshot (REPEATABLE READ, as `replica.ReadRoute` opens
        reads), so that what a refresh applies is exactly what the request then reads."""
        state = self.state
        if state is not None and state.head == head:
            return state
        if state is not None and state.head > head:
            return None  # another request refreshed past this request's snapshot
        if not self._lock.acquire(blocking=False):
            return None
        try:
            state = self.state
            if state is None or state.head != head:
                state = self._refresh(session, state, head)
                self.state = state
            return state
        finally:
            self._lock.release()

    def _refresh(self, session: Session, state: State | None, head: int) -> State:
        if state is None and self.files is not None:
            state = self.files.load(session, self.fs, self._filter_names(), head)
        if state is None:
            return self._build(session, head)
        if state.head == head:
            return state
        changed = session.execute(
            select(Change.entity, Change.record_id, Change.action).where(Change.id > state.head)
        ).all()
        name = self.fs.entity.name
        if any(e == name and a == "purge" for e, _, a in changed):
            return self._build(session, head)  # a purged row's rowid is gone with it
        model = self.fs.model
        owners: set[Any] = {r for e, r, _ in changed if e == name}
        for entity, column in self.depends.items():
            related = {r for e, r, _ in changed if e == entity}
            if related:
                owners |= set(session.scalars(select(model.id).where(column.in_(related))))
        if len(owners) > PATCH_LIMIT:
            return self._build(session, head)
        # A relabelled code changes the documents that carry it, not those records' rows:
        # the kept searches are matched again when next asked.
        searches = {} if any(e == TERM_ENTITY for e, _, _ in changed) else state.searches
        if not owners:
            return State(head, state.everything, state.live, state.values, state.docs, searches)
        ids = list(owners)
        rows = session.execute(
            select(rowid(model), model.deleted_at.is_(None)).where(model.id.in_(ids))
        ).all()
        touched = BitMap(r[0] for r in rows)
        live = (state.live - touched) | BitMap(r[0] for r in rows if r[1])
        values = {
            name: {key: bitmap - touched for key, bitmap in by_key.items()}
            for name, by_key in state.values.items()
        }
        for filter_ in self.filters:
            by_key = values[filter_.name]
            for row_id, key in session.execute(self._pairs(filter_).where(model.id.in_(ids))):
                by_key[key] = by_key.get(key, BitMap()) | BitMap([row_id])
        docs = _docs(session, self._documents().where(model.id.in_(ids)), array("q", state.docs))
        searches = self._searches(session, searches, ids, touched)
        patched = State(head, state.everything | touched, live, values, docs, searches)
        self._unsaved += len(owners)
        if self.files is not None and self._unsaved >= SAVE_AFTER:
            self._save(session, patched)
        return patched

    def _build(self, session: Session, head: int) -> State:
        model = self.fs.model
        alive = _grouped(session, select(rowid(model).label("rid"), model.deleted_at.is_(None)))
        live = alive.get(True, BitMap())
        everything = live | alive.get(False, BitMap())
        values = {f.name: _grouped(session, self._pairs(f)) for f in self.filters}
        docs = _docs(session, self._documents(), array("q"))
        state = State(head, everything, live, values, docs)
        if self.files is not None:
            self._save(session, state)
        return state

    def _save(self, session: Session, state: State) -> None:
        assert self.files is not None
        self.files.save(session, self.fs, self._filter_names(), state)
        self._unsaved = 0

    def _searches(
        self,
        session: Session,
        searches: dict[tuple[Term, ...], FrozenBitMap],
        ids: list[Any],
        touched: BitMap,
    ) -> dict[tuple[Term, ...], FrozenBitMap]:
        """The kept searches with the changed records matched again against their new
        tokens, as FTS5 matches them: every term a token, or a token's prefix."""
        if not searches:
            return {}
        model, entity = self.fs.model, self.fs.entity
        texts = session.execute(
            select(rowid(model), SearchDocument.names + " " + SearchDocument.tokens)
            .select_from(model)
            .join(SearchDocument, SearchDocument.record_id == model.id)
            .where(SearchDocument.entity == entity.search_key, model.id.in_(ids))
        ).all()
        changed = [(row_id, set(tokens.split())) for row_id, tokens in texts]
        patched = {}
        for terms, rowids in searches.items():
            now = BitMap(r for r, tokens in changed if _all_match(terms, tokens))
            patched[terms] = FrozenBitMap((rowids - touched) | now)
        return patched

    def _filter_names(self) -> list[str]:
        return [f.name for f in self.filters]

    def _documents(self) -> Select[int, int]:
        """(search document id, record rowid) of the entity's records."""
        model, entity = self.fs.model, self.fs.entity
        return (
            select(SearchDocument.id, rowid(model))
            .join(model, model.id == SearchDocument.record_id)
            .where(SearchDocument.entity == entity.search_key)
            .order_by(SearchDocument.id.desc())
        )

    def _pairs(self, filter_: Filter) -> Select[Any]:
        """(rowid, key) for each record and value of the filter, from its declaration."""
        model = self.fs.model
        pairs = filter_.pairs()
        assert pairs is not None
        sub = pairs.subquery()
        return (
            select(rowid(model).label("rid"), sub.c.key)
            .select_from(model)
            .join(sub, sub.c.owner_id == model.id)
        )

    def matches(
        self,
        state: State,
        values: FilterValues,
        *,
        deleted: str = "exclude",
        skip: str | None = None,
        search: AbstractBitMap | None = None,
    ) -> BitMap | None:
        """Rowids matching every filter (but `skip`), or None if one is not indexed."""
        result = {"exclude": state.live, "only": state.everything - state.live}.get(
            deleted, state.everything
        )
        by_name = {f.name: f for f in self.fs.filters}
        for name, value in values.values.items():
            if name == skip:
                continue
            by_key = state.values.get(name)
            if by_key is None:
                return None
            result = result & _selected(by_name[name], by_key, value)
        if search is not None:
            result = result & search
        return result

    def rollup(self, state: State, name: str, matching: BitMap, keys: list[Any]) -> int:
        """Records of `matching` carrying any of `keys`, each once."""
        by_key = state.values[name]
        carrying = BitMap.union(*(by_key[k] for k in keys if k in by_key))
        return matching.intersection_cardinality(carrying)

    def facet_counts(self, state: State, name: str, matching: BitMap) -> dict[Any, int]:
        counts = {
            key: matching.intersection_cardinality(b) for key, b in state.values[name].items()
        }
        return {key: count for key, count in counts.items() if count}


def _all_match(terms: tuple[Term, ...], tokens: set[str]) -> bool:
    return all(
        any(t.startswith(term.token) for t in tokens) if term.prefix else term.token in tokens
        for term in terms
    )


def _indexable(filter_: Filter) -> bool:
    return isinstance(filter_, TermFilter | BoolFilter | RangeFilter)


def _grouped(session: Session, query: Select[Any]) -> dict[Any, BitMap]:
    """{key: rowids} for a query of (rowid, key) rows, grouped by the database.

    Building reads millions of pairs: SQLite hands them over as one comma-separated list
    per key, and only the few hundred distinct keys go through the column's conversion.
    """
    sub = query.subquery()
    rid, key = sub.c
    # One list per key and block of 65,536 rowids: short strings, so little memory at once.
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        listed = func.string_agg(cast(rid, Text), ",")
        rows = connection.execute(select(key, listed).group_by(key, rid.op(">>")(16)))
        return _blocks(rows, None)
    grouped = select(key, func.group_concat(rid)).group_by(key, rid.op(">>")(16))
    compiled = grouped.compile(connection)
    params = compiled.construct_params()
    # Only plain literals (vocabulary names) reach here, so no bind conversion is needed.
    values = tuple(params[name] for name in compiled.positiontup or [])
    assert all(isinstance(v, str | int) for v in values), values
    convert = key.type.result_processor(connection.dialect, None)
    return _blocks(connection.exec_driver_sql(str(compiled), values), convert)


def _blocks(rows: Any, convert: Any) -> dict[Any, BitMap]:
    out: dict[Any, BitMap] = {}
    for raw, listed in rows:
        value = convert(raw) if convert is not None else raw
        block = BitMap(map(int, listed.split(",")))
        if value in out:
            out[value] |= block
        else:
            out[value] = block
    return out


def _docs(session: Session, query: Select[int, int], docs: array[int]) -> array[int]:
    """`docs` with the (document id, rowid) pairs of `query` set, grown to fit them: the
    highest id comes first, so it grows once."""
    for doc_id, row_id in session.execute(query):
        if doc_id >= len(docs):
            docs.frombytes(bytes(docs.itemsize * (doc_id + 1 - len(docs))))
        docs[doc_id] = row_id
    return docs


def _selected(filter_: Filter, by_key: dict[Any, BitMap], value: Any) -> BitMap:
    if isinstance(filter_, TermFilter):
        return BitMap.union(BitMap(), *(by_key[v] for v in value if v in by_key))
    if isinstance(filter_, BoolFilter):
        return by_key.get(value, BitMap())
    low, high = value
    return BitMap.union(
        BitMap(),
        *(
            b
            for k, b in by_key.items()
            if (low is None or k >= low) and (high is None or k <= high)
        ),
    )


# Bump when the file layout or what a State holds changes.
FILE_FORMAT = 1


@dataclass(frozen=True)
class IndexFiles:
    """Built match indexes saved in a directory, one file per entity and change head, so the
    workers of a host (and the next start) load an index instead of building it.

    A file holds a JSON header line and then the bitmaps in pyroaring's portable format and
    the document array. It is used only by code with the same hash (`code_token`) and only
    if the change at its head carries the same time in this database, so a file left by
    another database, a restored backup or an older release is passed over. Any file that
    cannot be read is ignored and the index built from the database, as without files.
    """

    directory: Path
    keep: int = 2  # files per entity; older ones are removed after a save

    def load(self, session: Session, fs: FilterSet, filters: list[str], head: int) -> State | None:
        for file_head, path in self._files(fs.entity.name):
            if file_head > head:
                continue
            try:
                return self._read(session, path, fs, filters, file_head)
            except Exception:
                logger.warning("match index file %s not used", path, exc_info=True)
            return None
        return None

    def save(self, session: Session, fs: FilterSet, filters: list[str], state: State) -> None:
        entity = fs.entity.name
        try:
            blobs: list[bytes] = [state.everything.serialize(), state.live.serialize()]
            values: dict[str, list[tuple[str, int]]] = {}
            for name in filters:
                entries = values[name] = []
                for key, bitmap in state.values[name].items():
                    blob = bitmap.serialize()
                    entries.append((_key_text(key), len(blob)))
                    blobs.append(blob)
            blobs.append(state.docs.tobytes())
            header = {
                "format": FILE_FORMAT,
                "code": code_token(),
                "entity": entity,
                "head": state.head,
                "at": _change_at(session, state.head),
                "probes": _probes(session, fs, _spread(state.everything)),
                "sizes": [len(blobs[0]), len(blobs[1]), len(blobs[-1])],
                "values": values,
            }
            self.directory.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=self.directory, delete=False) as out:
                out.write(json.dumps(header).encode() + b"\n")
                for blob in blobs:
                    out.write(blob)
            os.chmod(out.name, 0o644)  # readable by the other workers, whatever their user
            os.replace(out.name, self.directory / f"{entity}.{state.head}.idx")
            for _, old in self._files(entity)[self.keep :]:
                old.unlink(missing_ok=True)
        except Exception:
            logger.warning("match index for %s not saved", entity, exc_info=True)

    def _files(self, entity: str) -> list[tuple[int, Path]]:
        """(head, path) of the entity's files, newest first."""
        found = []
        for path in self.directory.glob(f"{entity}.*.idx"):
            head = path.name.removeprefix(f"{entity}.").removesuffix(".idx")
            if head.isdigit():
                found.append((int(head), path))
        return sorted(found, reverse=True)

    def _read(
        self, session: Session, path: Path, fs: FilterSet, filters: list[str], head: int
    ) -> State | None:
        with path.open("rb") as file:
            header = json.loads(file.readline())
            expected = (FILE_FORMAT, code_token(), fs.entity.name, head, sorted(filters))
            found = (header["format"], header["code"], header["entity"], header["head"])
            if (*found, sorted(header["values"])) != expected:
                return None
            if header["at"] != _change_at(session, head):
                return None  # another database's file, or one from before a restore
            probes = header["probes"]
            if _probes(session, fs, [int(r) for r in probes]) != probes:
                return None  # rowids moved (a VACUUM renumbers a table without its own key)
            everything_size, live_size, docs_size = header["sizes"]
            everything = BitMap.deserialize(file.read(everything_size))
            live = BitMap.deserialize(file.read(live_size))
            values = {
                name: {_text_key(key): BitMap.deserialize(file.read(n)) for key, n in entries}
                for name, entries in header["values"].items()
            }
            docs = array("q")
            docs.frombytes(file.read(docs_size))
            if len(docs) * docs.itemsize != docs_size or file.read(1):
                raise ValueError("the file's length does not match its header")
        return State(head, everything, live, values, docs)


def _spread(rowids: BitMap, count: int = 16) -> list[int]:
    """Up to `count` rowids spread over the table, to check a file against."""
    size = len(rowids)
    return sorted({rowids[i * size // count] for i in range(count)}) if size else []


def _probes(session: Session, fs: FilterSet, rowids: list[int]) -> dict[str, str]:
    """{rowid: record id} for these rowids, as the database holds them now."""
    model = fs.model
    rows = session.execute(select(rowid(model), model.id).where(rowid(model).in_(rowids)))
    return {str(r): str(i) for r, i in rows}


def _change_at(session: Session, head: int) -> str:
    at = session.scalar(select(Change.at).where(Change.id == head))
    return "" if at is None else at.isoformat()


def _key_text(key: Any) -> str:
    """A filter value as text that says its type: term ids, flags, years, codes, none."""
    if key is None:
        return "n"
    if isinstance(key, uuid.UUID):
        return "u" + key.hex
    if isinstance(key, bool):
        return "b" + str(int(key))
    if isinstance(key, int):
        return "i" + str(key)
    if isinstance(key, str):
        return "s" + key
    raise TypeError(f"cannot save a filter value of type {type(key).__name__}")


def _text_key(text: str) -> Any:
    kind, value = text[0], text[1:]
    if kind == "n":
        return None
    if kind == "u":
        return uuid.UUID(value)
    if kind == "b":
        return value == "1"
    if kind == "i":
        return int(value)
    if kind == "s":
        return value
    raise ValueError(f"unknown filter value {text!r}")
