"""The lean read path renders exactly what the read schemas do: for every seeded record of
every entity, the JSON made from Core rows (through `rows_json`, and through the compiled
statements a page uses) equals, byte for byte, the JSON of the ORM object rendered through
its read schema, and it validates against that schema."""

from __future__ import annotations

import uuid

import orjson
import pytest
from sqlalchemy import select, true

from registry.db import make_engine, make_sessionmaker
from registry.entities import ENTITIES
from registry.models import Source
from registry.records import lean
from registry.records.render import render
from registry.vocab import VocabIndex

READABLE = [name for name, entity in ENTITIES.items() if entity.read is not None]


@pytest.mark.parametrize("name", READABLE)
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_lean_json_equals_the_read_schema_json(seeded_url: str, name: str, lang: str) -> None:
    entity = ENTITIES[name]
    assert entity.read is not None
    engine = make_engine(seeded_url)
    try:
        with make_sessionmaker(engine)() as session:
            vocab = VocabIndex.load(session, lang)
            sources = {s.id: s for s in session.scalars(select(Source))}
            objects = {o.id: o for o in session.scalars(select(entity.model).options(*entity.load))}
            rows = lean.rows_json(session, entity, true(), vocab, sources)
            assert len(rows) == len(objects) > 0
            # A page's path: the compiled statements, by id, in the order asked for.
            ids = sorted(objects, key=str)
            paged = lean.by_id(session, entity, ids, vocab, sources)
            assert [str(values["id"]) for values in paged] == [str(i) for i in ids]
            for values in [v for _, v in rows] + paged:
                body = orjson.dumps(values, option=lean.JSON_OPTIONS)
                obj = objects[uuid.UUID(str(values["id"]))]
                expected = orjson.dumps(render(entity, obj, vocab, sources).model_dump(mode="json"))
                assert body == expected, values["id"]
                entity.read.model_validate_json(body)
    finally:
        engine.dispose()


def test_children_and_summaries_are_exercised(seeded_url: str) -> None:
    """The seeds hold what the comparison needs to mean something: programs with partners,
    records pointing at others, and data-quality notes."""
    engine = make_engine(seeded_url)
    try:
        with make_sessionmaker(engine)() as session:
            vocab = VocabIndex.load(session)
            sources = {s.id: s for s in session.scalars(select(Source))}
            programs = [
                v for _, v in lean.rows_json(session, ENTITIES["program"], true(), vocab, sources)
            ]
    finally:
        engine.dispose()
    assert sum(len(p["partners"]) > 1 for p in programs) >= 1
    assert all(p["organization"]["slug"] for p in programs)
    assert any(p["provenance"]["data_quality"] for p in programs)
    assert any(p["target_groups"] for p in programs)


def test_pages_longer_than_one_statement(seeded_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Ids beyond one statement's IN list are read in chunks, children included, and come
    back in the order asked for."""
    entity = ENTITIES["program"]
    engine = make_engine(seeded_url)
    try:
        with make_sessionmaker(engine)() as session:
            vocab = VocabIndex.load(session)
            sources = {s.id: s for s in session.scalars(select(Source))}
            ids = sorted(session.scalars(select(entity.model.id)), key=str, reverse=True)
            whole = lean.by_id(session, entity, ids, vocab, sources)
            monkeypatch.setattr(lean, "CHUNK", 3)
            chunked = lean.by_id(session, entity, [str(i) for i in ids], vocab, sources)
    finally:
        engine.dispose()
    assert len(ids) > 3 * 3
    assert [str(v["id"]) for v in chunked] == [str(i) for i in ids]
    assert orjson.dumps(chunked, option=lean.JSON_OPTIONS) == orjson.dumps(
        whole, option=lean.JSON_OPTIONS
    )
    assert any(v["partners"] for v in chunked)
