"""performance indexes

Sort keys get the id tie-breaker in their index, so a page of programs is read off an
index in order; the link table's term index also carries the program, so filters and
facets never visit the table; the redundant record_id index on search documents goes (the
unique (entity, record_id) index serves every lookup). On SQLite the FTS5 table loses its
prefix indexes: they quadrupled the cost of indexing a document, and prefix queries on
Latin words still work without them, by a range scan of the term index.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 22:58:05.769580
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _fts(prefix: str) -> None:
    op.execute("DROP TABLE search_fts")
    op.execute(
        "CREATE VIRTUAL TABLE search_fts USING fts5(entity, tokens, content='search_documents', "
        f"content_rowid='id'{prefix})"
    )
    op.execute("INSERT INTO search_fts(search_fts) VALUES ('rebuild')")


def upgrade() -> None:
    with op.batch_alter_table("program_terms", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_program_terms_term_id"))
        batch_op.create_index(
            "ix_program_terms_term_id_program_id", ["term_id", "program_id"], unique=False
        )

    with op.batch_alter_table("programs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_programs_established_year"))
        batch_op.drop_index(batch_op.f("ix_programs_name_zh_sort"))
        batch_op.create_index(
            "ix_programs_established_year_id", ["established_year", "id"], unique=False
        )
        batch_op.create_index("ix_programs_name_en_id", ["name_en", "id"], unique=False)
        batch_op.create_index("ix_programs_name_zh_sort_id", ["name_zh_sort", "id"], unique=False)

    with op.batch_alter_table("search_documents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_search_documents_record_id"))

    if op.get_bind().dialect.name == "sqlite":
        _fts("")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _fts(", prefix='2 3 4'")

    with op.batch_alter_table("search_documents", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_search_documents_record_id"), ["record_id"], unique=False
        )

    with op.batch_alter_table("programs", schema=None) as batch_op:
        batch_op.drop_index("ix_programs_name_zh_sort_id")
        batch_op.drop_index("ix_programs_name_en_id")
        batch_op.drop_index("ix_programs_established_year_id")
        batch_op.create_index(
            batch_op.f("ix_programs_name_zh_sort"), ["name_zh_sort"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_programs_established_year"), ["established_year"], unique=False
        )

    with op.batch_alter_table("program_terms", schema=None) as batch_op:
        batch_op.drop_index("ix_program_terms_term_id_program_id")
        batch_op.create_index(batch_op.f("ix_program_terms_term_id"), ["term_id"], unique=False)
