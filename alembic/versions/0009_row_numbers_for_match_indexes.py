"""a stable row number for the match index on PostgreSQL

The match index (api/matchindex.py) keeps, for each filter value, a bitmap of row numbers:
SQLite's rowid. PostgreSQL has no stable one (a row's ctid moves when it is updated), so
the tables with a match index get an identity column of the same name, `rowid`, which the
same SQL then reads on both backends. It is numbered by PostgreSQL itself on insert (COPY
included), never changes, and is unique. The models do not map it (SQLite's is implicit);
alembic/env.py keeps autogenerate off it.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 21:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The tables with a match index when this revision was written.
TABLES = ("programs",)


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in TABLES:
        # Existing rows are numbered in the order the table holds them.
        op.execute(f"ALTER TABLE {table} ADD COLUMN rowid bigint GENERATED ALWAYS AS IDENTITY")
        op.create_unique_constraint(f"uq_{table}_rowid", table, ["rowid"])


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in TABLES:
        op.drop_constraint(f"uq_{table}_rowid", table, type_="unique")
        op.execute(f"ALTER TABLE {table} DROP COLUMN rowid")
