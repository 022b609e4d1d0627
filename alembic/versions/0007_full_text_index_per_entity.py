"""one FTS5 table per searchable entity (SQLite)

The shared table matched an entity through an `entity : "program"` phrase, so every ranked
search counted that phrase's documents (most of the table) for bm25, and a search's first
matches in document order mixed in other entities' documents. Each entity now has its own
table over the same `search_documents` rows, kept by triggers that look at the row's entity.
PostgreSQL keeps its GIN index, which filters the entity by column.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 12:40:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The entities' search keys (registry.entities) when this revision was written; an entity
# added later brings its table in its own revision.
KEYS = ("figure", "hotline", "hotlinemetric", "organization", "policy", "program", "servicestation")


def _table(key: str) -> str:
    return f"search_fts_{key}"


def _create(key: str) -> list[str]:
    """The table, its triggers and its filling; `key` is one of KEYS, never input."""
    fts = _table(key)
    add = f"INSERT INTO {fts}(rowid, tokens)"
    remove = f"INSERT INTO {fts}({fts}, rowid, tokens)"
    return [
        f"CREATE VIRTUAL TABLE {fts} USING fts5(tokens, content='search_documents', "
        "content_rowid='id')",
        f"CREATE TRIGGER search_documents_ai_{key} AFTER INSERT ON search_documents "  # noqa: S608
        f"WHEN new.entity = '{key}' BEGIN {add} VALUES (new.id, new.tokens); END",
        f"CREATE TRIGGER search_documents_ad_{key} AFTER DELETE ON search_documents "
        f"WHEN old.entity = '{key}' BEGIN {remove} VALUES ('delete', old.id, old.tokens); END",
        # Old tokens out before new ones in, in one trigger: the order matters to FTS5.
        f"CREATE TRIGGER search_documents_au_{key} AFTER UPDATE ON search_documents "
        f"WHEN old.entity = '{key}' OR new.entity = '{key}' BEGIN "
        f"{remove} SELECT 'delete', old.id, old.tokens WHERE old.entity = '{key}'; "
        f"{add} SELECT new.id, new.tokens WHERE new.entity = '{key}'; END",
        f"{add} SELECT id, tokens FROM search_documents WHERE entity = '{key}'",  # noqa: S608
    ]


SHARED = [
    "CREATE VIRTUAL TABLE search_fts USING fts5(entity, tokens, content='search_documents', "
    "content_rowid='id')",
    "CREATE TRIGGER search_documents_ai AFTER INSERT ON search_documents BEGIN "
    "INSERT INTO search_fts(rowid, entity, tokens) VALUES (new.id, new.entity, new.tokens); END",
    "CREATE TRIGGER search_documents_ad AFTER DELETE ON search_documents BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, entity, tokens) "
    "VALUES ('delete', old.id, old.entity, old.tokens); END",
    "CREATE TRIGGER search_documents_au AFTER UPDATE ON search_documents BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, entity, tokens) "
    "VALUES ('delete', old.id, old.entity, old.tokens); "
    "INSERT INTO search_fts(rowid, entity, tokens) VALUES (new.id, new.entity, new.tokens); END",
    "INSERT INTO search_fts(search_fts) VALUES ('rebuild')",
]


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for trigger in ("ai", "ad", "au"):
        op.execute(f"DROP TRIGGER IF EXISTS search_documents_{trigger}")
    op.execute("DROP TABLE IF EXISTS search_fts")
    for key in KEYS:
        for statement in _create(key):
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for key in KEYS:
        for trigger in ("ai", "ad", "au"):
            op.execute(f"DROP TRIGGER IF EXISTS search_documents_{trigger}_{key}")
        op.execute(f"DROP TABLE IF EXISTS {_table(key)}")
    for statement in SHARED:
        op.execute(statement)
