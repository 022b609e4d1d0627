"""columns as long as the create schemas allow

An organization's Chinese name may be 300 characters and its website 2,083 (pydantic's
HttpUrl), as the create schema says; the columns held 200 and 500, so PostgreSQL refused
longer values with a 500.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 12:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("organizations", schema=None) as batch_op:
        batch_op.alter_column(
            "name_zh", existing_type=sa.String(length=200), type_=sa.String(length=300)
        )
        batch_op.alter_column(
            "website", existing_type=sa.String(length=500), type_=sa.String(length=2083)
        )


def downgrade() -> None:
    # Refuse rather than cut: a downgrade must not lose what admins wrote.
    organizations = sa.table(
        "organizations", sa.column("slug"), sa.column("name_zh"), sa.column("website")
    )
    too_long = (
        op.get_bind()
        .execute(
            sa.select(organizations.c.slug).where(
                sa.or_(
                    sa.func.length(organizations.c.name_zh) > 200,
                    sa.func.length(organizations.c.website) > 500,
                )
            )
        )
        .scalars()
        .all()
    )
    if too_long:
        raise RuntimeError(
            "cannot downgrade below 0006: these organizations have a Chinese name over 200 "
            f"characters or a website over 500; shorten them first: {', '.join(too_long)}"
        )
    with op.batch_alter_table("organizations", schema=None) as batch_op:
        batch_op.alter_column(
            "website", existing_type=sa.String(length=2083), type_=sa.String(length=500)
        )
        batch_op.alter_column(
            "name_zh", existing_type=sa.String(length=300), type_=sa.String(length=200)
        )
