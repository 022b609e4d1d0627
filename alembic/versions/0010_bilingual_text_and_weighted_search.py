"""every free text in Chinese and English; search documents with their names apart

Each free-text column becomes a pair: the existing column, which held English, is renamed
`<name>_en` and a `<name>_zh` column is added beside it (descriptions, summaries, notes,
cities, period labels, a hotline's audience and hours, a source's publisher). Figures gain a
Chinese label and the base a stated figure is counted within; policies gain the English of
their printed issuer. Data-quality notes, kept as JSON, have their `note` renamed `note_en`.

Search documents keep a record's names apart from the rest of what it is known by, so a
match in a name ranks first: FTS5 tables get a `names` column (bm25 weighs it above
`tokens`) and PostgreSQL's stored vector gives the names weight A. The documents are
written again by `registry reindex` (the seed command runs it), since what they hold is
the application's to decide.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 21:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TEXT = sa.Text()
# The tables with provenance: a locator each, and data-quality notes kept as JSON.
NOTED = (
    "organizations",
    "programs",
    "hotlines",
    "hotline_metrics",
    "service_stations",
    "policies",
    "figures",
)
# (table, column, type): the column is renamed <column>_en and <column>_zh is added.
PAIRED = [
    ("organizations", "description", TEXT),
    ("organizations", "city", sa.String(100)),
    ("programs", "description", TEXT),
    ("hotlines", "description", TEXT),
    ("hotlines", "audience", sa.String(500)),
    ("hotlines", "hours", sa.String(200)),
    ("service_stations", "description", TEXT),
    ("service_stations", "city", sa.String(100)),
    ("policies", "summary", TEXT),
    ("figures", "note", TEXT),
    ("figures", "period_label", sa.String(200)),
    ("hotline_metrics", "note", TEXT),
    ("hotline_metrics", "period_label", sa.String(200)),
    ("sources", "description", TEXT),
    ("sources", "publisher", sa.String(300)),
    ("vocabularies", "description", TEXT),
    ("vocabulary_terms", "description", TEXT),
    *((table, "source_locator", sa.String(300)) for table in NOTED),
]
ADDED = [
    ("figures", sa.Column("label_zh", sa.String(300))),
    ("figures", sa.Column("base_value", sa.Double())),
    ("figures", sa.Column("base_en", sa.String(200))),
    ("figures", sa.Column("base_zh", sa.String(200))),
    ("policies", sa.Column("issuer_en", sa.String(200))),
]
# The seed loader's bases (`seed_records.values`) are in seed-file terms, keyed by entity:
# they get the same renames, and the new fields as null (what the last seed left there), so
# the next `registry seed` takes the files' new texts instead of calling every one a clash.
SEEDED = {
    "organization": "organizations",
    "program": "programs",
    "hotline": "hotlines",
    "hotline_metric": "hotline_metrics",
    "service_station": "service_stations",
    "policy": "policies",
    "figure": "figures",
    "source": "sources",
    "vocabulary_term": "vocabulary_terms",
}
KEYS = ("figure", "hotline", "hotlinemetric", "organization", "policy", "program", "servicestation")
VECTOR = "to_tsvector('simple'::regconfig, tokens)"
WEIGHTED = (
    "setweight(to_tsvector('simple'::regconfig, names), 'A') || "
    "to_tsvector('simple'::regconfig, tokens)"
)
INDEX = "ix_search_documents_tsv"


def _rename(table: str, old: str, new: str) -> None:
    # Both backends rename in place (SQLite since 3.25), keeping the data and the indexes.
    op.execute(f'ALTER TABLE {table} RENAME COLUMN "{old}" TO "{new}"')


def _rename_notes(old: str, new: str) -> None:
    bind = op.get_bind()
    for name in NOTED:
        table = sa.table(name, sa.column("id", sa.Uuid()), sa.column("data_quality", sa.JSON()))
        for record_id, notes in bind.execute(sa.select(table.c.id, table.c.data_quality)):
            if not notes or not any(old in n for n in notes):
                continue
            renamed = [{(new if k == old else k): v for k, v in n.items()} for n in notes]
            bind.execute(table.update().where(table.c.id == record_id).values(data_quality=renamed))


def _seed_bases(forward: bool) -> None:
    bind = op.get_bind()
    table = sa.table(
        "seed_records", sa.column("entity"), sa.column("key"), sa.column("values", sa.JSON())
    )
    for entity, key, values in bind.execute(
        sa.select(table.c.entity, table.c.key, table.c["values"])
    ):
        if entity not in SEEDED or not isinstance(values, dict):
            continue
        renamed = _base(SEEDED[entity], values, forward)
        if renamed != values:
            bind.execute(
                table.update()
                .where(table.c.entity == entity, table.c.key == key)
                .values({"values": renamed})
            )


def _base(table: str, values: dict[str, object], forward: bool) -> dict[str, object]:
    out = dict(values)
    for paired_table, column, _ in PAIRED:
        if paired_table != table:
            continue
        old, new = (column, f"{column}_en") if forward else (f"{column}_en", column)
        if old in out:
            out[new] = out.pop(old)
            if forward:
                out[f"{column}_zh"] = None
            else:
                out.pop(f"{column}_zh", None)
    for added_table, added in ADDED:
        if added_table == table:
            if forward:
                out.setdefault(str(added.name), None)
            else:
                out.pop(str(added.name), None)
    # Seed files name the locator `locator`, stored as `source_locator`.
    old, new = ("locator", "locator_en") if forward else ("locator_en", "locator")
    if old in out:
        out[new] = out.pop(old)
        if forward:
            out["locator_zh"] = None
        else:
            out.pop("locator_zh", None)
    notes = out.get("data_quality")
    if isinstance(notes, list):
        old, new = ("note", "note_en") if forward else ("note_en", "note")
        out["data_quality"] = [
            {(new if k == old else k): v for k, v in n.items() if forward or k != "note_zh"}
            if isinstance(n, dict)
            else n
            for n in notes
        ]
    return out


def _fts(key: str, columns: tuple[str, ...]) -> list[str]:
    fts = f"search_fts_{key}"
    cols = ", ".join(columns)
    new = ", ".join(f"new.{c}" for c in columns)
    old = ", ".join(f"old.{c}" for c in columns)
    add = f"INSERT INTO {fts}(rowid, {cols})"
    remove = f"INSERT INTO {fts}({fts}, rowid, {cols})"
    return [
        f"DROP TRIGGER IF EXISTS search_documents_ai_{key}",
        f"DROP TRIGGER IF EXISTS search_documents_ad_{key}",
        f"DROP TRIGGER IF EXISTS search_documents_au_{key}",
        f"DROP TABLE IF EXISTS {fts}",
        f"CREATE VIRTUAL TABLE {fts} USING fts5({cols}, content='search_documents', "
        "content_rowid='id')",
        f"CREATE TRIGGER search_documents_ai_{key} AFTER INSERT ON search_documents "  # noqa: S608
        f"WHEN new.entity = '{key}' BEGIN {add} VALUES (new.id, {new}); END",
        f"CREATE TRIGGER search_documents_ad_{key} AFTER DELETE ON search_documents "
        f"WHEN old.entity = '{key}' BEGIN {remove} VALUES ('delete', old.id, {old}); END",
        f"CREATE TRIGGER search_documents_au_{key} AFTER UPDATE ON search_documents "
        f"WHEN old.entity = '{key}' OR new.entity = '{key}' BEGIN "
        f"{remove} SELECT 'delete', old.id, {old} WHERE old.entity = '{key}'; "
        f"{add} SELECT new.id, {new} WHERE new.entity = '{key}'; END",
        f"{add} SELECT id, {cols} FROM search_documents WHERE entity = '{key}'",  # noqa: S608
    ]


def _vector(expression: str) -> None:
    op.drop_index(INDEX, table_name="search_documents")
    op.execute("ALTER TABLE search_documents DROP COLUMN tsv")
    op.execute(
        f"ALTER TABLE search_documents ADD COLUMN tsv tsvector GENERATED ALWAYS AS "
        f"({expression}) STORED, ALTER COLUMN tsv SET STORAGE MAIN"
    )
    op.create_index(INDEX, "search_documents", ["tsv"], postgresql_using="gin")
    op.execute("ANALYZE search_documents")


def upgrade() -> None:
    for table, column, type_ in PAIRED:
        _rename(table, column, f"{column}_en")
        op.add_column(table, sa.Column(f"{column}_zh", type_))
    for table, column in ADDED:
        op.add_column(table, column)
    _rename_notes("note", "note_en")
    _seed_bases(forward=True)
    op.add_column(
        "search_documents",
        sa.Column("names", sa.Text(), nullable=False, server_default=sa.text("''")),
    )
    if op.get_bind().dialect.name == "sqlite":
        for key in KEYS:
            for statement in _fts(key, ("names", "tokens")):
                op.execute(statement)
    else:
        _vector(WEIGHTED)


def _refuse_if_written() -> None:
    """A downgrade must not lose what admins wrote: the Chinese texts have no older home."""
    bind = op.get_bind()
    columns = [(t, f"{c}_zh") for t, c, _ in PAIRED] + [(t, c.name) for t, c in ADDED]
    for table, column in columns:
        found = bind.execute(
            sa.text(f"SELECT 1 FROM {table} WHERE {column} IS NOT NULL LIMIT 1")  # noqa: S608
        ).first()
        if found is not None:
            raise RuntimeError(
                f"{table}.{column} holds values revision 0009 has no column for; "
                "export them (registry export) before downgrading, or keep 0010"
            )


def downgrade() -> None:
    _refuse_if_written()
    if op.get_bind().dialect.name == "sqlite":
        for key in KEYS:
            for statement in _fts(key, ("tokens",)):
                op.execute(statement)
    else:
        _vector(VECTOR)
    op.execute("ALTER TABLE search_documents DROP COLUMN names")
    _rename_notes("note_en", "note")
    _seed_bases(forward=False)
    for table, column in reversed(ADDED):
        op.execute(f"ALTER TABLE {table} DROP COLUMN {column.name}")
    for table, column, _ in reversed(PAIRED):
        op.execute(f"ALTER TABLE {table} DROP COLUMN {column}_zh")
        _rename(table, f"{column}_en", column)
