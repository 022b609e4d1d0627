"""Bulk import of one entity type from JSON or CSV: validated row by row, all or nothing."""

from __future__ import annotations

import csv
import io
import typing
from dataclasses import dataclass, field
from typing import Any

import orjson
from pydantic import BaseModel, Field, ValidationError
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from registry.entities import ENTITIES, Entity
from registry.errors import InvalidInput, InvalidParam, RegistryError
from registry.vocab import VocabIndex
from registry.writes import upsert

# The names the API uses for each importable entity.
RESOURCES = {
    "organizations": "organization",
    "programs": "program",
    "policies": "policy",
    "service-stations": "service_station",
    "hotlines": "hotline",
    "hotline-metrics": "hotline_metric",
    "figures": "figure",
}


class RowProblem(BaseModel):
    field: str
    reason: str


class RowReport(BaseModel):
    row: int = Field(description="1-based row of the upload (CSV: not counting the header).")
    key: str | None
    outcome: str = Field(description="created, updated, unchanged, or error.")
    errors: list[RowProblem] = Field(default_factory=list)


class ImportReport(BaseModel):
    entity: str
    dry_run: bool
    written: bool
    counts: dict[str, int]
    rows: list[RowReport]


def parse(entity: Entity, content: bytes, content_type: str) -> list[dict[str, Any]]:
    """Rows as dicts in create-schema shape; CSV lists are `;`-joined, partners `org:role`."""
    if "csv" in content_type:
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise InvalidInput("the CSV is not UTF-8") from exc
        return [_csv_row(entity, row) for row in csv.DictReader(io.StringIO(text))]
    try:
        data = orjson.loads(content)
    except orjson.JSONDecodeError as exc:
        raise InvalidInput(f"the body is not JSON: {exc}") from exc
    if isinstance(data, dict) and isinstance(data.get("items"), list):
        data = data["items"]
    if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
        raise InvalidInput('send a JSON list of objects (or {"items": [...]})')
    return typing.cast(list[dict[str, Any]], data)


def _is_list(annotation: Any) -> bool:
    if typing.get_origin(annotation) is list:
        return True
    return any(_is_list(a) for a in typing.get_args(annotation))


def _csv_row(entity: Entity, row: dict[str, str | None]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    fields = entity.create.model_fields
    for name, raw in row.items():
        value = (raw or "").strip()
        if value == "" or name is None:
            continue
        info = fields.get(name)
        if name == "partners":
            out[name] = [
                dict(zip(("organization", "role"), p.split(":", 1), strict=False))
                for p in value.split(";")
                if p
            ]
        elif name == "data_quality" or (value[:1] in "[{" and info and _is_list(info.annotation)):
            out[name] = orjson.loads(value)
        elif info is not None and _is_list(info.annotation):
            out[name] = [v.strip() for v in value.split(";") if v.strip()]
        else:
            out[name] = value  # Pydantic coerces numbers, booleans and dates from text
    return out


@dataclass
class Importer:
    session: Session
    entity: Entity
    actor: str
    reports: list[RowReport] = field(default_factory=list)

    def run(self, rows: list[dict[str, Any]]) -> ImportReport:
        """Validate every row, then upsert them; raises nothing, reports everything."""
        checked: list[tuple[int, BaseModel]] = []
        for index, row in enumerate(rows, start=1):
            key = row.get(self.entity.key)
            try:
                checked.append((index, self.entity.create.model_validate(row)))
            except ValidationError as exc:
                self._error(
                    index,
                    key,
                    [
                        RowProblem(field="/" + "/".join(str(p) for p in e["loc"]), reason=e["msg"])
                        for e in exc.errors()
                    ],
                )
        seen: dict[str, int] = {}
        for index, data in checked:
            key = str(getattr(data, self.entity.key))
            if key in seen:
                self._error(
                    index,
                    key,
                    [RowProblem(field=f"/{self.entity.key}", reason=f"repeats row {seen[key]}")],
                )
                continue
            seen[key] = index
        # Rows that passed the schema are still written (in a transaction the caller rolls
        # back on any error), so references and keys are reported for every row at once.
        failed = {r.row for r in self.reports}
        vocab = VocabIndex.load(self.session)
        for index, data in checked:
            if index in failed:
                continue
            key = str(getattr(data, self.entity.key))
            try:
                _, outcome = upsert(self.session, self.entity, data, vocab, self.actor)
            except RegistryError as exc:
                problems = [
                    RowProblem(field=p.name, reason=p.reason) for p in exc.invalid_params or []
                ]
                self._error(index, key, problems or [RowProblem(field="", reason=exc.detail)])
                continue
            except SQLAlchemyError as exc:
                reason = str(getattr(exc, "orig", exc))
                self._error(index, key, [RowProblem(field="", reason=reason)])
                break
            self.reports.append(RowReport(row=index, key=key, outcome=outcome))
        self.reports.sort(key=lambda r: r.row)
        counts = {o: 0 for o in ("created", "updated", "unchanged", "error")}
        for report in self.reports:
            counts[report.outcome] += 1
        return ImportReport(
            entity=self.entity.name, dry_run=False, written=False, counts=counts, rows=self.reports
        )

    def _error(self, index: int, key: Any, problems: list[RowProblem]) -> None:
        self.reports.append(
            RowReport(
                row=index, key=None if key is None else str(key), outcome="error", errors=problems
            )
        )


def import_failure(report: ImportReport) -> InvalidInput:
    params = [
        InvalidParam(name=f"row {r.row}{p.field}", reason=p.reason)
        for r in report.rows
        if r.outcome == "error"
        for p in r.errors
    ]
    return InvalidInput(
        f"{report.counts['error']} row(s) failed; nothing was written", invalid_params=params
    )


def entity_for(resource: str) -> Entity:
    name = RESOURCES.get(resource) or (resource if resource in ENTITIES else None)
    if name is None or name == "source":
        raise InvalidInput(
            f"cannot import {resource!r}; use one of {', '.join(RESOURCES)}",
            invalid_params=[InvalidParam(name="entity", reason="unknown")],
        )
    return ENTITIES[name]
