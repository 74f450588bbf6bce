"""cards indexes for the status and re-import counts

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06 06:10:00

An index of the cards by deck, state, suspension, retirement, due date and burial: ``srs
status`` counts each deck's cards by state (a scan of this index) and its due cards (a range of
it per deck and state) without reading any card's row and its text: 100,000 cards, 50 ms ->
13 ms of SQL. A plain index (not a partial one ``WHERE retired_at IS NULL``): SQLite treats
``retired_at IS NULL`` as an equality on the index as well, and a partial index's
``postgresql_where`` makes SQLAlchemy import its PostgreSQL dialect in every command (20 ms).

And an index of the cards by source file, deck and retirement: a re-import counts the active
cards of every unchanged file per deck (for its report) from it instead of the cards' rows:
105,796 cards of 10,000 files, 67 ms -> 11 ms.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_cards_counts", "cards", ["deck_id", "state", "suspended", "retired_at", "due", "buried_until"])
    op.create_index("ix_cards_source_counts", "cards", ["source_id", "deck_id", "retired_at"])


def downgrade() -> None:
    op.drop_index("ix_cards_source_counts", table_name="cards")
    op.drop_index("ix_cards_counts", table_name="cards")
