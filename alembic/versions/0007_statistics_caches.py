"""statistics caches

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 06:10:00

``srs stats`` and ``srs stats curve`` scanned the whole review log on every call. Four tables
keep what they need between calls (answers per study day and deck, the forgetting curve's sums
per deck and bin, each card's replayed memory state, and the high-water marks), filled from the
log on the next ``srs stats`` (srs.store.stats_cache): nothing to copy here. Triggers on
``reviews`` and ``cards`` delete the marks whenever a counted review is deleted or edited or a
card changes deck, so the caches are rebuilt from the log, which stays the source of truth.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    from srs.store.stats_triggers import create_triggers

    op.create_table(
        "stats_marks",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("last_review_id", sa.BigInteger(), nullable=False),
        sa.Column("fingerprint", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_stats_marks")),
    )
    op.create_table(
        "stats_days",
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("day_start_hour", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("deck_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("day", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("reviews", sa.Integer(), nullable=False),
        sa.Column("counted", sa.Integer(), nullable=False),
        sa.Column("passed", sa.Integer(), nullable=False),
        sa.Column("mature", sa.Integer(), nullable=False),
        sa.Column("mature_passed", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("timezone", "day_start_hour", "deck_id", "day", name=op.f("pk_stats_days")),
    )
    op.create_table(
        "curve_bins",
        sa.Column("deck_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("k", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("long_term", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("reviews", sa.Integer(), nullable=False),
        sa.Column("recalled", sa.Integer(), nullable=False),
        sa.Column("elapsed_sum", sa.Float(), nullable=False),
        sa.Column("predicted_sum", sa.Float(), nullable=False),
        sa.Column("variance_sum", sa.Float(), nullable=False),
        sa.Column("log_loss_sum", sa.Float(), nullable=False),
        sa.Column("elapsed_min", sa.Float(), nullable=False),
        sa.Column("elapsed_max", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("deck_id", "k", "long_term", name=op.f("pk_curve_bins")),
    )
    op.create_table(
        "curve_cards",
        sa.Column("card_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("stability", sa.Float(), nullable=False),
        sa.Column("difficulty", sa.Float(), nullable=False),
        sa.Column("reviewed_at", sa.BigInteger(), nullable=False),
        sa.Column("day", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("card_id", name=op.f("pk_curve_cards")),
    )
    create_triggers(op.get_bind())


def downgrade() -> None:
    from srs.store.stats_triggers import drop_triggers

    drop_triggers(op.get_bind())
    for table in ("curve_cards", "curve_bins", "stats_days", "stats_marks"):
        op.drop_table(table)
