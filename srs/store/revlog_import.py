"""The SQL of ``srs import-revlog``: the cards an imported review history attaches to (by id, by
external id, or a placeholder), their logged events, and replacing their logs."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from srs.store.history import _chunks
from srs.store.models import Card, CardKind, Review

REVLOG_ORIGIN = "revlog"


def cards_by_id(session: Session, ids: Sequence[int]) -> dict[int, Card]:
    found: dict[int, Card] = {}
    for chunk in _chunks(list(ids)):
        for card in session.scalars(select(Card).where(Card.id.in_(chunk))):
            found[card.id] = card
    return found


def cards_by_external_id(session: Session, external_ids: Sequence[str]) -> dict[str, list[Card]]:
    """Cards whose ``external_id`` is one of ``external_ids`` (a placeholder from an earlier
    revlog import, or a card brought in from Anki with that id), by external id."""
    found: dict[str, list[Card]] = {}
    for chunk in _chunks(list(external_ids)):
        for card in session.scalars(select(Card).where(Card.external_id.in_(chunk)).order_by(Card.id)):
            assert card.external_id is not None
            found.setdefault(card.external_id, []).append(card)
    return found


def placeholder_card(external_id: str, deck_id: int, source_name: str, now: datetime) -> Card:
    """A card standing for a card of another program whose review history we import."""
    front = f"Imported card {external_id}"
    back = f"Review history imported from {source_name}; no note text."
    return Card(
        key=f"{REVLOG_ORIGIN}:{external_id}",
        note_key=f"{REVLOG_ORIGIN}:{external_id}",
        kind=str(CardKind.IMPORTED),
        deck_id=deck_id,
        front=front,
        back=back,
        heading_path="",
        content_hash=hashlib.sha256(f"{front}\x00{back}".encode()).hexdigest(),
        tags="",
        origin=REVLOG_ORIGIN,
        external_id=external_id,
        created_at=now,
        updated_at=now,
    )


def logged_events(session: Session, card_ids: Sequence[int]) -> dict[int, list[tuple[int, datetime, int | None]]]:
    """``(rating, reviewed_at, duration_ms)`` of each card's log, oldest first."""
    events: dict[int, list[tuple[int, datetime, int | None]]] = {}
    for chunk in _chunks(list(card_ids)):
        rows = session.execute(
            select(Review.card_id, Review.rating, Review.reviewed_at, Review.duration_ms)
            .where(Review.card_id.in_(chunk))
            .order_by(Review.card_id, Review.reviewed_at, Review.id)
        )
        for card_id, rating, at, duration in rows:
            events.setdefault(card_id, []).append((rating, at, duration))
    return events


def delete_logs(session: Session, card_ids: Sequence[int]) -> None:
    for chunk in _chunks(list(card_ids)):
        session.execute(delete(Review).where(Review.card_id.in_(chunk)))
