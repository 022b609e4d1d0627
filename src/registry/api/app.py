"""The FastAPI application factory."""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import anyio.to_thread
from fastapi import FastAPI
from sqlalchemy.engine import make_url

from registry.api import (
    changes,
    explorer,
    figures,
    health,
    hotline_metrics,
    hotlines,
    hsds,
    imports,
    organizations,
    policies,
    programs,
    service_stations,
    sources,
    stats,
    vocabularies,
)
from registry.api.bodylimit import BodyLimitMiddleware
from registry.api.caching import ETagMiddleware
from registry.api.cors import ProblemCORSMiddleware
from registry.api.deps import ReadCache, read_limiter
from registry.api.details import FastDetails, LoopReader, on_loop
from registry.api.docs import install_docs
from registry.api.filters import declared_lists
from registry.api.matchindex import IndexFiles, MatchIndex
from registry.api.onetrip import OneTripReaders
from registry.api.openapi import install_openapi
from registry.api.replica import (
    CHANGE_HEADER,
    MIN_CHANGE_HEADER,
    ChangeHeaderMiddleware,
    ReadRoute,
)
from registry.api.writing import WriteGate
from registry.config import Settings, get_settings
from registry.db import make_engine, make_sessionmaker
from registry.errors import install_error_handlers
from registry.migrations import revisions

# One line per router; list routes are found by their FilterSet dependency.
ROUTERS = (
    health.router,
    organizations.router,
    programs.router,
    policies.router,
    service_stations.router,
    hotlines.router,
    hotline_metrics.router,
    figures.router,
    vocabularies.router,
    sources.router,
    stats.router,
    changes.router,
    imports.router,
    hsds.router,
    explorer.router,
)

DESCRIPTION = """\
An open registry of China's mental-health services: organizations, the programs they run,
hotlines, service stations, policies and the figures that measure the field.

Lists return `{items, total, limit, offset, next}`. Errors are RFC 9457
`application/problem+json`. Every record carries its source and any data-quality notes.

A write's response carries `Registry-Change`, the change id it committed. Send it back on
later reads as `Registry-Min-Change` to read your own writes where reads are served by a
replica (docs/deploy.md).
"""


def index_files(settings: Settings) -> IndexFiles | None:
    """Where this app's workers share built match indexes: a SQLite file's neighbour."""
    if settings.match_index_dir == "off":
        return None
    if settings.match_index_dir:
        return IndexFiles(Path(settings.match_index_dir))
    url = make_url(settings.database_url)
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    return IndexFiles(Path(f"{url.database}.index"))


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    pooled = functools.partial(
        make_engine,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        pool_timeout=settings.db_pool_timeout_s,
    )
    engine = pooled(settings.database_url, busy_timeout_ms=settings.sqlite_busy_timeout_ms)
    replica = None
    if settings.read_database_url:
        # A replica that does not answer is skipped, not waited for.
        replica = pooled(settings.read_database_url, connect_args={"connect_timeout": 3})

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        cache = getattr(app.state, "read_cache", None)
        # Build the match indexes off the request path; until then lists count in SQL.
        warmup = app.state.warmup = cache.warm(app) if cache is not None else None
        if app.state.one_trip is not None:
            await app.state.one_trip.open()
        yield
        if app.state.one_trip is not None:
            await app.state.one_trip.close()
        if warmup is not None:
            await anyio.to_thread.run_sync(warmup.stop)
        if app.state.loop_reader is not None:
            app.state.loop_reader.close()
        engine.dispose()
        if replica is not None:
            replica.dispose()

    app = FastAPI(
        title="Mental-health services registry",
        version="1.0.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,  # served by install_docs from installed assets, not a CDN
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessionmaker = make_sessionmaker(engine)
    app.state.reads = ReadRoute(
        app.state.sessionmaker,
        make_sessionmaker(replica) if replica is not None else None,
        replica_engine=replica,
        retry_s=settings.replica_retry_s,
    )
    app.state.write_gate = WriteGate(settings.write_queue_timeout_s)
    app.state.revisions = revisions()
    app.state.loop_reader = LoopReader(engine) if on_loop(engine) else None
    app.state.one_trip = None
    if settings.fast_details and engine.dialect.name == "postgresql":
        app.state.one_trip = OneTripReaders(engine, replica, size=settings.db_pool_size)
    app.state.read_limiter = read_limiter(settings, engine)
    if settings.fast_details:
        # Innermost, inside the ETag's 304s; the routes in the order the router tries them.
        routes = [route for router in ROUTERS for route in router.routes]
        app.add_middleware(FastDetails, registry=app, routes=routes)
    app.add_middleware(ETagMiddleware)
    app.add_middleware(ChangeHeaderMiddleware)
    app.add_middleware(
        BodyLimitMiddleware,
        default=settings.max_body_bytes,
        limits={"/api/v1/import": settings.max_import_bytes},
    )
    app.add_middleware(
        ProblemCORSMiddleware,
        allow_origins=settings.cors_origins,
        allow_methods=["GET", "HEAD", "OPTIONS", "POST", "PATCH", "DELETE"],
        allow_headers=[
            "Accept",
            "Accept-Language",
            "Authorization",
            "Content-Type",
            "If-Match",
            "If-None-Match",
            "Idempotency-Key",
            MIN_CHANGE_HEADER,
        ],
        expose_headers=[
            "ETag",
            "Location",
            "Content-Disposition",
            "Idempotent-Replayed",
            CHANGE_HEADER,
        ],
        max_age=600,
    )
    install_error_handlers(app)
    install_docs(app)
    for router in ROUTERS:
        app.include_router(router)
    lists = declared_lists([route for router in ROUTERS for route in router.routes])
    app.state.filtersets = {fs.entity.name: fs for fs, _ in lists.values()}
    files = index_files(settings)
    app.state.read_cache = ReadCache(
        indexes={
            fs.entity.name: MatchIndex(fs, depends=fs.match_index, files=files)
            for fs, _ in lists.values()
            if fs.match_index is not None
        }
    )
    install_openapi(app, lists)
    return app
