"""Helpers shared by the review tests: preset changes, cards with a history, snapshots."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from factories import add_card, add_reviews
from sqlalchemy import select
from sqlalchemy.orm import Session

from srs.domain.scheduling import SchedulerSettings, replay
from srs.store.collection import Collection
from srs.store.models import Card, Review
from srs.store.presets import get_preset
from srs.store.reviews import card_memory, replayed_memory

GRADUATE = timedelta(minutes=10)  # Good, Good with the default steps: a review due 2 days later
FIRST_INTERVAL = timedelta(days=2)  # (fuzz off, default parameters)


def set_preset(collection: Collection, **values: Any) -> None:
    """Change the Default preset (fuzz off and zone UTC unless given)."""
    values = {"enable_fuzz": False, "timezone": "UTC", **values}
    with collection.write() as session:
        preset = get_preset(session)
        for key, value in values.items():
            setattr(preset, key, value)


def review_card(session: Session, *, now: datetime, due: datetime, **fields: Any) -> Card:
    """A card in review whose due date is ``due`` (new, then Good, Good: due 2 days later)."""
    card = add_card(session, now=now, **fields)
    start = due - FIRST_INTERVAL - GRADUATE
    add_reviews(session, card, [(3, start), (3, start + GRADUATE)])
    assert card.due == due, (card.due, due)
    return card


def lapsed_card(session: Session, *, now: datetime, lapses: int, start: datetime, **fields: Any) -> Card:
    """A card in review with ``lapses`` lapses (Again then Good, each when due)."""
    card = add_card(session, now=now, **fields)
    add_reviews(session, card, [(3, start), (3, start + GRADUATE)])
    for _ in range(lapses):
        assert card.due is not None
        add_reviews(session, card, [(1, card.due)])
        assert card.due is not None
        add_reviews(session, card, [(3, card.due)])
    assert card.lapses == lapses
    return card


def settings(collection: Collection) -> SchedulerSettings:
    with collection.read() as session:
        return SchedulerSettings.from_preset(get_preset(session))


def snapshot(collection: Collection) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """Every column of every card and every review row (to check that nothing changed)."""
    with collection.read() as session:
        cards = [tuple(row) for row in session.execute(select(*Card.__table__.columns).order_by(Card.id))]
        reviews = [tuple(row) for row in session.execute(select(*Review.__table__.columns).order_by(Review.id))]
    return cards, reviews


def log(collection: Collection, since: datetime | None = None) -> list[tuple[int, int]]:
    """``(card_id, rating)`` of the log in the order written, from ``since`` on."""
    with collection.read() as session:
        stmt = select(Review.card_id, Review.rating).order_by(Review.id)
        if since is not None:
            stmt = stmt.where(Review.reviewed_at >= since)
        return [(row.card_id, row.rating) for row in session.execute(stmt)]


def assert_replays(collection: Collection) -> int:
    """Every card's stored state equals the replay of its log; returns the cards checked."""
    checked = 0
    with collection.read() as session:
        for card in session.scalars(select(Card)):
            from srs.store.presets import preset_for_deck

            card_settings = SchedulerSettings.from_preset(preset_for_deck(session, card.deck_id))
            assert card_memory(card) == replayed_memory(session, card, card_settings), f"card {card.id} differs from its log"
            checked += 1
    return checked


def expected_memory(collection: Collection, card_id: int, events: list[tuple[int, datetime]]):  # type: ignore[no-untyped-def]
    return replay(events, settings(collection), seed=card_id)


def card(collection: Collection, card_id: int) -> Card:
    with collection.read() as session:
        row = session.get(Card, card_id)
        assert row is not None
        session.expunge(row)
        return row


def lines(output: str, *prefixes: str) -> list[str]:
    """The output lines starting with one of ``prefixes``."""
    return [line for line in output.splitlines() if line.startswith(prefixes)]
