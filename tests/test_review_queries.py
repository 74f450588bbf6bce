"""The review loop stays fast on a large collection: every query it runs (queue build, each
card, the summary) uses an index, never a walk over all cards or all reviews, and each card
costs a fixed, small number of statements. Checked with SQLite's EXPLAIN QUERY PLAN on a
collection of a few thousand cards (timings themselves: see README and bench/)."""

from __future__ import annotations

import random
import sqlite3
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from factories import add_card
from reviewing import set_preset
from sqlalchemy import event, insert

from srs.app.review import Action, Key, ReviewSession, SessionOptions
from srs.domain.scheduling import Rating
from srs.store.decks import get_or_create_deck
from srs.store.models import Card

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=timezone.utc)


def fill(collection: Any, count: int) -> None:
    rng = random.Random(5)
    with collection.write() as session:
        decks = [get_or_create_deck(session, f"D{i}::S{j}", NOW).id for i in range(3) for j in range(2)]
        rows = []
        for index in range(count):
            state = rng.choice([0, 2, 2, 2])
            last = NOW - timedelta(days=rng.uniform(2, 100)) if state else None
            rows.append(
                {
                    "key": f"k{index}",
                    "note_key": f"n{index // 2 if index % 9 == 0 else index}",
                    "kind": "basic",
                    "deck_id": rng.choice(decks),
                    "front": f"front {index}",
                    "back": "back",
                    "heading_path": "",
                    "content_hash": "h",
                    "tags": "",
                    "origin": "markdown",
                    "state": state,
                    "stability": rng.uniform(1, 50) if state else None,
                    "difficulty": rng.uniform(1, 10) if state else None,
                    "due": NOW + timedelta(days=rng.uniform(-5, 60)) if state else None,
                    "last_review": last,
                    "reps": 3 if state else 0,
                    "lapses": 0,
                    "suspended": False,
                    "created_at": NOW,
                    "updated_at": NOW,
                }
            )
        session.execute(insert(Card), rows)
        add_card(session, now=NOW, deck="D0::S0")  # through the factory too: a fully valid card


class Answering:
    interactive = False

    def __init__(self, count: int) -> None:
        self.left = count

    def read(self) -> Key | None:
        self.left -= 1
        return None if self.left < 0 else Key(Action.ANSWER, Rating.AGAIN if self.left % 4 == 0 else Rating.GOOD)


class Silent:
    def __getattr__(self, name: str) -> Any:
        return lambda *args, **kwargs: None


def statements_of_a_session(collection: Any, deck: str | None, answers: int) -> tuple[list[tuple[str, Any]], dict[str, int]]:
    captured: list[tuple[str, Any]] = []
    marks: dict[str, int] = {}

    def capture(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool) -> None:
        captured.append((statement, parameters))

    class Screen(Silent):
        def show_card(self, card: Any) -> None:
            marks.setdefault("first_card", len(captured))
            marks["cards"] = marks.get("cards", 0) + 1

        def answered(self, outcome: Any, *, lapses: int) -> None:
            marks["last_answer"] = len(captured)

        def show_summary(self, summary: Any) -> None:
            marks["summary"] = len(captured)

    event.listen(collection.engine, "before_cursor_execute", capture)
    try:
        ReviewSession(collection, SessionOptions(deck=deck), clock=lambda: NOW).run(Answering(answers), Screen())
    finally:
        event.remove(collection.engine, "before_cursor_execute", capture)
    return captured, marks


@pytest.mark.sqlite_only
@pytest.mark.parametrize("deck", [None, "D1"])
def test_every_review_query_uses_an_index(collection, db_path: Path, deck: str | None) -> None:
    set_preset(collection, reviews_per_day=5000, new_per_day=100)
    fill(collection, 4000)
    captured, marks = statements_of_a_session(collection, deck, answers=60)
    assert marks["cards"] >= 60
    raw = sqlite3.connect(str(db_path))
    checked = 0
    try:
        for statement, parameters in dict.fromkeys((s, tuple(p) if isinstance(p, (list, tuple)) else p) for s, p in captured):
            if not statement.lstrip().upper().startswith(("SELECT", "UPDATE", "DELETE")):
                continue
            plan = [row[3] for row in raw.execute("EXPLAIN QUERY PLAN " + statement, parameters)]
            checked += 1
            for step in plan:
                assert not step.startswith(("SCAN cards", "SCAN reviews")), f"{statement}\n{plan}"
                assert "ix_cards_deck_id" not in step, f"walks every card of a deck: {statement}\n{plan}"
    finally:
        raw.close()
    assert checked >= 8


@pytest.mark.sqlite_only
def test_each_card_costs_a_few_statements(collection) -> None:
    set_preset(collection, reviews_per_day=5000, new_per_day=100)
    fill(collection, 2000)
    captured, marks = statements_of_a_session(collection, None, answers=40)
    per_card = captured[marks["first_card"] : marks["last_answer"]]
    # Per card: read it (BEGIN, SELECT); answer it (BEGIN IMMEDIATE, SELECT, INSERT, UPDATE,
    # and for a card with siblings SELECT + UPDATE). The queue is not rebuilt between cards
    # (the summary builds it once more at the end, to say what the next session would find).
    assert len(per_card) <= 8 * marks["cards"], len(per_card) / marks["cards"]
    assert not any("coalesce(sum" in statement for statement, _ in per_card)  # no daily-count query per card


@pytest.mark.sqlite_only
def test_an_answer_is_one_write_transaction_without_reading_the_card_again(collection) -> None:
    """The card read for display is the one answered: the write transaction does not read it
    again (no ORM object, no SELECT by id), it updates it only where it still holds the state
    shown, and appends the log row (issue 18: 8.2 statements per card before, 5 now)."""
    set_preset(collection, reviews_per_day=5000, new_per_day=100)
    fill(collection, 2000)
    captured, marks = statements_of_a_session(collection, None, answers=40)
    per_card = [statement for statement, _ in captured[marks["first_card"] : marks["summary"]]]
    writes = [i for i, statement in enumerate(per_card) if statement.strip().upper() == "BEGIN IMMEDIATE"]
    assert len(writes) >= 40
    for start in writes:
        end = next((i for i in range(start + 1, len(per_card)) if per_card[i].strip().upper().startswith("BEGIN")), len(per_card))
        body = [" ".join(s.split()) for s in per_card[start + 1 : end]]
        assert body[0].startswith("UPDATE cards SET") and body[1].startswith("INSERT INTO reviews"), body
        assert not any(s.startswith("SELECT") and "cards.id = ?" in s for s in body), body
    # siblings (a ninth of these cards share a note) add their query; the rest cost 5 statements
    assert len(per_card) <= 6 * marks["cards"], len(per_card) / marks["cards"]


def test_an_answer_to_a_card_changed_since_it_was_shown_writes_nothing(collection) -> None:
    from factories import add_card as make_card
    from sqlalchemy import func, select, update

    from srs.domain.queue_rules import DeckRules
    from srs.domain.scheduling import SchedulerSettings, replay
    from srs.store.answers import CardChanged, Shown, answer_card
    from srs.store.models import Review
    from srs.store.queue import card_view
    from srs.store.reviews import card_events, card_memory

    with collection.write() as session:
        card_id = make_card(session, now=NOW).id
    rules = DeckRules(name="Default", settings=SchedulerSettings(enable_fuzz=False))
    with collection.read() as session:
        view = card_view(session, card_id)
    assert view is not None
    first = answer_card(collection, card_id, Rating.GOOD, now=NOW, rules=rules, duration_ms=1000, shown=Shown.of(view))
    # the same view again: the card was answered since (by this answer), so nothing is written
    with pytest.raises(CardChanged, match="answered elsewhere"):
        answer_card(collection, card_id, Rating.GOOD, now=NOW, rules=rules, duration_ms=1000, shown=Shown.of(view))
    with collection.read() as session:
        view = card_view(session, card_id)
    assert view is not None
    with collection.write() as session:  # rescheduled elsewhere: same review count, another due date
        session.execute(update(Card).where(Card.id == card_id).values(due=NOW + timedelta(days=40)))
    with pytest.raises(CardChanged, match="rescheduled elsewhere"):
        answer_card(collection, card_id, Rating.GOOD, now=NOW + timedelta(days=1), rules=rules, duration_ms=1, shown=Shown.of(view))
    with collection.write() as session:
        session.execute(update(Card).where(Card.id == card_id).values(due=first.memory.due))
    answer_card(collection, card_id, Rating.HARD, now=NOW + timedelta(days=2), rules=rules, duration_ms=1, shown=Shown.of(view))
    with collection.read() as session:
        assert session.scalar(select(func.count()).select_from(Review).where(Review.card_id == card_id)) == 2
        card = session.get(Card, card_id)
        assert card is not None
        assert replay(card_events(session, card_id), rules.settings, seed=card_id) == card_memory(card)
