"""Admin writes through the HTTP API: auth, validation, preconditions, soft delete, history."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from registry.db import make_engine
from registry.models import ApiToken, Change, Program
from tests.admin_support import Tokens
from tests.conftest import WriteDatabase

PROBLEM = "application/problem+json"


@pytest.fixture
def admin_db(write_db: WriteDatabase) -> tuple[str, Tokens]:
    return write_db.url, write_db.tokens


@pytest.fixture
def tokens(write_db: WriteDatabase) -> Tokens:
    return write_db.tokens


def count(url: str, model: Any) -> int:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return conn.scalar(select(func.count()).select_from(model)) or 0
    finally:
        engine.dispose()


def snapshot(url: str) -> tuple[int, int]:
    return count(url, Program), count(url, Change)


def new_program(slug: str, **fields: Any) -> dict[str, Any]:
    return {
        "slug": slug,
        "name_zh": "测试项目",
        "name_en": "Test program",
        "organization": "guangdong-rici-foundation",
        **fields,
    }


def etag_of(api: TestClient, path: str) -> str:
    return api.get(path).headers["etag"]


def problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert "Traceback" not in response.text
    return body


@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer", "Bearer reg_not-a-token", "Basic dXNlcjpwYXNz"],
)
def test_writes_without_a_valid_token_are_401_and_write_nothing(
    api: TestClient, admin_db: tuple[str, Tokens], authorization: str | None
) -> None:
    before = snapshot(admin_db[0])
    headers = {"Authorization": authorization} if authorization else {}
    response = api.post("/api/v1/programs", json=new_program("unauthorised"), headers=headers)
    problem(response, 401)
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert snapshot(admin_db[0]) == before


def test_expired_and_revoked_tokens_are_401(
    api: TestClient, admin_db: tuple[str, Tokens], monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from registry.cli import app as cli
    from registry.config import get_settings

    monkeypatch.setenv("REGISTRY_DATABASE_URL", admin_db[0])
    get_settings.cache_clear()
    runner = CliRunner()
    created = runner.invoke(cli, ["token", "create", "--name", "temp", "--role", "editor"])
    assert created.exit_code == 0, created.output
    token = created.stdout.strip().splitlines()[0]
    assert token.startswith("reg_")
    ok = api.post(
        "/api/v1/programs",
        json=new_program("by-temp"),
        headers={"Authorization": f"Bearer {token}"},
    )
    assert ok.status_code == 201
    listed = runner.invoke(cli, ["token", "list"])
    assert "temp" in listed.stdout and token not in listed.stdout
    assert runner.invoke(cli, ["token", "revoke", "temp"]).exit_code == 0
    get_settings.cache_clear()
    revoked = api.post(
        "/api/v1/programs",
        json=new_program("by-temp-2"),
        headers={"Authorization": f"Bearer {token}"},
    )
    assert problem(revoked, 401)["detail"] == "token revoked"
    # Tokens are stored as hashes only.
    engine = make_engine(admin_db[0])
    with engine.connect() as conn:
        hashes = conn.scalars(select(ApiToken.token_hash)).all()
    engine.dispose()
    assert token not in hashes and all(len(h) == 64 for h in hashes)


def test_expired_token(admin_db: tuple[str, Tokens]) -> None:
    from datetime import timedelta

    from registry.auth import authenticate
    from registry.db import make_sessionmaker
    from registry.errors import Unauthorized
    from registry.models.base import utcnow

    engine = make_engine(admin_db[0])
    with make_sessionmaker(engine)() as session:
        actor = authenticate(session, f"Bearer {admin_db[1].editor}")
        assert actor.role == "editor"
        with pytest.raises(Unauthorized, match="expired"):
            authenticate(session, f"Bearer {admin_db[1].editor}", now=utcnow() + timedelta(days=31))
    engine.dispose()


def test_editor_may_not_delete(api: TestClient, tokens: Tokens) -> None:
    path = "/api/v1/figures/prevalence-anxiety-primary-school"
    response = api.delete(
        path, headers=tokens.headers("editor", **{"If-Match": etag_of(api, path)})
    )
    problem(response, 403)
    assert api.get(path).status_code == 200


def test_create_program_with_links_in_one_request(api: TestClient, tokens: Tokens) -> None:
    body = new_program(
        "linked-program",
        target_groups=["left_behind", "primary"],
        settings=["school", "community"],
        elements=["school_curricula", "teacher_training"],
        partners=[
            {"organization": "beijing-new-sunshine-charity-foundation", "role": "cooperating"}
        ],
        intervention_type="counseling",
        established_year=2022,
    )
    response = api.post("/api/v1/programs", json=body, headers=tokens.headers())
    assert response.status_code == 201, response.text
    created = response.json()
    assert response.headers["location"].endswith(f"/api/v1/programs/{created['id']}")
    assert response.headers["etag"].startswith('"1-')
    detail = api.get(response.headers["location"]).json()
    assert [t["code"] for t in detail["target_groups"]] == ["primary", "left_behind"]
    assert {t["code"] for t in detail["elements"]} == {"school_curricula", "teacher_training"}
    assert (
        detail["partners"][0]["organization"]["slug"] == "beijing-new-sunshine-charity-foundation"
    )
    assert detail["intervention_type"]["parent"] == "prevention_promotion"
    found = api.get("/api/v1/programs", params={"q": "测试项目"}).json()["items"]
    assert "linked-program" in {p["slug"] for p in found}


def test_create_organization_with_programs_is_one_transaction(
    api: TestClient, tokens: Tokens, admin_db: tuple[str, Tokens]
) -> None:
    body = {
        "slug": "new-foundation",
        "name_en": "New Foundation",
        "kind": "foundation",
        "province": "CN-GD",
        "programs": [
            {"slug": "new-foundation-a", "name_en": "A", "target_groups": ["migrant"]},
            {"slug": "new-foundation-b", "name_en": "B", "target_groups": ["no_such_group"]},
        ],
    }
    before = snapshot(admin_db[0])
    failed = api.post("/api/v1/organizations", json=body, headers=tokens.headers())
    params = problem(failed, 422)["invalid-params"]
    assert params == [
        {
            "name": "/programs/1/target_groups/0",
            "reason": "unknown code 'no_such_group' in vocabulary target_group; the codes "
            "are listed at /api/v1/vocabularies/target_group",
        }
    ]
    assert snapshot(admin_db[0]) == before
    assert api.get("/api/v1/organizations/new-foundation").status_code == 404
    body["programs"][1]["target_groups"] = ["parents"]
    created = api.post("/api/v1/organizations", json=body, headers=tokens.headers())
    assert created.status_code == 201, created.text
    programs = api.get("/api/v1/programs", params={"organization_id": created.json()["id"]}).json()
    assert {p["slug"] for p in programs["items"]} == {"new-foundation-a", "new-foundation-b"}


@pytest.mark.parametrize(
    ("body", "pointer"),
    [
        (new_program("v1", id="00000000-0000-0000-0000-000000000000"), "/id"),
        (new_program("v2", version=3), "/version"),
        (new_program("v3", created_at="2020-01-01T00:00:00Z"), "/created_at"),
        (new_program("v4", organization="no-such-org"), "/organization"),
        (new_program("v5", target_groups=["left_behind", "aliens"]), "/target_groups/1"),
        (new_program("v6", established_year=2999), "/established_year"),
        (new_program("v7", name_en="x" * 301), "/name_en"),
        (new_program("v8", elements=["arts"] * 51), "/elements"),
        (
            new_program(
                "v9", partners=[{"organization": "guangdong-rici-foundation", "role": "boss"}]
            ),
            "/partners/0/role",
        ),
        (new_program("Not A Slug"), "/slug"),
    ],
)
def test_invalid_bodies_are_422_with_a_json_pointer(
    api: TestClient,
    tokens: Tokens,
    admin_db: tuple[str, Tokens],
    body: dict[str, Any],
    pointer: str,
) -> None:
    before = snapshot(admin_db[0])
    response = api.post("/api/v1/programs", json=body, headers=tokens.headers())
    assert pointer in {p["name"] for p in problem(response, 422)["invalid-params"]}
    assert snapshot(admin_db[0]) == before


def test_duplicate_natural_key_is_409(api: TestClient, tokens: Tokens) -> None:
    response = api.post(
        "/api/v1/programs", json=new_program("lianai-huxin"), headers=tokens.headers()
    )
    assert problem(response, 409)["invalid-params"] == [
        {"name": "/slug", "reason": "already exists"}
    ]


def test_oversized_body_is_413(api: TestClient, tokens: Tokens) -> None:
    big = new_program("huge", description="x" * 2_000_000)
    problem(api.post("/api/v1/programs", json=big, headers=tokens.headers()), 413)


def test_idempotency_key(api: TestClient, tokens: Tokens, admin_db: tuple[str, Tokens]) -> None:
    headers = tokens.headers(**{"Idempotency-Key": "add-figure-1"})
    body = {
        "slug": "idem-figure",
        "subject": "test.idempotency",
        "label_en": "x",
        "value": 1,
        "unit": "people",
    }
    first = api.post("/api/v1/figures", json=body, headers=headers)
    assert first.status_code == 201
    again = api.post("/api/v1/figures", json=body, headers=headers)
    assert again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["location"] == first.headers["location"]
    assert again.headers["idempotent-replayed"] == "true"
    changed = api.post("/api/v1/figures", json={**body, "value": 2}, headers=headers)
    assert problem(changed, 422)["invalid-params"][0]["name"] == "Idempotency-Key"
    assert api.get("/api/v1/figures", params={"subject": "test.idempotency"}).json()["total"] == 1


def test_patch_is_partial_and_lists_replace(api: TestClient, tokens: Tokens) -> None:
    api.post(
        "/api/v1/programs",
        json=new_program("patch-me", target_groups=["migrant", "parents"], settings=["school"]),
        headers=tokens.headers(),
    )
    path = "/api/v1/programs/patch-me"
    response = api.patch(
        path,
        json={"target_groups": ["left_behind"]},
        headers=tokens.headers(**{"If-Match": etag_of(api, path)}),
    )
    assert response.status_code == 200, response.text
    updated = response.json()
    assert [t["code"] for t in updated["target_groups"]] == ["left_behind"]
    assert [s["code"] for s in updated["settings"]] == ["school"]  # untouched
    assert updated["name_en"] == "Test program"
    assert updated["version"] == 2
    assert response.headers["etag"].startswith('"2-')


def test_patch_needs_a_current_if_match(
    api: TestClient, tokens: Tokens, admin_db: tuple[str, Tokens]
) -> None:
    api.post("/api/v1/programs", json=new_program("guarded"), headers=tokens.headers())
    path = "/api/v1/programs/guarded"
    old = etag_of(api, path)
    before = snapshot(admin_db[0])
    problem(api.patch(path, json={"name_en": "x"}, headers=tokens.headers()), 428)
    assert (
        api.patch(
            path, json={"name_en": "first"}, headers=tokens.headers(**{"If-Match": old})
        ).status_code
        == 200
    )
    stale = api.patch(path, json={"name_en": "second"}, headers=tokens.headers(**{"If-Match": old}))
    assert "version 2" in problem(stale, 412)["detail"]
    assert api.get(path).json()["name_en"] == "first"
    assert snapshot(admin_db[0])[1] == before[1] + 1  # one change logged, none for the failures


def test_patch_validation_and_conflicts(api: TestClient, tokens: Tokens) -> None:
    api.post("/api/v1/programs", json=new_program("renamed"), headers=tokens.headers())
    path = "/api/v1/programs/renamed"
    match = {"If-Match": etag_of(api, path)}
    assert (
        problem(api.patch(path, json={"version": 9}, headers=tokens.headers(**match)), 422)[
            "invalid-params"
        ][0]["name"]
        == "/version"
    )
    # A name may be left in one language, not in none.
    nameless = {"name_en": None, "name_zh": None}
    assert (
        problem(api.patch(path, json=nameless, headers=tokens.headers(**match)), 422)[
            "invalid-params"
        ][0]["name"]
        == "/name_en"
    )
    assert problem(
        api.patch(path, json={"slug": "lianai-huxin"}, headers=tokens.headers(**match)), 409
    )
    assert problem(
        api.patch(path, json={"setting": ["school"]}, headers=tokens.headers(**match)), 422
    )
    assert api.get(path).json()["version"] == 1


def test_soft_delete_restore_and_purge(api: TestClient, tokens: Tokens) -> None:
    api.post("/api/v1/programs", json=new_program("short-lived"), headers=tokens.headers())
    path = "/api/v1/programs/short-lived"
    problem(api.delete(path, headers=tokens.headers("admin")), 428)
    problem(api.post(f"{path}/purge", headers=tokens.headers("admin")), 409)  # not deleted yet
    deleted = api.delete(path, headers=tokens.headers("admin", **{"If-Match": etag_of(api, path)}))
    assert deleted.status_code == 204
    problem(api.get(path), 410)
    listed = {p["slug"] for p in api.get("/api/v1/programs", params={"limit": 500}).json()["items"]}
    assert "short-lived" not in listed
    # Nor is it embedded in its organization's `include=programs`.
    embedded = {
        p["slug"]
        for o in api.get(
            "/api/v1/organizations", params={"include": "programs", "limit": 500}
        ).json()["items"]
        for p in o["programs"]
    }
    assert "short-lived" not in embedded
    assert len(embedded) > 10
    problem(api.get("/api/v1/programs", params={"deleted": "only"}), 401)
    problem(
        api.get("/api/v1/programs", params={"deleted": "only"}, headers=tokens.headers("editor")),
        403,
    )
    only = api.get(
        "/api/v1/programs", params={"deleted": "only"}, headers=tokens.headers("admin")
    ).json()
    assert "short-lived" in {p["slug"] for p in only["items"]}
    restored = api.post(f"{path}/restore", headers=tokens.headers("admin"))
    assert restored.status_code == 200
    assert restored.json()["version"] == 3
    assert api.get(path).status_code == 200
    api.delete(path, headers=tokens.headers("admin", **{"If-Match": etag_of(api, path)}))
    assert api.post(f"{path}/purge", headers=tokens.headers("admin")).status_code == 204
    problem(api.get(path), 404)
    actions = [
        c["action"] for c in api.get(f"/api/v1/programs/{restored.json()['id']}/history").json()
    ]
    assert actions == ["create", "delete", "restore", "delete", "purge"]


def test_deleting_an_organization_with_live_programs_is_409(
    api: TestClient, tokens: Tokens
) -> None:
    path = "/api/v1/organizations/guangdong-rici-foundation"
    response = api.delete(path, headers=tokens.headers("admin", **{"If-Match": etag_of(api, path)}))
    body = problem(response, 409)
    assert "program:rici-xinyi-plan" in body["detail"]
    assert "program:rici-xinling-mofa-xueyuan" in body["detail"]
    assert api.get(path).status_code == 200


def test_vocabulary_terms_can_be_added_used_and_retired(api: TestClient, tokens: Tokens) -> None:
    created = api.post(
        "/api/v1/vocabularies/target_group/terms",
        json={
            "code": "refugee",
            "label_en": "Refugee children",
            "label_zh": "难民儿童",
            "parent": None,
        },
        headers=tokens.headers(),
    )
    assert created.status_code == 201, created.text
    term_path = "/api/v1/vocabularies/target_group/terms/refugee"
    assert created.headers["location"].endswith(term_path)
    api.post(
        "/api/v1/programs",
        json=new_program("uses-refugee", target_groups=["refugee"]),
        headers=tokens.headers(),
    )
    in_use = api.delete(
        term_path, headers=tokens.headers("admin", **{"If-Match": etag_of(api, term_path)})
    )
    assert "program:uses-refugee" in problem(in_use, 409)["detail"]
    renamed = api.patch(
        term_path,
        json={"code": "refugees"},
        headers=tokens.headers(**{"If-Match": etag_of(api, term_path)}),
    )
    assert problem(renamed, 422)["invalid-params"][0]["name"] == "/code"
    relabel = api.patch(
        term_path,
        json={"label_en": "Refugee and asylum-seeking children"},
        headers=tokens.headers(**{"If-Match": etag_of(api, term_path)}),
    )
    assert relabel.status_code == 200
    program = "/api/v1/programs/uses-refugee"
    api.patch(
        program,
        json={"target_groups": []},
        headers=tokens.headers(**{"If-Match": etag_of(api, program)}),
    )
    assert (
        api.delete(
            term_path, headers=tokens.headers("admin", **{"If-Match": etag_of(api, term_path)})
        ).status_code
        == 204
    )
    reuse = api.patch(
        program,
        json={"target_groups": ["refugee"]},
        headers=tokens.headers(**{"If-Match": etag_of(api, program)}),
    )
    assert problem(reuse, 422)["invalid-params"][0]["name"] == "/target_groups/0"
    history = api.get(f"{term_path}/history").json()
    assert [h["action"] for h in history] == ["create", "update", "delete"]


def as_create_shape(detail: dict[str, Any]) -> dict[str, Any]:
    """A program's read JSON in create-schema terms, to compare with replayed history."""

    def code(v: Any) -> Any:
        return v["code"] if isinstance(v, dict) else v

    out = {
        k: v
        for k, v in detail.items()
        if k not in ("id", "version", "created_at", "updated_at", "provenance")
        # `name` and `description` are the zh/en pairs in the reader's language
        and k not in ("name", "description")
    }
    out["organization"] = detail["organization"]["slug"]
    out["partners"] = sorted(
        (
            {"organization": p["organization"]["slug"], "role": p["role"]["code"]}
            for p in detail["partners"]
        ),
        key=lambda p: (p["organization"], p["role"]),
    )
    out["intervention_type"] = (
        code(detail["intervention_type"]) if detail["intervention_type"] else None
    )
    for name in ("target_groups", "settings", "ecological_levels", "elements", "provinces"):
        out[name] = [code(t) for t in detail[name]]
    out["source"] = (
        detail["provenance"]["source"]["key"] if detail["provenance"]["source"] else None
    )
    out["locator_en"] = detail["provenance"]["locator_en"]
    out["locator_zh"] = detail["provenance"]["locator_zh"]
    out["data_quality"] = detail["provenance"]["data_quality"]
    return out


def test_history_replays_to_the_current_state(api: TestClient, tokens: Tokens) -> None:
    api.post(
        "/api/v1/programs",
        json=new_program("replayed", target_groups=["migrant"]),
        headers=tokens.headers(),
    )
    path = "/api/v1/programs/replayed"
    for patch in (
        {"name_en": "Renamed", "settings": ["community"]},
        {"target_groups": ["migrant", "parents"], "established_year": 2021},
        {
            "partners": [
                {"organization": "beijing-new-sunshine-charity-foundation", "role": "funder"}
            ]
        },
        {"description_en": "Now with a description.", "settings": []},
    ):
        assert (
            api.patch(
                path, json=patch, headers=tokens.headers(**{"If-Match": etag_of(api, path)})
            ).status_code
            == 200
        )
    history = api.get(f"{path}/history").json()
    assert [h["version"] for h in history] == [1, 2, 3, 4, 5]
    assert {h["actor"] for h in history} == {"test-editor"}
    assert history[1]["changes"]["name_en"] == ["Test program", "Renamed"]
    state: dict[str, Any] = {}
    for entry in history:
        for field, (_old, new) in entry["changes"].items():
            state[field] = new
    current = as_create_shape(api.get(path).json())
    assert {k: current[k] for k in state} == state
    assert all(current[k] in (None, [], False) for k in current.keys() - state.keys())
    assert state["settings"] == [] and state["established_year"] == 2021


def test_change_feed_pages_through_every_write(api: TestClient, tokens: Tokens) -> None:
    first = api.get("/api/v1/changes", params={"limit": 5}).json()
    assert len(first["items"]) == 5
    ids = [c["id"] for c in first["items"]]
    assert ids == sorted(ids)
    rest = api.get(first["next"]).json()
    assert rest["items"][0]["id"] > ids[-1]
    tail = api.get("/api/v1/changes", params={"since": 0, "limit": 500}).json()
    since = tail["since"]
    while tail["items"]:
        since = tail["since"]
        tail = api.get("/api/v1/changes", params={"since": since, "limit": 500}).json()
    api.post("/api/v1/programs", json=new_program("fed"), headers=tokens.headers())
    path = "/api/v1/programs/fed"
    api.delete(path, headers=tokens.headers("admin", **{"If-Match": etag_of(api, path)}))
    fresh = api.get("/api/v1/changes", params={"since": since}).json()["items"]
    assert [c["action"] for c in fresh] == ["create", "delete"]
    assert {c["record_id"] for c in fresh} == {fresh[0]["record_id"]}
    assert fresh[0]["entity"] == "program"


def test_names_as_long_as_the_schema_allows_are_stored(api: TestClient, tokens: Tokens) -> None:
    """Every name column holds what the create schema accepts (300 characters)."""
    long_zh = "心" * 300
    body = {"slug": "long-name", "name_zh": long_zh, "name_en": "E" * 300, "kind": "foundation"}
    created = api.post("/api/v1/organizations", json=body, headers=tokens.headers())
    assert created.status_code == 201, created.text
    assert api.get("/api/v1/organizations/long-name").json()["name_zh"] == long_zh


@pytest.mark.parametrize(
    "path", ["/api/v1/programs?limit=200&sort=name_en", "/api/v1/programs/facets"]
)
def test_snapshot_etag_answers_304_before_reading_rows(
    api: TestClient, tokens: Tokens, path: str
) -> None:
    from sqlalchemy import event

    first = api.get(path)
    tag = first.headers["etag"]
    assert first.status_code == 200 and tag.startswith('"s')
    assert api.get(path, params={"lang": "zh"}).headers["etag"] != tag
    statements: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    engine = api.app.state.engine  # type: ignore[attr-defined]
    event.listen(engine, "before_cursor_execute", record)
    try:
        again = api.get(path, headers={"If-None-Match": tag})
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == tag and again.headers["cache-control"] == "public, no-cache"
    # Only the change head: no record table was read.
    queries = [s for s in statements if s.strip().upper() != "BEGIN"]
    assert len(queries) == 1 and "FROM changes" in queries[0], statements
    program = "/api/v1/programs/lianai-huxin"
    renamed = api.patch(
        program,
        json={"name_en": "Renamed for the cache"},
        headers=tokens.headers(**{"If-Match": etag_of(api, program)}),
    )
    assert renamed.status_code == 200, renamed.text
    after = api.get(path, headers={"If-None-Match": tag})
    assert after.status_code == 200 and after.headers["etag"] != tag
    if "facets" not in path:
        assert "Renamed for the cache" in after.text
