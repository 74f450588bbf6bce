"""tasks of each imported file

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 19:30:00

Keep each imported file's pending and completed-without-notes tasks, so that a re-import
that skips an unchanged file still reports them. Existing files have none stored until they
are read again (the parser version bump that comes with this revision makes the next import
read every file).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("sources", schema=None) as batch_op:
        batch_op.add_column(sa.Column("tasks", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("sources", schema=None) as batch_op:
        batch_op.drop_column("tasks")
