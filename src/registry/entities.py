"""The registry's entities: model, create schema and natural key, declared once."""

from __future__ import annotations

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
from registry.models.base import Base
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
    model: type[Base]
    create: type[CreateModel]
    key: str  # natural-key column, also the seed file's key field
    seed_file: str

    @property
    def key_column(self) -> Any:
        return getattr(self.model, self.key)


ENTITIES: dict[str, Entity] = {
    e.name: e
    for e in [
        Entity("source", Source, SourceCreate, "key", "sources.yaml"),
        Entity("organization", Organization, OrganizationCreate, "slug", "organizations.yaml"),
        Entity("program", Program, ProgramCreate, "slug", "programs.yaml"),
        Entity("policy", Policy, PolicyCreate, "slug", "policies.yaml"),
        Entity(
            "service_station", ServiceStation, ServiceStationCreate, "slug", "service_stations.yaml"
        ),
        Entity("hotline", Hotline, HotlineCreate, "slug", "hotlines.yaml"),
        Entity(
            "hotline_metric", HotlineMetric, HotlineMetricCreate, "slug", "hotline_metrics.yaml"
        ),
        Entity("figure", Figure, FigureCreate, "slug", "figures.yaml"),
    ]
}
