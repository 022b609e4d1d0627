"""The registry's entities: model, create schema and natural key, declared once."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from registry.models import (
    Figure,
    Hotline,
    HotlineMetric,
    Organization,
    Policy,
    Program,
    ServiceStation,
    Source,
)
from registry.schemas.common import CreateModel
from registry.schemas.figure import FigureCreate
from registry.schemas.hotline import HotlineCreate, HotlineMetricCreate
from registry.schemas.organization import OrganizationCreate
from registry.schemas.policy import PolicyCreate
from registry.schemas.program import ProgramCreate
from registry.schemas.service_station import ServiceStationCreate
from registry.schemas.source import SourceCreate


@dataclass(frozen=True)
class Entity:
    name: str  # singular, as used by RecordRef
    model: type[Any]  # a mapped class with RecordMixin columns
    create: type[CreateModel]
    key: str  # natural-key column, also the seed file's key field
    seed_file: str
    search_fields: tuple[str, ...] = ()  # create-schema fields whose text `q` searches
    zh_sort: str | None = None  # Chinese field that gets a pinyin `<field>_sort` column
    resource: str | None = None  # its collection under /api/v1/ (and for imports), if any
    noun: str = ""  # what the docs call one record; the name with spaces by default

    @property
    def label(self) -> str:
        return self.noun or self.name.replace("_", " ")

    @property
    def search_key(self) -> str:
        """The entity as one search token (FTS5 would split `hotline_metric` in two)."""
        return self.name.replace("_", "")

    @property
    def key_column(self) -> Any:
        return getattr(self.model, self.key)

    def ref_condition(self, ref: str) -> Any:
        """Match a record by UUID, or else by its natural key."""
        return by_ref(self.model, self.key_column, ref)


def by_ref(model: Any, key_column: Any, ref: str) -> Any:
    try:
        return model.id == uuid.UUID(ref)
    except ValueError:
        return key_column == ref


_NAMES = ("name_zh", "name_en")

# In dependency order: a record is declared after every entity it may refer to, so seeds
# and exports load and write them in this order.
ENTITIES: dict[str, Entity] = {
    e.name: e
    for e in [
        Entity("source", Source, SourceCreate, "key", "sources.yaml"),
        Entity(
            "organization",
            Organization,
            OrganizationCreate,
            "slug",
            "organizations.yaml",
            search_fields=(*_NAMES, "aliases", "city", "description"),
            zh_sort="name_zh",
            resource="organizations",
        ),
        Entity(
            "program",
            Program,
            ProgramCreate,
            "slug",
            "programs.yaml",
            search_fields=(*_NAMES, "aliases", "components", "description"),
            zh_sort="name_zh",
            resource="programs",
        ),
        Entity(
            "policy",
            Policy,
            PolicyCreate,
            "slug",
            "policies.yaml",
            search_fields=("title_zh", "title_en", "issuer_zh", "summary"),
            zh_sort="title_zh",
            resource="policies",
        ),
        Entity(
            "service_station",
            ServiceStation,
            ServiceStationCreate,
            "slug",
            "service_stations.yaml",
            search_fields=(*_NAMES, "city", "description"),
            zh_sort="name_zh",
            resource="service-stations",
        ),
        Entity(
            "hotline",
            Hotline,
            HotlineCreate,
            "slug",
            "hotlines.yaml",
            search_fields=(*_NAMES, "audience", "hours", "description"),
            zh_sort="name_zh",
            resource="hotlines",
        ),
        Entity(
            "hotline_metric",
            HotlineMetric,
            HotlineMetricCreate,
            "slug",
            "hotline_metrics.yaml",
            search_fields=("period_label", "note"),
            resource="hotline-metrics",
        ),
        Entity(
            "figure",
            Figure,
            FigureCreate,
            "slug",
            "figures.yaml",
            search_fields=("subject", "label_en", "population", "period_label", "note"),
            resource="figures",
            noun="field figure",
        ),
    ]
}
