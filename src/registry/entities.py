"""The registry's entities, each declared once: model, schemas, key, seed file, search text,
what its reads load, its child tables and the rules that need the database.

Every door a record comes through (API, seed, import, bulk) reads this spec, so adding an
entity means a model, its schemas, a router and one entry here.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pydantic import BaseModel
from sqlalchemy import ColumnElement, String, cast, func, select
from sqlalchemy.orm import InstrumentedAttribute, Session, selectinload, with_expression
from sqlalchemy.orm.interfaces import LoaderOption

from registry.errors import InvalidParam
from registry.models import (
    Figure,
    Hotline,
    HotlineMetric,
    Organization,
    Policy,
    Program,
    ProgramPartner,
    ServiceStation,
    Source,
)
from registry.models.base import RecordMixin
from registry.schemas.common import CreateModel, RecordRead
from registry.schemas.figure import FigureCreate, FigureRead
from registry.schemas.hotline import (
    HotlineCreate,
    HotlineMetricCreate,
    HotlineMetricRead,
    HotlineRead,
)
from registry.schemas.organization import OrganizationCreate, OrganizationRead
from registry.schemas.policy import PolicyCreate, PolicyRead
from registry.schemas.program import PartnerCreate, ProgramCreate, ProgramRead
from registry.schemas.service_station import ServiceStationCreate, ServiceStationRead
from registry.schemas.source import SourceCreate

M = TypeVar("M", bound=RecordMixin)

# A rule that needs the database: given the checked create schema and its resolved column
# values, the fields it finds wrong.
Check = Callable[[Session, BaseModel, dict[str, Any]], Iterable[InvalidParam]]


@dataclass(frozen=True)
class Child:
    """A list field kept as rows of its own table, such as a program's partners.

    `field` names both the create-schema list and the model's relationship; each item's
    fields are columns of `model`, and `owner` is the column pointing at the record.
    """

    field: str
    model: type[Any]
    schema: type[CreateModel]
    owner: str
    render_order: tuple[str, ...]  # item fields the read schema sorts by


@dataclass(frozen=True)
class Entity(Generic[M]):
    name: str  # singular, as used by RecordRef
    model: type[M]
    create: type[CreateModel]
    key: str  # natural-key column, also the seed file's key field
    seed_file: str
    read: type[RecordRead] | None = None
    search_fields: tuple[str, ...] = ()  # create-schema fields whose text `q` searches
    # Of those, the names: matches in them rank first, and Chinese ones are also pinyin.
    name_fields: tuple[str, ...] = ()
    # Columns whose text the documents of records pointing at this one embed (a term id's
    # labels for an `_id` column).
    embed: tuple[str, ...] = ()
    zh_sort: str | None = None  # Chinese field that gets a pinyin `<field>_sort` column
    resource: str | None = None  # its collection under /api/v1/ (and for imports), if any
    noun: str = ""  # what the docs call one record; the name with spaces by default
    load: Sequence[LoaderOption] = ()  # what rendering touches, one query per relationship
    children: tuple[Child, ...] = ()
    check: Check | None = None

    @property
    def label(self) -> str:
        return self.noun or self.name.replace("_", " ")

    @property
    def a_label(self) -> str:
        """The label with its indefinite article: "an organization"."""
        return ("an " if self.label[0] in "aeiou" else "a ") + self.label

    @property
    def search_key(self) -> str:
        """The entity as one search token (FTS5 would split `hotline_metric` in two)."""
        return self.name.replace("_", "")

    @property
    def key_column(self) -> InstrumentedAttribute[Any]:
        column: InstrumentedAttribute[Any] = getattr(self.model, self.key)
        return column

    def child(self, field: str) -> Child | None:
        for child in self.children:  # called per field per row on bulk paths: no generator
            if child.field == field:
                return child
        return None

    def ref_condition(self, ref: str) -> ColumnElement[bool]:
        """Match a record by UUID, or else by its natural key."""
        column, value = self.ref_column(ref)
        condition: ColumnElement[bool] = getattr(self.model, column) == value
        return condition

    def ref_column(self, ref: str) -> tuple[str, Any]:
        """The column `ref` names a record by, and its value: `id` for a UUID, or else the
        natural key."""
        try:
            return "id", uuid.UUID(ref)
        except ValueError:
            return self.key, ref


def _partners_are_not_the_runner(
    session: Session, data: BaseModel, values: dict[str, Any]
) -> Iterable[InvalidParam]:
    for index, (organization, _role) in enumerate(sorted(values.get("partners", ()))):
        if organization == values["organization_id"]:
            yield InvalidParam(
                name=f"/partners/{index}/organization",
                reason="the running organization is not also a partner; drop this entry",
            )


_NAMES = ("name_zh", "name_en")
_NAMED = (*_NAMES, "aliases")
_PLACE = ("city_zh", "city_en", "province_id")
_SUMMARY = (Organization.id, Organization.slug, Organization.name_zh, Organization.name_en)


def term_ids_column(model: Any) -> ColumnElement[str]:
    """A record's linked term ids as one comma-separated string, instead of an object per
    link; its model has a `terms` link table."""
    relationship = model.__mapper__.relationships.get("terms")
    assert relationship is not None, f"{model.__name__} has no term links"
    table = relationship.secondary
    owner = next(c for c in table.c if c.name != "term_id")
    return func.coalesce(
        select(func.aggregate_strings(cast(table.c.term_id, String), ","))
        .where(owner == model.id)
        .scalar_subquery(),
        "",
    )


# In dependency order: a record is declared after every entity it may refer to, so seeds
# and exports load and write them in this order.
_ALL: list[Entity[Any]] = [
    Entity("source", Source, SourceCreate, "key", "sources.yaml"),
    Entity(
        "organization",
        Organization,
        OrganizationCreate,
        "slug",
        "organizations.yaml",
        read=OrganizationRead,
        search_fields=(*_NAMED, "city_zh", "city_en", "description_zh", "description_en"),
        name_fields=_NAMED,
        embed=(*_NAMED, *_PLACE),
        zh_sort="name_zh",
        resource="organizations",
    ),
    Entity(
        "program",
        Program,
        ProgramCreate,
        "slug",
        "programs.yaml",
        read=ProgramRead,
        search_fields=(*_NAMED, "components", "description_zh", "description_en"),
        name_fields=(*_NAMED, "components"),
        embed=_NAMED,
        zh_sort="name_zh",
        resource="programs",
        load=(
            # Only what the read schema shows: lists load these for every row of a page.
            selectinload(Program.organization).load_only(*_SUMMARY),
            with_expression(Program.term_ids, term_ids_column(Program)),
            selectinload(Program.partners)
            .selectinload(ProgramPartner.organization)
            .load_only(*_SUMMARY),
        ),
        children=(
            Child(
                "partners",
                ProgramPartner,
                PartnerCreate,
                owner="program_id",
                render_order=("role", "organization"),
            ),
        ),
        check=_partners_are_not_the_runner,
    ),
    Entity(
        "policy",
        Policy,
        PolicyCreate,
        "slug",
        "policies.yaml",
        read=PolicyRead,
        search_fields=(
            "title_zh",
            "title_en",
            "issuer_zh",
            "issuer_en",
            "summary_zh",
            "summary_en",
        ),
        name_fields=("title_zh", "title_en"),
        zh_sort="title_zh",
        resource="policies",
        load=(selectinload(Policy.terms),),
    ),
    Entity(
        "service_station",
        ServiceStation,
        ServiceStationCreate,
        "slug",
        "service_stations.yaml",
        read=ServiceStationRead,
        search_fields=(*_NAMES, "city_zh", "city_en", "description_zh", "description_en"),
        name_fields=_NAMES,
        zh_sort="name_zh",
        resource="service-stations",
        load=(selectinload(ServiceStation.operator),),
    ),
    Entity(
        "hotline",
        Hotline,
        HotlineCreate,
        "slug",
        "hotlines.yaml",
        read=HotlineRead,
        search_fields=(
            *_NAMES,
            "audience_zh",
            "audience_en",
            "hours_zh",
            "hours_en",
            "description_zh",
            "description_en",
        ),
        name_fields=_NAMES,
        embed=_NAMES,
        zh_sort="name_zh",
        resource="hotlines",
        load=(selectinload(Hotline.operator), selectinload(Hotline.program)),
    ),
    Entity(
        "hotline_metric",
        HotlineMetric,
        HotlineMetricCreate,
        "slug",
        "hotline_metrics.yaml",
        read=HotlineMetricRead,
        search_fields=("period_label_zh", "period_label_en", "note_zh", "note_en"),
        resource="hotline-metrics",
        load=(selectinload(HotlineMetric.hotline),),
    ),
    Entity(
        "figure",
        Figure,
        FigureCreate,
        "slug",
        "figures.yaml",
        read=FigureRead,
        search_fields=(
            "label_zh",
            "label_en",
            "subject",
            "population",
            "base_zh",
            "base_en",
            "period_label_zh",
            "period_label_en",
            "note_zh",
            "note_en",
        ),
        name_fields=("label_zh", "label_en"),
        resource="figures",
        noun="field figure",
        load=(selectinload(Figure.organization), selectinload(Figure.program)),
    ),
]
ENTITIES: dict[str, Entity[Any]] = {e.name: e for e in _ALL}
