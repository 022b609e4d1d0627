"""Creating records without a slug, and records named in Chinese only (issue 15)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.admin_support import Tokens
from tests.conftest import WriteDatabase
from tests.test_admin import problem

ORG = "guangdong-rici-foundation"


@pytest.fixture
def tokens(write_db: WriteDatabase) -> Tokens:
    return write_db.tokens


def post(api: TestClient, tokens: Tokens, resource: str, body: dict[str, Any]) -> Any:
    return api.post(f"/api/v1/{resource}", json=body, headers=tokens.headers("admin"))


def test_a_slug_is_made_from_the_english_name_and_kept_unique(
    api: TestClient, tokens: Tokens
) -> None:
    body = {"name_en": "Sunny Days: Café for Teens", "organization": ORG}
    first = post(api, tokens, "programs", body)
    assert first.status_code == 201, first.text
    assert first.json()["slug"] == "sunny-days-cafe-for-teens"
    second = post(api, tokens, "programs", body)
    assert second.status_code == 201, second.text
    assert second.json()["slug"] == "sunny-days-cafe-for-teens-2"
    # Both read back by their slugs, with the location the response gave.
    for response in (first, second):
        slug = response.json()["slug"]
        read = api.get(f"/api/v1/programs/{slug}")
        assert read.status_code == 200 and read.json()["id"] == response.json()["id"]
        assert api.get(response.headers["location"]).json()["slug"] == slug


def test_a_slug_taken_by_a_deleted_record_is_not_reused(api: TestClient, tokens: Tokens) -> None:
    created = post(api, tokens, "organizations", {"name_en": "Quiet Harbor", "kind": "foundation"})
    assert created.status_code == 201, created.text
    etag = created.headers["etag"]
    deleted = api.delete(
        "/api/v1/organizations/quiet-harbor", headers={**tokens.headers("admin"), "If-Match": etag}
    )
    assert deleted.status_code in (200, 204), deleted.text
    again = post(api, tokens, "organizations", {"name_en": "Quiet Harbor", "kind": "foundation"})
    assert again.json()["slug"] == "quiet-harbor-2"


def test_a_chinese_only_record_gets_a_pinyin_slug(api: TestClient, tokens: Tokens) -> None:
    created = post(
        api, tokens, "organizations", {"name_zh": "联爱护心服务中心", "kind": "foundation"}
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["slug"] == "lian-ai-hu-xin-fu-wu-zhong-xin"
    assert body["name_en"] is None and body["name_zh"] == "联爱护心服务中心"
    # English readers see the Chinese name rather than nothing.
    english = api.get(f"/api/v1/organizations/{body['slug']}", params={"lang": "en"}).json()
    assert english["name"] == "联爱护心服务中心"
    program = post(
        api, tokens, "programs", {"name_zh": "护心计划", "organization": body["slug"]}
    ).json()
    assert program["slug"] == "hu-xin-ji-hua"
    assert program["organization"]["name_en"] is None
    assert program["organization"]["name"] == "联爱护心服务中心"
    # Found by its Chinese name, its pinyin, and listed and exported like any other.
    for q in ("护心计划", "huxin"):
        found = api.get("/api/v1/programs", params={"q": q}).json()["items"]
        assert program["slug"] in [p["slug"] for p in found], q
    csv_text = api.get("/api/v1/programs", params={"format": "csv"}).text
    assert "hu-xin-ji-hua" in csv_text
    hsds = api.get(f"/hsds/organizations/{body['id']}", params={"lang": "en"})
    assert hsds.status_code == 200, hsds.text
    assert hsds.json()["name"] == "联爱护心服务中心"
    # The registry reports what still lacks an English name.
    policy = post(
        api,
        tokens,
        "policies",
        {"title_zh": "关于测试的通知", "year": 2020, "level": "national"},
    )
    assert policy.status_code == 201, policy.text
    assert policy.json()["slug"] == "guan-yu-ce-shi-de-tong-zhi"
    assert policy.json()["title_en"] is None


def test_a_record_needs_a_name_in_one_language(api: TestClient, tokens: Tokens) -> None:
    for resource, body in [
        ("programs", {"organization": ORG}),
        ("organizations", {"kind": "foundation", "name_en": None}),
        ("service-stations", {"network": "emergency_volunteer_team", "kind": "station"}),
    ]:
        body = problem(post(api, tokens, resource, body), 422)
        names = [p["name"] for p in body["invalid-params"]]
        assert names == ["/name_en"], (resource, body)
        assert "give name_en, name_zh or both" in body["invalid-params"][0]["reason"]


def test_a_slug_cannot_be_removed_by_patch(api: TestClient, tokens: Tokens) -> None:
    path = "/api/v1/programs/horin-zhiyu-xinqiao"
    etag = api.get(path).headers["etag"]
    response = api.patch(
        path, json={"slug": None}, headers={**tokens.headers("admin"), "If-Match": etag}
    )
    body = problem(response, 422)
    assert body["invalid-params"][0]["name"] == "/slug"
    assert "keeps its slug" in body["invalid-params"][0]["reason"]
    english = api.patch(
        path, json={"name_en": None}, headers={**tokens.headers("admin"), "If-Match": etag}
    )
    assert english.status_code == 200, english.text  # it keeps its Chinese name
    assert api.get(path, params={"lang": "en"}).json()["name"] == english.json()["name_zh"]


def test_an_import_makes_slugs_for_rows_without_one(api: TestClient, tokens: Tokens) -> None:
    rows = [
        {"name_en": "Imported Helpers", "kind": "foundation"},
        {"name_en": "Imported Helpers", "kind": "foundation"},
        {"name_zh": "导入机构", "kind": "foundation"},
    ]
    for dry_run, outcome in (("true", "created"), ("false", "created")):
        report = api.post(
            "/api/v1/import",
            params={"entity": "organizations", "dry_run": dry_run},
            json=rows,
            headers=tokens.headers("admin"),
        ).json()
        assert [(r["key"], r["outcome"]) for r in report["rows"]] == [
            ("imported-helpers", outcome),
            ("imported-helpers-2", outcome),
            ("dao-ru-ji-gou", outcome),
        ]
    assert api.get("/api/v1/organizations/dao-ru-ji-gou").json()["name_zh"] == "导入机构"


def test_a_blank_name_is_called_blank(api: TestClient, tokens: Tokens) -> None:
    body = problem(
        post(
            api, tokens, "organizations", {"name_zh": "   ", "name_en": "X", "kind": "foundation"}
        ),
        422,
    )
    assert body["invalid-params"] == [
        {
            "name": "/name_zh",
            "reason": "is empty or only spaces: write the text, or leave the field out",
        }
    ]
