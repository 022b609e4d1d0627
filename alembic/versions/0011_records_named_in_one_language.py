"""a record may be named in Chinese only

`name_en` (and a policy's `title_en`) may be null, so a record can be created with its
Chinese name alone; a CHECK named `named` keeps at least one of `name_zh` and `name_en`.
A downgrade refuses while any record lacks its English name, rather than invent one.

SQLite cannot drop a NOT NULL in place, and a batch rebuild would drop `organizations`,
which RESTRICT foreign keys refuse while programs point at it (foreign keys cannot be
turned off inside the migration's transaction). So on SQLite the tables' stored CREATE
statements are edited, the way SQLite documents for dropping a NOT NULL: nothing on disk
changes, and every row already meets the CHECK added beside it.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 01:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NAMED = ("organizations", "programs", "hotlines", "service_stations")


CHECK = "name_zh IS NOT NULL OR name_en IS NOT NULL"


def _edit_sqlite_schema(edits: dict[str, list[tuple[str, str]]]) -> None:
    """Rewrite tables' stored CREATE statements (each old text must occur once)."""
    bind = op.get_bind()
    version = bind.exec_driver_sql("PRAGMA schema_version").scalar_one()
    bind.exec_driver_sql("PRAGMA writable_schema=ON")
    for table, replacements in edits.items():
        sql = bind.execute(
            sa.text("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = :t"),
            {"t": table},
        ).scalar_one()
        for old, new in replacements:
            if sql.count(old) != 1:
                raise RuntimeError(f"{table}: expected {old!r} once in its CREATE statement")
            sql = sql.replace(old, new)
        bind.execute(
            sa.text("UPDATE sqlite_master SET sql = :sql WHERE type = 'table' AND name = :t"),
            {"sql": sql, "t": table},
        )
    bind.exec_driver_sql(f"PRAGMA schema_version={int(version) + 1}")
    bind.exec_driver_sql("PRAGMA writable_schema=OFF")


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        edits = {
            table: [
                ("name_en VARCHAR(300) NOT NULL", "name_en VARCHAR(300)"),
                (
                    "CONSTRAINT pk_" + table + " PRIMARY KEY (id)",
                    f"CONSTRAINT pk_{table} PRIMARY KEY (id), "
                    f"CONSTRAINT ck_{table}_named CHECK ({CHECK})",
                ),
            ]
            for table in NAMED
        }
        edits["policies"] = [("title_en VARCHAR(500) NOT NULL", "title_en VARCHAR(500)")]
        _edit_sqlite_schema(edits)
        return
    for table in NAMED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column("name_en", existing_type=sa.String(length=300), nullable=True)
            batch_op.create_check_constraint("named", CHECK)
    with op.batch_alter_table("policies", schema=None) as batch_op:
        batch_op.alter_column("title_en", existing_type=sa.String(length=500), nullable=True)


def downgrade() -> None:
    bind = op.get_bind()
    missing = []
    for table, column in [*((t, "name_en") for t in NAMED), ("policies", "title_en")]:
        rows = bind.execute(
            sa.text(f"SELECT slug FROM {table} WHERE {column} IS NULL ORDER BY slug LIMIT 5")  # noqa: S608
        ).scalars()
        missing += [f"{table}/{slug}" for slug in rows]
    if missing:
        raise RuntimeError(
            "cannot downgrade: these records have no English name, which 0010 requires; "
            f"give them one first: {', '.join(missing)}"
        )
    if bind.dialect.name == "sqlite":
        edits = {
            table: [
                ("name_en VARCHAR(300)", "name_en VARCHAR(300) NOT NULL"),
                (f", CONSTRAINT ck_{table}_named CHECK ({CHECK})", ""),
            ]
            for table in NAMED
        }
        edits["policies"] = [("title_en VARCHAR(500)", "title_en VARCHAR(500) NOT NULL")]
        _edit_sqlite_schema(edits)
        return
    with op.batch_alter_table("policies", schema=None) as batch_op:
        batch_op.alter_column("title_en", existing_type=sa.String(length=500), nullable=False)
    for table in NAMED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint("named", type_="check")
            batch_op.alter_column("name_en", existing_type=sa.String(length=300), nullable=False)
