"""a stored tsvector for search (PostgreSQL)

The GIN index was on the expression `to_tsvector('simple', tokens)`: it answered `@@`, but
ranking and any match the planner checked row by row (walking the first matches in id
order for the rank window) parsed each document's tokens again. `search_documents.tsv` is
that vector, generated and stored by PostgreSQL whenever `tokens` is written (COPY
included), kept in the row, and the GIN index is on it. The index keeps its name, the one
the naming convention gives an index on `tsv`. The models do not map the column (SQLite has
none; alembic/env.py keeps autogenerate off it); SQLite keeps its FTS5 tables.

The upgrade rewrites the table under an exclusive lock: 25 s at 100k programs.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04 20:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEX = "ix_search_documents_tsv"
VECTOR = "to_tsvector('simple'::regconfig, tokens)"


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    # Dropped first: adding a stored column rewrites the table and rebuilds its indexes,
    # and this one would parse every document once more.
    op.drop_index(INDEX, table_name="search_documents")
    # Kept in the row (MAIN), not in the TOAST table: for a common word the planner scans
    # the table and tests every row's vector, not counting the TOAST lookups, which made
    # 留守's count at 100k three times slower. One statement, so the one rewrite does it.
    op.execute(
        f"ALTER TABLE search_documents ADD COLUMN tsv tsvector GENERATED ALWAYS AS ({VECTOR}) "
        "STORED, ALTER COLUMN tsv SET STORAGE MAIN"
    )
    op.create_index(INDEX, "search_documents", ["tsv"], postgresql_using="gin")
    # The planner has no statistics for a new column until the table is analyzed, and
    # guesses the share of matches; they are a sample, a second at 100k documents.
    op.execute("ANALYZE search_documents")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_index(INDEX, table_name="search_documents")
    op.drop_column("search_documents", "tsv")
    op.create_index(INDEX, "search_documents", [sa.text(VECTOR)], postgresql_using="gin")
    op.execute("ANALYZE search_documents")  # statistics on the expression
