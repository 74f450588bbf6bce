"""Bulk access to the review log: the whole history of many cards at once.

For ``srs optimize`` (the log as numpy columns), ``srs reschedule`` (each card's log streamed
in card order, card states written back with one executemany) and ``srs import-revlog``
(finding and creating the cards histories attach to). Timestamps are read and written as the
integer microseconds they are stored as, so no datetime is built per row.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import chain
from typing import Any

import numpy as np
from sqlalchemy import BigInteger, Float, Integer, and_, bindparam, case, delete, func, select, type_coerce, update
from sqlalchemy.orm import Session

from srs.errors import NotFoundError
from srs.store.decks import deck_ids as named_deck_ids
from srs.store.decks import normalise_deck_name
from srs.store.models import DEFAULT_PRESET_NAME, Card, CardKind, Deck, Preset, Review

FETCH_BATCH = 50_000
ID_CHUNK = 500  # ids per IN (...) list
UPDATE_BATCH = 5_000
MAX_DURATION_MS = 20 * 60 * 1000  # longer answers are counted as 20 minutes (the user left)


def micros(column: Any) -> Any:
    """A timestamp column read as its stored integer microseconds."""
    return type_coerce(column, BigInteger)


def _stream(session: Session, stmt: Any) -> Iterator[Sequence[Any]]:
    """The rows of a Core ``stmt`` in batches, streamed from the session's connection (a
    server-side cursor on PostgreSQL). Much cheaper per row than ORM-level ``yield_per``."""
    connection = session.connection().execution_options(stream_results=True, max_row_buffer=FETCH_BATCH)
    yield from connection.execute(stmt).partitions(FETCH_BATCH)


def _chunks(values: Sequence[Any], size: int = ID_CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


# --- scope -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PresetScope:
    """The preset a command works on and the decks whose cards it reads (None: every deck)."""

    preset: Preset
    deck_ids: list[int]
    deck: str | None  # the --deck name, normalised


def preset_scope(session: Session, deck: str | None) -> PresetScope:
    """``--deck NAME``: that deck's preset and the deck with its sub-decks; no deck: the
    default preset and every deck that uses it."""
    if deck is not None:
        ids = named_deck_ids(session, deck)
        assert ids is not None
        name = normalise_deck_name(deck)
        preset = session.scalar(select(Preset).join(Deck, Deck.preset_id == Preset.id).where(Deck.name == name))
        assert preset is not None
        return PresetScope(preset, ids, name)
    preset = session.scalar(select(Preset).where(Preset.name == DEFAULT_PRESET_NAME))
    if preset is None:
        raise NotFoundError(f"the collection has no {DEFAULT_PRESET_NAME!r} preset (run srs check)")
    ids = list(session.scalars(select(Deck.id).where(Deck.preset_id == preset.id)))
    return PresetScope(preset, ids, None)


def _in_decks(ids: list[int] | None) -> Any:
    return True if ids is None else Card.deck_id.in_(ids)


# --- the log as columns (optimize) ------------------------------------------------------------


@dataclass(frozen=True)
class LogColumns:
    """Every review of the cards in scope, ordered by card then time (numpy columns)."""

    card_id: np.ndarray  # int64
    rating: np.ndarray  # int8
    reviewed_at: np.ndarray  # int64 microseconds
    state_before: np.ndarray  # int8

    def __len__(self) -> int:
        return len(self.card_id)


def log_columns(session: Session, deck_ids: list[int] | None) -> LogColumns:
    """The log of the cards in ``deck_ids`` (None: all), fetched in batches into numpy."""
    stmt = (
        select(Review.card_id, Review.rating, micros(Review.reviewed_at), Review.state_before)
        .join(Card, Card.id == Review.card_id)
        .where(_in_decks(deck_ids))
        .order_by(Review.card_id, Review.reviewed_at, Review.id)
        .execution_options(yield_per=FETCH_BATCH)
    )
    parts: list[np.ndarray] = []
    # Core execution (no ORM row processing) and plain tuples: numpy probes every Row object
    # for __array__ & co. (an AttributeError each), which made this 5-10x slower at 1M reviews.
    for batch in session.connection().execute(stmt).partitions():
        parts.append(np.array([tuple(row) for row in batch], dtype=np.int64).reshape(-1, 4))
    table = np.concatenate(parts) if parts else np.zeros((0, 4), dtype=np.int64)
    return LogColumns(
        card_id=np.ascontiguousarray(table[:, 0]),
        rating=table[:, 1].astype(np.int8),
        reviewed_at=np.ascontiguousarray(table[:, 2]),
        state_before=table[:, 3].astype(np.int8),
    )


# --- per-card logs and states (reschedule) ----------------------------------------------------


@dataclass(frozen=True)
class StoredState:
    """A card's stored memory state, timestamps in microseconds."""

    card_id: int
    deck_id: int
    state: int
    step: int | None
    stability: float | None
    difficulty: float | None
    due: int | None
    last_review: int | None
    reps: int
    lapses: int
    active: bool  # not suspended, not retired (buried cards count: burying only lasts a day)

    def memory(self) -> tuple[object, ...]:
        return (self.state, self.step, self.stability, self.difficulty, self.due, self.last_review, self.reps, self.lapses)


def stored_states(session: Session, deck_ids: list[int] | None) -> Iterator[StoredState]:
    """The memory state of every card in scope, by card id."""
    stmt = (
        select(
            Card.id,
            Card.deck_id,
            Card.state,
            Card.step,
            Card.stability,
            Card.difficulty,
            micros(Card.due),
            micros(Card.last_review),
            Card.reps,
            Card.lapses,
            and_(Card.suspended.is_(False), Card.retired_at.is_(None)),
        )
        .where(_in_decks(deck_ids))
        .order_by(Card.id)
    )
    for batch in _stream(session, stmt):
        for row in batch:
            yield StoredState(*row[:10], bool(row[10]))


def card_logs(session: Session, deck_ids: list[int] | None) -> Iterator[tuple[int, list[int], list[int]]]:
    """``(card id, ratings, times in micros)`` of every card in scope that has reviews, in card
    order, each log oldest first (ties by log id, as :func:`srs.store.reviews.card_events`)."""
    stmt = (
        select(Review.card_id, Review.rating, micros(Review.reviewed_at))
        .join(Card, Card.id == Review.card_id)
        .where(_in_decks(deck_ids))
        .order_by(Review.card_id, Review.reviewed_at, Review.id)
    )
    current: int | None = None
    ratings: list[int] = []
    times: list[int] = []
    for batch in _stream(session, stmt):
        for card_id, rating, at in batch:
            if card_id != current:
                if current is not None:
                    yield current, ratings, times
                current, ratings, times = card_id, [], []
            ratings.append(rating)
            times.append(at)
    if current is not None:
        yield current, ratings, times


_STATE_UPDATE = (
    update(Card.__table__)
    .where(Card.__table__.c.id == bindparam("b_id"))
    .values(
        state=bindparam("b_state", type_=Integer()),
        step=bindparam("b_step", type_=Integer()),
        stability=bindparam("b_stability", type_=Float()),
        difficulty=bindparam("b_difficulty", type_=Float()),
        due=bindparam("b_due", type_=BigInteger()),
        last_review=bindparam("b_last_review", type_=BigInteger()),
        reps=bindparam("b_reps", type_=Integer()),
        lapses=bindparam("b_lapses", type_=Integer()),
        updated_at=bindparam("b_updated_at", type_=BigInteger()),
    )
)


def update_card_states(session: Session, rows: Iterable[tuple[int, tuple[Any, ...]]], updated_at: int) -> int:
    """Store ``(card id, (state, step, stability, difficulty, due, last_review, reps, lapses))``
    rows (timestamps in micros) with executemany batches. Returns the number of rows."""
    names = ("b_state", "b_step", "b_stability", "b_difficulty", "b_due", "b_last_review", "b_reps", "b_lapses")
    batch: list[dict[str, Any]] = []
    count = 0
    for card_id, memory in rows:
        values = dict(zip(names, memory))
        values["b_id"] = card_id
        values["b_updated_at"] = updated_at
        batch.append(values)
        if len(batch) >= UPDATE_BATCH:
            session.execute(_STATE_UPDATE, batch)
            count += len(batch)
            batch = []
    if batch:
        session.execute(_STATE_UPDATE, batch)
        count += len(batch)
    return count


def deck_presets(session: Session, deck_ids: list[int] | None) -> dict[int, Preset]:
    """Deck id -> its preset, for the decks in scope."""
    stmt = select(Deck.id, Preset).join(Preset, Preset.id == Deck.preset_id)
    if deck_ids is not None:
        stmt = stmt.where(Deck.id.in_(deck_ids))
    return {deck_id: preset for deck_id, preset in session.execute(stmt)}


# --- cards that imported histories attach to (import-revlog) ----------------------------------

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


# --- what the workload simulation needs (optimize --retention) --------------------------------


@dataclass(frozen=True)
class AnswerStats:
    """Counts and mean durations of answers by the state the card was in and the rating."""

    counts: dict[tuple[int, int], int]  # (state_before, rating) -> answers
    mean_seconds: dict[tuple[int, int], tuple[float, int]]  # -> (mean seconds, answers timed)
    cards: int  # cards in scope (retired ones excluded)


def answer_stats(session: Session, deck_ids: list[int] | None) -> AnswerStats:
    duration = case((Review.duration_ms > MAX_DURATION_MS, MAX_DURATION_MS), else_=Review.duration_ms)
    rows = session.execute(
        select(
            Review.state_before,
            Review.rating,
            func.count(),
            func.avg(duration),
            func.count(Review.duration_ms),
        )
        .join(Card, Card.id == Review.card_id)
        .where(_in_decks(deck_ids))
        .group_by(Review.state_before, Review.rating)
    ).all()
    counts = {(int(s), int(r)): int(n) for s, r, n, _, _ in rows}
    means = {(int(s), int(r)): (float(avg) / 1000.0, int(timed)) for s, r, _, avg, timed in rows if avg is not None}
    cards = session.scalar(select(func.count()).select_from(Card).where(_in_decks(deck_ids), Card.retired_at.is_(None))) or 0
    return AnswerStats(counts, means, int(cards))

