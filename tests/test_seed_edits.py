"""`registry seed` keeps what admins changed since the last seed (three-way merge)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from registry.api.app import create_app
from registry.config import Settings
from tests.admin_support import Tokens
from tests.conftest import SEEDS, WriteDatabase
from tests.test_seed_loader import run_cli

PROGRAM = "/api/v1/programs/lianai-huxin"
OTHER = "/api/v1/programs/jiangjin-jinxin-huwei"


@pytest.fixture
def site(write_db: WriteDatabase) -> Iterator[tuple[str, Tokens, TestClient]]:
    """The test's own seeded database, and the API on it."""
    app = create_app(Settings(database_url=write_db.url, environment="test"))
    with TestClient(app) as client:
        yield write_db.url, write_db.tokens, client
    app.state.engine.dispose()


@pytest.fixture
def seeds(tmp_path: Path) -> Path:
    target = tmp_path / "seeds"
    shutil.copytree(SEEDS, target)
    return target


def _edit_file(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _patch(client: TestClient, tokens: Tokens, path: str, body: dict[str, Any]) -> None:
    etag = client.get(path).headers["etag"]
    response = client.patch(path, json=body, headers=tokens.headers(**{"If-Match": etag}))
    assert response.status_code == 200, response.text


def _seed(url: str, seeds: Path, monkeypatch: pytest.MonkeyPatch, *flags: str) -> Any:
    return run_cli(url, "seed", str(seeds), *flags, monkeypatch=monkeypatch)


def test_admin_edit_survives_a_reseed_and_file_changes_still_apply(
    site: tuple[str, Tokens, TestClient], seeds: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url, tokens, client = site
    _patch(client, tokens, PROGRAM, {"settings": ["online"]})
    _edit_file(
        seeds / "programs.yaml",
        "name_en: 'Jinxin Huwei: crisis-intervention service for children in difficulty'",
        "name_en: 'Jinxin Huwei: crisis intervention for children in difficulty'",
    )

    result = _seed(url, seeds, monkeypatch)
    assert result.exit_code == 0, result.output
    assert "kept: program 'lianai-huxin': edited since the last seed (settings); kept" in (
        result.output
    )
    program = client.get(PROGRAM).json()
    assert [s["code"] for s in program["settings"]] == ["online"]
    history = client.get(f"{PROGRAM}/history").json()
    assert history[-1]["actor"] == "test-editor"  # the seed wrote nothing over the edit
    other = client.get(OTHER).json()
    assert other["name_en"] == "Jinxin Huwei: crisis intervention for children in difficulty"
    assert client.get(f"{OTHER}/history").json()[-1]["actor"] == "seed"

    again = _seed(url, seeds, monkeypatch)
    assert again.exit_code == 0
    assert "conflict:" not in again.output
    assert [s["code"] for s in client.get(PROGRAM).json()["settings"]] == ["online"]


def test_both_sides_changed_keeps_the_database_and_reports_a_conflict(
    site: tuple[str, Tokens, TestClient], seeds: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url, tokens, client = site
    _patch(client, tokens, PROGRAM, {"name_en": "Lian'ai Huxin (admin's name)"})
    _edit_file(
        seeds / "programs.yaml",
        "name_en: Lian'ai Huxin youth counselling",
        "name_en: Lian'ai Huxin counselling for young people",
    )

    result = _seed(url, seeds, monkeypatch)
    assert result.exit_code == 0, result.output
    assert (
        "conflict: program 'lianai-huxin', field name_en: the file says "
        '"Lian\'ai Huxin counselling for young people", the database says '
        "\"Lian'ai Huxin (admin's name)\""
    ) in " ".join(result.output.split())
    assert client.get(PROGRAM).json()["name_en"] == "Lian'ai Huxin (admin's name)"

    # Reported again until resolved, and --strict turns it into a failure.
    strict = _seed(url, seeds, monkeypatch, "--strict")
    assert strict.exit_code == 3
    assert "conflict: program 'lianai-huxin'" in strict.output
    assert client.get(PROGRAM).json()["name_en"] == "Lian'ai Huxin (admin's name)"

    forced = _seed(url, seeds, monkeypatch, "--force")
    assert forced.exit_code == 0, forced.output
    assert client.get(PROGRAM).json()["name_en"] == "Lian'ai Huxin counselling for young people"
    last = client.get(f"{PROGRAM}/history").json()[-1]
    assert last["actor"] == "seed"
    assert last["changes"]["name_en"] == [
        "Lian'ai Huxin (admin's name)",
        "Lian'ai Huxin counselling for young people",
    ]
    settled = _seed(url, seeds, monkeypatch, "--strict")
    assert settled.exit_code == 0
    assert "conflict:" not in settled.output


def test_a_file_that_agrees_with_the_edit_resolves_the_conflict(
    site: tuple[str, Tokens, TestClient], seeds: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url, tokens, client = site
    _patch(client, tokens, PROGRAM, {"established_year": 2020})
    _edit_file(
        seeds / "programs.yaml",
        "established_year: 2021\n  interviewed: true\n  target_groups: [adolescents]",
        "established_year: 2020\n  interviewed: true\n  target_groups: [adolescents]",
    )
    result = _seed(url, seeds, monkeypatch, "--strict")
    assert result.exit_code == 0, result.output
    assert "conflict:" not in result.output
    assert client.get(PROGRAM).json()["established_year"] == 2020


def test_deleted_records_and_edited_terms_stay_as_admins_left_them(
    site: tuple[str, Tokens, TestClient], seeds: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url, tokens, client = site
    etag = client.get(OTHER).headers["etag"]
    deleted = client.delete(OTHER, headers=tokens.headers("admin", **{"If-Match": etag}))
    assert deleted.status_code == 204
    term = "/api/v1/vocabularies/setting/terms/online"
    _patch(client, tokens, term, {"label_en": "Online and remote"})

    result = _seed(url, seeds, monkeypatch)
    assert result.exit_code == 0, result.output
    assert "kept: program 'jiangjin-jinxin-huwei': deleted since the last seed" in result.output
    assert "kept: vocabulary_term 'setting/online': edited since the last seed" in result.output
    assert client.get(OTHER).status_code == 410
    assert client.get(term).json()["label_en"] == "Online and remote"

    forced = _seed(url, seeds, monkeypatch, "--force")
    assert forced.exit_code == 0, forced.output
    assert client.get(OTHER).status_code == 200
    assert client.get(term).json()["label_en"] == "Online"
    actions = [h["action"] for h in client.get(f"{OTHER}/history").json()]
    assert actions[-2:] == ["delete", "restore"]
