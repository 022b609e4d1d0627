"""Bulk import, export and backup."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import orjson
import pytest
import yaml
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from registry import importing
from registry.cli import app as cli
from registry.config import get_settings
from tests.admin_support import Tokens
from tests.conftest import WriteDatabase, migrate

PROBLEM = "application/problem+json"

CSV = (
    "slug,name_zh,name_en,organization,target_groups,settings,partners,established_year\n"
    "csv-one,表格项目一,CSV one,guangdong-rici-foundation,migrant;parents,school,"
    "beijing-new-sunshine-charity-foundation:cooperating,2021\n"
    "csv-two,表格项目二,CSV two,guangdong-rici-foundation,,,,\n"
)


@pytest.fixture
def bulk_db(write_db: WriteDatabase) -> tuple[str, Tokens]:
    return write_db.url, write_db.tokens


def run_cli(url: str, monkeypatch: pytest.MonkeyPatch, *args: str) -> Any:
    monkeypatch.setenv("REGISTRY_DATABASE_URL", url)
    get_settings.cache_clear()
    try:
        return CliRunner().invoke(cli, list(args))
    finally:
        get_settings.cache_clear()


def test_csv_import_dry_run_then_real(api: TestClient, bulk_db: tuple[str, Tokens]) -> None:
    headers = bulk_db[1].headers("admin", **{"Content-Type": "text/csv"})
    dry = api.post(
        "/api/v1/import",
        params={"entity": "programs", "dry_run": True},
        content=CSV.encode(),
        headers=headers,
    )
    assert dry.status_code == 200, dry.text
    report = dry.json()
    assert report["dry_run"] is True and report["written"] is False
    assert [(r["row"], r["key"], r["outcome"]) for r in report["rows"]] == [
        (1, "csv-one", "created"),
        (2, "csv-two", "created"),
    ]
    assert api.get("/api/v1/programs/csv-one").status_code == 404
    real = api.post(
        "/api/v1/import", params={"entity": "programs"}, content=CSV.encode(), headers=headers
    )
    assert real.json()["written"] is True
    detail = api.get("/api/v1/programs/csv-one").json()
    assert [t["code"] for t in detail["target_groups"]] == ["migrant", "parents"]
    assert detail["partners"][0]["role"]["code"] == "cooperating"
    assert detail["established_year"] == 2021
    history = api.get("/api/v1/programs/csv-one/history").json()
    assert history[0]["actor"] == "test-admin"
    again = api.post(
        "/api/v1/import", params={"entity": "programs"}, content=CSV.encode(), headers=headers
    )
    assert again.json()["counts"] == {"created": 0, "updated": 0, "unchanged": 2, "error": 0}


def test_import_is_all_or_nothing(api: TestClient, bulk_db: tuple[str, Tokens]) -> None:
    rows = [
        {"slug": "json-good", "name_en": "Fine", "organization": "guangdong-rici-foundation"},
        {
            "slug": "json-bad",
            "name_en": "Broken",
            "organization": "guangdong-rici-foundation",
            "target_groups": ["nope"],
        },
        {
            "slug": "json-worse",
            "organization": "guangdong-rici-foundation",
            "established_year": 3000,
        },
    ]
    headers = bulk_db[1].headers("admin")
    dry = api.post(
        "/api/v1/import", params={"entity": "programs", "dry_run": True}, json=rows, headers=headers
    ).json()
    outcomes = {r["key"]: (r["outcome"], [e["field"] for e in r["errors"]]) for r in dry["rows"]}
    assert outcomes["json-bad"] == ("error", ["/target_groups/0"])
    assert outcomes["json-worse"][0] == "error"
    assert {"/name_en", "/established_year"} <= set(outcomes["json-worse"][1])
    real = api.post("/api/v1/import", params={"entity": "programs"}, json=rows, headers=headers)
    assert real.status_code == 422
    assert real.headers["content-type"] == PROBLEM
    names = {p["name"] for p in real.json()["invalid-params"]}
    assert "row 3/established_year" in names
    assert api.get("/api/v1/programs/json-good").status_code == 404
    editor = api.post(
        "/api/v1/import",
        params={"entity": "programs"},
        json=rows[:1],
        headers=bulk_db[1].headers("editor"),
    )
    assert editor.status_code == 403
    unknown = api.post("/api/v1/import", params={"entity": "sources"}, json=[], headers=headers)
    assert unknown.status_code == 422


def test_cli_import_reports_file_row_and_field(
    bulk_db: tuple[str, Tokens], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "programs.csv"
    path.write_text(
        CSV.replace("csv-", "cli-") + "cli-three,,Three,no-such-org,,,,\n", encoding="utf-8"
    )
    result = run_cli(bulk_db[0], monkeypatch, "import", str(path))
    assert result.exit_code == 1
    assert (
        f"{path}: row 3 (cli-three), field /organization: no organization 'no-such-org'"
        in result.output
    )
    assert "nothing was written" in result.output
    path.write_text(CSV.replace("csv-", "cli-"), encoding="utf-8")
    ok = run_cli(bulk_db[0], monkeypatch, "import", str(path))
    assert ok.exit_code == 0 and "created 2" in ok.output


def test_export_round_trip(
    api: TestClient,
    bulk_db: tuple[str, Tokens],
    fresh_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Records with partners and codes beside the seeded ones, so the round trip carries them.
    imported = api.post(
        "/api/v1/import",
        params={"entity": "programs"},
        content=CSV.encode(),
        headers=bulk_db[1].headers("admin", **{"Content-Type": "text/csv"}),
    )
    assert imported.json()["written"] is True, imported.text
    first = tmp_path / "first"
    assert run_cli(bulk_db[0], monkeypatch, "export", str(first)).exit_code == 0
    programs = yaml.safe_load((first / "programs.yaml").read_text(encoding="utf-8"))
    assert "csv-one" in {p["slug"] for p in programs}
    migrate(fresh_url)
    loaded = run_cli(fresh_url, monkeypatch, "seed", str(first))
    assert loaded.exit_code == 0, loaded.output
    second = tmp_path / "second"
    assert run_cli(fresh_url, monkeypatch, "export", str(second)).exit_code == 0
    files = sorted(p.relative_to(first) for p in first.rglob("*.yaml"))
    assert files == sorted(p.relative_to(second) for p in second.rglob("*.yaml"))
    for name in files:
        assert (first / name).read_text(encoding="utf-8") == (second / name).read_text(
            encoding="utf-8"
        ), name


def test_backup(
    backend: str, bulk_db: tuple[str, Tokens], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "backup.db"
    result = run_cli(bulk_db[0], monkeypatch, "db", "backup", str(target))
    if backend == "sqlite":
        assert result.exit_code == 0, result.output
        assert "integrity_check: ok" in result.output
        copy = sqlite3.connect(target)
        try:
            assert copy.execute("SELECT count(*) FROM programs").fetchone()[0] > 44
        finally:
            copy.close()
    else:
        assert result.exit_code == 2
        assert "pg_dump --format=custom" in result.output
        assert not target.exists()


def test_import_rows_for_existing_records_change_only_their_columns(
    api: TestClient, bulk_db: tuple[str, Tokens]
) -> None:
    headers = bulk_db[1].headers("admin", **{"Content-Type": "text/csv"})
    before = api.get("/api/v1/programs/lianai-huxin").json()
    csv_text = "slug,established_year\nlianai-huxin,2020\n"
    report = api.post(
        "/api/v1/import", params={"entity": "programs"}, content=csv_text.encode(), headers=headers
    )
    assert report.json()["counts"]["updated"] == 1, report.text
    after = api.get("/api/v1/programs/lianai-huxin").json()
    assert after["established_year"] == 2020
    for kept in ("description", "partners", "target_groups", "provenance", "name_zh"):
        assert after[kept] == before[kept], kept
    cleared = "slug,description_zh,description_en\nlianai-huxin,,\n"
    api.post(
        "/api/v1/import", params={"entity": "programs"}, content=cleared.encode(), headers=headers
    )
    assert api.get("/api/v1/programs/lianai-huxin").json()["description"] is None
    empty = api.post(
        "/api/v1/import", params={"entity": "programs"}, content=b"slug,name_en\n", headers=headers
    )
    assert empty.status_code == 422
    assert empty.json()["detail"] == "the upload has no rows"


def test_batched_and_one_by_one_creates_store_the_same_record_and_history(
    api: TestClient, bulk_db: tuple[str, Tokens]
) -> None:
    """New rows are written set-based (bulk.py), a POST one at a time (writes.apply)."""
    headers = bulk_db[1].headers("admin")
    row = {
        "name_zh": "对照项目",
        "name_en": "Twin",
        "organization": "guangdong-rici-foundation",
        "partners": [
            {"organization": "beijing-new-sunshine-charity-foundation", "role": "cooperating"}
        ],
        "intervention_type": "prevention_promotion",
        "target_groups": ["parents", "left_behind", "migrant"],
        "settings": ["school"],
        "provinces": ["CN-YN"],
        "established_year": 2021,
        "aliases": ["双胞胎"],
        "description_en": "留守儿童 teacher",
        "source": "rici-mapping-2024",
        "locator_en": "table 1",
    }
    imported = api.post(
        "/api/v1/import",
        params={"entity": "programs"},
        json=[{**row, "slug": "twin-batched"}],
        headers=headers,
    )
    assert imported.status_code == 200, imported.text
    posted = api.post("/api/v1/programs", json={**row, "slug": "twin-posted"}, headers=headers)
    assert posted.status_code == 201, posted.text

    def stored(slug: str) -> tuple[Any, Any]:
        body = api.get(f"/api/v1/programs/{slug}").json()
        history = api.get(f"/api/v1/programs/{slug}/history").json()
        volatile = ("id", "slug", "created_at", "updated_at")
        return (
            {k: v for k, v in body.items() if k not in volatile},
            [
                (h["action"], {k: v for k, v in h["changes"].items() if k != "slug"})
                for h in history
            ],
        )

    assert stored("twin-batched") == stored("twin-posted")
    found = api.get("/api/v1/programs", params={"q": "对照", "limit": 5}).json()
    assert {p["slug"] for p in found["items"]} == {"twin-batched", "twin-posted"}


def test_ndjson_import_streams_and_stays_all_or_nothing(
    api: TestClient, bulk_db: tuple[str, Tokens], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rows past the first batch of 5,000 are checked too; one bad row writes nothing."""
    path = tmp_path / "programs.ndjson"
    rows = [
        {"slug": f"nd-{i}", "name_en": f"ND {i}", "organization": "guangdong-rici-foundation"}
        for i in range(5_200)
    ]
    rows[5_100]["settings"] = ["nowhere"]
    path.write_bytes(b"\n".join(orjson.dumps(r) for r in rows) + b"\n")
    failed = run_cli(bulk_db[0], monkeypatch, "import", str(path))
    assert failed.exit_code == 1
    assert f"{path}: row 5101 (nd-5100), field /settings/0: unknown code 'nowhere'" in (
        failed.output.replace("\n", "")
    )
    assert api.get("/api/v1/programs/nd-0").status_code == 404  # the first batch rolled back
    del rows[5_100]["settings"]
    path.write_bytes(b"\n".join(orjson.dumps(r) for r in rows) + b"\n")
    ok = run_cli(bulk_db[0], monkeypatch, "import", str(path))
    assert ok.exit_code == 0 and "created 5200" in ok.output
    assert api.get("/api/v1/programs", params={"q": "ND 5199"}).json()["total"] >= 1
    path.write_text('{"slug": "x"\n', encoding="utf-8")
    broken = run_cli(bulk_db[0], monkeypatch, "import", str(path))
    assert broken.exit_code == 1 and "line 1 is not JSON" in broken.output


def test_large_import_indexes_every_row_and_restores_its_triggers(
    api: TestClient, bulk_db: tuple[str, Tokens], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past its first batch an import computes pinyin keys and tokens in worker processes
    and indexes its search documents at the end; every row must come out as a POST would."""
    monkeypatch.setattr(importing, "BATCH", 3)
    words = ["海燕", "安宁", "春晖", "兰心", "北辰", "金穗", "东篱", "芳草", "高远", "恩泽"]
    rows = [
        {
            "slug": f"big-{i}",
            "name_zh": f"{word}计划",
            "name_en": f"Big {i}",
            "organization": "guangdong-rici-foundation",
            "target_groups": ["left_behind"],
            "description_en": f"quokka {word}",
        }
        for i, word in enumerate(words)
    ]
    path = tmp_path / "programs.ndjson"
    path.write_bytes(b"\n".join(orjson.dumps(r) for r in rows) + b"\n")
    done = run_cli(bulk_db[0], monkeypatch, "import", str(path))
    assert done.exit_code == 0 and "created 10" in done.output, done.output
    for i, word in enumerate(words):
        found = api.get("/api/v1/programs", params={"q": word}).json()
        assert [p["slug"] for p in found["items"]] == [f"big-{i}"]
    by_pinyin = api.get("/api/v1/programs", params={"q": "quokka", "sort": "name_zh"}).json()
    assert [p["name_zh"][:2] for p in by_pinyin["items"]] == [
        "安宁", "北辰", "春晖", "东篱", "恩泽", "芳草", "高远", "海燕", "金穗", "兰心"
    ]  # fmt: skip
    assert api.get("/api/v1/programs/big-4/history").json()[0]["action"] == "create"
    headers = bulk_db[1].headers("admin")
    path_4 = "/api/v1/programs/big-4"
    etag = api.get(path_4).headers["etag"]
    renamed = api.patch(
        path_4, json={"description_en": "wombat"}, headers={**headers, "If-Match": etag}
    )
    assert renamed.status_code == 200, renamed.text
    assert api.get("/api/v1/programs", params={"q": "quokka"}).json()["total"] == 9
    wombat = api.get("/api/v1/programs", params={"q": "wombat"}).json()["items"]
    assert [p["slug"] for p in wombat] == ["big-4"]
    posted = api.post(
        "/api/v1/programs",
        json={**rows[0], "slug": "after-big", "description_en": "numbat"},
        headers=headers,
    )
    assert posted.status_code == 201, posted.text
    assert api.get("/api/v1/programs", params={"q": "numbat"}).json()["total"] == 1
    if bulk_db[0].startswith("sqlite"):
        with sqlite3.connect(bulk_db[0].removeprefix("sqlite:///")) as conn:
            for key in ("program", "organization"):
                fts = f"search_fts_{key}"
                conn.execute(f"INSERT INTO {fts}({fts}) VALUES ('integrity-check')")
            triggers = conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
            names = {t for (t,) in triggers}
            assert {"search_documents_ai_program", "search_documents_au_program"} <= names
