"""Test data written straight into a collection (for tests that do not go through import)."""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy.orm import Session

from srs.domain.scheduling import SchedulerSettings, answer
from srs.store.decks import get_or_create_deck
from srs.store.models import Card, CardKind
from srs.store.presets import preset_for_deck
from srs.store.reviews import card_memory, record_answer

_counter = itertools.count(1)


def add_card(
    session: Session,
    *,
    now: datetime,
    deck: str = "Default",
    front: str | None = None,
    back: str = "answer",
    kind: str = CardKind.BASIC,
    note_key: str | None = None,
    key: str | None = None,
    tags: str = "",
) -> Card:
    number = next(_counter)
    front = front if front is not None else f"question {number}"
    deck_row = get_or_create_deck(session, deck, now)
    card = Card(
        key=key or f"test:{number}:{front}",
        note_key=note_key or f"note:{number}",
        kind=str(kind),
        deck_id=deck_row.id,
        front=front,
        back=back,
        heading_path="",
        content_hash=hashlib.sha256(f"{front}\x00{back}".encode()).hexdigest(),
        tags=tags,
        origin="markdown",
        created_at=now,
        updated_at=now,
    )
    session.add(card)
    session.flush()
    return card


def add_reviews(session: Session, card: Card, events: Iterable[tuple[int, datetime]], settings: SchedulerSettings | None = None) -> None:
    """Answer ``card`` with ``(rating, when)`` events through the real scheduler and log."""
    if settings is None:
        settings = SchedulerSettings.from_preset(preset_for_deck(session, card.deck_id))
    for rating, when in events:
        record_answer(session, card, answer(card_memory(card), rating, when, settings, seed=card.id))
