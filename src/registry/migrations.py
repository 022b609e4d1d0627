"""Alembic, driven from Python for the CLI and the tests."""

from __future__ import annotations

from pathlib import Path

from alembic.config import Config
from alembic.script import ScriptDirectory

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def alembic_config(url: str) -> Config:
    ini = PROJECT_ROOT / "alembic.ini"
    if not ini.exists():
        raise FileNotFoundError(f"alembic.ini not found at {ini}; run from a source checkout")
    config = Config(str(ini))
    config.set_main_option("script_location", str(PROJECT_ROOT / "alembic"))
    # Percent signs in passwords would otherwise be read as ini interpolation.
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def revisions() -> list[str]:
    """Every migration's revision, newest first; empty outside a source checkout."""
    try:
        config = alembic_config("sqlite://")
    except FileNotFoundError:
        return []
    return [script.revision for script in ScriptDirectory.from_config(config).walk_revisions()]
