"""Two separate `registry serve` processes on one database, as a deployment of several
hosts runs them: each process holds only caches (match index, read cache, ETags) that it
must keep current from the database, so whatever one process writes the other serves on
its next request.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

import httpx
import pytest

from registry.auth import revoke_token
from registry.db import make_engine, make_sessionmaker, write_session
from tests.admin_support import Tokens, serve
from tests.conftest import WriteDatabase

TIMEOUT = 120  # outcomes, not speed


@pytest.fixture
def two(write_db: WriteDatabase) -> Iterator[tuple[httpx.Client, httpx.Client, Tokens]]:
    """Clients of two `registry serve` processes (one worker each) on this test's database."""
    with ExitStack() as stack:
        bases = [stack.enter_context(_served(write_db.url, 1)) for _ in range(2)]
        one, other = (stack.enter_context(httpx.Client(base_url=b, timeout=TIMEOUT)) for b in bases)
        yield one, other, write_db.tokens


_served = contextmanager(serve)


def _left_behind_total(client: httpx.Client) -> int:
    page = client.get("/api/v1/programs", params={"target_group": "left_behind", "limit": 1})
    assert page.status_code == 200, page.text
    return int(page.json()["total"])


def _facet_count(client: httpx.Client, facet: str, value: str) -> int:
    body = client.get("/api/v1/programs/facets", params={"facet": facet}).json()
    return next(v["count"] for v in body["facets"][facet] if v["value"] == value)


def _search(client: httpx.Client, q: str) -> list[str]:
    page = client.get("/api/v1/programs", params={"q": q})
    assert page.status_code == 200, page.text
    return [p["slug"] for p in page.json()["items"]]


def test_a_write_through_one_process_is_read_through_the_other(
    two: tuple[httpx.Client, httpx.Client, Tokens],
) -> None:
    one, other, tokens = two
    # Both processes build their caches before the write, so stale caches would show.
    before = [_left_behind_total(c) for c in (one, other)]
    assert before[0] == before[1] > 0
    facet_before = _facet_count(other, "setting", "medical")
    assert _search(other, "quokka") == []
    etag_before = other.get("/api/v1/programs", params={"target_group": "left_behind"}).headers[
        "etag"
    ]

    body = {
        "slug": "two-process",
        "name_zh": "双进程测试",
        "name_en": "Two process test",
        "organization": "guangdong-rici-foundation",
        "target_groups": ["left_behind"],
        "settings": ["medical"],
        "description_en": "quokka",
    }
    created = one.post("/api/v1/programs", json=body, headers=tokens.headers())
    assert created.status_code == 201, created.text

    detail = other.get("/api/v1/programs/two-process")
    assert detail.status_code == 200, detail.text
    assert detail.json()["id"] == created.json()["id"]
    assert _left_behind_total(other) == before[1] + 1
    assert _facet_count(other, "setting", "medical") == facet_before + 1
    assert _search(other, "quokka") == ["two-process"]
    # The list's old ETag no longer answers 304 through the other process.
    revalidated = other.get(
        "/api/v1/programs",
        params={"target_group": "left_behind"},
        headers={"If-None-Match": etag_before},
    )
    assert revalidated.status_code == 200

    # A change through the second process, conditional on the ETag the first one gave.
    etag = one.get("/api/v1/programs/two-process").headers["etag"]
    assert other.get("/api/v1/programs/two-process").headers["etag"] == etag
    changed = other.patch(
        "/api/v1/programs/two-process",
        json={"description_en": "numbat", "target_groups": ["migrant"]},
        headers=tokens.headers(**{"If-Match": etag}),
    )
    assert changed.status_code == 200, changed.text
    assert one.get("/api/v1/programs/two-process").json()["description"] == "numbat"
    assert _search(one, "quokka") == []
    assert _search(one, "numbat") == ["two-process"]
    assert _left_behind_total(one) == before[0]
    # The first process's ETag is stale everywhere: a write conditional on it is refused.
    stale = one.patch(
        "/api/v1/programs/two-process",
        json={"description_en": "lost"},
        headers=tokens.headers(**{"If-Match": etag}),
    )
    assert stale.status_code == 412, stale.text
    assert other.get("/api/v1/programs/two-process").json()["description"] == "numbat"


def test_idempotency_keys_tokens_and_the_change_feed_agree_across_processes(
    two: tuple[httpx.Client, httpx.Client, Tokens], write_db: WriteDatabase
) -> None:
    one, other, tokens = two
    tail = one.get("/api/v1/changes", params={"since": 0, "limit": 500}).json()
    since = tail["since"]
    while tail["items"]:
        since = tail["since"]
        tail = one.get("/api/v1/changes", params={"since": since, "limit": 500}).json()

    figure = {
        "slug": "across-processes",
        "subject": "test.across",
        "label_en": "across processes",
        "value": 3,
        "unit": "people",
    }
    headers = tokens.headers(**{"Idempotency-Key": "across-processes"})
    first = one.post("/api/v1/figures", json=figure, headers=headers)
    assert first.status_code == 201, first.text
    replay = other.post("/api/v1/figures", json=figure, headers=headers)
    assert replay.status_code == 201, replay.text
    assert replay.json()["id"] == first.json()["id"]
    reused = other.post("/api/v1/figures", json={**figure, "value": 4}, headers=headers)
    assert reused.status_code == 422, reused.text
    assert one.get("/api/v1/figures", params={"subject": "test.across"}).json()["total"] == 1

    feeds = [c.get("/api/v1/changes", params={"since": since}).json() for c in (one, other)]
    feeds = [feed["items"] for feed in feeds]
    assert feeds[0] == feeds[1]
    assert [(c["entity"], c["action"]) for c in feeds[0]] == [("figure", "create")]

    # A token revoked in the database is refused by both processes on their next request.
    engine = make_engine(write_db.url)
    try:
        with write_session(make_sessionmaker(engine)) as session:
            revoke_token(session, "test-editor")
    finally:
        engine.dispose()
    for client in (one, other):
        refused = client.post(
            "/api/v1/figures", json={**figure, "slug": "after-revoke"}, headers=tokens.headers()
        )
        assert refused.status_code == 401, refused.text
        assert refused.headers["content-type"] == "application/problem+json"
    admin = other.post(
        "/api/v1/figures", json={**figure, "slug": "after-revoke"}, headers=tokens.headers("admin")
    )
    assert admin.status_code == 201, admin.text
