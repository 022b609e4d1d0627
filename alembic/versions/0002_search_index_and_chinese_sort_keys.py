"""search index and chinese sort keys

Adds the search token table with its backend-specific full-text index (an external-content
FTS5 table kept in sync by triggers on SQLite, a GIN expression index on PostgreSQL), and
pinyin sort keys for Chinese names.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 20:38:18.029266
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Entity and tokens are both indexed, so one MATCH narrows by entity and by text at once.
SQLITE_FTS = [
    "CREATE VIRTUAL TABLE search_fts USING fts5(entity, tokens, content='search_documents', "
    "content_rowid='id', prefix='2 3 4')",
    "CREATE TRIGGER search_documents_ai AFTER INSERT ON search_documents BEGIN "
    "INSERT INTO search_fts(rowid, entity, tokens) VALUES (new.id, new.entity, new.tokens); END",
    "CREATE TRIGGER search_documents_ad AFTER DELETE ON search_documents BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, entity, tokens) "
    "VALUES ('delete', old.id, old.entity, old.tokens); END",
    "CREATE TRIGGER search_documents_au AFTER UPDATE ON search_documents BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, entity, tokens) "
    "VALUES ('delete', old.id, old.entity, old.tokens); "
    "INSERT INTO search_fts(rowid, entity, tokens) VALUES (new.id, new.entity, new.tokens); END",
]


def upgrade() -> None:
    op.create_table(
        "search_documents",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("entity", sa.String(length=32), nullable=False),
        sa.Column("record_id", sa.Uuid(), nullable=False),
        sa.Column("tokens", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_documents")),
        sa.UniqueConstraint(
            "entity", "record_id", name=op.f("uq_search_documents_entity_record_id")
        ),
    )
    with op.batch_alter_table("search_documents", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_search_documents_record_id"), ["record_id"], unique=False
        )

    with op.batch_alter_table("hotlines", schema=None) as batch_op:
        batch_op.add_column(sa.Column("name_zh_sort", sa.String(length=1000), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_hotlines_name_zh_sort"), ["name_zh_sort"], unique=False
        )

    with op.batch_alter_table("organizations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("name_zh_sort", sa.String(length=1000), nullable=True))
        batch_op.drop_index(batch_op.f("ix_organizations_name_zh"))
        batch_op.create_index(
            batch_op.f("ix_organizations_name_zh_sort"), ["name_zh_sort"], unique=False
        )

    with op.batch_alter_table("policies", schema=None) as batch_op:
        batch_op.add_column(sa.Column("title_zh_sort", sa.String(length=1000), nullable=True))
        batch_op.drop_index(batch_op.f("ix_policies_title_zh"))
        batch_op.create_index(
            batch_op.f("ix_policies_title_zh_sort"), ["title_zh_sort"], unique=False
        )

    with op.batch_alter_table("programs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("name_zh_sort", sa.String(length=1000), nullable=True))
        batch_op.drop_index(batch_op.f("ix_programs_name_zh"))
        batch_op.create_index(
            batch_op.f("ix_programs_name_zh_sort"), ["name_zh_sort"], unique=False
        )

    with op.batch_alter_table("service_stations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("name_zh_sort", sa.String(length=1000), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_service_stations_name_zh_sort"), ["name_zh_sort"], unique=False
        )

    with op.batch_alter_table("hotline_metrics", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("date_precision", sa.String(length=8), nullable=False, server_default="day")
        )
        batch_op.create_check_constraint(
            "date_precision", "date_precision IN ('day', 'month', 'year')"
        )
    with op.batch_alter_table("hotline_metrics", schema=None) as batch_op:
        batch_op.alter_column("date_precision", server_default=None)

    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for statement in SQLITE_FTS:
            op.execute(statement)
    elif bind.dialect.name == "postgresql":
        op.execute(
            "CREATE INDEX ix_search_documents_tsv ON search_documents "
            "USING gin (to_tsvector('simple'::regconfig, tokens))"
        )


def downgrade() -> None:
    with op.batch_alter_table("hotline_metrics", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_hotline_metrics_date_precision"), type_="check")
        batch_op.drop_column("date_precision")

    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for trigger in ("ai", "ad", "au"):
            op.execute(f"DROP TRIGGER IF EXISTS search_documents_{trigger}")
        op.execute("DROP TABLE IF EXISTS search_fts")
    elif bind.dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_search_documents_tsv")
    with op.batch_alter_table("service_stations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_service_stations_name_zh_sort"))
        batch_op.drop_column("name_zh_sort")

    with op.batch_alter_table("programs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_programs_name_zh_sort"))
        batch_op.create_index(batch_op.f("ix_programs_name_zh"), ["name_zh"], unique=False)
        batch_op.drop_column("name_zh_sort")

    with op.batch_alter_table("policies", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_policies_title_zh_sort"))
        batch_op.create_index(batch_op.f("ix_policies_title_zh"), ["title_zh"], unique=False)
        batch_op.drop_column("title_zh_sort")

    with op.batch_alter_table("organizations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_organizations_name_zh_sort"))
        batch_op.create_index(batch_op.f("ix_organizations_name_zh"), ["name_zh"], unique=False)
        batch_op.drop_column("name_zh_sort")

    with op.batch_alter_table("hotlines", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_hotlines_name_zh_sort"))
        batch_op.drop_column("name_zh_sort")

    with op.batch_alter_table("search_documents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_search_documents_record_id"))

    op.drop_table("search_documents")
