"""``srs status``: the per-deck counts, against a plain count over every card (what it imports:
tests/test_light_commands.py)."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

import pytest
from factories import add_card
from sqlalchemy import select

from srs.app.status import collection_status
from srs.domain.cards import CardState
from srs.store.collection import Collection
from srs.store.database import Database
from srs.store.models import Card, Deck
from srs.timeutil import day_bounds

DECKS = ("Papers", "Papers::NLP", "Books", "Empty")


def _random_cards(collection: Collection, now: datetime, seed: int, count: int) -> None:
    """Cards in every state a count distinguishes: new, learning, review, relearning; due
    before now, later today, after today, exactly now; suspended; buried (until before or
    after now); retired."""
    rng = random.Random(seed)
    moments = [now - timedelta(days=3), now, now + timedelta(hours=2), now + timedelta(hours=20), now + timedelta(days=9)]
    with collection.write() as session:
        for name in DECKS:
            add_card(session, now=now, deck=name).retired_at = now  # a deck whose only card is retired
        for _ in range(count):
            card = add_card(session, now=now, deck=rng.choice(DECKS[:3]))
            card.state = rng.choice(list(CardState))
            card.due = None if card.state == CardState.NEW else rng.choice(moments)
            card.suspended = rng.random() < 0.15
            card.buried_until = rng.choice([None, None, None, now - timedelta(hours=1), now, now + timedelta(hours=5)])
            card.retired_at = now - timedelta(days=1) if rng.random() < 0.1 else None


def _expected(collection: Collection, now: datetime, names: tuple[str, ...]) -> list[tuple[object, ...]]:
    """The counts as the README defines them, one card at a time."""
    with collection.read() as session:
        _start, day_end = day_bounds(now, "UTC", 4)
        rows = []
        for name in sorted(names):
            cards = [c for c in session.scalars(select(Card).join(Deck).where(Deck.name == name)) if c.retired_at is None]
            available = [c for c in cards if not c.suspended and (c.buried_until is None or c.buried_until <= now) and c.state != CardState.NEW]
            rows.append((
                name,
                len(cards),
                sum(1 for c in cards if c.state == CardState.NEW and not c.suspended),
                sum(1 for c in cards if c.state in (CardState.LEARNING, CardState.RELEARNING) and not c.suspended),
                sum(1 for c in available if c.due is not None and c.due < day_end),
                sum(1 for c in cards if c.suspended),
                min((c.due for c in available if c.due is not None and c.due > now), default=None),
            ))
        return rows


def _counted(status: object) -> list[tuple[object, ...]]:
    return [(d.deck, d.total, d.new, d.learning, d.due, d.suspended, d.next_due) for d in status.decks]  # type: ignore[attr-defined]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_counts_equal_a_count_over_every_card(collection: Collection, now: datetime, seed: int) -> None:
    _random_cards(collection, now, seed, 300)
    status = collection_status(collection, now=now)
    assert _counted(status) == _expected(collection, now, DECKS)
    assert status.due_today == sum(row[4] for row in _expected(collection, now, DECKS))  # type: ignore[misc]


def test_a_deck_and_its_subdecks_case_insensitively(collection: Collection, now: datetime) -> None:
    _random_cards(collection, now, 7, 200)
    status = collection_status(collection, now=now, deck="papers")
    assert [d.deck for d in status.decks] == ["Papers", "Papers::NLP"]
    assert _counted(status) == _expected(collection, now, ("Papers", "Papers::NLP"))


def test_counts_through_a_core_only_database(collection: Collection, db_url: str, now: datetime) -> None:
    """The command opens a :class:`Database` (no ORM sessions): the same counts."""
    _random_cards(collection, now, 11, 100)
    database = Database.open(db_url, now=now)
    try:
        assert _counted(collection_status(database, now=now)) == _expected(collection, now, DECKS)
    finally:
        database.close()


def test_the_table_shows_every_deck_and_the_total(srs, collection: Collection, now: datetime) -> None:  # type: ignore[no-untyped-def]
    _random_cards(collection, now, 5, 120)
    expected = _expected(collection, now, DECKS)
    result = srs("status")
    assert result.exit_code == 0, result.output
    cells = [[cell.strip() for cell in line.split("│")[1:-1]] for line in result.output.splitlines() if line.startswith("│")]
    assert cells[:len(expected)] == [[str(value) for value in row[:6]] for row in expected]
    assert cells[-1] == ["All", *(str(sum(row[i] for row in expected)) for i in range(1, 6))]  # type: ignore[misc]
    assert f"{sum(r[4] for r in expected)} due today" in result.output  # type: ignore[misc]
