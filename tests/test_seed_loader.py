"""The seed loader: all-or-nothing, idempotent, precise about bad rows."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from registry.cli import app as cli
from registry.db import make_engine, make_sessionmaker
from registry.models import Base
from registry.seeding.loader import SeedError, load_seeds
from tests.conftest import SEEDS, WriteDatabase, migrate


def table_counts(url: str) -> dict[str, int]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return {
                name: conn.scalar(select(func.count()).select_from(table)) or 0
                for name, table in Base.metadata.tables.items()
            }
    finally:
        engine.dispose()


def run_cli(url: str, *args: str, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    from registry.config import get_settings

    monkeypatch.setenv("REGISTRY_DATABASE_URL", url)
    get_settings.cache_clear()
    try:
        return CliRunner().invoke(cli, list(args))
    finally:
        get_settings.cache_clear()


@pytest.fixture
def migrated_url(fresh_url: str) -> str:
    migrate(fresh_url)
    return fresh_url


@pytest.fixture
def seed_copy(tmp_path: Path) -> Path:
    target = tmp_path / "seeds"
    shutil.copytree(SEEDS, target)
    return target


@pytest.fixture
def own_seeded_url(write_db: WriteDatabase) -> str:
    """A seeded database of the test's own: a seed run is a write, even one that changes
    nothing, so it does not go to the database the read-only tests share."""
    return write_db.url


def test_second_run_changes_nothing(own_seeded_url: str) -> None:
    before = table_counts(own_seeded_url)
    engine = make_engine(own_seeded_url)
    try:
        summary = load_seeds(make_sessionmaker(engine), SEEDS)
    finally:
        engine.dispose()
    assert not summary.changed
    assert summary.counts["program"]["unchanged"] >= 44
    assert table_counts(own_seeded_url) == before


def test_dry_run_validates_and_writes_nothing(
    migrated_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = run_cli(migrated_url, "seed", str(SEEDS), "--dry-run", monkeypatch=monkeypatch)
    assert result.exit_code == 0, result.output
    assert "dry run" in result.output
    assert "program" in result.output
    counts = table_counts(migrated_url)
    assert counts["programs"] == 0
    assert counts["vocabulary_terms"] == 0


def test_cli_seed_loads_and_reports(migrated_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    result = run_cli(migrated_url, "seed", str(SEEDS), monkeypatch=monkeypatch)
    assert result.exit_code == 0, result.output
    counts = table_counts(migrated_url)
    assert counts["programs"] >= 44
    assert counts["policies"] == 26
    again = run_cli(migrated_url, "seed", str(SEEDS), monkeypatch=monkeypatch)
    assert again.exit_code == 0
    assert table_counts(migrated_url) == counts


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_bad_code_names_file_row_and_field_and_leaves_db_untouched(
    own_seeded_url: str, seed_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _replace(
        seed_copy / "programs.yaml", "intervention_type: counseling", "intervention_type: hugging"
    )
    before = table_counts(own_seeded_url)
    result = run_cli(own_seeded_url, "seed", str(seed_copy), monkeypatch=monkeypatch)
    assert result.exit_code == 1
    assert "programs.yaml:" in result.output
    assert "row " in result.output
    assert "field intervention_type" in result.output
    assert "unknown code 'hugging' in vocabulary intervention_type" in result.output
    assert "nothing was written" in result.output
    assert table_counts(own_seeded_url) == before


def test_schema_error_is_reported_before_any_write(migrated_url: str, seed_copy: Path) -> None:
    # A valid row early in the load and a future year late in it: nothing may be written.
    _replace(seed_copy / "policies.yaml", "year: 2012", "year: 2999")
    engine = make_engine(migrated_url)
    try:
        with pytest.raises(SeedError) as caught:
            load_seeds(make_sessionmaker(engine), seed_copy)
    finally:
        engine.dispose()
    assert any("policies.yaml:" in p and "field year" in p for p in caught.value.problems)
    assert table_counts(migrated_url)["vocabulary_terms"] == 0


def test_unknown_reference_rolls_back_everything(migrated_url: str, seed_copy: Path) -> None:
    _replace(
        seed_copy / "hotlines.yaml",
        "operator: beijing-new-sunshine-charity-foundation",
        "operator: no-such-organization",
    )
    engine = make_engine(migrated_url)
    try:
        with pytest.raises(SeedError) as caught:
            load_seeds(make_sessionmaker(engine), seed_copy)
    finally:
        engine.dispose()
    problem = next(p for p in caught.value.problems if "hotlines.yaml" in p)
    assert "field operator" in problem
    assert "no organization 'no-such-organization'" in problem
    # Vocabularies and organizations were upserted before the failing row: all rolled back.
    assert all(n == 0 for n in table_counts(migrated_url).values())


def test_duplicate_slug_and_broken_yaml_are_reported(seed_copy: Path, migrated_url: str) -> None:
    text = (seed_copy / "figures.yaml").read_text(encoding="utf-8")
    first = text.split("\n- ", 2)
    (seed_copy / "figures.yaml").write_text(text + "\n- " + first[1], encoding="utf-8")
    (seed_copy / "sources.yaml").write_text("- key: [unclosed\n", encoding="utf-8")
    engine = make_engine(migrated_url)
    try:
        with pytest.raises(SeedError) as caught:
            load_seeds(make_sessionmaker(engine), seed_copy)
    finally:
        engine.dispose()
    joined = "\n".join(caught.value.problems)
    assert "sources.yaml: not valid YAML" in joined
    assert "figures.yaml:" in joined
    assert "duplicate slug" in joined
