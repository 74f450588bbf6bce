"""import roots and collection settings

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29 06:50:00

Remember the folders a user imports (a bare ``srs import`` rescans them) and keep
collection-wide settings that belong to no preset.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import srs.store.models

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "import_roots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("deck", sa.String(length=500), nullable=True),
        sa.Column("added_at", srs.store.models.UTCDateTime(), nullable=False),
        sa.Column("last_import_at", srs.store.models.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_roots")),
        sa.UniqueConstraint("path", name=op.f("uq_import_roots_path")),
    )
    op.create_table(
        "settings",
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("value", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_settings")),
    )
    with op.batch_alter_table("sources", schema=None) as batch_op:
        batch_op.add_column(sa.Column("root_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_sources_root_id"), ["root_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_sources_root_id_import_roots"), "import_roots", ["root_id"], ["id"], ondelete="SET NULL"
        )


def downgrade() -> None:
    with op.batch_alter_table("sources", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_sources_root_id_import_roots"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_sources_root_id"))
        batch_op.drop_column("root_id")
    op.drop_table("settings")
    op.drop_table("import_roots")
