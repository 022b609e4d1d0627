"""The list engine does only the work its path needs: a page the match index answers never
builds the filters' SQL conditions; the SQL path (PostgreSQL, or no index) builds them."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from registry.api.filters import FilterSet
from tests.conftest import BACKEND

FILTERED = {"target_group": "left_behind", "setting": "school", "count": "exact"}


def test_filter_sql_is_built_only_on_the_sql_path(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
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
    if BACKEND == "sqlite":
        assert calls == []  # answered by the match index
    else:
        assert calls == ["program"]  # built once, for the page and its count
