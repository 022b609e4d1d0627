"""Settings, read from the environment with the prefix REGISTRY_."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

DEFAULT_DATABASE_URL = "sqlite:///var/registry.db"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="REGISTRY_", extra="ignore")

    environment: str = Field(default="development", pattern="^(development|test|production)$")
    database_url: str = DEFAULT_DATABASE_URL
    # Browsers may call the API from these origins; "*" is refused in production.
    cors_origins: list[str] = ["http://localhost:5173", "http://127.0.0.1:5173"]
    # How long a write waits for another process's write on SQLite before 503.
    sqlite_busy_timeout_ms: int = Field(default=30_000, ge=0)
    # How long a write waits behind this process's other writes before 503.
    write_queue_timeout_s: float = Field(default=60.0, gt=0)
    # Connections each process keeps, may add under load, and waits for before 503.
    db_pool_size: int = Field(default=5, ge=1)
    db_max_overflow: int = Field(default=10, ge=0)
    db_pool_timeout_s: float = Field(default=30.0, gt=0)
    seeds_path: str = "seeds"
    # Bodies above this get 413: a record is a few kilobytes; imports have their own limit.
    max_body_bytes: int = Field(default=1_048_576, ge=1024)
    max_import_bytes: int = Field(default=50 * 1_048_576, ge=1024)
    # Plain detail reads beneath FastAPI (api/details.py); off, the routes answer them all.
    fast_details: bool = True
    # Where built match indexes are saved for the next worker (api/matchindex.IndexFiles);
    # unset, beside a SQLite database file as `<file>.index/`; "off" saves none.
    match_index_dir: str | None = None
    # Reads each process runs at once in its thread pool; unset, 2 on SQLite (its reads are
    # CPU-bound, and more threads only contend for the GIL) and no cap on PostgreSQL.
    read_threads: int | None = Field(default=None, ge=1)
    # A streaming replica of the PostgreSQL database for reads (api/replica.py); writes,
    # tokens and reads that name a change it has not replayed go to the primary.
    read_database_url: str | None = None
    # How long reads stay on the primary after the replica failed.
    replica_retry_s: float = Field(default=5.0, gt=0)

    @model_validator(mode="after")
    def _refuse_unsafe_production(self) -> Settings:
        if self.environment == "production":
            if "*" in self.cors_origins:
                raise ValueError("REGISTRY_CORS_ORIGINS may not contain '*' in production")
            if self.database_url == DEFAULT_DATABASE_URL:
                raise ValueError("set REGISTRY_DATABASE_URL explicitly in production")
        if self.read_database_url:
            urls = (self.database_url, self.read_database_url)
            if {_backend(u) for u in urls} != {"postgresql"}:
                raise ValueError(
                    "REGISTRY_READ_DATABASE_URL names a streaming replica of a PostgreSQL "
                    "primary: both it and REGISTRY_DATABASE_URL must be postgresql+psycopg:// "
                    "URLs (a SQLite file has no replicas; unset it)"
                )
        return self


def _backend(url: str) -> str | None:
    try:
        return make_url(url).get_backend_name()
    except ArgumentError:
        return None


@lru_cache
def get_settings() -> Settings:
    return Settings()
