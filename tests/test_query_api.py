"""The query language: filters, search, facets, sorting, paging, exports and HTTP behaviour."""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from typing import Any

import pytest
from fastapi.testclient import TestClient

from registry.search import zh_sort_key
from tests.test_read_api import PROBLEM, all_items


def items(client: TestClient, path: str, **params: Any) -> list[dict[str, Any]]:
    response = client.get(path, params={"limit": 500, **params})
    assert response.status_code == 200, response.text
    return response.json()["items"]


def names(rows: list[dict[str, Any]]) -> set[str]:
    return {r["name_zh"] for r in rows}


def test_left_behind_programs(client: TestClient) -> None:
    rows = items(client, "/api/v1/programs", target_group="left_behind")
    assert "甘肃欠发达地区农村留守儿童心理健康教育项目" in names(rows)
    assert all("left_behind" in {t["code"] for t in r["target_groups"]} for r in rows)


def test_repeated_parameter_is_any_of_and_different_ones_combine_with_and(
    client: TestClient,
) -> None:
    left_behind = {r["id"] for r in items(client, "/api/v1/programs", target_group="left_behind")}
    migrant = {r["id"] for r in items(client, "/api/v1/programs", target_group="migrant")}
    either = {
        r["id"] for r in items(client, "/api/v1/programs", target_group=["left_behind", "migrant"])
    }
    assert either == left_behind | migrant
    assert migrant - left_behind  # the union is not trivially one of them
    both = items(client, "/api/v1/programs", target_group="migrant", setting="community")
    assert both
    for row in both:
        assert "migrant" in {t["code"] for t in row["target_groups"]}
        assert "community" in {t["code"] for t in row["settings"]}


def test_intervention_type_parent_matches_sub_types(client: TestClient) -> None:
    rows = items(client, "/api/v1/programs", intervention_type="prevention_promotion")
    assert len(rows) == 40  # the report: 40 of the 44 interviewed
    codes = Counter(r["intervention_type"]["code"] for r in rows)
    assert codes == {"prevention_promotion": 31, "monitoring": 5, "counseling": 4}


def test_boolean_range_and_id_filters(client: TestClient) -> None:
    courses = items(client, "/api/v1/programs", course_based="true")
    assert len(courses) == 13
    recent = items(client, "/api/v1/programs", established_year_min=2020)
    assert recent and all(r["established_year"] >= 2020 for r in recent)
    rici = client.get("/api/v1/organizations/guangdong-rici-foundation").json()
    own = items(client, "/api/v1/programs", organization_id=rici["id"])
    assert names(own) == {"心灵魔法学院", "心益计划"}


def test_program_province_includes_the_organizations_base(client: TestClient) -> None:
    guangdong = names(items(client, "/api/v1/programs", province="CN-GD"))
    assert "联爱护心" not in guangdong  # a Beijing foundation's program
    assert "心益计划" in guangdong  # run from Guangzhou, no province stated for it
    assert "北滘镇“阳光少年”心理健康培育项目" in guangdong  # stated as served


def test_organization_filters(client: TestClient) -> None:
    foundations = items(client, "/api/v1/organizations", kind="foundation")
    assert foundations and all(o["kind"]["code"] == "foundation" for o in foundations)
    migrant = names(items(client, "/api/v1/organizations", has_program_for="migrant"))
    assert "深圳市龙岗区青睐青少年发展中心" in migrant
    gd = items(client, "/api/v1/organizations", province="CN-GD")
    assert all(o["province"]["code"] == "CN-GD" for o in gd)


def test_policy_station_metric_and_figure_filters(client: TestClient) -> None:
    left = items(client, "/api/v1/policies", year_min=2013, year_max=2016)
    assert left and all(2013 <= p["year"] <= 2016 for p in left)
    moe = items(client, "/api/v1/policies", issuing_body="moe")
    # A code stands for its sub-codes: the Ministry's General Office is the Ministry too.
    terms = client.get("/api/v1/vocabularies/issuing_body").json()["terms"]
    family = {"moe"} | {t["code"] for t in terms if t["parent"] == "moe"}
    assert family > {"moe"}
    assert moe and all(family & {b["code"] for b in p["issuing_bodies"]} for p in moe)
    assert any("moe" not in {b["code"] for b in p["issuing_bodies"]} for p in moe)
    stations = items(client, "/api/v1/service-stations", kind="municipal_detachment")
    assert {s["city"] for s in stations} == {"Shijiazhuang", "Tangshan", "Hohhot"}
    hebei = items(client, "/api/v1/service-stations", province="CN-HE")
    assert {s["city"] for s in hebei} == {"Shijiazhuang", "Tangshan"}
    may = items(client, "/api/v1/hotline-metrics", date_min="2022-05-01", date_max="2022-05-31")
    assert [m["value"] for m in may] == [47]
    prevalence = items(client, "/api/v1/figures", subject="prevalence")
    assert prevalence and all(f["subject"].startswith("prevalence") for f in prevalence)
    assert len(items(client, "/api/v1/figures", subject="prevalence.anxiety")) == 3


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({"target_group": "nonsense"}, "target_group"),
        ({"colour": "blue"}, "colour"),
        ({"established_year_min": "abc"}, "established_year_min"),
        ({"course_based": "perhaps"}, "course_based"),
        ({"organization_id": "not-a-uuid"}, "organization_id"),
        ({"sort": "shoe_size"}, "sort"),
        ({"fields": "id,shoe_size"}, "fields"),
        ({"cursor": "garbage"}, "cursor"),
        ({"limit": 501}, "limit"),
        ({"q": "!!!"}, "q"),
        ({"established_year_min": 2020, "established_year_max": 2010}, "established_year_min"),
    ],
)
def test_bad_parameters_are_422_problems_naming_the_parameter(
    client: TestClient, params: dict[str, Any], name: str
) -> None:
    response = client.get("/api/v1/programs", params=params)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == PROBLEM
    body = response.json()
    assert body["status"] == 422
    assert name in {p["name"] for p in body["invalid-params"]}


def test_two_character_chinese_search_finds_bullying_program(client: TestClient) -> None:
    rows = items(client, "/api/v1/programs", q="欺凌")
    assert "“预防性欺凌”教师项目" in names(rows)
    hit = next(r for r in rows if r["name_zh"] == "“预防性欺凌”教师项目")
    assert "<mark>欺凌</mark>" in hit["snippet"]


def test_one_character_and_left_behind_search(client: TestClient) -> None:
    assert "甘肃欠发达地区农村留守儿童心理健康教育项目" in names(
        items(client, "/api/v1/programs", q="留守")
    )
    one = names(items(client, "/api/v1/programs", q="戏"))
    assert "家门口儿童戏剧社" in one


def test_traditional_query_finds_simplified_name(client: TestClient) -> None:
    rows = items(client, "/api/v1/organizations", q="青睞")
    assert names(rows) == {"深圳市龙岗区青睐青少年发展中心"}
    assert "<mark>青睐</mark>" in rows[0]["snippet"]


def test_english_search_is_case_insensitive_prefix(client: TestClient) -> None:
    lower = {r["id"] for r in items(client, "/api/v1/programs", q="bully")}
    upper = {r["id"] for r in items(client, "/api/v1/programs", q="BULLYING")}
    assert lower and lower >= upper
    youle = client.get("/api/v1/programs/youle-bullying-prevention-teachers").json()
    assert youle["id"] in upper


def test_search_is_ranked_and_combines_with_filters(client: TestClient) -> None:
    rows = items(client, "/api/v1/programs", q="teacher")
    assert len(rows) > 2
    titled = [i for i, r in enumerate(rows) if "teacher" in r["name_en"].lower()]
    untitled = [i for i, r in enumerate(rows) if "teacher" not in r["name_en"].lower()]
    assert titled and untitled and min(titled) < max(untitled)
    filtered = items(client, "/api/v1/programs", q="teacher", course_based="true")
    assert {r["id"] for r in filtered} < {r["id"] for r in rows}
    found = [p["slug"] for p in items(client, "/api/v1/policies", q="留守", sort="relevance")]
    titled = {p["slug"] for p in all_items(client, "/api/v1/policies") if "留守" in p["title_zh"]}
    # A match in a title ranks above one in a summary or a topic's label.
    assert titled and len(found) > len(titled)
    assert set(found[: len(titled)]) == titled


def test_multi_key_sort_with_nulls_last(client: TestClient) -> None:
    rows = items(client, "/api/v1/programs", sort="-established_year,name_zh")
    years = [r["established_year"] for r in rows]
    known = [y for y in years if y is not None]
    assert known == sorted(known, reverse=True)
    assert years[: len(known)] == known  # every null after every year
    same_year = [r for r in rows if r["established_year"] is None and r["name_zh"]]
    keys = [zh_sort_key(r["name_zh"]) for r in same_year]
    assert keys == sorted(keys)


def test_chinese_names_sort_by_pinyin(client: TestClient) -> None:
    rows = [r for r in items(client, "/api/v1/organizations", sort="name_zh") if r["name_zh"]]
    first = [r["name_zh"][0] for r in rows]
    assert first[0] in "澳北"  # ao, bei: the alphabet's start, not the Unicode order
    beijing = first.index("北")
    assert all(c != "上" for c in first[:beijing])


def test_count_none_and_offset(client: TestClient) -> None:
    body = client.get("/api/v1/programs", params={"count": "none", "limit": 5}).json()
    assert body["total"] is None and len(body["items"]) == 5 and body["next"]
    both = client.get("/api/v1/programs", params={"offset": 5, "cursor": "x"})
    assert both.status_code == 422


def test_cursor_must_match_the_sort(client: TestClient) -> None:
    first = client.get("/api/v1/programs", params={"limit": 5, "sort": "name_en"}).json()
    cursor = first["next"].split("cursor=")[1]
    other = client.get("/api/v1/programs", params={"cursor": cursor, "sort": "-name_en"})
    assert other.status_code == 422
    assert other.json()["invalid-params"][0]["name"] == "cursor"


def test_sparse_fields(client: TestClient) -> None:
    rows = items(client, "/api/v1/programs", fields="id,name_zh,intervention_type", limit=3)
    assert all(set(r) == {"id", "name_zh", "intervention_type"} for r in rows)
    # Only the chosen fields are rendered, and each as the full item shows it.
    chosen = ("id", "partners", "snippet", "target_groups")
    full = {r["id"]: r for r in items(client, "/api/v1/programs", q="儿童", limit=100)}
    sparse = items(client, "/api/v1/programs", q="儿童", fields=",".join(chosen), limit=100)
    assert len(sparse) == len(full) > 5
    assert all(r == {k: full[r["id"]][k] for k in chosen} for r in sparse)
    assert any(r["partners"] for r in sparse) and all("<mark>" in r["snippet"] for r in sparse)


def test_include_organization_and_programs(client: TestClient) -> None:
    rows = items(client, "/api/v1/programs", include="organization", q="联爱护心")
    org = rows[0]["organization"]
    assert org["name_zh"] == "北京新阳光慈善基金会" and org["kind"]["code"] == "foundation"
    orgs = items(client, "/api/v1/organizations", include="programs", kind="foundation")
    rici = next(o for o in orgs if o["slug"] == "guangdong-rici-foundation")
    assert {p["name_zh"] for p in rici["programs"]} == {"心灵魔法学院", "心益计划"}


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/api/v1/programs", {"include": "organization"}),
        ("/api/v1/organizations", {"include": "programs"}),
        ("/api/v1/policies", {}),
        ("/api/v1/figures", {}),
    ],
)
def test_no_n_plus_one(
    client: TestClient,
    count_statements: Any,
    path: str,
    params: dict[str, Any],
) -> None:
    client.get(path, params={**params, "limit": 3})
    small = len(count_statements())
    count_statements().clear()
    client.get(path, params={**params, "limit": 500})
    assert len(count_statements()) <= small + 2  # eager loads skipped when a page has no links
    assert len(count_statements()) <= 12


def facet(body: dict[str, Any], name: str) -> dict[Any, int]:
    return {v["value"]: v["count"] for v in body["facets"][name]}


def test_program_facets_match_the_report(client: TestClient) -> None:
    body = client.get(
        "/api/v1/programs/facets",
        params={"facet": ["intervention_type", "target_group"], "interviewed": "true"},
    ).json()
    assert body["total"] == 44
    types = facet(body, "intervention_type")
    assert types["prevention_promotion"] == 40  # includes monitoring and counseling
    assert (types["monitoring"], types["counseling"], types["rehabilitation"]) == (5, 4, 3)
    assert (types["treatment"], types["other"]) == (0, 1)
    labels = {v["value"]: v["label_zh"] for v in body["facets"]["intervention_type"]}
    assert labels["rehabilitation"] == "康复类"


def test_facets_are_disjunctive(client: TestClient) -> None:
    body = client.get(
        "/api/v1/programs/facets",
        params={"intervention_type": "counseling", "facet": ["intervention_type", "target_group"]},
    ).json()
    assert body["total"] == 4
    assert facet(body, "intervention_type")["rehabilitation"] == 3  # own filter ignored
    difficult = facet(body, "target_group")["difficult_circumstances"]
    counseling_difficult = items(
        client,
        "/api/v1/programs",
        intervention_type="counseling",
        target_group="difficult_circumstances",
    )
    assert difficult == len(counseling_difficult) > 0


def test_policy_organization_and_station_facets(client: TestClient) -> None:
    policies = client.get("/api/v1/policies/facets").json()
    years = facet(policies, "year")
    assert years[2016] == 4 and years[2021] == 4 and sum(years.values()) == 26
    assert facet(policies, "level")["national"] == 26
    orgs = client.get("/api/v1/organizations/facets", params={"facet": ["kind", "province"]})
    kinds = facet(orgs.json(), "kind")
    assert kinds["foundation"] == len(items(client, "/api/v1/organizations", kind="foundation"))
    stations = client.get("/api/v1/service-stations/facets").json()
    assert facet(stations, "kind")["provincial_detachment"] == 8
    bad = client.get("/api/v1/programs/facets", params={"facet": "shoe_size"})
    assert bad.status_code == 422 and bad.headers["content-type"] == PROBLEM


def test_stats_put_computed_beside_stated(client: TestClient) -> None:
    stats = client.get("/api/v1/stats").json()
    prevention = next(
        r
        for r in stats["programs_by_intervention_type"]["rows"]
        if r["value"] == "prevention_promotion"
    )
    assert prevention["count"] == 40
    assert 40 in [s["value"] for s in prevention["stated"] if s["unit"] == "programs"]
    totals = {r["value"]: r for r in stats["totals"]}
    assert totals["interviewed_programs"]["count"] == 44
    assert totals["national_policies"]["count"] == 26
    assert [s["value"] for s in totals["national_policies"]["stated"]] == [67]
    school = next(r for r in stats["programs_by_setting"]["rows"] if r["value"] == "school")
    assert 40 in [s["value"] for s in school["stated"]]
    assert sum(r["count"] for r in stats["policies_by_year"]["rows"]) == 26


def test_hotline_metric_series(client: TestClient) -> None:
    series = client.get("/api/v1/hotline-metrics/series").json()
    by_metric = {s["metric"]["code"]: s for s in series}
    served = by_metric["people_served_cumulative"]["points"]
    assert served == [
        {
            "slug": "cps-sci-tech-hotline-people-served-by-2022-10",
            "date": "2022-10-01",
            "date_precision": "month",
            "period_label": "By October 2022",
            "period_label_zh": "截至2022年10月",
            "period_label_en": "By October 2022",
            "value": 212000.0,
            "qualifier": served[0]["qualifier"],
        }
    ]


def test_csv_export_matches_the_list(client: TestClient) -> None:
    listed = client.get("/api/v1/programs", params={"target_group": "migrant"}).json()
    response = client.get("/api/v1/programs", params={"target_group": "migrant", "format": "csv"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(rows) == listed["total"]
    assert {r["id"] for r in rows} == {p["id"] for p in listed["items"]}
    multi = next(r for r in rows if ";" in r["target_groups"])
    assert "migrant" in multi["target_groups"].split(";")
    assert rows[0]["source"] == "rici-mapping-2024"


def test_export_has_no_page_limit_and_keeps_sort(client: TestClient) -> None:
    response = client.get(
        "/api/v1/policies", params={"sort": "-year"}, headers={"Accept": "text/csv"}
    )
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(rows) == 26
    assert [int(r["year"]) for r in rows] == sorted((int(r["year"]) for r in rows), reverse=True)
    ndjson = client.get("/api/v1/figures", params={"format": "ndjson", "fields": "slug,value"})
    lines = [json.loads(line) for line in ndjson.text.splitlines()]
    assert len(lines) == client.get("/api/v1/figures").json()["total"]
    assert set(lines[0]) == {"slug", "value"}
    paged = client.get("/api/v1/policies", params={"format": "csv", "limit": 2})
    assert paged.status_code == 422
    assert paged.json()["invalid-params"][0]["name"] == "limit"


def test_exports_carry_snippets_and_includes(client: TestClient) -> None:
    ndjson = client.get(
        "/api/v1/organizations",
        params={"format": "ndjson", "q": "青睐", "include": "programs"},
    )
    [line] = [json.loads(x) for x in ndjson.text.splitlines()]
    assert "<mark>青睐</mark>" in line["snippet"]
    assert [p["slug"] for p in line["programs"]]
    csv_text = client.get(
        "/api/v1/organizations",
        params={"format": "csv", "include": "programs", "kind": "foundation"},
    ).content.decode("utf-8-sig")
    rici = next(
        r for r in csv.DictReader(io.StringIO(csv_text)) if r["slug"] == "guangdong-rici-foundation"
    )
    assert set(rici["programs"].split(";")) == {"rici-xinling-mofa-xueyuan", "rici-xinyi-plan"}


def test_etag_and_conditional_get(client: TestClient) -> None:
    first = client.get("/api/v1/programs/lianai-huxin")
    etag = first.headers["etag"]
    assert first.headers["cache-control"] == "public, no-cache"
    again = client.get("/api/v1/programs/lianai-huxin", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    listed = client.get("/api/v1/programs", params={"limit": 3})
    assert listed.headers["etag"] != etag
    stale = client.get("/api/v1/programs", params={"limit": 3}, headers={"If-None-Match": etag})
    assert stale.status_code == 200


def test_cors_allowlist(client: TestClient) -> None:
    allowed = client.get("/api/v1/programs", headers={"Origin": "http://localhost:5173"})
    assert allowed.headers["access-control-allow-origin"] == "http://localhost:5173"
    assert "etag" in allowed.headers["access-control-expose-headers"].lower()
    refused = client.get("/api/v1/programs", headers={"Origin": "http://evil.example"})
    assert "access-control-allow-origin" not in refused.headers
    # The methods and headers docs/api.md §8 lists are the ones a preflight allows.
    asked = {"Origin": "http://localhost:5173", "Access-Control-Request-Method": "PATCH"}
    ok = client.options(
        "/api/v1/programs/x",
        headers={**asked, "Access-Control-Request-Headers": "If-Match, Content-Type"},
    )
    assert ok.status_code == 200
    assert set(ok.headers["access-control-allow-methods"].split(", ")) == {
        "GET",
        "HEAD",
        "OPTIONS",
        "POST",
        "PATCH",
        "DELETE",
    }
    # A refused preflight is a problem that names what was refused and what is allowed.
    for headers, name, said in [
        (
            {"Origin": "http://evil.example", "Access-Control-Request-Method": "GET"},
            "Origin",
            "'http://evil.example' is not an allowed origin; an operator adds it to "
            "REGISTRY_CORS_ORIGINS",
        ),
        (
            {**asked, "Access-Control-Request-Method": "PUT"},
            "Access-Control-Request-Method",
            "'PUT' is not allowed; allowed: DELETE, GET, HEAD, OPTIONS, PATCH, POST",
        ),
        (
            {**asked, "Access-Control-Request-Headers": "X-Secret"},
            "Access-Control-Request-Headers",
            "'X-Secret' names a header that is not allowed",
        ),
    ]:
        preflight = client.options("/api/v1/programs", headers=headers)
        assert preflight.status_code == 403, preflight.text
        assert preflight.headers["content-type"] == "application/problem+json"
        [param] = preflight.json()["invalid-params"]
        assert param["name"] == name and param["reason"].startswith(said)


def test_labels_follow_lang(client: TestClient) -> None:
    zh = client.get("/api/v1/programs/lianai-huxin", params={"lang": "zh"}).json()
    assert zh["intervention_type"]["label"] == "心理咨询"
    header = client.get("/api/v1/programs/lianai-huxin", headers={"Accept-Language": "zh-CN"})
    assert header.json()["intervention_type"]["label"] == "心理咨询"
    en = client.get("/api/v1/programs/lianai-huxin", params={"lang": "en"}).json()
    assert en["intervention_type"]["label"] == "Counselling"
    assert client.get("/api/v1/programs", params={"lang": "fr"}).status_code == 422


def test_server_errors_are_problems_without_tracebacks(seeded_url: str) -> None:
    from registry.api.app import create_app
    from registry.api.deps import later_read_context
    from registry.config import Settings

    app = create_app(Settings(database_url=seeded_url, environment="test"))

    def broken() -> None:
        raise RuntimeError("secret internals")

    app.dependency_overrides[later_read_context] = broken
    with TestClient(app, raise_server_exceptions=False) as broken_client:
        response = broken_client.get("/api/v1/programs")
    assert response.status_code == 500
    assert response.headers["content-type"] == PROBLEM
    assert "secret internals" not in response.text
    assert "Traceback" not in response.text


def test_openapi_document_is_valid_and_documents_codes(client: TestClient) -> None:
    from openapi_spec_validator import validate

    spec = client.get("/openapi.json").json()
    validate(spec)
    params = {p["name"]: p for p in spec["paths"]["/api/v1/programs"]["get"]["parameters"]}
    target = params["target_group"]["schema"]["anyOf"][0]["items"]["enum"]
    assert {"left_behind", "migrant", "de_facto_orphaned"} <= set(target)
    assert params["target_group"]["schema"]["examples"] == ["left_behind"]
    assert "established_year" in params["sort"]["description"]
    operation_ids = [op["operationId"] for path in spec["paths"].values() for op in path.values()]
    assert len(operation_ids) == len(set(operation_ids))
    assert not [n for n in spec["components"]["schemas"] if n.startswith("Body_")]
    assert "ProgramPage" in spec["components"]["schemas"]
    responses = spec["paths"]["/api/v1/programs"]["get"]["responses"]
    assert "application/problem+json" in responses["422"]["content"]


def test_all_items_helper_walks_every_page(client: TestClient) -> None:
    assert (
        len(all_items(client, "/api/v1/figures")) == client.get("/api/v1/figures").json()["total"]
    )


def test_head_answers_like_get_without_a_body(client: TestClient) -> None:
    get = client.get("/api/v1/programs", params={"limit": 2})
    head = client.head("/api/v1/programs", params={"limit": 2})
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["etag"] == get.headers["etag"]


def test_boolean_facets_and_vocabulary_terms_are_labelled(client: TestClient) -> None:
    body = client.get(
        "/api/v1/programs/facets", params={"facet": "interviewed", "lang": "zh"}
    ).json()
    labels = {v["value"]: v["label"] for v in body["facets"]["interviewed"]}
    assert labels == {False: "否", True: "是"}
    terms = client.get("/api/v1/vocabularies/setting", params={"lang": "zh"}).json()["terms"]
    assert {t["code"]: t["label"] for t in terms}["school"] == "学校"


def test_empty_values_are_rejected(client: TestClient) -> None:
    for path, name in (("/api/v1/figures", "subject"), ("/api/v1/programs", "target_group")):
        response = client.get(path, params={name: ""})
        assert response.status_code == 422
        assert response.json()["invalid-params"][0]["name"] == name


def test_one_problem_per_bad_parameter(client: TestClient) -> None:
    body = client.get("/api/v1/programs", params={"lang": "fr"}).json()
    assert [p["name"] for p in body["invalid-params"]] == ["lang"]
    assert body["title"] == "Unprocessable Content"


@pytest.mark.parametrize(
    "resource", ["programs", "organizations", "policies", "service-stations", "figures"]
)
def test_exports_hold_the_lists_values(client: TestClient, resource: str) -> None:
    """NDJSON lines are the list's items, times and ids written as the JSON API writes them;
    CSV cells hold the same scalars."""
    path = f"/api/v1/{resource}"
    listed = client.get(path, params={"limit": 500}).json()["items"]
    ndjson = client.get(path, params={"format": "ndjson"})
    assert [json.loads(line) for line in ndjson.text.splitlines()] == listed
    text = client.get(path, params={"format": "csv"}).content.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [(r["id"], r["created_at"], r["updated_at"]) for r in rows] == [
        (i["id"], i["created_at"], i["updated_at"]) for i in listed
    ]
    assert all(r["created_at"].endswith("Z") for r in rows)


def _cell(name: str, value: Any) -> str:
    """What a CSV cell holds of a list item's JSON value, as docs/api.md describes it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if name == "partners":
        return ";".join(f"{p['organization']['slug']}:{p['role']['code']}" for p in value)
    if isinstance(value, list):
        return ";".join(_cell(name, v) for v in value)
    if isinstance(value, dict):
        key = next(k for k in ("code", "slug", "key") if k in value)
        return str(value[key])
    return str(value)


@pytest.mark.parametrize(
    "resource",
    [
        "programs",
        "organizations",
        "policies",
        "service-stations",
        "figures",
        "hotlines",
        "hotline-metrics",
    ],
)
def test_csv_cells_are_the_lists_values(client: TestClient, resource: str) -> None:
    """Every cell of a CSV export, read straight from rows, is the list item's value:
    codes, slugs and keys for what a record links to, lists joined with `;`."""
    path = f"/api/v1/{resource}"
    listed = client.get(path, params={"limit": 500}).json()["items"]
    text = client.get(path, params={"format": "csv"}).content.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == len(listed) > 0
    for row, item in zip(rows, listed, strict=True):
        provenance = item.pop("provenance")
        expected = {name: _cell(name, value) for name, value in item.items()}
        expected |= {
            "source": _cell("source", provenance["source"]),
            "source_locator_en": provenance["locator_en"] or "",
            "source_locator_zh": provenance["locator_zh"] or "",
        }
        # The notes as JSON, as an import reads them back (without the picked `note`).
        notes = [{k: v for k, v in n.items() if k != "note"} for n in provenance["data_quality"]]
        assert (json.loads(row.pop("data_quality")) if notes else row.pop("data_quality")) == (
            notes or ""
        )
        assert row == expected
