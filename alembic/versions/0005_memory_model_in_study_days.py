"""memory model in study days

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06 04:00:00

srs now counts the time between two reviews in study days, as Anki and fsrs-rs do
(:mod:`srs.study_days`), where it counted whole 24-hour periods. The review log is the source
of truth, so every card's state is replayed from its log under the new rule (as
``srs reschedule`` does, with the card's preset), and the number of cards whose stored state
changed is reported when the collection is opened (an SQLite file is copied before any
migration). No schema change; a downgrade keeps the states (the old rule's replay is what
``srs reschedule`` with the previous version gives).

It replays with the current code on purpose (the states must equal what this version of srs
replays); it needs the schema of revision 0005.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timezone

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    from sqlalchemy.orm import Session

    from srs.reschedule import reschedule_session

    context = op.get_context()
    attributes = context.config.attributes if context.config is not None else {}
    now = attributes.get("now") or datetime.now(timezone.utc)
    notes = attributes.setdefault("notes", [])
    session = Session(bind=op.get_bind(), join_transaction_mode="create_savepoint")
    try:
        report = reschedule_session(session, now=now)
        session.commit()  # releases the savepoint; the migration's transaction commits it
    except Exception as error:  # noqa: BLE001 - damaged data must not block the upgrade
        session.rollback()  # back to the savepoint: no card changed
        detail = " ".join(str(error).split())[:160] or type(error).__name__
        notes.append(
            f"Upgrade: the cards could not be replayed under the new study-day rule ({detail}); "
            "run srs check --fix, which repairs the collection and replays every card's log."
        )
        return
    finally:
        session.close()
    if report.changed:
        notes.append(
            f"Upgrade: elapsed time is now counted in study days, as Anki counts it; {report.changed:,} of "
            f"{report.cards:,} cards were replayed to a new memory state ({report.moved:,} due dates moved)."
        )


def downgrade() -> None:
    pass
