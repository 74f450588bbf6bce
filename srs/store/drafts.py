"""The queries of ``srs draft``: which task and section cards can be drafted from."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from srs.store.models import Card

DRAFTABLE_KINDS = ("task", "section")


@dataclass(frozen=True, slots=True)
class DraftableRow:
    id: int
    key: str
    kind: str
    source_path: str
    source_line: int | None
    front: str


def draftable_cards(session: Session) -> list[DraftableRow]:
    """Active (not retired, not suspended) task and section cards read from Markdown, by file
    and line. A task or section holding explicit cards has no such card, so these are the
    notes the last imports found without explicit cards."""
    rows = session.execute(
        select(Card.id, Card.key, Card.kind, Card.source_path, Card.source_line, Card.front)
        .where(
            Card.kind.in_(DRAFTABLE_KINDS),
            Card.retired_at.is_(None),
            Card.suspended.is_(False),
            Card.origin == "markdown",
            Card.source_path.is_not(None),
        )
        .order_by(Card.source_path, Card.source_line, Card.id)
    )
    return [DraftableRow(r.id, r.key, r.kind, r.source_path, r.source_line, r.front) for r in rows]
