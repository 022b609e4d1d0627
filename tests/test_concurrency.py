"""Writes from many clients against several worker processes, as users run the API."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from tests.admin_support import Tokens, seeded_database, serve
from tests.conftest import DatabaseFactory

WORKERS = 4
CLIENTS = 20
INCREMENTS = 5


@pytest.fixture(scope="module")
def server(databases: DatabaseFactory) -> Iterator[tuple[str, Tokens]]:
    url = databases.new()
    tokens = seeded_database(url)
    yield from ((base, tokens) for base in serve(url, WORKERS))


def test_read_modify_write_loses_no_update(server: tuple[str, Tokens]) -> None:
    base, tokens = server
    path = f"{base}/api/v1/figures/prevalence-anxiety-primary-school"
    start = httpx.get(path).json()["value"]

    def client(_: int) -> int:
        conflicts = 0
        with httpx.Client(headers=tokens.headers(), timeout=60) as http:
            for _ in range(INCREMENTS):
                while True:
                    current = http.get(path)
                    response = http.patch(
                        path,
                        json={"value": current.json()["value"] + 1},
                        headers={"If-Match": current.headers["etag"]},
                    )
                    if response.status_code == 412:
                        conflicts += 1
                        continue
                    assert response.status_code == 200, response.text
                    break
        return conflicts

    with ThreadPoolExecutor(CLIENTS) as pool:
        conflicts = sum(pool.map(client, range(CLIENTS)))
    assert httpx.get(path).json()["value"] == start + CLIENTS * INCREMENTS
    history = httpx.get(f"{path}/history").json()
    versions = [h["version"] for h in history]
    assert len(versions) == len(set(versions)) == 1 + CLIENTS * INCREMENTS
    assert versions == sorted(versions)
    assert conflicts > 0  # the clients really did collide


def test_many_concurrent_writes_across_workers(server: tuple[str, Tokens]) -> None:
    """On SQLite: WAL, busy_timeout and BEGIN IMMEDIATE keep "database is locked" away."""
    base, tokens = server

    def create(i: int) -> int:
        body = {
            "slug": f"burst-{i}",
            "subject": "test.burst",
            "label_en": f"Burst {i}",
            "value": i,
            "unit": "people",
        }
        response = httpx.post(
            f"{base}/api/v1/figures", json=body, headers=tokens.headers(), timeout=60
        )
        assert "database is locked" not in response.text
        return response.status_code

    with ThreadPoolExecutor(50) as pool:
        statuses = list(pool.map(create, range(200)))
    assert statuses == [201] * 200
    listed = httpx.get(f"{base}/api/v1/figures", params={"subject": "test.burst"}).json()
    assert listed["total"] == 200


def test_idempotency_key_holds_across_workers(server: tuple[str, Tokens]) -> None:
    base, tokens = server
    body = {
        "slug": "once-only",
        "subject": "test.once",
        "label_en": "Once",
        "value": 1,
        "unit": "people",
    }
    headers = tokens.headers(**{"Idempotency-Key": "concurrent-create"})

    def post(_: int) -> tuple[int, str]:
        response = httpx.post(f"{base}/api/v1/figures", json=body, headers=headers, timeout=60)
        return response.status_code, response.json().get("id", "")

    with ThreadPoolExecutor(20) as pool:
        results = list(pool.map(post, range(20)))
    assert {status for status, _ in results} == {201}
    assert len({record for _, record in results}) == 1
    assert httpx.get(f"{base}/api/v1/figures", params={"subject": "test.once"}).json()["total"] == 1
