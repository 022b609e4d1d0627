"""/api/v1/figures: figures that describe the field rather than one record."""

from __future__ import annotations

from registry.api.filters import FilterSet, PrefixFilter, RangeFilter, TermFilter, ValueFilter
from registry.api.routes import add_record_routes, list_router
from registry.entities import ENTITIES
from registry.models import Figure
from registry.schemas.figure import FigureCreate, FigureUpdate

ENTITY = ENTITIES["figure"]


FILTERS = FilterSet(
    entity=ENTITY,
    filters=[
        PrefixFilter(
            "subject",
            Figure.subject,
            "Subject, or a dotted prefix of it: `prevalence` matches `prevalence.anxiety`.",
            "prevalence",
        ),
        TermFilter("unit", "unit", "Unit.", "percent", Figure.id, column=Figure.unit_id),
        RangeFilter("year", Figure.year, "Year the figure refers to", 2023),
        ValueFilter(
            "organization_id",
            Figure.organization_id,
            "Organization the figure is about.",
            "6b3aac07-8936-464e-b292-91b051c5c68e",
        ),
        ValueFilter(
            "program_id",
            Figure.program_id,
            "Program the figure is about.",
            "6b3aac07-8936-464e-b292-91b051c5c68e",
        ),
    ],
    sorts={
        "subject": Figure.subject,
        "year": Figure.year,
        "value": Figure.value,
    },
    default_sort=["subject"],
)

router = list_router(FILTERS, "Field figures matching every filter.")
add_record_routes(router, ENTITY, FigureCreate, FigureUpdate)
