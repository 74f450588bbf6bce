"""active cards index

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06 06:10:00

A partial index over the cards that are not retired, by deck, state, suspension, due date and
burial (``retired_at`` last, always NULL in it: it makes the index covering for SQLite, which
does not infer that from the index's WHERE): ``srs status`` counts each deck's cards by state
(a scan of the index) and its due cards (a range of it per deck and state) without reading
any card's row and its text: 100,000 cards, 50 ms -> 10 ms of SQL. SQLite and PostgreSQL both
keep partial indexes.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ACTIVE = sa.text("retired_at IS NULL")


def upgrade() -> None:
    op.create_index(
        "ix_cards_active", "cards", ["deck_id", "state", "suspended", "due", "buried_until", "retired_at"],
        sqlite_where=ACTIVE, postgresql_where=ACTIVE,
    )


def downgrade() -> None:
    op.drop_index("ix_cards_active", table_name="cards")
