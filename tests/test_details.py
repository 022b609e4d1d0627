"""Details answered beneath FastAPI (`api/details.py`) are the detail route's answers: for
every seeded record of every entity, by id and by slug, in both languages, the body equals
the read schema's JSON of the ORM object, and status, headers and body equal those of an
app whose routes answer every detail. What the fast path leaves to the routes (bad
parameters, missing and deleted records, paths a fixed route takes) still gets the routes'
answers, and a write shows in the next read."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from registry.api import details
from registry.api.app import create_app
from registry.config import Settings
from registry.db import make_engine, make_sessionmaker
from registry.entities import ENTITIES
from registry.models import Source
from registry.records.render import render
from registry.vocab import VocabIndex
from tests.conftest import WriteDatabase

DETAILED = [n for n, e in ENTITIES.items() if e.read is not None and e.resource is not None]
COMPARED = ("etag", "content-type", "content-length", "cache-control", "vary")


@pytest.fixture(scope="module")
def routed(seeded_url: str) -> Iterator[TestClient]:
    """The same database through an app whose routes answer every detail."""
    app = create_app(Settings(database_url=seeded_url, environment="test", fast_details=False))
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def answered(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Whether each detail since was answered beneath FastAPI (the fast path's own code runs;
    this only watches)."""
    seen: list[bool] = []
    answer = details.FastDetails._answer

    async def watched(self: details.FastDetails, *args: Any) -> Any:
        values = await answer(self, *args)
        seen.append(values is not None)
        return values

    monkeypatch.setattr(details.FastDetails, "_answer", watched)
    return seen


def same(fast: Any, slow: Any) -> None:
    assert fast.status_code == slow.status_code, (fast.text, slow.text)
    for name in COMPARED:
        assert fast.headers.get(name) == slow.headers.get(name), name
    assert fast.content == slow.content


@pytest.mark.parametrize("name", DETAILED)
def test_every_record_renders_as_its_read_schema(
    client: TestClient, routed: TestClient, seeded_url: str, name: str, answered: list[bool]
) -> None:
    entity = ENTITIES[name]
    assert entity.read is not None
    engine = make_engine(seeded_url)
    try:
        with make_sessionmaker(engine)() as session:
            sources = {s.id: s for s in session.scalars(select(Source))}
            objects = list(session.scalars(select(entity.model).options(*entity.load)))
            assert objects
            for lang in ("en", "zh"):
                vocab = VocabIndex.load(session, lang)
                # The first read at a head and language fills the cache, through the route.
                client.get(f"/api/v1/{entity.resource}/{objects[0].id}", params={"lang": lang})
                for obj in objects:
                    expected = render(entity, obj, vocab, sources).model_dump(mode="json")
                    for ref in (str(obj.id), str(getattr(obj, entity.key))):
                        path = f"/api/v1/{entity.resource}/{ref}"
                        fast = client.get(path, params={"lang": lang})
                        assert fast.status_code == 200, fast.text
                        assert answered[-1], f"{path} was left to the route"
                        assert fast.content == orjson.dumps(expected), path
                        entity.read.model_validate_json(fast.content)
                        same(fast, routed.get(path, params={"lang": lang}))
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    ("path", "headers", "plain"),
    [
        ("/api/v1/programs/lianai-huxin", {"Accept-Language": "zh-CN,zh;q=0.9"}, True),
        ("/api/v1/programs/lianai-huxin", {"Origin": "http://localhost:5173"}, True),
        ("/api/v1/programs/lianai-huxin?lang=fr", {}, False),
        ("/api/v1/programs/lianai-huxin?lang=zh&lang=en", {}, False),
        ("/api/v1/programs/lianai-huxin?colour=red", {}, False),
        ("/api/v1/programs/lianai-huxin?lang", {}, False),
        ("/api/v1/programs/no-such-program", {}, False),
        ("/api/v1/programs/" + "x" * 121, {}, False),
        ("/api/v1/programs/facets", {}, False),
        ("/api/v1/hotline-metrics/series", {}, False),
        ("/api/v1/programs/lianai-huxin/", {}, False),
        ("/api/v1/programs/bad%00ref", {}, False),
    ],
)
def test_what_the_fast_path_leaves_gets_the_routes_answer(
    client: TestClient,
    routed: TestClient,
    answered: list[bool],
    path: str,
    headers: dict[str, str],
    plain: bool,
) -> None:
    client.get(path, headers=headers)  # a first read at this head may fill the cache
    answered.clear()
    options: dict[str, Any] = {"headers": headers, "follow_redirects": False}
    fast, slow = client.get(path, **options), routed.get(path, **options)
    same(fast, slow)
    # Plain requests are answered beneath FastAPI; the rest are handed on, or never taken.
    assert answered == [True] if plain else True not in answered
    origin = "access-control-allow-origin"
    assert fast.headers.get(origin) == slow.headers.get(origin)
    if fast.status_code >= 400:
        assert fast.headers["content-type"] == "application/problem+json"


def test_conditional_and_head_requests(client: TestClient) -> None:
    path = "/api/v1/programs/lianai-huxin"
    first = client.get(path)
    assert first.status_code == 200
    again = client.get(path, headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304
    assert again.content == b""
    head = client.head(path)
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["etag"] == first.headers["etag"]


def test_writes_show_in_the_next_read(api: TestClient, write_db: WriteDatabase) -> None:
    """A change moves the head: the next detail reads through the refreshed cache, a
    relabelled term included, and a deleted record is 410 from the route."""
    tokens = write_db.tokens
    path = "/api/v1/programs/lianai-huxin"
    before = api.get(path, params={"lang": "en"})
    assert before.status_code == 200
    changed = api.patch(
        path,
        json={"name_en": "Lian'ai Huxin, renamed"},
        headers=tokens.headers("editor", **{"If-Match": before.headers["etag"]}),
    )
    assert changed.status_code == 200, changed.text
    after = api.get(path, params={"lang": "en"})
    assert after.json()["name_en"] == "Lian'ai Huxin, renamed"
    assert after.json()["version"] == before.json()["version"] + 1
    assert after.headers["etag"] == changed.headers["etag"]

    group = before.json()["target_groups"][0]
    term = f"/api/v1/vocabularies/target_group/terms/{group['code']}"
    relabel = api.patch(
        term,
        json={"label_en": "Relabelled group"},
        headers=tokens.headers("admin", **{"If-Match": api.get(term).headers["etag"]}),
    )
    assert relabel.status_code == 200, relabel.text
    labels = [g["label"] for g in api.get(path, params={"lang": "en"}).json()["target_groups"]]
    assert "Relabelled group" in labels

    other = "/api/v1/programs/xingfu-happiness-school"
    current = api.get(other).headers["etag"]
    deleted = api.delete(other, headers=tokens.headers("admin", **{"If-Match": current}))
    assert deleted.status_code == 204, deleted.text
    gone = api.get(other)
    assert gone.status_code == 410
    assert gone.headers["content-type"] == "application/problem+json"
