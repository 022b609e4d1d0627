"""/api/v1/service-stations: detachments, stations and outlets of service networks."""

from __future__ import annotations

from registry.api.filters import FilterSet, TermFilter, ValueFilter
from registry.api.routes import add_record_routes, list_router
from registry.entities import ENTITIES
from registry.models import ServiceStation
from registry.schemas.service_station import ServiceStationCreate, ServiceStationUpdate

ENTITY = ENTITIES["service_station"]


FILTERS = FilterSet(
    entity=ENTITY,
    filters=[
        TermFilter(
            "network",
            "station_network",
            "Service network.",
            "emergency_volunteer_team",
            ServiceStation.id,
            column=ServiceStation.network_id,
        ),
        TermFilter(
            "kind",
            "station_kind",
            "Kind of station.",
            "provincial_detachment",
            ServiceStation.id,
            column=ServiceStation.kind_id,
        ),
        TermFilter(
            "province",
            "province",
            "Province.",
            "CN-HE",
            ServiceStation.id,
            column=ServiceStation.province_id,
        ),
        ValueFilter(
            "operator_id",
            ServiceStation.operator_id,
            "Operating organization's id.",
            "6b3aac07-8936-464e-b292-91b051c5c68e",
        ),
    ],
    sorts={
        "name_en": ServiceStation.name_en,
        "name_zh": ServiceStation.name_zh_sort,
        "city": ServiceStation.city_en,
        "established_year": ServiceStation.established_year,
    },
    default_sort=["name_en"],
)

router = list_router(
    FILTERS,
    "Service stations matching every filter.",
    facets="Counts by network, kind and province, disjunctive per facet.",
)
add_record_routes(router, ENTITY, ServiceStationCreate, ServiceStationUpdate)
