"""The FastAPI application factory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from registry.api import (
    changes,
    figures,
    health,
    hotline_metrics,
    hotlines,
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
from registry.api.openapi import install_openapi
from registry.config import Settings, get_settings
from registry.db import make_engine, make_sessionmaker
from registry.errors import install_error_handlers

DESCRIPTION = """\
An open registry of China's mental-health services: organizations, the programs they run,
hotlines, service stations, policies and the figures that measure the field.

Lists return `{items, total, limit, offset, next}`. Errors are RFC 9457
`application/problem+json`. Every record carries its source and any data-quality notes.
"""


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    engine = make_engine(settings.database_url, busy_timeout_ms=settings.sqlite_busy_timeout_ms)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        engine.dispose()

    app = FastAPI(
        title="Mental-health services registry",
        version="1.0.0",
        description=DESCRIPTION,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessionmaker = make_sessionmaker(engine)
    app.add_middleware(ETagMiddleware)
    app.add_middleware(
        BodyLimitMiddleware,
        default=settings.max_body_bytes,
        limits={"/api/v1/import": settings.max_import_bytes},
    )
    app.add_middleware(
        CORSMiddleware,
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
        ],
        expose_headers=["ETag", "Location", "Content-Disposition", "Idempotent-Replayed"],
        max_age=600,
    )
    install_error_handlers(app)
    list_modules = (organizations, programs, policies, service_stations, hotlines)
    install_openapi(
        app,
        {
            **{f"list_{m.__name__.rsplit('.', 1)[1]}": (m.FILTERS, m.ITEM) for m in list_modules},
            "list_hotline_metrics": (hotline_metrics.FILTERS, hotline_metrics.ITEM),
            "list_figures": (figures.FILTERS, figures.ITEM),
        },
    )
    for module in (
        health,
        organizations,
        programs,
        policies,
        service_stations,
        hotlines,
        hotline_metrics,
        figures,
        vocabularies,
        sources,
        stats,
        changes,
        imports,
    ):
        app.include_router(module.router)
    return app
