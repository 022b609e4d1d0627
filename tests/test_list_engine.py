"""The list engine: it does only the work its path needs (a page the match index answers
builds no filter SQL), and a range filter through a link (on a related record's column)
answers alike in SQL, in facets and off the match index.

No `from __future__ import annotations`: FastAPI reads the test route's annotations.
"""

from collections.abc import Iterator
from typing import Annotated, Any

import pytest
from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import Response
from fastapi.testclient import TestClient
from sqlalchemy import select

from registry.api import programs
from registry.api.app import create_app
from registry.api.deps import ReadDep, reads
from registry.api.filters import FilterSet, RangeFilter
from registry.api.listing import list_response
from registry.api.listing.params import ListRequest, ListRequestDependency
from registry.api.matchindex import MatchIndex
from registry.api.routes import add_facets_route
from registry.config import Settings
from registry.models import Organization, Program
from tests.admin_support import Tokens
from tests.conftest import WriteDatabase

FILTERED = {"target_group": "left_behind", "setting": "school", "count": "exact"}


def test_filter_sql_is_built_only_on_the_sql_path(
    backend: str, client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = client.get("/api/v1/programs", params={**FILTERED, "limit": 500}).json()
    assert expected["total"] > 0  # also warms the match index
    slugs = {p["slug"] for p in expected["items"]}

    calls: list[Any] = []
    original = FilterSet.conditions

    def spy(self: FilterSet, *args: Any, **kwargs: Any) -> Any:
        calls.append(self.entity.name)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(FilterSet, "conditions", spy)
    page = client.get("/api/v1/programs", params={**FILTERED, "limit": 2}).json()
    assert page["total"] == expected["total"]
    assert {p["slug"] for p in page["items"]} <= slugs
    if backend == "sqlite":
        assert calls == []  # answered by the match index
    else:
        assert calls == ["program"]  # built once, for the page and its count


FOUNDED = FilterSet(
    entity=programs.FILTERS.entity,
    filters=[
        *programs.FILTERS.filters,
        RangeFilter(
            "organization_founded_year",
            Organization.founded_year,
            "Year the running organization was founded",
            2010,
            facet=True,
            owner=Program.id,
            # Organizations without a founded year give NULL keys, which match no range.
            link=lambda: select(
                Program.id.label("owner_id"), Organization.founded_year.label("key")
            ).join(Organization, Organization.id == Program.organization_id),
        ),
    ],
    sorts=programs.FILTERS.sorts,
    default_sort=programs.FILTERS.default_sort,
    match_index=programs.FILTERS.match_index,
)
FoundedQuery = Annotated[ListRequest, Depends(ListRequestDependency(FOUNDED))]


def list_founded(ctx: ReadDep, request: Request, query: FoundedQuery) -> Response:
    return list_response(ctx, request, FOUNDED, query.filters, query.params, programs.ProgramItem)


def _mount(app: FastAPI) -> None:
    """/test/programs: the programs list plus the linked range, its index in place of the
    programs one (a superset of its filters)."""
    router = APIRouter(prefix="/test/programs")
    router.add_api_route("", reads(list_founded), methods=["GET"])
    add_facets_route(router, FOUNDED, "Facets.")
    app.include_router(router)
    if app.state.read_cache is not None:
        app.state.read_cache.indexes["program"] = MatchIndex(FOUNDED, depends=FOUNDED.match_index)


@pytest.fixture
def founded(write_db: WriteDatabase) -> Iterator[tuple[TestClient, TestClient, Tokens]]:
    tokens = write_db.tokens
    indexed = create_app(Settings(database_url=write_db.url, environment="test"))
    plain = create_app(Settings(database_url=write_db.url, environment="test"))
    plain.state.read_cache = None
    _mount(indexed)
    _mount(plain)
    with TestClient(indexed) as fast, TestClient(plain) as slow:
        yield fast, slow, tokens


def test_range_through_a_link_answers_alike_everywhere(
    founded: tuple[TestClient, TestClient, Tokens],
) -> None:
    fast, slow, tokens = founded
    organizations = fast.get("/api/v1/organizations", params={"limit": 500}).json()["items"]
    years: dict[str, int] = {}
    for index, org in enumerate(organizations[:30]):
        current = fast.get(f"/api/v1/organizations/{org['slug']}")
        year = 1995 + index % 25
        changed = fast.patch(
            f"/api/v1/organizations/{org['slug']}",
            json={"founded_year": year},
            headers=tokens.headers(**{"If-Match": current.headers["ETag"]}),
        )
        assert changed.status_code == 200, changed.text
        years[org["slug"]] = year
    everything = fast.get("/api/v1/programs", params={"limit": 500}).json()["items"]
    for low, high in ((2000, 2010), (None, 1999), (2015, None), (2010, 2010)):
        params: dict[str, Any] = {"limit": 500}
        if low is not None:
            params["organization_founded_year_min"] = low
        if high is not None:
            params["organization_founded_year_max"] = high
        expected = {
            p["slug"]
            for p in everything
            if (year := years.get(p["organization"]["slug"])) is not None
            and (low is None or year >= low)
            and (high is None or year <= high)
        }
        a = fast.get("/test/programs", params=params)
        b = slow.get("/test/programs", params=params)
        assert a.status_code == b.status_code == 200, a.text
        assert a.json() == b.json()
        assert {p["slug"] for p in a.json()["items"]} == expected
        assert a.json()["total"] == len(expected)
    facets = {"facet": ["organization_founded_year"], "setting": "school"}
    a = fast.get("/test/programs/facets", params=facets).json()
    assert a == slow.get("/test/programs/facets", params=facets).json()
    counted = {v["value"]: v["count"] for v in a["facets"]["organization_founded_year"]}
    schools = fast.get("/api/v1/programs", params={"setting": "school", "limit": 500}).json()
    by_year: dict[int, int] = {}
    for p in schools["items"]:
        if (year := years.get(p["organization"]["slug"])) is not None:
            by_year[year] = by_year.get(year, 0) + 1
    assert counted == by_year
