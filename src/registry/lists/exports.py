"""The export formats, streamed from batches: CSV from rows of cells (`lean.CellReader`
makes them) and NDJSON from rendered items."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from typing import Any

import orjson
from fastapi.responses import StreamingResponse

EXPORT_BATCH = 1000
CSV_TYPE = "text/csv; charset=utf-8"
NDJSON_TYPE = "application/x-ndjson"


# Times as the JSON API writes them (UTC, `Z`); ids and dates are their `str()` already.
JSON_OPTIONS = orjson.OPT_UTC_Z


def csv_response(
    header: list[str], batches: Iterable[list[list[str]]], filename: str
) -> StreamingResponse:
    """A streamed CSV (UTF-8 with a BOM, for Excel) of every row of cells in `batches`."""

    def lines() -> Iterator[bytes]:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(header)
        yield ("\ufeff" + buffer.getvalue()).encode()
        for batch in batches:
            buffer.seek(0)
            buffer.truncate()
            writer.writerows(batch)
            yield buffer.getvalue().encode()

    return StreamingResponse(
        lines(),
        media_type=CSV_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def ndjson_response(
    batches: Iterable[list[dict[str, Any]]], columns: list[str]
) -> StreamingResponse:
    """A streamed NDJSON response: each item's `columns`, one JSON object per line."""

    def lines() -> Iterator[bytes]:
        for batch in batches:
            out = [orjson.dumps({c: i.get(c) for c in columns}, option=JSON_OPTIONS) for i in batch]
            yield b"\n".join(out) + b"\n"

    return StreamingResponse(lines(), media_type=NDJSON_TYPE)
