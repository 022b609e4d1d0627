"""The match index (bitmaps of filter values) answers exactly as SQL does, and keeps up.

Two apps read one database of a few thousand imported programs: one with the per-process
caches (on SQLite the match index serves counts, facets and pages), one without (every
answer from SQL). Random filter, sort and paging combinations must give the same pages,
totals and facet counts; writes through the API must show in the next answer.
"""

from __future__ import annotations

import random
import sqlite3
import time
from collections.abc import Iterator
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient

from registry.api.app import create_app, index_files
from registry.api.listing import indexed
from registry.api.matchindex import MatchIndex
from registry.config import Settings
from registry.lists import fulltext
from tests.admin_support import Tokens
from tests.conftest import WriteDatabase

PROGRAMS = 3_000  # above listing's FETCH_LIMIT, so broad results are walked


def _codes(client: TestClient, vocabulary: str) -> list[str]:
    body = client.get(f"/api/v1/vocabularies/{vocabulary}").json()
    return [t["code"] for t in body["terms"]]


@pytest.fixture
def apps(write_db: WriteDatabase) -> Iterator[tuple[TestClient, TestClient, Tokens]]:
    """Both apps on the test's own database. The programs are imported once both apps are
    up, so the match index catches up with the import as it does with any write."""
    url, tokens = write_db.url, write_db.tokens
    indexed = create_app(Settings(database_url=url, environment="test"))
    plain = create_app(Settings(database_url=url, environment="test"))
    plain.state.read_cache = None
    with TestClient(indexed) as fast, TestClient(plain) as slow:
        rng = random.Random(3)
        vocab = {
            v: _codes(fast, v)
            for v in ("target_group", "setting", "intervention_type", "province", "element")
        }
        orgs = [
            o["slug"]
            for o in fast.get("/api/v1/organizations", params={"limit": 50}).json()["items"]
        ]
        rows = [
            {
                "slug": f"generated-{i:05d}",
                "name_zh": rng.choice(["阳光", "心语", "同行", "彩虹", None])
                and f"项目{rng.randint(0, 400)}",
                "name_en": f"Program {rng.randint(0, 900)}",
                "organization": rng.choice(orgs),
                "intervention_type": rng.choice([*vocab["intervention_type"], None]),
                "target_groups": rng.sample(vocab["target_group"], rng.randint(0, 3)),
                "settings": rng.sample(vocab["setting"], rng.randint(0, 2)),
                "provinces": rng.sample(vocab["province"], rng.randint(0, 2)),
                "elements": rng.sample(vocab["element"], rng.randint(0, 2)),
                "established_year": rng.choice([None, *range(2005, 2025)]),
                "course_based": rng.random() < 0.3,
                "description_en": rng.choice(["留守儿童的陪伴", "teacher training", "家长课堂"]),
            }
            for i in range(PROGRAMS)
        ]
        done = fast.post(
            "/api/v1/import",
            params={"entity": "programs"},
            content=orjson.dumps(rows),
            headers=tokens.headers("admin", **{"Content-Type": "application/json"}),
        )
        assert done.status_code == 200, done.text
        assert done.json()["counts"]["created"] == PROGRAMS
        yield fast, slow, tokens


def _random_query(rng: random.Random, fast: TestClient) -> dict[str, Any]:
    params: dict[str, Any] = {}
    choices = {
        "target_group": ["left_behind", "parents", "teachers", "school_staff", "migrant"],
        "setting": ["school", "community", "family"],
        "intervention_type": ["prevention_promotion", "treatment", "monitoring"],
        "province": ["CN-GD", "CN-YN", "CN-BJ"],
    }
    for name, values in choices.items():
        if rng.random() < 0.4:
            params[name] = rng.sample(values, rng.randint(1, 2))
    if rng.random() < 0.3:
        params["course_based"] = rng.choice(["true", "false"])
    if rng.random() < 0.3:
        params["established_year_min"] = rng.randint(2005, 2020)
    if rng.random() < 0.15:
        params["q"] = rng.choice(["留守", "teacher", "家长"])
    return params


def _same(fast: TestClient, slow: TestClient, path: str, params: dict[str, Any]) -> Any:
    a, b = fast.get(path, params=params), slow.get(path, params=params)
    assert a.status_code == b.status_code == 200, (params, a.text, b.text)
    assert a.json() == b.json(), params
    return a.json()


def test_random_lists_and_facets_match_sql(
    apps: tuple[TestClient, TestClient, Tokens], backend: str
) -> None:
    fast, slow, _ = apps
    rng = random.Random(11)
    totals = set()
    for _ in range(40):
        params = _random_query(rng, fast)
        page = {
            **params,
            "limit": rng.choice([5, 50]),
            "sort": rng.choice(["name_zh", "name_en", "established_year", "-name_zh", None]),
        }
        if rng.random() < 0.5:
            page["offset"] = rng.choice([0, 7, 400, 2500])
        body = _same(fast, slow, "/api/v1/programs", {k: v for k, v in page.items() if v})
        totals.add(body["total"])
        facets = {
            **params,
            "facet": ["target_group", "setting", "established_year", "course_based"],
        }
        _same(fast, slow, "/api/v1/programs/facets", facets)
    assert len(totals) > 20  # the queries really differ
    walked = {key[1:] for key, ok in indexed._WALKABLE.items() if ok and key[0] == backend}
    assert walked  # some pages were walked off an index


def test_cursor_walk_matches_sql(apps: tuple[TestClient, TestClient, Tokens]) -> None:
    fast, slow, _ = apps
    for sort in ("name_zh", "established_year", "-name_en"):
        params: dict[str, Any] = {"sort": sort, "limit": 500, "setting": "school"}
        seen = []
        body = _same(fast, slow, "/api/v1/programs", params)
        while True:
            seen += [p["id"] for p in body["items"]]
            if not body["next"]:
                break
            cursor = body["next"].split("cursor=")[1]
            body = _same(fast, slow, "/api/v1/programs", {**params, "cursor": cursor})
        assert len(seen) == len(set(seen)) == body["total"] > 500


def test_writes_show_in_the_next_answer(apps: tuple[TestClient, TestClient, Tokens]) -> None:
    fast, slow, tokens = apps
    query = {"target_group": "justice_involved", "setting": "online"}
    facets = {**query, "facet": ["target_group", "province"]}
    before = _same(fast, slow, "/api/v1/programs/facets", facets)
    slug = "generated-00007"
    current = fast.get(f"/api/v1/programs/{slug}")
    changed = fast.patch(
        f"/api/v1/programs/{slug}",
        json={"target_groups": ["justice_involved"], "settings": ["online"]},
        headers=tokens.headers("editor", **{"If-Match": current.headers["ETag"]}),
    )
    assert changed.status_code == 200, changed.text
    after = _same(fast, slow, "/api/v1/programs/facets", facets)
    was_match = {"justice_involved"} <= {t["code"] for t in current.json()["target_groups"]} and (
        "online" in {s["code"] for s in current.json()["settings"]}
    )
    assert after["total"] == before["total"] + (0 if was_match else 1)
    listed = _same(fast, slow, "/api/v1/programs", {**query, "limit": 500})
    assert slug in {p["slug"] for p in listed["items"]}

    # A deleted program leaves the counts; restored, it comes back; purged, it is gone.
    admin = tokens.headers("admin")
    path = f"/api/v1/programs/{slug}"

    def delete() -> int:
        etag = fast.get(path).headers["ETag"]
        return fast.delete(path, headers={**admin, "If-Match": etag}).status_code

    assert delete() == 204
    assert _same(fast, slow, "/api/v1/programs/facets", facets)["total"] == after["total"] - 1
    assert fast.post(f"{path}/restore", headers=admin).status_code == 200
    assert _same(fast, slow, "/api/v1/programs/facets", facets)["total"] == after["total"]
    assert delete() == 204
    assert fast.post(f"{path}/purge", headers=admin).status_code == 204
    assert _same(fast, slow, "/api/v1/programs/facets", facets)["total"] == after["total"] - 1
    deleted = {"deleted": "only", "limit": 5}
    a = fast.get("/api/v1/programs", params=deleted, headers=admin).json()
    b = slow.get("/api/v1/programs", params=deleted, headers=admin).json()
    assert a == b


def test_an_organization_move_changes_program_provinces(
    apps: tuple[TestClient, TestClient, Tokens],
) -> None:
    fast, slow, tokens = apps
    org = fast.get("/api/v1/organizations/guangdong-rici-foundation")
    facets = {"province": "CN-XZ", "facet": ["province", "target_group"]}
    before = _same(fast, slow, "/api/v1/programs/facets", facets)
    moved = fast.patch(
        "/api/v1/organizations/guangdong-rici-foundation",
        json={"province": "CN-XZ"},
        headers=tokens.headers("editor", **{"If-Match": org.headers["ETag"]}),
    )
    assert moved.status_code == 200, moved.text
    after = _same(fast, slow, "/api/v1/programs/facets", facets)
    assert after["total"] > before["total"]


def test_healthz_shows_the_index_state(
    apps: tuple[TestClient, TestClient, Tokens], backend: str
) -> None:
    fast, slow, _ = apps
    fast.get("/api/v1/programs", params={"setting": "school"})
    shown = fast.get("/healthz").json()["match_indexes"]
    assert set(shown) == {"program"} and isinstance(shown["program"], int)
    assert shown["program"] > 3_000  # the seed's and the import's changes
    assert slow.get("/healthz").json()["match_indexes"] == {}


def test_relevance_cursor_walk_sees_every_match_once(
    apps: tuple[TestClient, TestClient, Tokens],
) -> None:
    fast, _, _ = apps
    params: dict[str, Any] = {"q": "留守", "limit": 100}
    body = fast.get("/api/v1/programs", params=params).json()
    total, seen = body["total"], []
    while True:
        seen += [p["id"] for p in body["items"]]
        if not body["next"]:
            break
        cursor = body["next"].split("cursor=")[1]
        body = fast.get("/api/v1/programs", params={**params, "cursor": cursor}).json()
    # Every rank is a tie here (the same short text), so the id decides the order.
    assert len(seen) == len(set(seen)) == total > 500


@pytest.mark.parametrize("window", [5_000, 40])
def test_ranked_pages_match_sql(
    apps: tuple[TestClient, TestClient, Tokens],
    monkeypatch: pytest.MonkeyPatch,
    backend: str,
    window: int,
) -> None:
    """Relevance pages read off the full-text index in rank order (SQLite) equal SQL's: with
    filters, offsets and cursors, through ties, and after a write moves a record's text.
    With a rank window smaller than the matches (40 of ~1,000), pages reach past the scored
    window into the unscored rest, and both paths must still agree."""
    monkeypatch.setattr(fulltext, "RANK_WINDOW", window)
    fast, slow, tokens = apps
    walked: list[bool] = []
    ranked = indexed.ranked_rows

    def watched(*args: Any) -> Any:
        rows = ranked(*args)
        walked.append(rows is not None)
        return rows

    monkeypatch.setattr(indexed, "ranked_rows", watched)
    rng = random.Random(7)
    for _ in range(25):
        params = _random_query(rng, fast)
        params["q"] = rng.choice(["留守", "teacher", "家长", "留守 陪伴"])
        params["limit"] = rng.choice([5, 50, 200])
        if rng.random() < 0.5:
            params["offset"] = rng.choice([0, 3, 60, 700])
        body = _same(fast, slow, "/api/v1/programs", params)
        if body["next"] and "offset" not in params:
            cursor = body["next"].split("cursor=")[1]
            _same(fast, slow, "/api/v1/programs", {**params, "cursor": cursor})
    edited = "/api/v1/programs/generated-00010"
    current = fast.get(edited)
    changed = fast.patch(
        edited,
        json={"description_en": "teacher 留守"},
        headers=tokens.headers("editor", **{"If-Match": current.headers["etag"]}),
    )
    assert changed.status_code == 200, changed.text
    for q in ("teacher 留守", "家长"):
        _same(fast, slow, "/api/v1/programs", {"q": q, "limit": 500})
    # Every such page came off the full-text index in rank order (FTS5's bm25, or
    # PostgreSQL's stored tsvector and ts_rank), and equalled SQL's.
    assert walked and all(walked)


def test_a_new_worker_loads_the_saved_index_and_catches_up(
    apps: tuple[TestClient, TestClient, Tokens],
    write_db: WriteDatabase,
    backend: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A built index is saved beside the SQLite file, keyed by its change head; a worker
    started later loads it, applies the writes made since and answers as SQL does. A file
    it cannot use is passed over."""
    fast, slow, tokens = apps
    query = {"setting": "school", "facet": ["target_group", "province", "course_based"]}
    _same(fast, slow, "/api/v1/programs/facets", query)
    files = index_files(Settings(database_url=write_db.url, environment="test"))
    if backend != "sqlite":
        assert files is None  # PostgreSQL counts in SQL; there is nothing to save
        return
    assert files is not None
    head = fast.get("/healthz").json()["match_indexes"]["program"]
    # Saved when built (at start-up) and again once the import's 3,000 rows were applied.
    saved_heads = {int(p.name.split(".")[1]) for p in files.directory.iterdir()}
    assert max(saved_heads) == head
    path = "/api/v1/programs/generated-00011"
    changed = fast.patch(
        path,
        json={"settings": ["school"], "course_based": True},
        headers=tokens.headers("editor", **{"If-Match": fast.get(path).headers["ETag"]}),
    )
    assert changed.status_code == 200, changed.text

    def late_worker() -> dict[str, Any]:
        late = create_app(Settings(database_url=write_db.url, environment="test"))
        with TestClient(late) as client:
            # The start-up thread loads (or builds) the index; until then answers come
            # from SQL and /healthz shows none.
            deadline = time.monotonic() + 60
            while client.get("/healthz").json()["match_indexes"]["program"] is None:
                assert time.monotonic() < deadline, "the index never became current"
                time.sleep(0.05)
            answer = _same(client, slow, "/api/v1/programs/facets", query)
            assert client.get("/healthz").json()["match_indexes"]["program"] == head + 1
            return answer

    def no_build(*_: Any) -> None:
        raise AssertionError("the index was built, not loaded")

    with monkeypatch.context() as patched:
        patched.setattr(MatchIndex, "_build", no_build)
        loaded = late_worker()
    assert loaded == _same(fast, slow, "/api/v1/programs/facets", query)
    builds: list[int] = []
    build = MatchIndex._build

    def counted(self: MatchIndex, *args: Any) -> Any:
        builds.append(1)
        return build(self, *args)

    monkeypatch.setattr(MatchIndex, "_build", counted)
    for saved in files.directory.iterdir():
        saved.write_bytes(saved.read_bytes()[:-100])  # truncated: unusable, so built again
    assert late_worker() == loaded and len(builds) == 1
    assert late_worker() == loaded and len(builds) == 1  # the rebuilt index was saved
    # Rowids that moved under a file (as a VACUUM may move them) make it unusable too.
    with sqlite3.connect(write_db.url.removeprefix("sqlite:///")) as conn:
        conn.execute(
            "UPDATE programs SET rowid = rowid + 10000000"
            " WHERE rowid = (SELECT min(rowid) FROM programs)"
        )
    assert late_worker() == loaded and len(builds) == 2


def test_kept_searches_follow_writes(apps: tuple[TestClient, TestClient, Tokens]) -> None:
    """A search's matches are kept with the index and patched from the change log: an edit
    that adds or removes the words, a deletion and a new record all show in the next answer."""
    fast, slow, tokens = apps
    queries = [{"q": "teach"}, {"q": "陪伴"}, {"q": "留守 teacher"}, {"q": "家长", "limit": 5}]
    before = [_same(fast, slow, "/api/v1/programs", q)["total"] for q in queries]
    path = "/api/v1/programs/generated-00020"

    def patch(body: dict[str, Any]) -> None:
        etag = fast.get(path).headers["ETag"]
        done = fast.patch(path, json=body, headers=tokens.headers("editor", **{"If-Match": etag}))
        assert done.status_code == 200, done.text

    old = fast.get(path).json()["description"]
    patch({"description_en": "teachers 留守 陪伴"})
    moved = [_same(fast, slow, "/api/v1/programs", q)["total"] for q in queries]
    was = [
        "teach" in old,
        "陪伴" in old,
        "留守" in old and "teacher" in old,
        "家长" in old,
    ]
    now = [True, True, True, False]
    assert moved == [b - w + n for b, w, n in zip(before, was, now, strict=True)]
    admin = tokens.headers("admin")
    gone = fast.delete(path, headers={**admin, "If-Match": fast.get(path).headers["ETag"]})
    assert gone.status_code == 204
    assert [_same(fast, slow, "/api/v1/programs", q)["total"] for q in queries] == [
        m - n for m, n in zip(moved, now, strict=True)
    ]
    posted = fast.post(
        "/api/v1/programs",
        json={
            "slug": "kept-search-new",
            "name_en": "Kept",
            "organization": "guangdong-rici-foundation",
            "description_en": "家长 teaching",
        },
        headers=admin,
    )
    assert posted.status_code == 201, posted.text
    found = _same(fast, slow, "/api/v1/programs", {"q": "家长 teach", "limit": 500})
    assert "kept-search-new" in {p["slug"] for p in found["items"]}
