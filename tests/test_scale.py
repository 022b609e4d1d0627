"""Behaviour that only shows on big tables: keyset paging and index-backed search."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime

from fastapi.testclient import TestClient
from sqlalchemy import insert, select, text
from sqlalchemy.orm import Session

from registry.api.app import create_app
from registry.config import Settings
from registry.db import make_engine
from registry.lists.fulltext import search_subquery
from registry.models import Organization, Program, SearchDocument
from registry.search import tokens
from tests.conftest import WriteDatabase, migrate

WORDS = ["留守儿童", "欺凌", "抑郁", "心理健康", "teacher", "parents", "school", "resilience"]
RARE = "马术"  # in one document in 1,000


def test_cursor_walk_over_10k_programs_has_no_gaps_or_duplicates(
    write_db: WriteDatabase,
) -> None:
    url = write_db.url
    engine = make_engine(url)
    rng = random.Random(7)
    with Session(engine) as session:
        org = session.scalar(select(Organization).limit(1))
        assert org is not None
        now = datetime.now(UTC)
        rows = [
            {
                "id": uuid.uuid4(),
                "slug": f"generated-{i}",
                "name_zh": f"项目{rng.randint(0, 500)}",
                "name_zh_sort": f"xiang4 mu4 {rng.randint(0, 500):03d}",
                "name_en": f"Program {i}",
                # Many ties and nulls: the walk must still see every row exactly once.
                "established_year": rng.choice([None, None, 2019, 2020, 2021, 2022]),
                "organization_id": org.id,
                "aliases": [],
                "components": [],
                "data_quality": [],
                "course_based": False,
                "interviewed": False,
                "created_at": now,
                "updated_at": now,
                "version": 1,
            }
            for i in range(10_000)
        ]
        session.execute(insert(Program), rows)
        session.commit()
    engine.dispose()
    expected = {str(r["id"]) for r in rows}

    app = create_app(Settings(database_url=url, environment="test"))
    with TestClient(app) as client:
        for sort in ("-established_year,name_zh", "name_en"):
            seen: list[str] = []
            body = client.get(
                "/api/v1/programs", params={"limit": 500, "sort": sort, "count": "none"}
            ).json()
            pages = 1
            while True:
                seen += [p["id"] for p in body["items"] if p["slug"].startswith("generated-")]
                if not body["next"]:
                    break
                body = client.get(body["next"]).json()
                pages += 1
            assert len(seen) == len(set(seen)), f"duplicates with sort={sort}"
            assert set(seen) == expected, f"gaps with sort={sort}"
            assert pages == 21  # 10,050 programs in pages of 500


def test_search_uses_the_full_text_index_on_100k_rows(fresh_url: str) -> None:
    url = fresh_url
    migrate(url)
    engine = make_engine(url)
    rng = random.Random(11)
    with Session(engine) as session:
        batch = [
            {
                "entity": "program",
                "record_id": uuid.uuid4(),
                "tokens": tokens(
                    [" ".join(rng.sample(WORDS, 3)), f"编号{i}", RARE if i % 1000 == 0 else ""]
                ),
            }
            for i in range(100_000)
        ]
        session.execute(insert(SearchDocument), batch)
        session.commit()
        if engine.dialect.name == "postgresql":
            session.execute(text("ANALYZE search_documents"))
        search = search_subquery(session, "program", "欺凌")
        query = select(search.c.record_id, search.c.rank)
        sql = str(query.compile(engine, compile_kwargs={"literal_binds": True}))
        if engine.dialect.name == "sqlite":
            steps = [str(r[-1]) for r in session.execute(text("EXPLAIN QUERY PLAN " + sql))]
            # The full-text index drives the join; documents are fetched by primary key.
            assert "search_fts_program VIRTUAL TABLE INDEX" in steps[0], steps
            assert any("search_documents USING INTEGER PRIMARY KEY" in s for s in steps), steps
            assert not any("SCAN search_documents" in s for s in steps), steps
        else:
            # Nothing is parsed per row (the stored vector, migration 0008). A word in 37% of
            # the documents may be read off the table, as cheap as the index by the
            # planner's costs; a rare one goes through the GIN index.
            plan = " | ".join(r[0] for r in session.execute(text("EXPLAIN " + sql)))
            assert "to_tsvector" not in plan, plan
            rare = select(search_subquery(session, "program", RARE).c.record_id)
            rare_sql = str(rare.compile(engine, compile_kwargs={"literal_binds": True}))
            plan = " | ".join(r[0] for r in session.execute(text("EXPLAIN " + rare_sql)))
            assert "ix_search_documents_tsv" in plan, plan
            assert "Seq Scan on search_documents" not in plan, plan
            assert len(session.execute(rare).all()) == 100
        matches = session.execute(query).all()
        assert 0 < len(matches) < 100_000
    engine.dispose()
