"""The export formats: CSV (UTF-8 with a BOM, lists joined with `;`, provenance in three
columns) and NDJSON, streamed from batches of rendered items."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

import orjson
from fastapi.responses import StreamingResponse

EXPORT_BATCH = 1000
CSV_TYPE = "text/csv; charset=utf-8"
NDJSON_TYPE = "application/x-ndjson"


# Times as the JSON API writes them (UTC, `Z`); ids and dates are their `str()` already.
JSON_OPTIONS = orjson.OPT_UTC_Z


def _flat(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        text: str = orjson.dumps(value, option=JSON_OPTIONS).decode()
        return text[1:-1]
    if isinstance(value, dict):
        for key in ("code", "slug", "key"):
            if key in value:
                return str(value[key])
        return orjson.dumps(value, option=JSON_OPTIONS).decode()
    if isinstance(value, list):
        return ";".join(_flat(v) for v in value)
    return str(value)


def csv_row(item: dict[str, Any], columns: list[str]) -> list[str]:
    row = []
    for name in columns:
        if name == "provenance":
            prov = item.get("provenance") or {}
            row += [
                _flat(prov.get("source")),
                prov.get("locator") or "",
                ";".join(n["issue"] for n in prov.get("data_quality", [])),
            ]
        else:
            row.append(_flat(item.get(name)))
    return row


def csv_header(columns: list[str]) -> list[str]:
    header = []
    for name in columns:
        header += ["source", "source_locator", "data_quality"] if name == "provenance" else [name]
    return header


def stream(
    batches: Iterable[list[dict[str, Any]]], columns: list[str], kind: str, filename: str
) -> StreamingResponse:
    """A streamed `csv` or `ndjson` response of every item in `batches`."""

    def csv_stream() -> Iterator[bytes]:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(csv_header(columns))
        yield ("\ufeff" + buffer.getvalue()).encode()
        for batch in batches:
            buffer.seek(0)
            buffer.truncate()
            for item in batch:
                writer.writerow(csv_row(item, columns))
            yield buffer.getvalue().encode()

    def ndjson_stream() -> Iterator[bytes]:
        for batch in batches:
            lines = [
                orjson.dumps({c: i.get(c) for c in columns}, option=JSON_OPTIONS) for i in batch
            ]
            yield b"\n".join(lines) + b"\n"

    if kind == "csv":
        return StreamingResponse(
            csv_stream(),
            media_type=CSV_TYPE,
            headers={"Content-Disposition": f'attachment; filename="{filename}"'},
        )
    return StreamingResponse(ndjson_stream(), media_type=NDJSON_TYPE)
