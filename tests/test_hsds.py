"""The HSDS 3.0 API under /hsds/, against the seeded registry.

Responses are validated against Open Referral's compiled HSDS 3.0 schemas, read from
`../shared/hsds-3.0/` beside the clone. Without that folder the validation tests are
skipped with a loud reason, except under CI, where they fail. Everything else (mapping,
filters, paging arithmetic, metadata) runs either way.
"""

from __future__ import annotations

import json
import math
import random
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from jsonschema import Draft202012Validator

from registry.api.app import create_app
from registry.config import Settings
from tests.admin_support import Tokens, missing_tool
from tests.conftest import WriteDatabase

PROBLEM = "application/problem+json"
NDJSON = "application/x-ndjson"
HSDS_DIR = Path(__file__).parents[2] / "shared" / "hsds-3.0"
SEED = 20240601  # random picks of detail ids, fixed so a failure can be replayed

# name, list-item schema, detail schema, a per_page that gives several pages
LISTS = [
    ("services", "service_list.json", "service.json", 7),
    ("organizations", "organization_list.json", "organization.json", 7),
    ("service_at_locations", "service_at_location_list.json", "service_at_location.json", 3),
    ("taxonomies", "taxonomy", "taxonomy", 4),
    ("taxonomy_terms", "taxonomy_term", "taxonomy_term", 25),
]
LIST_IDS = [name for name, *_ in LISTS]


class HsdsSchemas:
    """The compiled HSDS 3.0 schemas, each file read and compiled once per session."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._raw: dict[str, dict[str, Any]] = {}
        self._validators: dict[str, Draft202012Validator] = {}

    def _file(self, name: str) -> dict[str, Any]:
        if name not in self._raw:
            self._raw[name] = json.loads((self.folder / name).read_text(encoding="utf-8"))
        return self._raw[name]

    def schema(self, name: str) -> dict[str, Any]:
        # There is no compiled taxonomy(_term).json; the compiled service.json embeds both.
        if name in ("taxonomy_term", "taxonomy"):
            service = self._file("service.json")
            term = service["properties"]["attributes"]["items"]["properties"]["taxonomy_term"]
            return term if name == "taxonomy_term" else term["properties"]["taxonomy_detail"]
        return self._file(name)

    def check(self, instance: Any, name: str) -> None:
        """Valid against the schema, formats included, and no field the schema lacks."""
        if name not in self._validators:
            self._validators[name] = Draft202012Validator(
                self.schema(name), format_checker=Draft202012Validator.FORMAT_CHECKER
            )
        errors = sorted(self._validators[name].iter_errors(instance), key=lambda e: e.path)
        assert not errors, "\n".join(
            f"{name} at /{'/'.join(map(str, e.path))}: {e.message}" for e in errors[:10]
        )
        unknown = list(_unknown_fields(instance, self.schema(name), ""))
        assert not unknown, f"fields that {name} does not define: {unknown}"


def _unknown_fields(instance: Any, schema: dict[str, Any], path: str) -> Iterator[str]:
    """Upstream checks its own examples with additionalProperties false; so do we."""
    if isinstance(instance, dict) and "properties" in schema:
        for key, value in instance.items():
            if key not in schema["properties"]:
                yield f"{path}/{key}"
            else:
                yield from _unknown_fields(value, schema["properties"][key], f"{path}/{key}")
    elif isinstance(instance, list) and isinstance(schema.get("items"), dict):
        for i, value in enumerate(instance):
            yield from _unknown_fields(value, schema["items"], f"{path}/{i}")


@pytest.fixture(scope="session")
def hsds() -> HsdsSchemas:
    files = {"service.json"} | {f for _, *schemas, _ in LISTS for f in schemas}
    needed = [f for f in files if f.endswith(".json")]
    missing = sorted({f for f in needed if not (HSDS_DIR / f).is_file()})
    if missing:
        message = (
            f"HSDS 3.0 schemas missing from {HSDS_DIR} ({', '.join(missing)}): the compiled "
            "schemas of openreferral/specification 3.0 must sit in ../shared/hsds-3.0 "
            "beside the clone"
        )
        missing_tool("HSDS schema validation", message)
    return HsdsSchemas(HSDS_DIR)


def test_the_format_checker_really_checks_formats() -> None:
    """date-time and uri are only checked when jsonschema's format extras are installed."""
    checker = Draft202012Validator.FORMAT_CHECKER
    assert not checker.conforms("2024-06-01", "date-time")
    assert checker.conforms("2024-06-01T00:00:00Z", "date-time")
    assert not checker.conforms("not a uri", "uri")
    assert checker.conforms("http://testserver/api/v1/organizations", "uri")
    assert not checker.conforms("lianai-huxin", "uuid")
    assert not checker.conforms("nobody", "email")


def get(client: TestClient, path: str, **params: Any) -> Any:
    response = client.get(path, params=params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    return response.json()


def everything(client: TestClient, name: str, **params: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    page = 1
    while True:
        body = get(client, f"/hsds/{name}", page=page, per_page=500, **params)
        items += body["contents"]
        if body["last_page"]:
            return items
        page += 1


def ids(items: list[dict[str, Any]]) -> set[str]:
    return {item["id"] for item in items}


def v1_ids(client: TestClient, path: str, **params: Any) -> set[str]:
    return {
        i["id"] for i in get(client, f"/api/v1/{path}", limit=500, fields="id", **params)["items"]
    }


def v1_id(client: TestClient, path: str) -> str:
    return str(get(client, f"/api/v1/{path}")["id"])


def term_id(client: TestClient, vocabulary: str, code: str) -> str:
    terms = get(client, f"/api/v1/vocabularies/{vocabulary}")["terms"]
    return str(next(t["id"] for t in terms if t["code"] == code))


def taxonomy_id(client: TestClient, vocabulary: str) -> str:
    return str(get(client, f"/api/v1/vocabularies/{vocabulary}")["id"])


def codes(item: dict[str, Any]) -> set[tuple[str, str]]:
    return {(a["link_type"], a["taxonomy_term"]["code"]) for a in item["attributes"]}


def assert_problem(response: Any, status: int, param: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    if param is not None:
        assert param in [p["name"] for p in body["invalid-params"]], body
    return body


def test_root_names_version_profile_and_openapi(client: TestClient) -> None:
    body = get(client, "/hsds/")
    assert body["version"] == "3.0"
    assert body["profile"].startswith("https://")
    assert body["openapi_url"].endswith("/openapi.json")
    document = get(client, body["openapi_url"].removeprefix("http://testserver"))
    assert "/hsds/services" in document["paths"]


def test_openapi_documents_the_hsds_routes_with_readable_schemas(client: TestClient) -> None:
    document = get(client, "/openapi.json")
    paths = {p: ops for p, ops in document["paths"].items() if p.startswith("/hsds/")}
    assert set(paths) == {
        "/hsds/",
        *(f"/hsds/{name}" for name in LIST_IDS),
        *(f"/hsds/{name}/{{id}}" for name in LIST_IDS),
    }
    for path, operations in paths.items():
        assert set(operations) == {"get"}, f"{path} is read-only"
        operation = operations["get"]
        assert operation["tags"] == ["HSDS 3.0"]
        schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
        assert schema["$ref"].startswith("#/components/schemas/Hsds"), path
        if path.endswith("{id}"):
            assert {"404", "422"} <= set(operation["responses"])
        elif path != "/hsds/":
            assert NDJSON in operation["responses"]["200"]["content"]
            names = {p["name"] for p in operation["parameters"]}
            assert {"search", "page", "per_page", "format"} <= names
    services = {p["name"] for p in paths["/hsds/services"]["get"]["parameters"]}
    assert {"organization_id", "taxonomy_term_id", "taxonomy_id", "modified_after"} <= services
    assert not [n for n in document["components"]["schemas"] if n.startswith("Body_")]


@pytest.mark.parametrize(("name", "item_schema", "detail_schema", "per_page"), LISTS, ids=LIST_IDS)
def test_every_list_item_validates(
    client: TestClient,
    hsds: HsdsSchemas,
    name: str,
    item_schema: str,
    detail_schema: str,
    per_page: int,
) -> None:
    items = everything(client, name)
    assert items
    assert len(ids(items)) == len(items)
    for item in items:
        hsds.check(item, item_schema)


@pytest.mark.parametrize(("name", "item_schema", "detail_schema", "per_page"), LISTS, ids=LIST_IDS)
def test_first_middle_and_last_page(
    client: TestClient, name: str, item_schema: str, detail_schema: str, per_page: int
) -> None:
    every = [item["id"] for item in everything(client, name)]
    total = len(every)
    pages = math.ceil(total / per_page)
    assert pages >= 3, "per_page must give several pages"
    seen: list[str] = []
    for number in (1, (1 + pages) // 2, pages):
        body = get(client, f"/hsds/{name}", page=number, per_page=per_page)
        on_page = [item["id"] for item in body["contents"]]
        expected = every[(number - 1) * per_page : number * per_page]
        assert on_page == expected
        assert body["total_items"] == total
        assert body["total_pages"] == pages
        assert body["page_number"] == number
        assert (
            body["size"]
            == len(on_page)
            == (per_page if number < pages else total - (pages - 1) * per_page)
        )
        assert body["first_page"] is (number == 1)
        assert body["last_page"] is (number == pages)
        assert body["empty"] is False
        seen += on_page
    assert len(seen) == len(set(seen)), "an id repeats across pages"
    beyond = get(client, f"/hsds/{name}", page=pages + 1, per_page=per_page)
    assert beyond["contents"] == []
    assert (beyond["size"], beyond["empty"], beyond["first_page"], beyond["last_page"]) == (
        0,
        True,
        False,
        True,
    )


@pytest.mark.parametrize(("name", "item_schema", "detail_schema", "per_page"), LISTS, ids=LIST_IDS)
def test_ten_random_details_validate_and_match_the_list(
    client: TestClient,
    hsds: HsdsSchemas,
    name: str,
    item_schema: str,
    detail_schema: str,
    per_page: int,
) -> None:
    items = {item["id"]: item for item in everything(client, name)}
    picked = random.Random(f"{SEED}-{name}").sample(sorted(items), 10)
    for record_id in picked:
        detail = get(client, f"/hsds/{name}/{record_id}")
        hsds.check(detail, detail_schema)
        assert detail["id"] == record_id
        # The list item is the detail's one-to-one part.
        assert {k: detail[k] for k in items[record_id]} == items[record_id]


def test_a_program_is_a_service_with_its_codes_as_attributes(client: TestClient) -> None:
    program = get(client, "/api/v1/programs/lianai-huxin")
    service = get(client, f"/hsds/services/{program['id']}")
    assert service["name"] == program["name_en"]
    assert service["alternate_name"] == "联爱护心"
    assert service["description"] == program["description"]
    assert service["status"] == "active"
    assert service["organization_id"] == program["organization"]["id"]
    assert service["organization"]["name"] == "Beijing New Sunshine Charity Foundation"
    assert service["organization"]["alternate_name"] == "北京新阳光慈善基金会"
    # The program is also the HSDS program that groups the service with its hotline.
    assert service["program_id"] == program["id"]
    assert service["program"]["name"] == program["name_en"]
    expected = {("intervention_type", program["intervention_type"]["code"])}
    for field, vocabulary in [
        ("target_groups", "target_group"),
        ("settings", "setting"),
        ("ecological_levels", "ecological_level"),
        ("elements", "element"),
        ("provinces", "province"),
    ]:
        expected |= {(vocabulary, t["code"]) for t in program[field]}
    assert codes(service) == expected
    assert ("intervention_type", "counseling") in expected
    counseling = next(
        a for a in service["attributes"] if a["taxonomy_term"]["code"] == "counseling"
    )
    assert counseling["link_id"] == service["id"]
    assert counseling["link_entity"] == "service"
    assert counseling["taxonomy_term_id"] == term_id(client, "intervention_type", "counseling")
    assert counseling["taxonomy_term"]["parent_id"] == term_id(
        client, "intervention_type", "prevention_promotion"
    )
    assert counseling["taxonomy_term"]["taxonomy_id"] == taxonomy_id(client, "intervention_type")


def test_lang_zh_puts_chinese_names_first(client: TestClient) -> None:
    program = get(client, "/api/v1/programs/lianai-huxin")
    service = get(client, f"/hsds/services/{program['id']}", lang="zh")
    assert service["name"] == "联爱护心"
    assert service["alternate_name"] == program["name_en"]
    term = next(
        a["taxonomy_term"] for a in service["attributes"] if a["link_type"] == "intervention_type"
    )
    assert (term["name"], term["language"]) == ("心理咨询", "zh")


def test_provinces_served_are_service_areas(client: TestClient) -> None:
    programs = get(client, "/api/v1/programs", limit=500, province="CN-GD")["items"]
    program = next(p for p in programs if p["provinces"])
    service = get(client, f"/hsds/services/{program['id']}")
    assert [a["extent"] for a in service["service_areas"]] == [
        t["code"] for t in program["provinces"]
    ]
    assert {a["name"] for a in service["service_areas"]} == {
        t["label_en"] for t in program["provinces"]
    }


def test_a_hotline_is_a_service_with_its_program_and_hours(client: TestClient) -> None:
    hotline = get(client, "/api/v1/hotlines/lianai-huxin-hotline")
    service = get(client, f"/hsds/services/{hotline['id']}")
    assert service["name"] == "Lianai Huxin Psychological Support Hotline"
    assert service["organization_id"] == hotline["operator"]["id"]
    assert (
        service["program_id"] == hotline["program"]["id"] == v1_id(client, "programs/lianai-huxin")
    )
    assert service["eligibility_description"] == "adolescents"
    [schedule] = service["schedules"]
    assert schedule["description"] == hotline["hours"] == "daily 09:00–24:00"
    assert (schedule["freq"], schedule["byday"]) == ("WEEKLY", "MO,TU,WE,TH,FR,SA,SU")
    assert (schedule["opens_at"], schedule["closes_at"]) == ("09:00+08:00", "24:00+08:00")
    assert schedule["service_id"] == service["id"]
    # The CPS hotline states no hours and belongs to no program.
    cps = get(client, f"/hsds/services/{v1_id(client, 'hotlines/cps-sci-tech-workers-hotline')}")
    assert cps["schedules"] == []
    assert "program_id" not in cps


def test_an_organization_has_its_programs_services_and_stations(client: TestClient) -> None:
    cps = get(client, "/api/v1/organizations/chinese-psychological-society")
    org = get(client, f"/hsds/organizations/{cps['id']}")
    assert org["name"] == cps["name_en"]
    assert org.get("year_incorporated") == cps["founded_year"]  # absent when not stated
    assert org["legal_status"] == cps["kind"]["label_en"]
    assert org["uri"].endswith(f"/api/v1/organizations/{cps['id']}")
    assert ("organization_kind", cps["kind"]["code"]) in codes(org)
    programs = v1_ids(client, "programs", organization_id=cps["id"])
    hotlines = v1_ids(client, "hotlines", operator_id=cps["id"])
    assert len(programs) == 6
    assert ids(org["programs"]) == programs
    assert ids(org["services"]) == programs | hotlines
    stations = get(client, "/api/v1/service-stations", limit=500, operator_id=cps["id"])["items"]
    assert len(stations) == 11
    assert {loc["external_identifier"] for loc in org["locations"]} == {s["slug"] for s in stations}


def test_a_service_station_is_a_service_at_location(client: TestClient) -> None:
    station = get(client, "/api/v1/service-stations/cps-evt-shanxi-provincial-detachment")
    sal = get(client, f"/hsds/service_at_locations/{station['id']}")
    assert sal["location_id"] == sal["location"]["id"] != station["id"]
    assert sal["location"]["name"] == station["name_en"]
    assert sal["location"]["organization_id"] == station["operator"]["id"]
    assert sal["location"]["external_identifier"] == "cps-evt-shanxi-provincial-detachment"
    assert codes(sal) == {
        ("province", "CN-SX"),
        ("station_network", "emergency_volunteer_team"),
        ("station_kind", "provincial_detachment"),
    }
    assert "service_id" not in sal  # the registry does not say which service runs there


def test_vocabularies_are_taxonomies_and_codes_are_terms(client: TestClient) -> None:
    vocabularies = get(client, "/api/v1/vocabularies")
    assert {t["name"] for t in everything(client, "taxonomies")} == {
        v["label_en"] for v in vocabularies
    }
    target_group = next(v for v in vocabularies if v["name"] == "target_group")
    terms = everything(client, "taxonomy_terms", taxonomy_id=target_group["id"])
    assert [t["code"] for t in terms] == [t["code"] for t in target_group["terms"]]
    assert {t["taxonomy"] for t in terms} == {"target_group"}
    assert {t["taxonomy_detail"]["id"] for t in terms} == {target_group["id"]}
    parent = term_id(client, "intervention_type", "prevention_promotion")
    children = everything(client, "taxonomy_terms", parent_id=parent)
    assert {t["code"] for t in children} == {"counseling", "monitoring"}
    assert all(t["parent_id"] == parent for t in children)


def test_search_is_the_registry_search_in_chinese_and_english(client: TestClient) -> None:
    for q in ["抑郁", "心理", "counsel", "hotline"]:
        found = ids(everything(client, "services", search=q))
        assert found == v1_ids(client, "programs", q=q) | v1_ids(client, "hotlines", q=q), q
    depression = ids(everything(client, "services", search="抑郁"))
    assert depression >= {
        v1_id(client, "programs/qinghe-duguo-qingchun-hao"),
        v1_id(client, "programs/yingjiang-sunshine-youth-without-depression"),
    }
    hotline = ids(everything(client, "services", search="hotline"))
    assert v1_id(client, "hotlines/lianai-huxin-hotline") in hotline
    assert v1_id(client, "hotlines/cps-sci-tech-workers-hotline") in hotline
    # Traditional characters find the simplified name.
    orgs = everything(client, "organizations", search="青睞")
    assert ids(orgs) == {
        v1_id(client, "organizations/shenzhen-longgang-qinglai-youth-development-center")
    }
    henan = everything(client, "service_at_locations", search="Henan")
    assert [s["location"]["external_identifier"] for s in henan] == [
        "cps-evt-henan-provincial-detachment"
    ]


def test_search_on_taxonomies_and_terms(client: TestClient) -> None:
    left_behind = everything(client, "taxonomy_terms", search="留守")
    assert "left_behind" in {t["code"] for t in left_behind}
    counsel = {t["code"] for t in everything(client, "taxonomy_terms", search="counsel")}
    assert {"counseling", "case_counselling", "group_counselling"} <= counsel
    for term in everything(client, "taxonomy_terms", search="counsel"):
        text = f"{term['code']} {term['name']} {term['description']}".replace("_", " ").lower()
        assert " counsel" in f" {text}", term
    vocabularies = get(client, "/api/v1/vocabularies")

    def says(row: dict[str, Any]) -> bool:
        return "服务" in row["label_zh"] + (row["description_zh"] or "")

    with_service = {t["id"] for v in vocabularies for t in v["terms"] if says(t)}
    assert with_service
    assert ids(everything(client, "taxonomy_terms", search="服务")) == with_service
    taxonomies = everything(client, "taxonomies", search="服务")
    named = {v["label_en"] for v in vocabularies if says(v)}
    assert {t["name"] for t in taxonomies} == named
    assert {"Target group", "Service setting", "Service station kind", "Service network"} <= named


def test_organization_id(client: TestClient) -> None:
    sunshine = v1_id(client, "organizations/beijing-new-sunshine-charity-foundation")
    found = everything(client, "services", organization_id=sunshine)
    assert ids(found) == {
        v1_id(client, "programs/lianai-huxin"),
        v1_id(client, "hotlines/lianai-huxin-hotline"),
    }
    assert {s["organization_id"] for s in found} == {sunshine}
    cps = v1_id(client, "organizations/chinese-psychological-society")
    assert ids(everything(client, "services", organization_id=cps)) == v1_ids(
        client, "programs", organization_id=cps
    ) | v1_ids(client, "hotlines", operator_id=cps)
    assert len(everything(client, "service_at_locations", organization_id=cps)) == 11
    assert everything(client, "service_at_locations", organization_id=sunshine) == []


def test_taxonomy_term_id_includes_sub_terms(client: TestClient) -> None:
    left_behind = term_id(client, "target_group", "left_behind")
    found = everything(client, "services", taxonomy_term_id=left_behind)
    assert ids(found) == v1_ids(client, "programs", target_group="left_behind")
    assert len(found) >= 2
    prevention = term_id(client, "intervention_type", "prevention_promotion")
    broad = ids(everything(client, "services", taxonomy_term_id=prevention))
    assert broad == v1_ids(client, "programs", intervention_type="prevention_promotion")
    assert v1_id(client, "programs/lianai-huxin") in broad  # counselling is a sub-type
    shanxi = everything(
        client, "service_at_locations", taxonomy_term_id=term_id(client, "province", "CN-SX")
    )
    assert [s["location"]["external_identifier"] for s in shanxi] == [
        "cps-evt-shanxi-provincial-detachment"
    ]
    assert everything(client, "services", taxonomy_term_id=str(uuid.uuid4())) == []


def test_taxonomy_id(client: TestClient) -> None:
    programs = get(client, "/api/v1/programs", limit=500)["items"]
    with_target_groups = {p["id"] for p in programs if p["target_groups"]}
    assert 0 < len(with_target_groups) < len(programs)
    found = everything(client, "services", taxonomy_id=taxonomy_id(client, "target_group"))
    assert ids(found) == with_target_groups
    kinds = everything(
        client, "service_at_locations", taxonomy_id=taxonomy_id(client, "station_kind")
    )
    assert len(kinds) == 11
    assert (
        everything(client, "service_at_locations", taxonomy_id=taxonomy_id(client, "target_group"))
        == []
    )


def test_modified_after(client: TestClient) -> None:
    every = everything(client, "services")
    stamps = sorted({datetime.fromisoformat(s["last_modified"]) for s in every})
    middle = stamps[len(stamps) // 2]
    expected = {s["id"] for s in every if datetime.fromisoformat(s["last_modified"]) >= middle}
    assert 0 < len(expected) < len(every)
    assert ids(everything(client, "services", modified_after=middle.isoformat())) == expected
    # The same instant with China's offset, and without one (read as UTC).
    china = middle.astimezone(timezone(timedelta(hours=8)))
    assert ids(everything(client, "services", modified_after=china.isoformat())) == expected
    naive = middle.replace(tzinfo=None).isoformat()
    assert ids(everything(client, "services", modified_after=naive)) == expected
    future = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    assert everything(client, "services", modified_after=future) == []
    assert len(everything(client, "service_at_locations", modified_after="2000-01-01")) == 11


def test_filters_combine_with_and(client: TestClient) -> None:
    cps = v1_id(client, "organizations/chinese-psychological-society")
    parents = term_id(client, "target_group", "parents")
    by_org = ids(everything(client, "services", organization_id=cps))
    by_search = ids(everything(client, "services", search="school"))
    by_term = ids(everything(client, "services", taxonomy_term_id=parents))
    both = ids(everything(client, "services", organization_id=cps, search="school"))
    assert both == by_org & by_search
    assert both and both < by_org and both < by_search
    all_three = everything(
        client, "services", organization_id=cps, search="school", taxonomy_term_id=parents
    )
    assert ids(all_three) == by_org & by_search & by_term
    guangdong = term_id(client, "province", "CN-GD")
    sal = everything(
        client, "service_at_locations", organization_id=cps, taxonomy_term_id=guangdong
    )
    assert [s["location"]["external_identifier"] for s in sal] == [
        "cps-evt-guangdong-provincial-detachment"
    ]


@pytest.mark.parametrize("name", LIST_IDS)
@pytest.mark.parametrize("batch", [1000, 4], ids=["one-batch", "keyset-batches"])
def test_ndjson_streams_every_item(
    client: TestClient, monkeypatch: pytest.MonkeyPatch, name: str, batch: int
) -> None:
    monkeypatch.setattr("registry.api.hsds.EXPORT_BATCH", batch)
    for params in ({}, {"search": "psych"}):  # by name, and by relevance
        response = client.get(f"/hsds/{name}", params={"format": "ndjson", **params})
        assert response.status_code == 200
        assert response.headers["content-type"] == NDJSON
        lines = [json.loads(line) for line in response.text.splitlines()]
        assert lines == everything(client, name, **params)


def test_ndjson_keeps_filters_and_refuses_paging(client: TestClient) -> None:
    left_behind = term_id(client, "target_group", "left_behind")
    response = client.get(
        "/hsds/services", params={"taxonomy_term_id": left_behind}, headers={"Accept": NDJSON}
    )
    assert response.headers["content-type"] == NDJSON
    lines = [json.loads(line) for line in response.text.splitlines()]
    assert lines == everything(client, "services", taxonomy_term_id=left_behind)
    refused = client.get("/hsds/services", params={"format": "ndjson", "page": 2})
    assert_problem(refused, 422, "page")


@pytest.mark.parametrize("name", LIST_IDS)
def test_unknown_id_is_404_and_a_malformed_one_422(client: TestClient, name: str) -> None:
    unknown = uuid.uuid4()
    body = assert_problem(client.get(f"/hsds/{name}/{unknown}"), 404)
    assert str(unknown) in body["detail"]
    assert_problem(client.get(f"/hsds/{name}/lianai-huxin"), 422, "id")


@pytest.mark.parametrize(
    ("params", "param"),
    [
        ({"page": 0}, "page"),
        ({"page": -1}, "page"),
        ({"page": "two"}, "page"),
        ({"per_page": 0}, "per_page"),
        ({"per_page": 501}, "per_page"),
        ({"format": "xml"}, "format"),
        ({"organization_id": "chinese-psychological-society"}, "organization_id"),
        ({"taxonomy_term_id": "left_behind"}, "taxonomy_term_id"),
        ({"modified_after": "0"}, "modified_after"),
        ({"modified_after": "yesterday"}, "modified_after"),
        ({"search": "!!!"}, "search"),
        ({"search": "x" * 201}, "search"),
        ({"q": "留守"}, "q"),
    ],
)
def test_bad_parameters_are_422(client: TestClient, params: dict[str, Any], param: str) -> None:
    assert_problem(client.get("/hsds/services", params=params), 422, param)


def test_per_page_is_capped_at_500(client: TestClient) -> None:
    body = get(client, "/hsds/taxonomy_terms", per_page=500)
    assert body["size"] == body["total_items"] > 200
    assert_problem(client.get("/hsds/taxonomy_terms", params={"per_page": 501}), 422, "per_page")


# Per request: the request's vocabulary and sources, a count and the page of keys for lists,
# then one query per table the items draw on, however many items there are.
STATEMENT_BUDGET = 10


@pytest.mark.parametrize("name", LIST_IDS)
def test_statements_do_not_grow_with_the_page(
    client: TestClient, count_statements: Callable[[], list[str]], name: str
) -> None:
    def statements(path: str, **params: Any) -> int:
        before = len(count_statements())
        get(client, path, **params)
        return len(count_statements()) - before

    items = len(everything(client, name))
    assert items > STATEMENT_BUDGET
    whole = statements(f"/hsds/{name}", per_page=500)
    assert whole <= STATEMENT_BUDGET, "a query per item"
    for item in everything(client, name)[:3]:
        assert statements(f"/hsds/{name}/{item['id']}") <= STATEMENT_BUDGET


def test_seeded_records_carry_their_seed_history(client: TestClient) -> None:
    program = get(client, "/api/v1/programs/lianai-huxin")
    metadata = get(client, f"/hsds/services/{program['id']}")["metadata"]
    assert metadata
    assert {m["last_action_type"] for m in metadata} == {"create"}
    assert {m["updated_by"] for m in metadata} == {"seed"}
    assert {m["resource_id"] for m in metadata} == {program["id"]}
    assert {m["resource_type"] for m in metadata} == {"service"}
    assert len({m["id"] for m in metadata}) == len(metadata)
    name = next(m for m in metadata if m["field_name"] == "name_en")
    assert (name["previous_value"], name["replacement_value"]) == ("", program["name_en"])
    term = get(client, f"/hsds/taxonomy_terms/{term_id(client, 'intervention_type', 'counseling')}")
    parent = next(m for m in term["metadata"] if m["field_name"] == "parent")
    assert parent["replacement_value"] == "prevention_promotion"


@pytest.fixture
def writable(write_db: WriteDatabase) -> Iterator[tuple[TestClient, Tokens]]:
    """A seeded database of the test's own, for tests that write."""
    app = create_app(Settings(database_url=write_db.url, environment="test"))
    with TestClient(app) as api:
        yield api, write_db.tokens


def test_a_patch_shows_in_metadata_and_modified_after(writable: tuple[TestClient, Tokens]) -> None:
    api, tokens = writable
    path = "/api/v1/programs/lianai-huxin"
    before = get(api, path)
    since = datetime.now(UTC)
    response = api.patch(
        path,
        json={
            "name_en": "Lian'ai Huxin counselling line",
            "target_groups": ["adolescents", "rural"],
        },
        headers=tokens.headers(**{"If-Match": api.get(path).headers["etag"]}),
    )
    assert response.status_code == 200, response.text
    detail = api.get(f"/hsds/services/{before['id']}")
    service = detail.json()
    assert service["name"] == "Lian'ai Huxin counselling line"
    assert datetime.fromisoformat(service["last_modified"]) >= since
    updates = [m for m in service["metadata"] if m["last_action_type"] == "update"]
    assert {m["field_name"] for m in updates} == {"name_en", "target_groups"}
    assert {m["updated_by"] for m in updates} == {"test-editor"}
    name = next(m for m in updates if m["field_name"] == "name_en")
    assert name["previous_value"] == before["name_en"]
    assert name["replacement_value"] == "Lian'ai Huxin counselling line"
    groups = next(m for m in updates if m["field_name"] == "target_groups")
    assert json.loads(groups["previous_value"]) == [t["code"] for t in before["target_groups"]]
    assert sorted(json.loads(groups["replacement_value"])) == ["adolescents", "rural"]
    assert datetime.fromisoformat(name["last_action_date"]) >= since
    assert service["metadata"][-len(updates) :] == updates  # oldest first
    # The token's name is shown, never the token.
    assert tokens.editor not in detail.text
    assert tokens.admin not in detail.text
    changed = everything(api, "services", modified_after=since.isoformat())
    assert ids(changed) == {before["id"]}


def test_a_term_patch_shows_in_taxonomy_term_metadata(writable: tuple[TestClient, Tokens]) -> None:
    api, tokens = writable
    path = "/api/v1/vocabularies/target_group/terms/left_behind"
    term = get(api, path)
    response = api.patch(
        path,
        json={"label_en": "Children left behind"},
        headers=tokens.headers(**{"If-Match": api.get(path).headers["etag"]}),
    )
    assert response.status_code == 200, response.text
    hsds_term = get(api, f"/hsds/taxonomy_terms/{term['id']}")
    assert hsds_term["name"] == "Children left behind"
    update = hsds_term["metadata"][-1]
    assert (update["last_action_type"], update["field_name"], update["updated_by"]) == (
        "update",
        "label_en",
        "test-editor",
    )
    assert (update["previous_value"], update["replacement_value"]) == (
        term["label_en"],
        "Children left behind",
    )


def test_a_deleted_service_is_gone(writable: tuple[TestClient, Tokens]) -> None:
    api, tokens = writable
    path = "/api/v1/hotlines/lianai-huxin-hotline"
    hotline = get(api, path)
    response = api.delete(
        path, headers=tokens.headers("admin", **{"If-Match": api.get(path).headers["etag"]})
    )
    assert response.status_code == 204, response.text
    assert_problem(api.get(f"/hsds/services/{hotline['id']}"), 410)
    assert hotline["id"] not in ids(everything(api, "services"))
