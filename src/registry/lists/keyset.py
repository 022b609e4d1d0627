"""Keyset order: sort keys, the SQL for "rows after this one", and the opaque cursors that
carry a row's key values from one page to the next, checked value by value."""

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import orjson
from sqlalchemy import ColumnElement, and_, false, or_
from sqlalchemy.sql import Subquery
from sqlalchemy.types import TypeDecorator

from registry.errors import invalid_param


@dataclass(frozen=True)
class SortKey:
    name: str
    expr: Any
    desc: bool


def parse_sort(
    sorts: dict[str, Any],
    default: list[str],
    id_column: Any,
    sort: str | None,
    search: Subquery | None,
) -> list[SortKey]:
    """Sort keys from a `sort` parameter (`-` for descending), the id last as tie-breaker."""
    names = sort.split(",") if sort else None
    if names is None:
        names = ["relevance"] if search is not None else default
    keys = []
    for raw in names:
        name = raw.lstrip("-")
        if name == "relevance":
            if search is None:
                raise invalid_param("sort", "relevance needs q")
            expr = search.c.rank
        elif name in sorts:
            expr = sorts[name]
        else:
            allowed = ", ".join(sorted([*sorts, "relevance"]))
            raise invalid_param("sort", f"unknown sort key {name!r}; use one of {allowed}")
        keys.append(SortKey(name, expr, raw.startswith("-")))
    keys.append(SortKey("id", id_column, False))
    return keys


def order_by(keys: list[SortKey]) -> list[Any]:
    return [(k.expr.desc() if k.desc else k.expr.asc()).nulls_last() for k in keys]


def after(keys: list[SortKey], values: list[Any]) -> ColumnElement[bool]:
    """Rows strictly after `values` in the order of `keys` (nulls last either way)."""
    condition: ColumnElement[bool] | None = None
    for key, value in reversed(list(zip(keys, values, strict=True))):
        if value is None:
            beyond: ColumnElement[bool] = false()
            equal = key.expr.is_(None)
        else:
            beyond = or_(key.expr < value if key.desc else key.expr > value, key.expr.is_(None))
            equal = key.expr == value
        condition = beyond if condition is None else or_(beyond, and_(equal, condition))
    assert condition is not None
    return condition


def after_in_order(keys: list[SortKey], values: list[Any]) -> list[ColumnElement[bool]]:
    """`after(keys, values)` as conditions to walk one after the other, each of which an
    index on the keys can seek to: `after` alone is an OR (a null first key sorts last),
    which PostgreSQL filters row by row from the index's first entry instead.

    With a first value, the rows after it where the first key is not null, bounded by
    `key >= value` (`<=` descending), then every row whose first key is null; without one,
    `after` itself, which then needs the first key to be null."""
    first, value = keys[0], values[0]
    if value is None:
        return [after(keys, values)]
    bound = first.expr <= value if first.desc else first.expr >= value
    return [and_(bound, after(keys, values)), first.expr.is_(None)]


def _encode(value: Any) -> Any:
    if isinstance(value, uuid.UUID):
        return {"u": str(value)}
    if isinstance(value, datetime):
        return {"dt": value.isoformat()}
    if isinstance(value, date):
        return {"d": value.isoformat()}
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, dict):
        if len(value) != 1:
            raise ValueError("bad value")
        ((tag, raw),) = value.items()
        if not isinstance(raw, str):
            raise ValueError("bad value")
        if tag == "u":
            return uuid.UUID(raw)
        if tag == "dt":
            # Comparable in UTC: the column binds it so, and the edges of time overflow.
            parsed = datetime.fromisoformat(raw)
            if parsed.tzinfo is None:
                raise ValueError("naive datetime")
            return parsed.astimezone(UTC)
        if tag == "d":
            return date.fromisoformat(raw)
        raise ValueError("bad value")
    if isinstance(value, list):
        raise ValueError("bad value")
    return value


def encode_cursor(keys: list[SortKey], values: list[Any]) -> str:
    payload = {
        "s": [("-" if k.desc else "") + k.name for k in keys],
        "v": [_encode(v) for v in values],
    }
    return base64.urlsafe_b64encode(orjson.dumps(payload)).decode().rstrip("=")


def decode_cursor(keys: list[SortKey], cursor: str) -> list[Any]:
    try:
        payload = orjson.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        values = [_decode(v) for v in payload["v"]]
        signature = payload["s"]
    except (ValueError, KeyError, TypeError, OverflowError) as exc:
        raise invalid_param("cursor", "invalid cursor: not one this API issued") from exc
    if signature != [("-" if k.desc else "") + k.name for k in keys] or len(values) != len(keys):
        raise invalid_param("cursor", "invalid cursor: it belongs to a different sort order")
    for key, value in zip(keys, values, strict=True):
        if not _fits(key, value):
            raise invalid_param("cursor", f"invalid cursor: bad value for sort key {key.name!r}")
    return values


_INT32 = 2**31 - 1
_INT53 = 2**53  # floats hold integers exactly up to here


def _fits(key: SortKey, value: Any) -> bool:
    """A cursor value has the type of its sort key's column, so SQL can compare it."""
    if value is None:
        return key.name != "id"
    column_type = key.expr.type
    if isinstance(column_type, TypeDecorator):
        column_type = column_type.impl_instance
    try:
        expected = column_type.python_type
    except NotImplementedError:
        return False
    if isinstance(value, bool):
        return expected is bool
    if expected is float:
        return isinstance(value, float) or (isinstance(value, int) and abs(value) <= _INT53)
    if expected is int:
        return isinstance(value, int) and abs(value) <= _INT32
    if expected is datetime:
        return isinstance(value, datetime) and value.tzinfo is not None
    if expected is date:
        return isinstance(value, date) and not isinstance(value, datetime)
    if expected is str:
        return isinstance(value, str) and len(value) <= 2000 and "\x00" not in value
    # A column of no known Python type takes no cursor value (fail closed).
    return expected is not object and isinstance(value, expected)
