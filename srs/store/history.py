"""Bulk access to the review log: the whole history of many cards at once.

For ``srs optimize`` (the log as numpy columns), ``srs reschedule`` (each card's log streamed
in card order, card states written back with one executemany) and ``srs import-revlog``
(finding and creating the cards histories attach to). Timestamps are read and written as the
integer microseconds they are stored as, so no datetime is built per row.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import chain
from typing import Any, NamedTuple

import numpy as np
from sqlalchemy import BigInteger, Float, Integer, and_, bindparam, case, func, select, type_coerce, update
from sqlalchemy.orm import Session

from srs.domain.scheduling import MANUAL
from srs.errors import NotFoundError
from srs.store.decks import deck_ids as named_deck_ids
from srs.store.decks import named, normalise_deck_name
from srs.store.models import DEFAULT_PRESET_NAME, Card, Deck, Preset, Review

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
    # Options on the statement: Connection.execution_options() would change the session's
    # connection for good (and PostgreSQL refuses executemany on a streaming cursor).
    streamed = stmt.execution_options(stream_results=True, max_row_buffer=FETCH_BATCH)
    yield from session.connection().execute(streamed).partitions(FETCH_BATCH)


def _rows(session: Session, stmt: Any) -> Iterator[Sequence[Any]]:
    """The rows of a Core select in batches of plain tuples, for reads of a million rows.

    On SQLite the statement, compiled by SQLAlchemy with its bound parameters, runs on the
    session connection's DBAPI cursor itself (same transaction): half the CPU time of
    SQLAlchemy's result rows at this size (1.1 s instead of 2.2 s for 1M reviews). Only for
    statements whose parameters need no type conversion (ids). Elsewhere: :func:`_stream`.
    """
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        yield from _stream(session, stmt)
        return
    compiled = stmt.compile(dialect=connection.dialect, compile_kwargs={"render_postcompile": True})
    params = [compiled.params[name] for name in compiled.positiontup or ()]
    cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(str(compiled), params)
        while batch := cursor.fetchmany(FETCH_BATCH):
            yield batch
    finally:
        cursor.close()


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
        preset = session.scalar(select(Preset).join(Deck, Deck.preset_id == Preset.id).where(named(name)).order_by(Deck.name).limit(1))
        if preset is None:  # "Anki" when only "Anki::History" exists: the sub-decks' preset
            # Distinct by id (PostgreSQL cannot compare the JSON columns for a SELECT DISTINCT of whole rows).
            presets = list(session.scalars(select(Preset).where(Preset.id.in_(select(Deck.preset_id).where(Deck.id.in_(ids)))).order_by(Preset.id)))
            if len(presets) != 1:
                names = ", ".join(sorted(p.name for p in presets)) or "none"
                raise NotFoundError(f"the decks under {name!r} use different presets ({names}): name one deck")
            preset = presets[0]
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


def _log_query(columns: list[Any], deck_ids: list[int] | None) -> Any:
    """The answers of the cards in ``deck_ids``; manual entries (srs cards forget / set-due) are
    left out: cards that have them are replayed one by one (:func:`cards_with_manual_entries`)."""
    stmt = select(*columns).where(Review.rating != MANUAL)
    if deck_ids is not None:  # no join at all for the whole collection
        stmt = stmt.join(Card, Card.id == Review.card_id).where(Card.deck_id.in_(deck_ids))
    return stmt


def log_columns(session: Session, deck_ids: list[int] | None) -> LogColumns:
    """The log of the cards in ``deck_ids`` (None: all), streamed through Core in batches into
    numpy columns allocated once (the count comes first). Rows reach numpy as one flat
    iterator of plain ints: numpy probes each SQLAlchemy ``Row`` for ``__array__`` & co.,
    which is several times slower at a million reviews."""
    total = int(session.scalar(_log_query([func.count()], deck_ids).select_from(Review)) or 0)
    stmt = _log_query([Review.card_id, Review.rating, micros(Review.reviewed_at), Review.state_before], deck_ids).order_by(
        Review.card_id, Review.reviewed_at, Review.id
    )
    columns = LogColumns(
        card_id=np.empty(total, dtype=np.int64),
        rating=np.empty(total, dtype=np.int8),
        reviewed_at=np.empty(total, dtype=np.int64),
        state_before=np.empty(total, dtype=np.int8),
    )
    filled = 0
    for batch in _rows(session, stmt):
        batch = batch[: total - filled]  # rows another process added since the count: not ours
        block = np.fromiter(chain.from_iterable(batch), dtype=np.int64, count=4 * len(batch)).reshape(-1, 4)
        end = filled + len(block)
        columns.card_id[filled:end] = block[:, 0]
        columns.rating[filled:end] = block[:, 1]
        columns.reviewed_at[filled:end] = block[:, 2]
        columns.state_before[filled:end] = block[:, 3]
        filled = end
    if filled < total:  # rows deleted since the count
        return LogColumns(columns.card_id[:filled], columns.rating[:filled], columns.reviewed_at[:filled], columns.state_before[:filled])
    return columns


# --- per-card logs and states (reschedule) ----------------------------------------------------


class StoredState(NamedTuple):
    """A card's stored memory state, timestamps in microseconds (a tuple: 100,000 of them are
    made at a time)."""

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
    for batch in _rows(session, stmt):
        for row in batch:
            yield StoredState(*row[:10], bool(row[10]))


def cards_with_manual_entries(session: Session, deck_ids: list[int] | None) -> set[int]:
    """Cards in scope whose log holds a manual entry (few: forget and set-due are rare)."""
    stmt = select(Review.card_id).where(Review.rating == MANUAL).distinct()
    if deck_ids is not None:
        stmt = stmt.join(Card, Card.id == Review.card_id).where(Card.deck_id.in_(deck_ids))
    return set(session.scalars(stmt))


def card_logs(session: Session, deck_ids: list[int] | None) -> Iterator[tuple[int, list[int], list[int]]]:
    """``(card id, ratings, times in micros)`` of every card in scope that has reviews, in card
    order, each log oldest first (ties by log id, as :func:`srs.store.reviews.card_events`).
    Read with :func:`log_columns` and cut into cards (cheaper than a Python loop over rows)."""
    log = log_columns(session, deck_ids)
    if not len(log):
        return
    first = np.ones(len(log), dtype=bool)
    first[1:] = log.card_id[1:] != log.card_id[:-1]
    starts = np.flatnonzero(first)
    bounds = np.append(starts, len(log)).tolist()
    card_ids = log.card_id[starts].tolist()
    ratings = log.rating.tolist()
    times = log.reviewed_at.tolist()
    del log
    for index, card_id in enumerate(card_ids):
        start, end = bounds[index], bounds[index + 1]
        yield card_id, ratings[start:end], times[start:end]


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


_STATE_FIELDS = ("b_state", "b_step", "b_stability", "b_difficulty", "b_due", "b_last_review", "b_reps", "b_lapses")


def update_card_states(session: Session, rows: Iterable[tuple[int, tuple[Any, ...]]], updated_at: int) -> int:
    """Store ``(card id, (state, step, stability, difficulty, due, last_review, reps, lapses))``
    rows (timestamps in micros) with executemany batches. Returns the number of rows.

    On SQLite the compiled UPDATE goes to the DBAPI cursor's ``executemany`` directly (a
    third of the CPU time of SQLAlchemy's executemany for 100,000 cards; the values are
    plain ints and floats, nothing to convert)."""
    connection = session.connection()
    raw = connection.dialect.name == "sqlite"
    if raw:
        compiled = _STATE_UPDATE.compile(dialect=connection.dialect)
        order = [(_STATE_FIELDS.index(name) if name in _STATE_FIELDS else name) for name in compiled.positiontup or ()]
        sql = str(compiled)
        cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]

    def flush(batch: list[tuple[int, tuple[Any, ...]]]) -> None:
        if raw:
            cursor.executemany(
                sql,
                [tuple(card_id if at == "b_id" else updated_at if at == "b_updated_at" else memory[at] for at in order) for card_id, memory in batch],
            )
        else:
            values = []
            for card_id, memory in batch:
                item = dict(zip(_STATE_FIELDS, memory))
                item["b_id"] = card_id
                item["b_updated_at"] = updated_at
                values.append(item)
            session.execute(_STATE_UPDATE, values)

    batch: list[tuple[int, tuple[Any, ...]]] = []
    count = 0
    try:
        for row in rows:
            batch.append(row)
            if len(batch) >= UPDATE_BATCH:
                flush(batch)
                count += len(batch)
                batch = []
        if batch:
            flush(batch)
            count += len(batch)
    finally:
        if raw:
            cursor.close()
    return count


def deck_presets(session: Session, deck_ids: list[int] | None) -> dict[int, Preset]:
    """Deck id -> its preset, for the decks in scope."""
    stmt = select(Deck.id, Preset).join(Preset, Preset.id == Deck.preset_id)
    if deck_ids is not None:
        stmt = stmt.where(Deck.id.in_(deck_ids))
    return {deck_id: preset for deck_id, preset in session.execute(stmt)}


# --- cards that imported histories attach to (import-revlog) ----------------------------------


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
        .where(_in_decks(deck_ids), Review.rating != MANUAL)
        .group_by(Review.state_before, Review.rating)
    ).all()
    counts = {(int(s), int(r)): int(n) for s, r, n, _, _ in rows}
    means = {(int(s), int(r)): (float(avg) / 1000.0, int(timed)) for s, r, _, avg, timed in rows if avg is not None}
    cards = session.scalar(select(func.count()).select_from(Card).where(_in_decks(deck_ids), Card.retired_at.is_(None))) or 0
    return AnswerStats(counts, means, int(cards))

