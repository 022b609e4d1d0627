"""The explorer: a static page at `/` for analysts, which reads everything it shows from the
public API in the browser. Kept out of the OpenAPI document, which describes the API only."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse

from registry.errors import NotFound

STATIC = Path(__file__).resolve().parent.parent / "explorer" / "static"
MEDIA_TYPES = {
    "explorer.js": "text/javascript; charset=utf-8",
    "admin.js": "text/javascript; charset=utf-8",
    "map.js": "text/javascript; charset=utf-8",
    "stations.js": "text/javascript; charset=utf-8",
    "explorer.css": "text/css; charset=utf-8",
    "favicon.svg": "image/svg+xml",
}

# The page runs no inline script or style and talks only to this origin.
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
HEADERS = {
    "Cache-Control": "no-cache",  # revalidate, so a new release shows at once
    "X-Content-Type-Options": "nosniff",
}

router = APIRouter(include_in_schema=False)


@router.get("/")
def explorer_page() -> FileResponse:
    return FileResponse(
        STATIC / "index.html",
        media_type="text/html; charset=utf-8",
        headers={**HEADERS, "Content-Security-Policy": CSP, "Referrer-Policy": "same-origin"},
    )


@router.get("/explorer/static/{name}")
def explorer_asset(name: str) -> FileResponse:
    if name not in MEDIA_TYPES:
        raise NotFound(f"No explorer file {name!r}.")
    return FileResponse(STATIC / name, media_type=MEDIA_TYPES[name], headers=HEADERS)
