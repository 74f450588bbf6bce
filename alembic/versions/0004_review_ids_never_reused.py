"""review ids never reused

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 19:10:00

On SQLite, the reviews table gets AUTOINCREMENT: without it, the id of an undone answer (the
highest one) went to the next answer, so one review number could name two answers. The table
is rebuilt with its rows, indexes and foreign key (a copy of the collection is made before any
migration). PostgreSQL's sequences never reuse an id: nothing to do there.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _rebuild(autoincrement: bool) -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    with op.batch_alter_table("reviews", recreate="always", table_kwargs={"sqlite_autoincrement": autoincrement}):
        pass


def upgrade() -> None:
    _rebuild(True)


def downgrade() -> None:
    _rebuild(False)
