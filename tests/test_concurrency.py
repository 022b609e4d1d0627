"""Writes from many clients against several worker processes, as users run the API.

Every outcome here is asserted whatever the machine's load: the bursts also run beside a
CPU-burning helper that keeps every core busy.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

import httpx
import pytest

from tests.admin_support import Tokens, cpu_burner, serve
from tests.conftest import WriteDatabase

WORKERS = 4
CLIENTS = 12
INCREMENTS = 20
BURST = 200
TIMEOUT = 300  # generous: the assertions are about outcomes, not speed


@pytest.fixture
def server(write_db: WriteDatabase) -> Iterator[tuple[str, Tokens]]:
    """A server of this test's own, on its own database."""
    yield from ((base, write_db.tokens) for base in serve(write_db.url, WORKERS))


def _read_modify_write(base: str, tokens: Tokens) -> None:
    path = f"{base}/api/v1/figures/prevalence-anxiety-primary-school"
    start = httpx.get(path).json()["value"]
    statuses: list[int] = []

    def client(_: int) -> int:
        conflicts = 0
        with httpx.Client(headers=tokens.headers(), timeout=TIMEOUT) as http:
            for _ in range(INCREMENTS):
                while True:
                    current = http.get(path)
                    response = http.patch(
                        path,
                        json={"value": current.json()["value"] + 1},
                        headers={"If-Match": current.headers["etag"]},
                    )
                    statuses.append(response.status_code)
                    if response.status_code == 412:
                        conflicts += 1
                        continue
                    assert response.status_code == 200, response.text
                    break
        return conflicts

    with ThreadPoolExecutor(CLIENTS) as pool:
        conflicts = sum(pool.map(client, range(CLIENTS)))
    assert set(statuses) <= {200, 412}
    assert httpx.get(path).json()["value"] == start + CLIENTS * INCREMENTS
    history = httpx.get(f"{path}/history").json()
    versions = [h["version"] for h in history]
    assert len(versions) == len(set(versions))
    assert versions == sorted(versions)
    assert versions[-CLIENTS * INCREMENTS :] == list(
        range(versions[-1] - CLIENTS * INCREMENTS + 1, versions[-1] + 1)
    )
    assert conflicts > 0  # the clients really did collide


def test_read_modify_write_loses_no_update_on_a_busy_machine(
    server: tuple[str, Tokens],
) -> None:
    with cpu_burner():
        _read_modify_write(*server)


def _figure(slug: str, subject: str, value: int) -> dict[str, object]:
    return {"slug": slug, "subject": subject, "label_en": slug, "value": value, "unit": "people"}


def _burst(base: str, tokens: Tokens, subject: str) -> None:
    def create(i: int) -> httpx.Response:
        body = _figure(f"{subject.replace('.', '-')}-{i}", subject, i)
        return httpx.post(
            f"{base}/api/v1/figures", json=body, headers=tokens.headers(), timeout=TIMEOUT
        )

    with ThreadPoolExecutor(BURST) as pool:
        responses = list(pool.map(create, range(BURST)))
    assert [r.status_code for r in responses] == [201] * BURST, {
        r.status_code: r.text for r in responses if r.status_code != 201
    }
    listed = httpx.get(f"{base}/api/v1/figures", params={"subject": subject, "limit": 500})
    assert listed.json()["total"] == BURST
    assert sorted(item["value"] for item in listed.json()["items"]) == list(range(BURST))


def test_concurrent_writes_across_workers_all_succeed(server: tuple[str, Tokens]) -> None:
    _burst(*server, "test.burst")


def test_concurrent_writes_on_a_busy_machine_all_succeed(server: tuple[str, Tokens]) -> None:
    with cpu_burner():
        _burst(*server, "test.busy")


def test_idempotency_key_holds_across_workers(server: tuple[str, Tokens]) -> None:
    base, tokens = server
    body = _figure("once-only", "test.once", 1)
    headers = tokens.headers(**{"Idempotency-Key": "concurrent-create"})

    def post(_: int) -> tuple[int, str]:
        response = httpx.post(f"{base}/api/v1/figures", json=body, headers=headers, timeout=60)
        return response.status_code, response.json().get("id", "")

    with ThreadPoolExecutor(20) as pool:
        results = list(pool.map(post, range(20)))
    assert {status for status, _ in results} == {201}
    assert len({record for _, record in results}) == 1
    assert httpx.get(f"{base}/api/v1/figures", params={"subject": "test.once"}).json()["total"] == 1


def test_slow_upload_does_not_hold_up_other_writes(server: tuple[str, Tokens]) -> None:
    """An import trickling in for 20 s: other writes go through while it is still sending."""
    base, tokens = server
    record = _figure("trickled-in", "test.trickle", 7)
    body = json.dumps([record]).encode()
    chunks = [body[i : i + max(1, len(body) // 20)] for i in range(0, len(body), len(body) // 20)]
    address = urlsplit(base)
    sent_all = threading.Event()
    reply: list[bytes] = []

    def upload() -> None:
        with socket.create_connection((address.hostname, address.port), timeout=TIMEOUT) as sock:
            head = (
                "POST /api/v1/import?entity=figures HTTP/1.1\r\n"
                f"Host: {address.netloc}\r\n"
                f"Authorization: Bearer {tokens.admin}\r\n"
                "Content-Type: application/json\r\n"
                f"Content-Length: {len(body)}\r\n"
                "Connection: close\r\n\r\n"
            )
            sock.sendall(head.encode())
            for chunk in chunks:
                time.sleep(20 / len(chunks))
                sock.sendall(chunk)
            sent_all.set()
            while data := sock.recv(65536):
                reply.append(data)

    uploader = threading.Thread(target=upload)
    uploader.start()
    try:
        time.sleep(1)  # the upload has begun and is holding its connection open
        for i in range(5):
            response = httpx.post(
                f"{base}/api/v1/figures",
                json=_figure(f"beside-trickle-{i}", "test.trickle", i),
                headers=tokens.headers(),
                timeout=TIMEOUT,
            )
            assert response.status_code == 201, response.text
            assert not sent_all.is_set(), "a write waited for the slow upload to finish"
    finally:
        uploader.join(timeout=TIMEOUT)
    status_line = b"".join(reply).split(b"\r\n", 1)[0]
    assert status_line == b"HTTP/1.1 200 OK", b"".join(reply)
    created = httpx.get(f"{base}/api/v1/figures/trickled-in")
    assert created.status_code == 200 and created.json()["value"] == 7


def test_slugs_made_at_once_across_workers_are_all_distinct(server: tuple[str, Tokens]) -> None:
    """Creates without a slug, all of one name, at once through every worker on a busy
    machine: each is acknowledged with a slug of its own, and every one is stored."""
    base, tokens = server
    count = 40
    body = {"name_zh": "同名机构", "kind": "foundation"}

    def create(_: int) -> httpx.Response:
        return httpx.post(
            f"{base}/api/v1/organizations", json=body, headers=tokens.headers(), timeout=TIMEOUT
        )

    with cpu_burner(), ThreadPoolExecutor(count) as pool:
        responses = list(pool.map(create, range(count)))
    assert [r.status_code for r in responses] == [201] * count, {
        r.status_code: r.text for r in responses if r.status_code != 201
    }
    made = sorted(r.json()["slug"] for r in responses)
    base_slug = "tong-ming-ji-gou"
    assert made == sorted([base_slug] + [f"{base_slug}-{n}" for n in range(2, count + 1)])
    for slug in made:
        read = httpx.get(f"{base}/api/v1/organizations/{slug}", timeout=TIMEOUT)
        assert read.status_code == 200 and read.json()["name_zh"] == "同名机构"
