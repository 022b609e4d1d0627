"""seed records, case-insensitive codes, search tokens out of reach of queries

`seed_records` keeps what `registry seed` last wrote per record, so a later seed keeps the
edits made since. Vocabulary codes become unique regardless of case. Latin search tokens
gain a `w` mark, so a query word can never address the hex tokens Chinese is indexed as
(`q=u5fc3` no longer finds 心).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 23:40:00
"""

import re
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_CJK_TOKEN = re.compile(r"(?:u[0-9a-f]{4,5})+")
_BATCH = 5000


def _retokenize(mark: bool) -> None:
    """Rewrite every document's tokens in batches; FTS5's triggers follow on SQLite."""
    bind = op.get_bind()
    documents = sa.table("search_documents", sa.column("id"), sa.column("tokens"))
    last = None
    while True:
        query = sa.select(documents.c.id, documents.c.tokens).order_by(documents.c.id)
        if last is not None:
            query = query.where(documents.c.id > last)
        rows = bind.execute(query.limit(_BATCH)).all()
        if not rows:
            return
        updates = []
        for row in rows:
            parts = row.tokens.split()
            if mark:
                new = [t if _CJK_TOKEN.fullmatch(t) else "w" + t for t in parts]
            else:
                new = [t[1:] if t.startswith("w") else t for t in parts]
            updates.append({"doc_id": row.id, "new_tokens": " ".join(new)})
        bind.execute(
            documents.update()
            .where(documents.c.id == sa.bindparam("doc_id"))
            .values(tokens=sa.bindparam("new_tokens")),
            updates,
        )
        last = rows[-1].id


def upgrade() -> None:
    op.create_table(
        "seed_records",
        sa.Column("entity", sa.String(length=32), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("record_id", sa.Uuid(), nullable=False),
        sa.Column("values", sa.JSON(), nullable=False),
        sa.Column("seeded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("entity", "key", name=op.f("pk_seed_records")),
    )
    op.create_index(
        "uq_vocabulary_terms_vocabulary_id_lower_code",
        "vocabulary_terms",
        ["vocabulary_id", sa.text("lower(code)")],
        unique=True,
    )
    _retokenize(mark=True)


def downgrade() -> None:
    _retokenize(mark=False)
    op.drop_index("uq_vocabulary_terms_vocabulary_id_lower_code", table_name="vocabulary_terms")
    op.drop_table("seed_records")
