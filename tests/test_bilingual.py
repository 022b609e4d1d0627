"""Records in both languages, found by everything they are known by, with hierarchies in
every vocabulary: issue 14, through the HTTP API on both backends."""

from __future__ import annotations

import csv
import io
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient

from tests.admin_support import Tokens
from tests.conftest import RECORD_RESOURCES, WriteDatabase, migrate
from tests.test_admin import etag_of
from tests.test_read_api import all_items
from tests.test_seed_loader import SEEDS, run_cli


def everything(client: TestClient, path: str, **params: Any) -> list[dict[str, Any]]:
    return all_items(client, f"/api/v1/{path}", **params)


def slugs(client: TestClient, path: str, **params: Any) -> set[str]:
    return {r["slug"] for r in everything(client, path, **params)}


def one_language(record: dict[str, Any], where: str) -> Iterator[str]:
    for key, value in record.items():
        paired = key.endswith("_zh") and f"{key[:-3]}_en" in record
        if paired and (value is None) != (record[f"{key[:-3]}_en"] is None):
            yield f"{where}: {key[:-3]}"
        for index, item in enumerate(value if isinstance(value, list) else [value]):
            if isinstance(item, dict):
                yield from one_language(item, f"{where}/{key}/{index}")


def test_every_seeded_text_is_in_both_languages(client: TestClient) -> None:
    missing: list[str] = []
    texts = 0
    for path in RECORD_RESOURCES:
        for record in everything(client, path):
            missing += one_language(record, f"{path}/{record['slug']}")
            texts += sum(1 for k, v in record.items() if k.endswith("_zh") and v)
            for note in record["provenance"]["data_quality"]:
                assert note["note_zh"] and note["note_en"], (record["slug"], note)
            if "name_en" in record:  # every name has its Chinese form now
                assert record["name_zh"], record["slug"]
    for vocabulary in client.get("/api/v1/vocabularies").json():
        missing += one_language(vocabulary, f"vocabularies/{vocabulary['name']}")
    for source in ("cps-psych-services", "rici-mapping-2024"):
        record = client.get(f"/api/v1/sources/{source}").json()
        missing += one_language(record, f"sources/{source}")
        assert record["title_zh"] and record["description_zh"] and record["publisher_zh"]
    assert missing == []
    assert texts > 400


def test_lang_selects_each_text_and_both_stay(client: TestClient) -> None:
    path = "/api/v1/programs/lianai-huxin"
    zh = client.get(path, params={"lang": "zh"}).json()
    en = client.get(path, params={"lang": "en"}).json()
    assert zh["description"] == zh["description_zh"] != en["description"] == en["description_en"]
    assert zh["name"] == "联爱护心" and en["name"] == en["name_en"]
    assert zh["organization"]["name"] == zh["organization"]["name_zh"]
    note = zh["provenance"]["data_quality"][0]
    assert note["note"] == note["note_zh"] and note["note_en"]
    station = client.get("/api/v1/service-stations/cps-evt-hohhot-municipal-detachment").json()
    assert station["city_en"] == "Hohhot" and station["city_zh"] == "呼和浩特市"
    zh_station = client.get(
        "/api/v1/service-stations/cps-evt-hohhot-municipal-detachment", params={"lang": "zh"}
    ).json()
    assert zh_station["city"] == "呼和浩特市" and zh_station["name"] == zh_station["name_zh"]
    # The same in lists and CSV exports as in details.
    listed = everything(client, "programs", lang="zh", q="联爱护心")
    assert listed[0]["description"] == zh["description_zh"]
    exported = client.get("/api/v1/programs", params={"format": "csv", "lang": "zh"})
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert len(rows) == 50 and all(r["description"] == r["description_zh"] for r in rows)


def test_search_finds_programs_by_their_codes_labels(client: TestClient) -> None:
    tagged = slugs(client, "programs", target_group="left_behind")
    assert tagged
    found = [p["slug"] for p in everything(client, "programs", q="留守", sort="relevance")]
    assert tagged <= set(found)
    assert tagged <= slugs(client, "programs", q="left-behind")
    # A match in the name ranks above one in a code's label.
    named = [s for s in found if "留守" in client.get(f"/api/v1/programs/{s}").json()["name_zh"]]
    assert named and found[: len(named)] == named


def test_search_finds_programs_by_where_their_organization_is(client: TestClient) -> None:
    shenzhen = {o["id"] for o in everything(client, "organizations") if o["city_en"] == "Shenzhen"}
    assert len(shenzhen) >= 4
    run_there = set()
    for org in shenzhen:
        run_there |= slugs(client, "programs", organization_id=org)
    assert len(run_there) >= 4
    assert run_there <= slugs(client, "programs", q="深圳")
    assert run_there <= slugs(client, "programs", q="shenzhen")
    guangdong = slugs(client, "programs", q="广东")
    assert run_there < guangdong
    assert slugs(client, "programs", q="北京")


@pytest.mark.parametrize("q", ["lianai", "lian ai", "lian'ai", "Lian’ai", "lahx", "lianaih"])
def test_pinyin_and_punctuation_find_a_chinese_name(client: TestClient, q: str) -> None:
    assert "lianai-huxin" in slugs(client, "programs", q=q)


def test_a_policy_is_found_by_its_corrected_title(client: TestClient) -> None:
    found = slugs(client, "policies", q="中小学心理健康教育指导纲要")
    assert {
        "2002-moe-school-mental-health-education-guideline",
        "2012-moe-school-mental-health-education-guideline-revised",
    } <= found
    revised = client.get(
        "/api/v1/policies/2012-moe-school-mental-health-education-guideline-revised"
    ).json()
    assert "中小学心理健康教育指导纲要" not in revised["title_zh"]  # printed with a typo


def test_figures_are_found_in_chinese(client: TestClient) -> None:
    found = everything(client, "figures", q="焦虑")
    assert found and all(
        "焦虑" in (f["label_zh"] or "") + (f["note_zh"] or "") + (f["base_zh"] or "") for f in found
    )


@pytest.mark.parametrize(
    "q",
    ["'", "--", "*", '"', "\\", "x" * 5000, "心\x00理", "🙂", "a'", "'a", "lian''ai", "%", "()"],
)
def test_odd_searches_never_fail(client: TestClient, q: str) -> None:
    for path in ("programs", "policies", "figures", "organizations"):
        response = client.get(f"/api/v1/{path}", params={"q": q})
        assert response.status_code in (200, 422), (path, q, response.text)
        if response.status_code == 422:
            assert response.headers["content-type"] == "application/problem+json"
            assert response.json()["invalid-params"][0]["name"] == "q"


def test_a_parent_code_includes_its_descendants_everywhere(client: TestClient) -> None:
    terms = client.get("/api/v1/vocabularies/target_group").json()["terms"]
    children = {t["code"] for t in terms if t["parent"] == "school_staff"}
    assert {"teachers", "principals"} <= children
    union: set[str] = slugs(client, "programs", target_group="school_staff")
    expected = set().union(*(slugs(client, "programs", target_group=c) for c in children))
    assert expected and expected <= union
    assert len(union) > len(slugs(client, "programs", target_group="teachers")) - 1
    listed = client.get("/api/v1/programs", params={"target_group": "school_staff"}).json()
    assert listed["total"] == len(union)
    facets = client.get("/api/v1/programs/facets", params={"facet": "target_group"}).json()
    by_code = {v["value"]: v["count"] for v in facets["facets"]["target_group"]}
    assert by_code["school_staff"] == len(union)
    assert by_code["school_staff"] <= sum(by_code[c] for c in children | {"school_staff"})
    exported = client.get(
        "/api/v1/programs", params={"target_group": "school_staff", "format": "csv"}
    )
    assert len(list(csv.DictReader(io.StringIO(exported.text)))) == len(union)
    # The HSDS view agrees: a taxonomy term stands for its sub-terms there too.
    school_staff = next(t for t in terms if t["code"] == "school_staff")
    services = client.get(
        "/hsds/services", params={"taxonomy_term_id": school_staff["id"], "per_page": 100}
    ).json()
    assert len(services["contents"]) == len(union)
    # And so does another vocabulary: an issuing body includes its general office.
    moe = slugs(client, "policies", issuing_body="moe")
    assert slugs(client, "policies", issuing_body="moe_general_office") < moe


def test_stats_name_what_each_figure_is_a_share_of(client: TestClient) -> None:
    stats = client.get("/api/v1/stats", params={"lang": "zh"}).json()
    group = stats["programs_by_target_group"]
    assert group["scope_zh"] and group["scope_en"] and group["scope"] == group["scope_zh"]
    primary = next(r for r in group["rows"] if r["value"] == "primary")
    assert primary["share"] == round(100 * primary["count"] / group["total"], 1)
    stated = primary["stated"][0]
    assert stated["share"] == stated["value"] == 83.6
    assert stated["base_value"] == 61 and stated["base"] == stated["base_zh"]
    assert stated["same_base"] is False  # 61 surveyed programs, not the 44 interviewed
    prevention = next(
        r
        for r in stats["programs_by_intervention_type"]["rows"]
        if r["value"] == "prevention_promotion"
    )
    counted = next(s for s in prevention["stated"] if s["unit"] == "programs")
    assert counted["base_value"] == 44 and counted["same_base"] is True
    assert counted["share"] == round(100 * counted["value"] / 44, 1)


def test_a_renamed_organization_or_relabelled_code_is_searchable_at_once(
    api: TestClient, write_db: WriteDatabase
) -> None:
    tokens: Tokens = write_db.tokens
    path = "/api/v1/organizations/beijing-new-sunshine-charity-foundation"
    programs = slugs(api, "programs", organization_id=api.get(path).json()["id"])
    assert programs and not slugs(api, "programs", q="鸮鹦")
    renamed = api.patch(
        path,
        json={"aliases": ["鸮鹦基金会"]},
        headers=tokens.headers(**{"If-Match": etag_of(api, path)}),
    )
    assert renamed.status_code == 200, renamed.text
    # The programs' documents changed with the organization, in its transaction.
    assert slugs(api, "programs", q="鸮鹦") == programs
    assert "lianai-huxin-hotline" in slugs(api, "hotlines", q="鸮鹦")
    term = "/api/v1/vocabularies/target_group/terms/left_behind"
    tagged = slugs(api, "programs", target_group="left_behind")
    assert not slugs(api, "programs", q="鸻鹬")  # asked once, so its matches are kept
    relabelled = api.patch(
        term,
        json={"label_zh": "留守儿童鸻鹬"},
        headers=tokens.headers("admin", **{"If-Match": etag_of(api, term)}),
    )
    assert relabelled.status_code == 200, relabelled.text
    assert slugs(api, "programs", q="鸻鹬") == tagged


def test_the_seed_loader_refuses_a_text_in_one_language(
    tmp_path: Path, fresh_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    seeds = tmp_path / "seeds"
    shutil.copytree(SEEDS, seeds)
    path = seeds / "programs.yaml"
    rows = yaml.safe_load(path.read_text(encoding="utf-8"))
    rows[2]["description_zh"] = None
    rows[3]["data_quality"] = [
        {"issue": "ambiguous", "field": "name_en", "note_en": "Only English here."}
    ]
    path.write_text(yaml.safe_dump(rows, allow_unicode=True, sort_keys=False), encoding="utf-8")
    migrate(fresh_url)
    result = run_cli(fresh_url, "seed", str(seeds), monkeypatch=monkeypatch)
    assert result.exit_code == 1
    output = " ".join(result.output.split())
    assert "programs.yaml:" in output and "row 3" in output
    assert "field description_zh: has its English text but no Chinese one" in output
    assert "row 4" in output and "field data_quality.0.note_zh" in output
    assert "nothing was written" in output


def test_the_cli_lists_what_is_in_one_language_only(
    api: TestClient, write_db: WriteDatabase, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert run_cli(write_db.url, "untranslated", monkeypatch=monkeypatch).exit_code == 0
    created = api.post(
        "/api/v1/programs",
        json={
            "slug": "english-only",
            "name_en": "English only",
            "organization": "guangdong-rici-foundation",
            "description_en": "Written in English and not yet in Chinese.",
        },
        headers=write_db.tokens.headers(),
    )
    assert created.status_code == 201, created.text
    listed = run_cli(write_db.url, "untranslated", monkeypatch=monkeypatch)
    assert listed.exit_code == 1
    lines = [line for line in listed.output.splitlines() if "english-only" in line]
    assert lines == [
        "program english-only: name_zh (Chinese)",
        "program english-only: description_zh (Chinese)",
    ]
