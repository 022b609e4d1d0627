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
from registry.writes import find, to_create_dict, upsert

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
    """Rows as dicts in create-schema shape; CSV lists are `;`-joined, partners `org:role`.

    A CSV column that is present but blank clears the field; leave the column out to keep it.
    """
    if "csv" in content_type:
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise InvalidInput("the CSV is not UTF-8") from exc
        rows = [_csv_row(entity, row) for row in csv.DictReader(io.StringIO(text))]
    else:
        rows = _json_rows(content)
    if not rows:
        raise InvalidInput("the upload has no rows")
    return rows


def _json_rows(content: bytes) -> list[dict[str, Any]]:
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
        if name is None:
            continue
        value = (raw or "").strip()
        info = fields.get(name)
        if value == "":
            # Blank clears: the field's default (empty list, false) or null.
            out[name] = (
                None
                if info is None or info.is_required()
                else info.get_default(call_default_factory=True)
            )
        elif name == "partners":
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
        """Check and upsert every row; raises nothing, reports everything.

        A row for an existing record changes only the fields it carries (as a PATCH
        would); a row for a new record must be complete. The caller rolls the
        transaction back when any row failed, or for a dry run.
        """
        vocab = VocabIndex.load(self.session)
        seen: dict[str, int] = {}
        for index, row in enumerate(rows, start=1):
            raw_key = row.get(self.entity.key)
            key = None if raw_key is None else str(raw_key)
            if key is not None and key in seen:
                problem = RowProblem(field=f"/{self.entity.key}", reason=f"repeats row {seen[key]}")
                self._error(index, key, [problem])
                continue
            if key is not None:
                seen[key] = index
            existing = find(self.session, self.entity, key) if key is not None else None
            if existing is not None and existing.deleted_at is None:
                row = {**to_create_dict(self.session, self.entity, existing, vocab), **row}
            try:
                data = self.entity.create.model_validate(row)
            except ValidationError as exc:
                self._error(
                    index,
                    key,
                    [
                        RowProblem(field="/" + "/".join(str(p) for p in e["loc"]), reason=e["msg"])
                        for e in exc.errors()
                    ],
                )
                continue
            try:
                _, outcome = upsert(self.session, self.entity, data, vocab, self.actor)
            except RegistryError as exc:
                problems = [
                    RowProblem(field=p.name, reason=p.reason) for p in exc.invalid_params or []
                ]
                self._error(index, key, problems or [RowProblem(field="", reason=exc.detail)])
                continue
            except SQLAlchemyError as exc:
                self._error(
                    index, key, [RowProblem(field="", reason=str(getattr(exc, "orig", exc)))]
                )
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
