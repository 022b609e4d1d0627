"""An export read back as an import: what `GET …?format=csv|ndjson` and the JSON lists
write, turned into the create schema's shape, so export, edit, import is a loop.

Exports write what a reader needs: codes as `{code, label…}` objects, linked records as
summaries, provenance as one object (three columns in CSV), every text pair with the one
`lang` picked beside it, and the server's own columns. An import takes all of it back:
objects become their code, slug or key; a picked text must be one of its pair (it is
derived, so it cannot say anything else); and the server's columns must match the record,
so a file exported before someone else's edit cannot undo it unseen.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from registry.entities import Entity
from registry.records.lean import REFERENCE_KEYS
from registry.schemas.common import PICKED

SERVER_OWNED = ("id", "version", "created_at", "updated_at", "deleted_at")
# CSV column names of provenance, as exports write them, to the create schema's fields.
CSV_COLUMNS = {"source_locator_en": "locator_en", "source_locator_zh": "locator_zh"}
# Written by a search export, read by nobody.
OUTPUT_ONLY = ("snippet",)

Problem = tuple[str, str]  # (JSON pointer, reason)


def reshape(
    entity: Entity[Any], row: dict[str, Any], stored: Any
) -> tuple[dict[str, Any], list[Problem]]:
    """`row` in create-schema terms, and what is wrong with its exported-only columns.
    `stored` is the record the row's key names, or None for a new one."""
    out: dict[str, Any] = {}
    problems: list[Problem] = []
    picked = _picked(entity)
    for raw_name, value in row.items():
        name = CSV_COLUMNS.get(raw_name, raw_name)
        if name in SERVER_OWNED:
            problems += _server_owned(name, value, stored)
        elif name in OUTPUT_ONLY:
            continue
        elif name == "provenance" and isinstance(value, dict):
            out |= _provenance(value)
        elif name in picked:
            pair = (row.get(f"{name}_zh"), row.get(f"{name}_en"))
            if value not in (None, "") and value not in pair:
                problems.append(
                    (
                        f"/{name}",
                        f"{name} is the {name}_zh or {name}_en the export's language picked; "
                        f"edit {name}_zh or {name}_en instead",
                    )
                )
        else:
            out[name] = _plain(value)
    return out, problems


def _picked(entity: Entity[Any]) -> set[str]:
    if entity.read is None:
        return set()
    create = entity.create.model_fields
    return {
        n
        for n, i in entity.read.model_fields.items()
        if i.description == PICKED and n not in create
    }


def _plain(value: Any) -> Any:
    """A read-shape value as the create schema takes it: a term as its code, a linked record
    as its slug (or key), and so on inside lists and items."""
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        for key in REFERENCE_KEYS:
            if key in value:
                return value[key]
        return {k: _plain(v) for k, v in value.items()}
    return value


def _provenance(value: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if "source" in value:
        out["source"] = _plain(value["source"])
    for name in ("locator_zh", "locator_en"):
        if name in value:
            out[name] = value[name]
    if "data_quality" in value:
        notes = value["data_quality"] or []
        out["data_quality"] = [
            {k: v for k, v in n.items() if k != "note"} if isinstance(n, dict) else n for n in notes
        ]
    return out


def _server_owned(name: str, value: Any, stored: Any) -> list[Problem]:
    if value in (None, ""):
        return []
    pointer = f"/{name}"
    if stored is None:
        return [(pointer, f"{name} is set by the server: leave it out for a new record")]
    actual = getattr(stored, name)
    if _same(name, value, actual):
        return []
    if name in ("version", "updated_at"):
        reason = (
            f"the record is now at {name} {_shown(actual)}, the file has {value!r}: it changed "
            "after this file was exported; export it again, or leave the column out to "
            "overwrite the change"
        )
    else:
        reason = f"{name} is the server's: the record's is {_shown(actual)}, not {value!r}"
    return [(pointer, reason)]


def _same(name: str, value: Any, actual: Any) -> bool:
    try:
        if name == "id":
            return bool(uuid.UUID(str(value)) == actual)
        if name == "version":
            return bool(int(value) == actual)
        if actual is None:
            return False
        given = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        return bool(given == actual)
    except ValueError:
        return False


def _shown(value: Any) -> str:
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    return repr(value) if isinstance(value, str) else str(value)
