"""/hsds/: the registry as a read-only Open Referral HSDS 3.0 API (docs/hsds.md)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

import orjson
from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import Response, StreamingResponse
from pydantic import AfterValidator, BaseModel, BeforeValidator
from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.api.deps import InThread, Language, reads, reject_unknown_params
from registry.api.openapi import problems
from registry.api.replica import ReadRoute, min_change
from registry.errors import Gone, NotFound, invalid_param
from registry.hsds import HSDS_PROFILE, HSDS_VERSION, queries
from registry.hsds.mapping import Context
from registry.hsds.queries import Filters, KeyQuery
from registry.hsds.schemas import (
    HsdsApiInfo,
    HsdsModel,
    HsdsOrganization,
    HsdsOrganizationPage,
    HsdsService,
    HsdsServiceAtLocation,
    HsdsServiceAtLocationPage,
    HsdsServicePage,
    HsdsTaxonomy,
    HsdsTaxonomyPage,
    HsdsTaxonomyTerm,
    HsdsTaxonomyTermPage,
)
from registry.lists.exports import EXPORT_BATCH, NDJSON_TYPE
from registry.models import Organization, ServiceStation, Vocabulary, VocabularyTerm
from registry.search import MAX_QUERY_LENGTH

DEFAULT_PER_PAGE = 50
MAX_PER_PAGE = 500
MAX_PAGE = 1_000_000  # keeps the offset within what every backend accepts

router = APIRouter(prefix="/hsds", tags=["HSDS 3.0"], dependencies=[Depends(reject_unknown_params)])

LIST_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "A page, or with `format=ndjson` every matching item, one per line.",
        "content": {NDJSON_TYPE: {"schema": {"type": "string"}}},
    },
    **problems(422),
}
DETAIL_RESPONSES = problems(404, 410, 422)


def _iso_datetime(value: Any) -> Any:
    """ISO 8601 only: Pydantic would otherwise read "0" as a Unix timestamp."""
    pattern = r"\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|z|[+-]\d{2}:?\d{2})?)?"
    if isinstance(value, str) and not re.fullmatch(pattern, value):
        raise ValueError("use an ISO 8601 date-time, e.g. 2024-06-01T00:00:00Z")
    return value


def _as_utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)  # a time without an offset is read as UTC
    try:
        return value.astimezone(UTC)
    except OverflowError as exc:
        raise ValueError("out of range") from exc


DateTime = Annotated[datetime, BeforeValidator(_iso_datetime), AfterValidator(_as_utc)]

Search = Annotated[
    str | None,
    Query(
        max_length=MAX_QUERY_LENGTH,
        description="Full-text search, Chinese or English, as `q` in /api/v1: Chinese matches "
        "words of one or two characters and folds traditional to simplified; English matches "
        "words by prefix. Orders by relevance.",
        examples=["留守"],
    ),
]
OrganizationId = Annotated[
    uuid.UUID | None, Query(description="Only what this organization runs or operates.")
]
TaxonomyTermId = Annotated[
    uuid.UUID | None,
    Query(description="Only items with this taxonomy term (or one of its sub-terms)."),
]
TaxonomyId = Annotated[
    uuid.UUID | None, Query(description="Only items with some term of this taxonomy.")
]
ModifiedAfter = Annotated[
    DateTime | None,
    Query(
        description="Only items modified at or after this time (UTC unless an offset is given).",
        examples=["2024-06-01T00:00:00Z"],
    ),
]


async def service_filters(
    search: Search = None,
    organization_id: OrganizationId = None,
    taxonomy_term_id: TaxonomyTermId = None,
    taxonomy_id: TaxonomyId = None,
    modified_after: ModifiedAfter = None,
) -> Filters:
    """The filters of the two lists of services: services, and services at locations."""
    return Filters(search, organization_id, taxonomy_term_id, taxonomy_id, modified_after)


ServiceFilters = Annotated[Filters, Depends(service_filters)]


@dataclass
class Paging:
    page: int
    per_page: int
    ndjson: bool


async def paging(
    request: Request,
    page: Annotated[int, Query(ge=1, le=MAX_PAGE, description="Page number, from 1.")] = 1,
    per_page: Annotated[
        int, Query(ge=1, le=MAX_PER_PAGE, description=f"Items per page, at most {MAX_PER_PAGE}.")
    ] = DEFAULT_PER_PAGE,
    format: Annotated[
        Literal["json", "ndjson"] | None,
        Query(
            description="`ndjson` streams every matching item, one JSON object per line, "
            "without the page envelope; `Accept: application/x-ndjson` works too."
        ),
    ] = None,
) -> Paging:
    accept = request.headers.get("accept", "")
    ndjson = format == "ndjson" or (format is None and NDJSON_TYPE in accept)
    if ndjson:
        for name in ("page", "per_page"):
            if name in request.query_params:
                raise invalid_param(
                    name, "ndjson streams every matching item; drop page and per_page"
                )
    return Paging(page, per_page, ndjson)


PagingDep = Annotated[Paging, Depends(paging)]


async def hsds_context(lang: Language, request: Request) -> InThread[Context]:
    base_url = str(request.base_url)
    return InThread(lang, lambda ctx: Context(ctx.session, ctx.vocab, ctx.lang, base_url))


ContextDep = Annotated[Context, Depends(hsds_context)]

Loader = Callable[[Context, Sequence[Sequence[Any]]], Sequence[HsdsModel]]


def list_response(
    request: Request, ctx: Context, keys: KeyQuery, paging: Paging, load: Loader
) -> Response:
    """HSDS's Page envelope around one page, or an NDJSON stream of every item."""
    if paging.ndjson:
        return _ndjson(request, ctx, keys, load)
    total = keys.count(ctx.session)
    offset = (paging.page - 1) * paging.per_page
    rows = keys.page(ctx.session, paging.per_page, offset)
    contents = [item.dump() for item in load(ctx, rows)]
    total_pages = -(-total // paging.per_page)
    body = {
        "total_items": total,
        "total_pages": total_pages,
        "page_number": paging.page,
        "size": len(contents),
        "first_page": paging.page == 1,
        "last_page": paging.page >= total_pages,
        "empty": not contents,
        "contents": contents,
    }
    return Response(orjson.dumps(body), media_type="application/json")


def _ndjson(request: Request, ctx: Context, keys: KeyQuery, load: Loader) -> StreamingResponse:
    route: ReadRoute = request.app.state.reads
    factory = route.factory(min_change(request))

    def lines() -> Iterator[bytes]:
        # A session of its own: the request's closes before the stream has been sent.
        session: Session = factory()
        try:
            own = Context(session, ctx.vocab, ctx.lang, ctx.base_url)
            for rows in keys.batches(session, EXPORT_BATCH):
                yield b"".join(orjson.dumps(item.dump()) + b"\n" for item in load(own, rows))
                session.expunge_all()
        finally:
            session.close()

    return StreamingResponse(lines(), media_type=NDJSON_TYPE)


def _json(item: HsdsModel) -> Response:
    return Response(orjson.dumps(item.dump()), media_type="application/json")


def _live(session: Session, model: Any, record_id: uuid.UUID, what: str) -> None:
    """404 for an unknown id, 410 for a soft-deleted record."""
    row = session.execute(select(model.deleted_at).where(model.id == record_id)).first()
    if row is None:
        raise NotFound(f"No {what} with id {record_id}.")
    if row[0] is not None:
        raise Gone(f"The {what} {record_id} was deleted.")


IdPath = Annotated[uuid.UUID, Path(description="The object's UUID.")]
Endpoint = Callable[..., Any]


def _list(path: str, operation_id: str, page: type[BaseModel]) -> Callable[[Endpoint], Endpoint]:
    route = router.get(
        path, operation_id=operation_id, response_model=page, responses=LIST_RESPONSES
    )
    return lambda endpoint: route(reads(endpoint))


def _detail(path: str, operation_id: str, model: type[BaseModel]) -> Callable[[Endpoint], Endpoint]:
    route = router.get(
        path, operation_id=operation_id, response_model=model, responses=DETAIL_RESPONSES
    )
    return lambda endpoint: route(reads(endpoint))


@router.get("/", operation_id="hsds_api_info", response_model=HsdsApiInfo)
def api_info(request: Request) -> HsdsApiInfo:
    """Which HSDS version this API serves, and where its OpenAPI document is."""
    base = str(request.base_url).rstrip("/")
    return HsdsApiInfo(
        version=HSDS_VERSION,
        profile=HSDS_PROFILE,
        openapi_url=base + (request.app.openapi_url or "/openapi.json"),
    )


@_list("/services", "hsds_list_services", HsdsServicePage)
def list_services(
    filters: ServiceFilters, ctx: ContextDep, request: Request, paging: PagingDep
) -> Response:
    """Programs and hotlines as HSDS services, by English name (or relevance)."""
    keys = queries.service_keys(ctx, filters)
    return list_response(
        request, ctx, keys, paging, lambda c, rows: queries.services(c, queries.service_refs(rows))
    )


@_detail("/services/{id}", "hsds_get_service", HsdsService)
def get_service(ctx: ContextDep, id: IdPath) -> Response:
    """A program or hotline with its codes (attributes), schedules and change history."""
    found = queries.find_service(ctx.session, id)
    if found is None:
        raise NotFound(f"No service with id {id}.")
    kind, deleted_at = found
    if deleted_at is not None:
        raise Gone(f"The service {id} was deleted.")
    return _json(queries.services(ctx, [(id, kind)], detail=True)[0])


@_list("/organizations", "hsds_list_organizations", HsdsOrganizationPage)
def list_organizations(
    ctx: ContextDep, request: Request, paging: PagingDep, search: Search = None
) -> Response:
    """Organizations, by English name (or relevance)."""
    keys = queries.organization_keys(ctx, Filters(search))
    return list_response(
        request, ctx, keys, paging, lambda c, rows: queries.organizations(c, keys.ids(rows))
    )


@_detail("/organizations/{id}", "hsds_get_organization", HsdsOrganization)
def get_organization(ctx: ContextDep, id: IdPath) -> Response:
    """An organization with its programs, services, locations and change history."""
    _live(ctx.session, Organization, id, "organization")
    return _json(queries.organizations(ctx, [id], detail=True)[0])


@_list("/service_at_locations", "hsds_list_service_at_locations", HsdsServiceAtLocationPage)
def list_service_at_locations(
    filters: ServiceFilters, ctx: ContextDep, request: Request, paging: PagingDep
) -> Response:
    """Service stations, each as a location, by English name (or relevance)."""
    keys = queries.service_at_location_keys(ctx, filters)
    return list_response(
        request, ctx, keys, paging, lambda c, rows: queries.service_at_locations(c, keys.ids(rows))
    )


@_detail("/service_at_locations/{id}", "hsds_get_service_at_location", HsdsServiceAtLocation)
def get_service_at_location(ctx: ContextDep, id: IdPath) -> Response:
    """A service station with its codes (attributes) and change history."""
    _live(ctx.session, ServiceStation, id, "service_at_location")
    return _json(queries.service_at_locations(ctx, [id], detail=True)[0])


@_list("/taxonomies", "hsds_list_taxonomies", HsdsTaxonomyPage)
def list_taxonomies(
    ctx: ContextDep, request: Request, paging: PagingDep, search: Search = None
) -> Response:
    """The registry's vocabularies, by name."""
    keys = queries.taxonomy_keys(ctx, Filters(search))
    return list_response(
        request, ctx, keys, paging, lambda c, rows: queries.taxonomies(c, keys.ids(rows))
    )


@_detail("/taxonomies/{id}", "hsds_get_taxonomy", HsdsTaxonomy)
def get_taxonomy(ctx: ContextDep, id: IdPath) -> Response:
    """One vocabulary."""
    _live(ctx.session, Vocabulary, id, "taxonomy")
    return _json(queries.taxonomies(ctx, [id])[0])


@_list("/taxonomy_terms", "hsds_list_taxonomy_terms", HsdsTaxonomyTermPage)
def list_taxonomy_terms(
    ctx: ContextDep,
    request: Request,
    paging: PagingDep,
    search: Search = None,
    taxonomy_id: TaxonomyId = None,
    parent_id: Annotated[
        uuid.UUID | None, Query(description="Only the direct sub-terms of this term.")
    ] = None,
) -> Response:
    """Vocabulary codes, by vocabulary and then in their documented order."""
    filters = Filters(search, taxonomy_id=taxonomy_id, parent_id=parent_id)
    keys = queries.taxonomy_term_keys(ctx, filters)
    return list_response(
        request, ctx, keys, paging, lambda c, rows: queries.taxonomy_terms(c, keys.ids(rows))
    )


@_detail("/taxonomy_terms/{id}", "hsds_get_taxonomy_term", HsdsTaxonomyTerm)
def get_taxonomy_term(ctx: ContextDep, id: IdPath) -> Response:
    """One vocabulary code, with its taxonomy and change history."""
    _live(ctx.session, VocabularyTerm, id, "taxonomy_term")
    return _json(queries.taxonomy_terms(ctx, [id])[0])
