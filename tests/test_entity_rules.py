"""An entity's own rule (its spec's `check`) holds at every door: POST, PATCH, bulk and
one-by-one import, and the seed loader. The rule here: a program's running organization
is not also listed among its partners."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from registry.api.app import create_app
from registry.config import Settings
from registry.db import make_engine, make_sessionmaker
from registry.seeding.loader import SeedError, load_seeds
from tests.admin_support import Tokens
from tests.conftest import SEEDS, WriteDatabase, migrate

RUNNER = "beijing-qiaoai-charity-foundation"
PROGRAM = "qiaoai-xinling-fangyingshi"
POINTER = "/partners/0/organization"


@pytest.fixture
def site(write_db: WriteDatabase) -> Iterator[tuple[TestClient, Tokens]]:
    app = create_app(Settings(database_url=write_db.url, environment="test"))
    with TestClient(app) as client:
        yield client, write_db.tokens


def _program(slug: str, partner: str) -> dict[str, object]:
    return {
        "slug": slug,
        "name_en": "Self-partnered",
        "organization": RUNNER,
        "partners": [{"organization": partner, "role": "cooperating"}],
    }


def test_post_and_patch_refuse_the_runner_as_partner(site: tuple[TestClient, Tokens]) -> None:
    api, tokens = site
    posted = api.post(
        "/api/v1/programs", json=_program("self-partnered", RUNNER), headers=tokens.headers()
    )
    assert posted.status_code == 422
    assert posted.headers["content-type"] == "application/problem+json"
    assert [p["name"] for p in posted.json()["invalid-params"]] == [POINTER]
    assert api.get("/api/v1/programs/self-partnered").status_code == 404

    current = api.get(f"/api/v1/programs/{PROGRAM}")
    patched = api.patch(
        f"/api/v1/programs/{PROGRAM}",
        json={"partners": [{"organization": RUNNER, "role": "cooperating"}]},
        headers=tokens.headers(**{"If-Match": current.headers["ETag"]}),
    )
    assert patched.status_code == 422
    assert [p["name"] for p in patched.json()["invalid-params"]] == [POINTER]
    assert api.get(f"/api/v1/programs/{PROGRAM}").json()["partners"] == []
    # Another organization as partner is fine.
    fine = api.post(
        "/api/v1/programs",
        json=_program("other-partnered", "guangdong-rici-foundation"),
        headers=tokens.headers(),
    )
    assert fine.status_code == 201, fine.text


def test_import_refuses_it_on_the_bulk_and_the_one_by_one_path(
    site: tuple[TestClient, Tokens],
) -> None:
    api, tokens = site
    runner_id = api.get(f"/api/v1/organizations/{RUNNER}").json()["id"]
    rows = [
        _program("imported-fine", "guangdong-rici-foundation"),
        _program("imported-by-key", RUNNER),  # natural keys: the set-based path
        {**_program("imported-by-id", runner_id), "organization": runner_id},  # one by one
    ]
    answer = api.post(
        "/api/v1/import",
        params={"entity": "programs", "dry_run": True},
        json=rows,
        headers=tokens.headers("admin"),
    )
    outcomes = {
        r["key"]: (r["outcome"], [e["field"] for e in r["errors"]]) for r in answer.json()["rows"]
    }
    assert outcomes == {
        "imported-fine": ("created", []),
        "imported-by-key": ("error", [POINTER]),
        "imported-by-id": ("error", [POINTER]),
    }
    real = api.post(
        "/api/v1/import", params={"entity": "programs"}, json=rows, headers=tokens.headers("admin")
    )
    assert real.status_code == 422
    assert {p["name"] for p in real.json()["invalid-params"]} == {
        f"row 2{POINTER}",
        f"row 3{POINTER}",
    }
    assert api.get("/api/v1/programs/imported-fine").status_code == 404


def test_seed_loader_names_file_row_and_field(fresh_url: str, tmp_path: Path) -> None:
    seeds = tmp_path / "seeds"
    shutil.copytree(SEEDS, seeds)
    programs = seeds / "programs.yaml"
    text = programs.read_text(encoding="utf-8")
    old = f"  organization: {RUNNER}\n  partners: []\n"
    assert old in text
    new = (
        f"  organization: {RUNNER}\n"
        f"  partners:\n  - organization: {RUNNER}\n    role: cooperating\n"
    )
    programs.write_text(text.replace(old, new, 1), encoding="utf-8")
    migrate(fresh_url)
    engine = make_engine(fresh_url)
    try:
        with pytest.raises(SeedError) as caught:
            load_seeds(make_sessionmaker(engine), seeds)
    finally:
        engine.dispose()
    problem = next(p for p in caught.value.problems if "programs.yaml" in p)
    assert "programs.yaml:9: row 1 (qiaoai-xinling-fangyingshi)" in problem
    assert "field partners.0.organization" in problem
    assert "running organization" in problem
