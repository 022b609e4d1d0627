"""/api/v1/hotlines: hotlines and who runs them."""

from __future__ import annotations

from registry.api.filters import FilterSet, RangeFilter, ValueFilter
from registry.api.routes import add_record_routes, list_router
from registry.entities import ENTITIES
from registry.models import Hotline
from registry.schemas.hotline import HotlineCreate, HotlineUpdate

ENTITY = ENTITIES["hotline"]


FILTERS = FilterSet(
    entity=ENTITY,
    filters=[
        ValueFilter(
            "operator_id",
            Hotline.operator_id,
            "Operating organization's id.",
            "6b3aac07-8936-464e-b292-91b051c5c68e",
        ),
        ValueFilter(
            "program_id",
            Hotline.program_id,
            "Program the hotline belongs to.",
            "6b3aac07-8936-464e-b292-91b051c5c68e",
        ),
        RangeFilter("launch_year", Hotline.launch_year, "Year launched", 2021),
    ],
    sorts={
        "name_en": Hotline.name_en,
        "name_zh": Hotline.name_zh_sort,
        "launch_year": Hotline.launch_year,
    },
    default_sort=["name_en"],
)

router = list_router(FILTERS, "Hotlines matching every filter.")
add_record_routes(router, ENTITY, HotlineCreate, HotlineUpdate)
