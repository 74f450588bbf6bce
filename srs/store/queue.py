"""The queries and transactions of a review session.

Reading: :func:`open_scope` resolves the decks and their presets once per session;
:func:`gather` fetches today's candidates with indexed queries (``ix_cards_deck_state_due``:
deck, state, due), only the columns the queue needs, never every card of the collection;
:func:`card_view` reads one card by primary key when it comes up.

Writing: one short transaction per user action, committed before the session moves on, so
an interrupted session (Ctrl-C, ``kill -9``, a closed terminal) loses nothing already
answered and never leaves a card half-updated:

* :func:`answer_card`: log row + card state (through :func:`srs.store.reviews.record_answer`),
  sibling burying and the leech rule, all in one transaction;
* :func:`undo_answer`: the exact inverse (log row removed, state replayed, siblings unburied,
  leech tag and suspension taken back);
* :func:`suspend_card`, :func:`bury_card` and :func:`restore_flags` (their undo).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Select, bindparam, case, exists, func, or_, select
from sqlalchemy.orm import Session, aliased

from srs.domain.queue_rules import (
    Candidates,
    CardView,
    DeckRules,
    QueueItem,
    QueueKind,
    learning_cutoff,
    one_per_note,
)
from srs.domain.scheduling import SchedulerSettings
from srs.errors import NotFoundError
from srs.store.answers import CardChanged, _load
from srs.store.collection import Collection
from srs.store.decks import deck_ids as named_deck_ids
from srs.store.models import DEFAULT_PRESET_NAME, Card, CardState, Deck, Preset, Review
from srs.store.reviews import card_memory

LEARNING_STATES = (int(CardState.LEARNING), int(CardState.RELEARNING))
STUDIED_STATES = (*LEARNING_STATES, int(CardState.REVIEW))


@dataclass(frozen=True)
class Scope:
    """The decks of a session, their rules, and the limits and day of the session's preset
    (the named deck's preset, or the Default preset when reviewing every deck)."""

    deck_ids: list[int]
    rules: dict[int, DeckRules]
    new_per_day: int
    reviews_per_day: int
    timezone: str
    day_start_hour: int
    bury_siblings: bool

    def rules_for(self, deck_id: int) -> DeckRules:
        return self.rules[deck_id]


def _rules(preset: Preset, name: str) -> DeckRules:
    return DeckRules(
        name=name,
        settings=SchedulerSettings.from_preset(preset),
        bury_siblings=bool(preset.bury_siblings),
        leech_threshold=int(preset.leech_threshold),
    )


def open_scope(session: Session, deck: str | None) -> Scope:
    """The session's decks (``deck`` and its sub-decks, or all) and rules. Unknown deck: error."""
    chosen = named_deck_ids(session, deck)
    rows = session.execute(select(Deck.id, Deck.name, Preset).join(Preset, Deck.preset_id == Preset.id)).all()
    rules = {row.id: _rules(row.Preset, row.name) for row in rows}
    ids = sorted(rules) if chosen is None else sorted(chosen)
    if deck is not None:
        top = min((row for row in rows if row.id in set(ids)), key=lambda row: len(row.name))
        preset = top.Preset
    else:
        preset = session.scalar(select(Preset).where(Preset.name == DEFAULT_PRESET_NAME))
        if preset is None:
            raise NotFoundError(f"the collection has no {DEFAULT_PRESET_NAME!r} preset")
    return Scope(
        deck_ids=ids,
        rules=rules,
        new_per_day=int(preset.new_per_day),
        reviews_per_day=int(preset.reviews_per_day),
        timezone=preset.timezone,
        day_start_hour=int(preset.day_start_hour),
        bury_siblings=bool(preset.bury_siblings),
    )


def _available(now: datetime) -> Any:
    return (Card.retired_at.is_(None), Card.suspended.is_(False), or_(Card.buried_until.is_(None), Card.buried_until <= now))


def today_counts(session: Session, deck_ids: Sequence[int], day_start: datetime, day_end: datetime) -> tuple[int, int]:
    """(new cards introduced, review cards answered) in the decks during the study day."""
    if not deck_ids:
        return 0, 0
    count = lambda state: func.coalesce(func.sum(case((Review.state_before == int(state), 1), else_=0)), 0)  # noqa: E731
    # Walk today's reviews by time (ix_reviews_time) and look each card up by id: "deck_id + 0"
    # keeps SQLite from walking every card of the decks through the deck index instead.
    row = session.execute(
        select(count(CardState.NEW), count(CardState.REVIEW))
        .select_from(Review)
        .join(Card, Card.id == Review.card_id)
        .where(Review.reviewed_at >= day_start, Review.reviewed_at < day_end, (Card.deck_id + 0).in_(deck_ids))
    ).one()
    return int(row[0]), int(row[1])


_COLUMNS = (Card.id, Card.note_key, Card.due, Card.reps, Card.last_review)


def _items(rows: Sequence[Any], kind: QueueKind) -> list[QueueItem]:
    return [QueueItem(row.id, row.note_key, kind, row.due, row.reps, row.last_review) for row in rows]


def _fetch_unique(session: Session, stmt: Select[Any], kind: QueueKind, wanted: int, taken: set[str] | None) -> list[QueueItem]:
    """Rows of ``stmt`` in pages until ``wanted`` of them belong to notes not in ``taken``
    (all rows when ``taken`` is None: no sibling rule); returns every row read."""
    if wanted <= 0:
        return []
    result: list[QueueItem] = []
    page = max(2 * wanted, 200)
    offset = 0
    seen = set(taken) if taken is not None else None
    unique = 0
    while True:
        rows = session.execute(stmt.limit(page).offset(offset)).all()
        items = _items(rows, kind)
        result.extend(items)
        unique += len(one_per_note(items, seen)) if seen is not None else len(items)
        if unique >= wanted or len(rows) < page:
            return result
        offset += page


def gather(
    session: Session,
    scope: Scope,
    *,
    now: datetime,
    day_end: datetime,
    new_wanted: int,
    reviews_wanted: int,
    bury_siblings: bool,
) -> Candidates:
    """Today's candidates in the scope's decks: (re)learning cards due before the learning
    cutoff, review cards due before the end of the study day, new cards in creation order;
    enough of each to fill the limits after keeping one card per note."""
    ids = scope.deck_ids
    if not ids:
        return Candidates((), (), ())
    available = _available(now)
    learning_rows = session.execute(
        select(*_COLUMNS)
        .where(Card.deck_id.in_(ids), Card.state.in_(LEARNING_STATES), Card.due < learning_cutoff(now, day_end), *available)
        .order_by(Card.due, Card.id)
    ).all()
    taken: set[str] | None = set() if bury_siblings else None
    reviews = _fetch_unique(
        session,
        select(*_COLUMNS)
        .where(Card.deck_id.in_(ids), Card.state == int(CardState.REVIEW), Card.due < day_end, *available)
        .order_by(Card.due, Card.id),
        QueueKind.REVIEW,
        reviews_wanted,
        taken,
    )
    if taken is not None:
        one_per_note(reviews[:reviews_wanted], taken)
    new = _fetch_unique(
        session,
        select(*_COLUMNS).where(Card.deck_id.in_(ids), Card.state == int(CardState.NEW), *available).order_by(Card.id),
        QueueKind.NEW,
        new_wanted,
        taken,
    )
    return Candidates(_items(learning_rows, QueueKind.LEARNING), reviews, new)


def gather_cram(session: Session, scope: Scope, *, now: datetime, limit: int | None) -> list[QueueItem]:
    """Every available card of the scope's decks for a cram (preview) session: cards already
    studied, soonest due first, then new cards in creation order."""
    ids = scope.deck_ids
    if not ids:
        return []
    available = _available(now)
    studied = select(*_COLUMNS, Card.state).where(Card.deck_id.in_(ids), Card.state.in_(STUDIED_STATES), *available).order_by(Card.due, Card.id)
    if limit is not None:
        studied = studied.limit(limit)
    items = [
        QueueItem(row.id, row.note_key, QueueKind.REVIEW if row.state == CardState.REVIEW else QueueKind.LEARNING, row.due, row.reps, row.last_review)
        for row in session.execute(studied)
    ]
    if limit is None or len(items) < limit:
        new = select(*_COLUMNS).where(Card.deck_id.in_(ids), Card.state == int(CardState.NEW), *available).order_by(Card.id)
        if limit is not None:
            new = new.limit(limit - len(items))
        items.extend(_items(session.execute(new).all(), QueueKind.NEW))
    return items


_SIBLING = aliased(Card)
_VIEW_COLUMNS = (
    Card.id,
    Card.deck_id,
    Deck.name.label("deck"),
    Card.kind,
    Card.note_key,
    Card.front,
    Card.back,
    Card.heading_path,
    Card.tags,
    Card.source_path,
    Card.source_line,
    Card.state,
    Card.step,
    Card.stability,
    Card.difficulty,
    Card.due,
    Card.last_review,
    Card.reps,
    Card.lapses,
    Card.suspended,
    Card.buried_until,
    Card.retired_at,
    exists().where(_SIBLING.note_key == Card.note_key, _SIBLING.id != Card.id).label("has_siblings"),
)


# The statements of the per-card path are built once, with bound parameters, so SQLAlchemy
# reuses their compiled form and cache key (building them per card costs more than the SQL).
_VIEW_STATEMENT = select(*_VIEW_COLUMNS).join(Deck, Deck.id == Card.deck_id).where(Card.id == bindparam("card_id"))


def card_view(db: Session | Connection, card_id: int) -> CardView | None:
    """The card as the screen shows it (one query by primary key), or None if it is gone.
    ``db``: a session, or a Core connection (:meth:`Collection.read_core`, the review loop's)."""
    connection = db.connection() if isinstance(db, Session) else db  # Core either way: no ORM compile
    row = connection.execute(_VIEW_STATEMENT, {"card_id": card_id}).one_or_none()
    if row is None:
        return None
    return CardView(
        card_id=row.id,
        deck_id=row.deck_id,
        deck=row.deck,
        kind=row.kind,
        note_key=row.note_key,
        front=row.front,
        back=row.back,
        heading_path=row.heading_path or "",
        tags=row.tags or "",
        source_path=row.source_path,
        source_line=row.source_line,
        memory=card_memory(row),
        suspended=bool(row.suspended),
        buried_until=row.buried_until,
        retired=row.retired_at is not None,
        has_siblings=bool(row.has_siblings),
    )


@dataclass(frozen=True)
class FlagChange:
    """A suspend or bury that was committed, with the card's flags before it (for undo)."""

    card_id: int
    action: str  # "suspend" or "bury"
    suspended_before: bool
    buried_until_before: datetime | None
    buried_until: datetime | None = None


def suspend_card(collection: Collection, card_id: int, *, now: datetime) -> FlagChange:
    def action(session: Session) -> FlagChange:
        card = _load(session, card_id)
        change = FlagChange(card.id, "suspend", bool(card.suspended), card.buried_until)
        card.suspended = True
        card.updated_at = now
        return change

    return collection.transact(action)


def bury_card(collection: Collection, card_id: int, *, until: datetime, now: datetime) -> FlagChange:
    def action(session: Session) -> FlagChange:
        card = _load(session, card_id)
        change = FlagChange(card.id, "bury", bool(card.suspended), card.buried_until, until)
        card.buried_until = until
        card.updated_at = now
        return change

    return collection.transact(action)


def restore_flags(collection: Collection, change: FlagChange, *, now: datetime) -> None:
    """Undo a suspend or bury: the card's flags as they were before it."""

    def action(session: Session) -> None:
        card = session.get(Card, change.card_id)
        if card is None:
            raise CardChanged(f"card {change.card_id} no longer exists; nothing to undo")
        card.suspended = change.suspended_before
        card.buried_until = change.buried_until_before
        card.updated_at = now

    collection.transact(action)


@dataclass(frozen=True)
class Upcoming:
    """When the next cards of the scope come due (for the end-of-session summary)."""

    next_due: datetime | None
    due_by: int  # reviewed cards due before the ``until`` instant asked for


def upcoming(session: Session, scope: Scope, *, now: datetime, until: datetime) -> Upcoming:
    """The earliest due date after ``now`` of a studied card, and how many are due before
    ``until``: one indexed probe per deck and state, not a scan of the collection."""
    available = _available(now)
    earliest: datetime | None = None
    for deck_id in scope.deck_ids:
        for state in (*LEARNING_STATES, int(CardState.REVIEW)):
            due = session.scalar(
                select(Card.due).where(Card.deck_id == deck_id, Card.state == state, Card.due > now, *available).order_by(Card.due).limit(1)
            )
            if due is not None and (earliest is None or due < earliest):
                earliest = due
    due_by = 0
    if scope.deck_ids:
        due_by = int(
            session.scalar(
                select(func.count()).select_from(Card).where(
                    Card.deck_id.in_(scope.deck_ids), Card.state.in_(STUDIED_STATES), Card.due < until, *available
                )
            )
            or 0
        )
    return Upcoming(earliest, due_by)
