"""memory model in study days

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06 04:00:00

srs now counts the time between two reviews in study days, as Anki and fsrs-rs do
(:mod:`srs.domain.study_days`), where it counted whole 24-hour periods. The review log is the source
of truth, so every card's state is replayed from its log under the new rule (as
``srs reschedule`` does, with the card's preset), and the number of cards whose stored state
changed is reported when the collection is opened (an SQLite file is copied before any
migration). No schema change; a downgrade keeps the states (the old rule's replay is what
``srs reschedule`` with the previous version gives).

The replay runs srs's current code, which reads the schema of the newest revision; so this
migration only asks for it (``REPLAY_CARDS``) and ``alembic/env.py`` replays every card after
the last migration of the upgrade, in the same transaction: an upgrade from 0004 across later
schema changes replays with the schema the code expects.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    from srs.store.migrations import REPLAY_CARDS

    if op.get_context().config is not None:
        op.get_context().config.attributes[REPLAY_CARDS] = True


def downgrade() -> None:
    pass
