"""The first read API, against the seeded registry."""

from __future__ import annotations

from collections import Counter
from typing import Any

from fastapi.testclient import TestClient

PROBLEM = "application/problem+json"


def all_items(client: TestClient, path: str, **params: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    url: str | None = path
    query: dict[str, Any] | None = {"limit": 500, **params}
    while url:
        body = client.get(url, params=query).json()
        items += body["items"]
        url, query = body["next"], None
    return items


def test_healthz_reports_the_backend(client: TestClient, backend: str) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert response.json()["database"] == backend


def test_program_list_envelope_and_paging(client: TestClient) -> None:
    first = client.get("/api/v1/programs", params={"limit": 10})
    assert first.status_code == 200
    body = first.json()
    assert set(body) == {"items", "total", "limit", "offset", "next"}
    assert body["limit"] == 10
    assert body["offset"] == 0
    assert len(body["items"]) == 10
    assert body["total"] >= 44
    assert "cursor=" in body["next"]
    second = client.get(body["next"]).json()
    assert second["offset"] is None  # the next link pages by keyset cursor
    by_offset = client.get("/api/v1/programs", params={"limit": 10, "offset": 10}).json()
    assert [p["id"] for p in by_offset["items"]] == [p["id"] for p in second["items"]]
    first_ids = {p["id"] for p in body["items"]}
    assert not first_ids & {p["id"] for p in second["items"]}
    last = client.get("/api/v1/programs", params={"limit": 10, "offset": body["total"] - 1})
    assert last.json()["next"] is None
    assert len(last.json()["items"]) == 1


def test_default_and_maximum_limit(client: TestClient) -> None:
    assert client.get("/api/v1/programs").json()["limit"] == 50
    too_big = client.get("/api/v1/programs", params={"limit": 501})
    assert too_big.status_code == 422
    assert too_big.headers["content-type"] == PROBLEM
    assert too_big.json()["invalid-params"][0]["name"] == "limit"


def test_all_44_interviewed_programs_with_report_intervention_counts(client: TestClient) -> None:
    interviewed = [p for p in all_items(client, "/api/v1/programs") if p["interviewed"]]
    assert len(interviewed) == 44
    by_type = Counter(p["intervention_type"]["code"] for p in interviewed)
    # The report: 40 of 44 are prevention and promotion (with its two sub-types).
    assert by_type["prevention_promotion"] + by_type["monitoring"] + by_type["counseling"] == 40
    assert by_type["counseling"] == 4
    assert by_type["rehabilitation"] == 3
    assert by_type["other"] == 1
    assert by_type["treatment"] == 0
    # Thirteen rows carry the course-based asterisk, all of them prevention programs.
    course_based = [p for p in interviewed if p["course_based"]]
    assert len(course_based) == 13
    assert {p["intervention_type"]["code"] for p in course_based} == {"prevention_promotion"}


def test_program_detail_has_organization_partners_codes_and_provenance(client: TestClient) -> None:
    programs = all_items(client, "/api/v1/programs")
    yingjiang = next(p for p in programs if p["name_zh"] and "阳光廿四" in p["name_zh"])
    detail = client.get(f"/api/v1/programs/{yingjiang['id']}").json()
    # Footnote a: the table's organization is the cooperating unit; the lead is in Kunming.
    assert detail["organization"]["name_zh"] == "昆明西山区永续动力社工中心"
    partners = {p["organization"]["name_zh"]: p["role"]["code"] for p in detail["partners"]}
    assert partners["云南大盈江玉锦社工中心"] == "cooperating"
    assert detail["provenance"]["source"]["key"] == "rici-mapping-2024"
    assert detail["provenance"]["locator"]
    # The same record by slug.
    by_slug = client.get(f"/api/v1/programs/{detail['slug']}").json()
    assert by_slug["id"] == detail["id"]


def test_counseling_subtype_carries_its_parent(client: TestClient) -> None:
    detail = client.get("/api/v1/programs/lianai-huxin").json()
    assert detail["name_zh"] == "联爱护心"
    assert detail["organization"]["name_zh"] == "北京新阳光慈善基金会"
    assert detail["intervention_type"] == {
        "code": "counseling",
        "label": "Counselling",
        "label_en": "Counselling",
        "label_zh": "心理咨询",
        "parent": "prevention_promotion",
    }
    assert detail["established_year"] == 2021


def test_left_behind_programs_are_linked(client: TestClient) -> None:
    programs = all_items(client, "/api/v1/programs")
    left_behind = {
        p["name_zh"] for p in programs if "left_behind" in {t["code"] for t in p["target_groups"]}
    }
    assert "甘肃欠发达地区农村留守儿童心理健康教育项目" in left_behind
    assert "共同成长项目" in left_behind


def test_variant_characters_resolve_to_one_organization(client: TestClient) -> None:
    orgs = all_items(client, "/api/v1/organizations")
    qinglai = [o for o in orgs if "青睐" in (o["name_zh"] or "") or "青睞" in (o["name_zh"] or "")]
    assert len(qinglai) == 1
    org = qinglai[0]
    assert org["name_zh"] == "深圳市龙岗区青睐青少年发展中心"
    assert "深圳市龙岗区青睞青少年发展中心" in org["aliases"]
    issues = {n["issue"] for n in org["provenance"]["data_quality"]}
    assert "variant_characters" in issues
    assert org["province"]["code"] == "CN-GD"


def test_typo_in_organization_name_is_flagged_not_duplicated(client: TestClient) -> None:
    orgs = all_items(client, "/api/v1/organizations")
    names = [o["name_zh"] for o in orgs]
    assert "广佛山市南海区社会服务联会" not in names
    nanhai = next(o for o in orgs if o["name_zh"] == "佛山市南海区社会服务联会")
    typo = [n for n in nanhai["provenance"]["data_quality"] if n["issue"] == "typo"]
    assert typo
    assert typo[0]["source_value"] == "广佛山市南海区社会服务联会"


def test_policy_timeline_spans_1999_to_2023(client: TestClient) -> None:
    policies = all_items(client, "/api/v1/policies")
    national = [p for p in policies if p["level"]["code"] == "national"]
    assert len(national) == 26
    assert min(p["year"] for p in national) == 1999
    assert max(p["year"] for p in national) == 2023
    assert [p["year"] for p in national] == sorted(p["year"] for p in national)
    law = [p for p in national if p["title_zh"] == "《中华人民共和国精神卫生法》"]
    assert len(law) == 1
    assert law[0]["year"] == 2012


def test_implausible_date_is_flagged_not_fixed(client: TestClient) -> None:
    figures = all_items(client, "/api/v1/figures")
    stations = [f for f in figures if f["value"] == 456]
    assert len(stations) == 1
    assert stations[0]["year"] is None
    assert "2032" in (stations[0]["period_label"] or "")
    flags = stations[0]["provenance"]["data_quality"]
    assert any(n["issue"] == "implausible_date" for n in flags)


def test_service_stations_and_hotlines(client: TestClient) -> None:
    stations = all_items(client, "/api/v1/service-stations")
    kinds = Counter(s["kind"]["code"] for s in stations)
    assert kinds["provincial_detachment"] == 8
    assert kinds["municipal_detachment"] == 3
    hohhot = next(s for s in stations if s["city"] == "Hohhot")
    assert hohhot["province"]["code"] == "CN-NM"
    hotlines = all_items(client, "/api/v1/hotlines")
    assert len(hotlines) == 2
    lianai = client.get("/api/v1/hotlines/lianai-huxin-hotline").json()
    assert lianai["operator"]["name_zh"] == "北京新阳光慈善基金会"
    assert lianai["launch_year"] == 2021
    metrics = all_items(client, "/api/v1/hotline-metrics")
    assert any(m["value"] == 212000 for m in metrics)


def test_prevalence_figures(client: TestClient) -> None:
    figures = all_items(client, "/api/v1/figures")
    values = {f["value"] for f in figures if f["subject"].startswith("prevalence")}
    # Table 3-1-1 and the 17.5% any-disorder figure.
    assert {12.3, 14.6, 25.2, 27, 24, 22, 26.3, 28, 22.9, 17.5} <= values


def test_vocabularies_list_codes_and_labels(client: TestClient) -> None:
    vocabularies = {v["name"]: v for v in client.get("/api/v1/vocabularies").json()}
    target = {t["code"] for t in vocabularies["target_group"]["terms"]}
    assert {
        "preschool",
        "primary",
        "middle",
        "high",
        "parents",
        "teachers",
        "left_behind",
        "migrant",
        "de_facto_orphaned",
        "difficult_circumstances",
    } <= target
    provinces = client.get("/api/v1/vocabularies/province").json()
    gd = next(t for t in provinces["terms"] if t["code"] == "CN-GD")
    assert gd["label_zh"] == "广东省"
    missing = client.get("/api/v1/vocabularies/nope")
    assert missing.status_code == 404
    assert missing.headers["content-type"] == PROBLEM


def test_unknown_ids_are_problem_json_404(client: TestClient) -> None:
    for path in (
        "/api/v1/programs/00000000-0000-0000-0000-000000000000",
        "/api/v1/organizations/no-such-org",
        "/api/v1/policies/no-such-policy",
        "/api/v1/service-stations/x",
        "/api/v1/hotlines/x",
        "/api/v1/hotline-metrics/x",
        "/api/v1/figures/x",
        "/api/v1/sources/x",
    ):
        response = client.get(path)
        assert response.status_code == 404, path
        assert response.headers["content-type"] == PROBLEM
        body = response.json()
        assert body["status"] == 404
        assert body["title"] == "Not Found"
        assert "Traceback" not in response.text


def test_unknown_route_and_method_are_problem_json(client: TestClient) -> None:
    missing = client.get("/api/v1/nothing-here")
    assert missing.status_code == 404
    assert missing.headers["content-type"] == PROBLEM
    wrong_method = client.delete("/api/v1/programs")
    assert wrong_method.status_code == 405
    assert wrong_method.headers["content-type"] == PROBLEM


def test_unknown_query_parameter_is_rejected(client: TestClient) -> None:
    response = client.get("/api/v1/programs", params={"colour": "blue"})
    assert response.status_code == 422
    assert response.json()["invalid-params"] == [{"name": "colour", "reason": "unknown parameter"}]


def test_program_list_has_no_n_plus_one(client: TestClient, count_statements) -> None:  # type: ignore[no-untyped-def]
    # Both pages include programs with partners, so every eager load runs in both.
    client.get("/api/v1/programs", params={"limit": 40})
    page = len(count_statements())
    count_statements().clear()
    client.get("/api/v1/programs", params={"limit": 500})
    assert len(count_statements()) == page
    assert page <= 10


def test_openapi_and_docs(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert "/api/v1/programs" in spec["paths"]
    operation = spec["paths"]["/api/v1/programs/{ref}"]["get"]
    assert operation["operationId"] == "get_program"
    assert "404" in operation["responses"]
    assert client.get("/docs").status_code == 200


def test_sources_are_listed(client: TestClient) -> None:
    keys = {s["key"] for s in client.get("/api/v1/sources").json()}
    assert keys == {"cps-psych-services", "rici-mapping-2024"}


def test_timestamps_are_utc_on_every_backend(client: TestClient) -> None:
    detail = client.get("/api/v1/organizations/guangdong-rici-foundation").json()
    assert detail["created_at"].endswith("Z")
    assert detail["updated_at"].endswith("Z")
    assert detail["version"] == 1
