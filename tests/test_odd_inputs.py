"""Every odd input gets a clear problem+json answer, never a 500: the adversarial probes."""

from __future__ import annotations

import base64
import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from registry.api.app import create_app
from registry.config import Settings
from registry.db import make_engine
from registry.models import Vocabulary, VocabularyTerm
from tests.admin_support import Tokens
from tests.conftest import POSTGRES_URL, WriteDatabase

PROBLEM = "application/problem+json"


@pytest.fixture
def site(write_db: WriteDatabase) -> Iterator[tuple[str, Tokens, TestClient]]:
    """The test's own database, and an app on it that answers a bug with a 500."""
    app = create_app(Settings(database_url=write_db.url, environment="test"))
    with TestClient(app, raise_server_exceptions=False) as client:
        yield write_db.url, write_db.tokens, client
    app.state.engine.dispose()


@pytest.fixture
def api(site: tuple[str, Tokens, TestClient]) -> TestClient:
    return site[2]


@pytest.fixture
def tokens(site: tuple[str, Tokens, TestClient]) -> Tokens:
    return site[1]


def problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    return body


def _cursor(payload: Any) -> str:
    return base64.urlsafe_b64encode(orjson.dumps(payload)).decode().rstrip("=")


def test_the_forged_cursor_from_the_report_is_422(api: TestClient) -> None:
    response = api.get(
        "/api/v1/programs",
        params={"cursor": "eyJzIjpbIm5hbWVfemgiLCJpZCJdLCJ2IjpbbnVsbCwibm9wZSJdfQ"},
    )
    body = problem(response, 422)
    assert body["invalid-params"] == [
        {"name": "cursor", "reason": "invalid cursor: bad value for sort key 'id'"}
    ]


VALUES: list[Any] = [
    None,
    "nope",
    1,
    2**40,
    2**63,
    1.5,
    True,
    [],
    [1],
    {},
    {"u": "zz"},
    {"u": 123},
    {"u": []},
    {"u": "2bc727d7-5d5f-4438-9ff0-392976875488"},
    {"dt": "2020-01-01T00:00:00"},
    {"dt": "2020-01-01T00:00:00+00:00"},
    {"dt": "0001-01-01T00:00:00+14:00"},
    {"dt": "9999-12-31T23:59:59-14:00"},
    {"d": "2020-01-01"},
    {"d": 5},
]
# (list, sort keys as the cursor names them, extra query): every sort key's column type.
CURSORS = [
    ("programs", ["name_zh", "id"], {}),
    ("programs", ["-established_year", "id"], {"sort": "-established_year"}),
    ("programs", ["updated_at", "id"], {"sort": "updated_at"}),
    ("programs", ["name_en", "id"], {"sort": "name_en"}),
    ("programs", ["relevance", "id"], {"q": "心理"}),
    ("organizations", ["created_at", "id"], {"sort": "created_at"}),
    ("figures", ["value", "id"], {"sort": "value"}),
    ("figures", ["-year", "id"], {"sort": "-year"}),
]


def test_cursors_with_values_of_every_wrong_type_are_422_never_500(api: TestClient) -> None:
    statuses: set[int] = set()
    for (resource, keys, extra), (a, b) in itertools.product(
        CURSORS, itertools.product(VALUES, VALUES[:3] + VALUES[10:14])
    ):
        params = {"cursor": _cursor({"s": keys, "v": [a, b]}), **extra}
        response = api.get(f"/api/v1/{resource}", params=params)
        statuses.add(response.status_code)
        if response.status_code != 200:
            assert problem(response, 422)["invalid-params"][0]["name"] == "cursor"
        elif keys[0] == "relevance":
            assert a is None or (isinstance(a, int | float) and not isinstance(a, bool)), a
    assert statuses == {200, 422}  # the well-typed forgeries page on; no 500


def test_an_issued_cursor_still_pages(api: TestClient) -> None:
    first = api.get("/api/v1/programs", params={"limit": 5, "sort": "-established_year"}).json()
    second = api.get(first["next"])
    assert second.status_code == 200
    assert {p["id"] for p in first["items"]}.isdisjoint(p["id"] for p in second.json()["items"])


def test_slugs_that_read_as_uuids_are_refused(api: TestClient, tokens: Tokens) -> None:
    target = api.get("/api/v1/programs/lianai-huxin").json()["id"]
    hexed = target.replace("-", "")
    for slug in ("0123456789abcdef0123456789abcdef", hexed, target):
        body = {
            "slug": slug,
            "name_zh": "测试",
            "name_en": "Test",
            "organization": "guangdong-rici-foundation",
        }
        response = api.post("/api/v1/programs", json=body, headers=tokens.headers())
        params = problem(response, 422)["invalid-params"]
        assert params[0]["name"] == "/slug"
        assert "may not read as a UUID" in params[0]["reason"]
    assert api.get(f"/api/v1/programs/{hexed}").json()["slug"] == "lianai-huxin"


def test_if_match_is_compared_as_a_whole_tag(api: TestClient, tokens: Tokens) -> None:
    path = "/api/v1/figures/prevalence-depression-primary-school"
    current = api.get(path)
    tag = current.headers["etag"]
    version = current.json()["version"]
    value = current.json()["value"]

    def patch(if_match: str) -> Any:
        return api.patch(
            path, json={"value": value}, headers=tokens.headers(**{"If-Match": if_match})
        )

    for forged in (f'"{version}-forged"', f"W/{tag}", f'"{version}-forged", "x"', "abc", '"'):
        assert "ETag" in problem(patch(forged), 412)["detail"]
    zh_tag = api.get(path, params={"lang": "zh"}).headers["etag"]
    assert zh_tag != tag  # the body differs by language, and so does its tag
    assert patch(f'"{version}-forged", {zh_tag}').status_code == 200  # one tag in a list
    assert patch("*").status_code == 200
    problem(api.patch(path, json={"value": value}, headers=tokens.headers()), 428)


def test_405_carries_the_real_allow_header(api: TestClient) -> None:
    response = api.delete("/api/v1/programs")
    problem(response, 405)
    assert response.headers["allow"] == "GET, HEAD, POST"
    response = api.put("/api/v1/programs/lianai-huxin")
    problem(response, 405)
    assert response.headers["allow"] == "DELETE, GET, HEAD, PATCH"


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b'{"slug": "\xff\xfe"}', "the body is not valid UTF-8 (bad byte at position 10)"),
        (b"[" * 1200 + b"]" * 1200, "the JSON is nested too deeply"),
        (b'{"a":' * 1100 + b"1" + b"}" * 1100, "the JSON is nested too deeply"),
    ],
)
def test_unreadable_bodies_are_422_with_invalid_params(
    api: TestClient, tokens: Tokens, content: bytes, reason: str
) -> None:
    headers = tokens.headers(**{"Content-Type": "application/json"})
    for path in ("/api/v1/figures", "/api/v1/import?entity=figures"):
        admin = tokens.headers("admin", **{"Content-Type": "application/json"})
        response = api.post(path, content=content, headers=admin if "import" in path else headers)
        params = problem(response, 422)["invalid-params"]
        assert params[0]["name"] in ("/", "body")
        assert params[0]["reason"].startswith(reason), params


def test_a_500_asks_the_client_to_close_the_connection(site: tuple[str, Tokens, Any]) -> None:
    app = create_app(Settings(database_url=site[0], environment="test"))

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("a bug")

    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/boom")
    problem(response, 500)
    assert response.headers["connection"] == "close"
    assert "a bug" not in response.text


def _unreachable_url(backend: str, tmp_path: Path) -> str:
    if backend == "postgresql":
        return POSTGRES_URL.replace("127.0.0.1:5432", "127.0.0.1:1")
    folder = tmp_path / "a-directory.db"  # SQLite cannot open a directory as its database
    folder.mkdir()
    return f"sqlite:///{folder}"


def test_database_down_is_503_with_retry_after(backend: str, tmp_path: Path) -> None:
    url = _unreachable_url(backend, tmp_path)
    app = create_app(Settings(database_url=url, environment="test"))
    with TestClient(app, raise_server_exceptions=False) as client:
        health = client.get("/healthz")
        body = problem(health, 503)
        assert body["detail"].startswith("the database is unreachable: ")
        assert health.headers["retry-after"] == "10"
        for path in ("/api/v1/programs", "/api/v1/programs/lianai-huxin", "/api/v1/stats"):
            response = client.get(path)
            problem(response, 503)
            assert int(response.headers["retry-after"]) > 0


def test_internal_search_tokens_cannot_be_queried(api: TestClient) -> None:
    assert api.get("/api/v1/programs", params={"q": "心"}).json()["total"] > 0
    for q in ("u5fc3", "u5fc3u7406", "u5"):
        matched = api.get("/api/v1/programs", params={"q": q}).json()
        assert matched["total"] == 0, q
    assert api.get("/api/v1/programs", params={"q": "counselling"}).json()["total"] > 0
    assert api.get("/api/v1/programs", params={"q": "counsel"}).json()["total"] > 0


def test_codes_differing_only_in_case_cannot_coexist(
    site: tuple[str, Tokens, TestClient],
) -> None:
    url, tokens, api = site
    body = {"code": "ONLINE", "label_en": "Online (shouting)", "label_zh": "线上"}
    response = api.post("/api/v1/vocabularies/setting/terms", json=body, headers=tokens.headers())
    params = problem(response, 409)["invalid-params"]
    assert params == [{"name": "/code", "reason": "differs only in case from 'online'"}]
    # The database holds the rule too, for any door that skipped the check.
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            vocabulary_id = conn.scalar(select(Vocabulary.id).where(Vocabulary.name == "setting"))
        with pytest.raises(IntegrityError), engine.begin() as conn:
            conn.execute(
                insert(VocabularyTerm).values(
                    vocabulary_id=vocabulary_id,
                    code="Online",
                    label_en="x",
                    label_zh="x",
                    position=99,
                )
            )
    finally:
        engine.dispose()


def test_openapi_states_what_the_server_enforces(api: TestClient) -> None:
    spec = api.get("/openapi.json").json()
    for path, method in (
        ("/api/v1/programs/{ref}", "patch"),
        ("/api/v1/programs/{ref}", "delete"),
        ("/api/v1/vocabularies/{name}/terms/{code}", "patch"),
    ):
        operation = spec["paths"][path][method]
        if_match = next(p for p in operation["parameters"] if p["name"].lower() == "if-match")
        assert if_match["required"] is True
        assert "428" in if_match["description"] and "412" in if_match["description"]
        assert {"412", "428", "503"} <= set(operation["responses"])
    params = {p["name"]: p for p in spec["paths"]["/api/v1/programs"]["get"]["parameters"]}
    assert "Not with `cursor`" in params["offset"]["description"]
    assert "Not with `offset`" in params["cursor"]["description"]
    assert (
        "Must not be greater than `established_year_max`"
        in (params["established_year_min"]["description"])
    )
    assert "none may be empty" in params["target_group"]["description"]
    assert "503" in spec["paths"]["/healthz"]["get"]["responses"]


def test_a_database_never_migrated_is_503_not_healthy(fresh_url: str) -> None:
    app = create_app(Settings(database_url=fresh_url, environment="test"))
    with TestClient(app, raise_server_exceptions=False) as client:
        body = problem(client.get("/healthz"), 503)
        assert body["detail"].startswith("the database schema is at no revision")
        assert "registry db upgrade" in body["detail"]
        listed = problem(client.get("/api/v1/programs"), 503)
        assert listed["detail"] == "the database is not migrated: run `registry db upgrade`"
    app.state.engine.dispose()


def test_healthz_names_the_migration(api: TestClient) -> None:
    health = api.get("/healthz").json()
    assert health["status"] == "ok"
    assert health["migration"] == api.app.state.revisions[0]  # type: ignore[attr-defined]


def test_errors_say_how_to_fix_the_value(write_db: WriteDatabase) -> None:
    """Issue 15: each refusal names what would have been accepted."""
    headers = write_db.tokens.headers()
    with TestClient(create_app(Settings(database_url=write_db.url, environment="test"))) as api:

        def reasons(response: Any) -> dict[str, str]:
            assert response.status_code == 422, response.text
            assert response.headers["content-type"] == "application/problem+json"
            return {p["name"]: p["reason"] for p in response.json()["invalid-params"]}

        # Unknown codes: the nearest codes (by code or by label) and where the codes are.
        found = reasons(api.get("/api/v1/programs", params={"target_group": "left_behnd"}))
        assert found["target_group"] == (
            "unknown code 'left_behnd' in vocabulary target_group; did you mean "
            "'left_behind'? the codes are listed at /api/v1/vocabularies/target_group"
        )
        found = reasons(api.get("/api/v1/programs", params={"province": "Sichuan"}))
        assert "did you mean 'CN-SC'?" in found["province"]
        found = reasons(api.get("/api/v1/programs", params={"setting": "schools"}))
        assert "did you mean 'school'?" in found["setting"]
        # In a body too, with the nearest slug of a mistyped organization.
        body = {
            "slug": "new-one",
            "name_en": "New one",
            "organization": "guangdong-rici-foundatio",
            "target_groups": ["left_behnd"],
        }
        found = reasons(api.post("/api/v1/programs", json=body, headers=headers))
        assert found["/organization"].startswith(
            "no organization 'guangdong-rici-foundatio'; did you mean 'guangdong-rici-foundation'"
        )
        assert "/api/v1/organizations?q=" in found["/organization"]
        assert "did you mean 'left_behind'?" in found["/target_groups/0"]
        # Dates name their format; slugs say what they may hold in words.
        hotline = {"slug": "bad-date", "name_en": "x", "operator": "chinese-psychological-society"}
        found = reasons(
            api.post(
                "/api/v1/hotlines", json={**hotline, "launch_date": "15-03-2024"}, headers=headers
            )
        )
        assert found["/launch_date"] == "not a date: write it as YYYY-MM-DD, e.g. 2024-03-15"
        found = reasons(
            api.post("/api/v1/hotlines", json={**hotline, "slug": "Bad Slug"}, headers=headers)
        )
        assert "lower-case letters a-z and digits" in found["/slug"]
        assert "[" not in found["/slug"]  # no regular expression
        found = reasons(api.get("/api/v1/changes", params={"since": "2026-12-01"}))
        assert found["since"].startswith("a change number, a whole number such as 457")
        # A policy's level and province: what is wrong, and what to do.
        policy = {"slug": "p", "title_zh": "某政策", "title_en": "A policy", "year": 2020}
        found = reasons(
            api.post("/api/v1/policies", json={**policy, "level": "province"}, headers=headers)
        )
        assert "did you mean 'provincial'?" in found["/level"]
        found = reasons(
            api.post("/api/v1/policies", json={**policy, "level": "provincial"}, headers=headers)
        )
        assert found["/"] == (
            "level is 'provincial' but province is empty: give the province's code, e.g. 'CN-GD'"
        )
        found = reasons(
            api.post(
                "/api/v1/policies",
                json={**policy, "level": "national", "province": "CN-GD"},
                headers=headers,
            )
        )
        assert found["/"].startswith("level is 'national' but province is 'CN-GD'")
        # A body without Content-Type: JSON is 415 and says which header to send.
        raw = api.post(
            "/api/v1/programs", content=b'{"slug": "x", "name_en": "x"}', headers=headers
        )
        assert raw.status_code == 415
        assert raw.headers["content-type"] == "application/problem+json"
        assert raw.json()["detail"] == (
            "send the body as JSON with the header Content-Type: application/json (there was none)"
        )
        wrong = api.post(
            "/api/v1/programs",
            content=b'{"slug": "x"}',
            headers={**headers, "Content-Type": "text/plain"},
        )
        assert wrong.status_code == 415 and "it was 'text/plain'" in wrong.json()["detail"]
        # Entity names read as words.
        missing = api.get("/api/v1/service-stations/nope").json()["detail"]
        assert missing == "No service station with id or slug 'nope'."
        assert (
            api.get("/api/v1/hotline-metrics/nope")
            .json()["detail"]
            .startswith("No hotline metric ")
        )
