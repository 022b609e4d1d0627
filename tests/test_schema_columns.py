"""What the registry accepts, the database can hold: every text field a create schema takes
(the one validator of API bodies, seeds and imports) is no longer, by its JSON-schema
`maxLength`, than the column the migrations made for it. A longer schema limit lets
PostgreSQL refuse the row, which would answer 500."""

from __future__ import annotations

from typing import Any

from sqlalchemy import String, inspect

from registry.db import make_engine
from registry.entities import ENTITIES
from registry.records.markers import fields


def _max_length(schema: dict[str, Any]) -> int | None:
    for option in [schema, *schema.get("anyOf", [])]:
        if "maxLength" in option:
            return int(option["maxLength"])
    return None


def test_text_columns_hold_the_longest_text_the_schemas_accept(seeded_url: str) -> None:
    engine = make_engine(seeded_url)
    try:
        inspector = inspect(engine)
        checked = []
        too_short = []
        for entity in ENTITIES.values():
            create = entity.create.model_json_schema()
            table = entity.model.__table__.name
            columns = {c["name"]: c["type"] for c in inspector.get_columns(table)}
            for field in fields(entity.create):
                limit = _max_length(create["properties"].get(field.name, {}))
                column = columns.get(field.column)
                if field.markers or limit is None:
                    continue  # a reference is stored as the id it resolves to
                if not isinstance(column, String) or column.length is None:
                    continue
                checked.append(f"{table}.{field.column}")
                if column.length < limit:
                    too_short.append(f"{table}.{field.column}: {column.length} < {limit}")
    finally:
        engine.dispose()
    assert "organizations.name_zh" in checked and len(checked) > 20, checked
    assert too_short == []
