"""The SQL of ``srs stats``: aggregates in the database, and column fetches into numpy arrays.

Nothing here builds one object per review. Sums and counts are SQL aggregates; where every
review is needed (the forgetting curve) the rows are read in batches from the DBAPI cursor
straight into numpy arrays. Timestamps are compared and fetched as the integer microseconds
they are stored as (``type_coerce(column, BigInteger)``), never converted row by row.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import BigInteger, and_, case, column, func, or_, select, true, type_coerce, values
from sqlalchemy.engine import Connection
from sqlalchemy.sql import Select

from srs.domain.cards import CardState
from srs.domain.forgetting import decay_of
from srs.domain.forgetting_curve import LogEntry
from srs.domain.retention import RetentionCounts
from srs.domain.scheduling import MANUAL
from srs.domain.stats import YOUNG_DAYS, CardCounts
from srs.store.deck_names import named
from srs.store.schema import cards, decks, presets, reviews

if TYPE_CHECKING:
    import numpy as np

BATCH = 100_000  # rows per fetch from the cursor
MAX_VALUES_ROWS = 1_000  # rows of one VALUES list (keeps bound parameters far below every limit)

reviewed_at = type_coerce(reviews.c.reviewed_at, BigInteger)
card_due = type_coerce(cards.c.due, BigInteger)
card_last_review = type_coerce(cards.c.last_review, BigInteger)


def _reviews_in(ids: list[int] | None) -> Any:
    """WHERE clause: answers (not manual entries) to cards in decks ``ids`` (None: every deck)."""
    answers = reviews.c.rating != MANUAL
    if ids is None:
        return answers
    return and_(answers, reviews.c.card_id.in_(select(cards.c.id).where(cards.c.deck_id.in_(ids))))


def _cards_in(ids: list[int] | None) -> Any:
    return true() if ids is None else cards.c.deck_id.in_(ids)


def _count(condition: Any) -> Any:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def fetch_matrix(connection: Connection, stmt: Select[Any] | Select[*tuple[Any, ...]], columns: int) -> np.ndarray:
    """The rows of ``stmt`` as a float64 array of shape ``(rows, columns)``.

    Every selected value must be a number that is never NULL (coalesce in the query); integers
    up to 2**53 (ids, microsecond timestamps until the year 2255) are exact. Rows are read in
    batches from the DBAPI cursor: SQLAlchemy's per-row ``Row`` processing would cost three
    times the database's own work for a million rows, and these values need no conversion.
    """
    import numpy as np

    result = connection.execute(stmt)
    cursor = result.cursor  # the DBAPI cursor of this CursorResult
    parts = []
    try:
        while rows := cursor.fetchmany(BATCH):
            parts.append(np.fromiter(itertools.chain.from_iterable(rows), dtype=np.float64, count=len(rows) * columns))
    finally:
        result.close()
    if not parts:
        return np.zeros((0, columns), dtype=np.float64)
    return np.concatenate(parts).reshape(-1, columns)


# -- decks and presets ----------------------------------------------------------------------


def scope_day_rule(connection: Connection, name: str | None, ids: list[int] | None) -> tuple[str, int] | None:
    """``(time zone, day-start hour)`` of the preset whose study days the statistics of deck
    ``name`` follow: the deck's own, or (for a name that only exists as a parent of sub-decks)
    the one preset its decks share; None for the whole collection or decks with several
    presets (the caller uses Default)."""
    if name is None:
        return None
    rule = select(presets.c.timezone, presets.c.day_start_hour)
    own = connection.execute(rule.join(decks, decks.c.preset_id == presets.c.id).where(named(name)).order_by(decks.c.name).limit(1)).first()
    if own is not None or not ids:
        return None if own is None else (str(own[0]), int(own[1]))
    shared = connection.scalars(select(decks.c.preset_id).where(decks.c.id.in_(ids)).distinct()).all()
    if len(shared) != 1:
        return None
    row = connection.execute(rule.where(presets.c.id == shared[0])).one()
    return str(row[0]), int(row[1])


def deck_parameters(connection: Connection, ids: list[int] | None) -> dict[int, tuple[float, ...]]:
    """``{deck id: the 21 FSRS-6 parameters of its preset}`` for decks ``ids``."""
    stmt = select(decks.c.id, presets.c.parameters).join(presets, presets.c.id == decks.c.preset_id)
    if ids is not None:
        stmt = stmt.where(decks.c.id.in_(ids))
    return {int(deck_id): tuple(float(p) for p in parameters) for deck_id, parameters in connection.execute(stmt)}


def deck_decays(connection: Connection, ids: list[int] | None) -> dict[int, float]:
    """``{deck id: DECAY}`` (FSRS-6 parameter w20 of the deck's preset) for decks ``ids``."""
    return {deck_id: decay_of(parameters) for deck_id, parameters in deck_parameters(connection, ids).items()}


# -- cards ----------------------------------------------------------------------------------


def card_counts(connection: Connection, ids: list[int] | None) -> CardCounts:
    active = and_(cards.c.retired_at.is_(None), cards.c.suspended.is_(False))
    row = connection.execute(
        select(
            _count(and_(active, cards.c.state == CardState.NEW)),
            _count(and_(active, cards.c.state == CardState.LEARNING)),
            _count(and_(active, cards.c.state == CardState.REVIEW)),
            _count(and_(active, cards.c.state == CardState.RELEARNING)),
            _count(and_(cards.c.retired_at.is_(None), cards.c.suspended.is_(True))),
            _count(cards.c.retired_at.is_not(None)),
        ).where(_cards_in(ids))
    ).one()
    return CardCounts(*(int(value) for value in row))


def _scheduled() -> Any:
    """Cards the forecast counts: reviewed, neither suspended nor retired."""
    return and_(cards.c.state != CardState.NEW, cards.c.suspended.is_(False), cards.c.retired_at.is_(None), cards.c.due.is_not(None))


def overdue_count(connection: Connection, ids: list[int] | None, before: int) -> int:
    """Active reviewed cards due before ``before`` (micros)."""
    return int(connection.scalar(select(func.count()).select_from(cards).where(_cards_in(ids), _scheduled(), card_due < before)) or 0)


def due_columns(connection: Connection, ids: list[int] | None, start: int, end: int) -> tuple[np.ndarray, np.ndarray]:
    """``(due micros, state)`` of the active reviewed cards due in ``[start, end)``."""
    import numpy as np

    matrix = fetch_matrix(connection, select(card_due, cards.c.state).where(_cards_in(ids), _scheduled(), card_due >= start, card_due < end), 2)
    return matrix[:, 0].astype(np.int64), matrix[:, 1].astype(np.int8)


def memory_columns(connection: Connection, ids: list[int] | None, *, with_deck: bool = False) -> dict[str, np.ndarray]:
    """The memory state of every reviewed card that is not retired: arrays ``card_id``,
    ``stability`` (days), ``last_review`` (micros), ``suspended`` (and ``deck_id`` if asked)."""
    import numpy as np

    selected = [cards.c.id, cards.c.stability, card_last_review, case((cards.c.suspended.is_(True), 1), else_=0)]
    if with_deck:
        selected.append(cards.c.deck_id)
    matrix = fetch_matrix(
        connection,
        select(*selected).where(
            _cards_in(ids),
            cards.c.retired_at.is_(None),
            cards.c.state != CardState.NEW,
            cards.c.stability.is_not(None),
            cards.c.last_review.is_not(None),
        ),
        len(selected),
    )
    result = {
        "card_id": matrix[:, 0].astype(np.int64),
        "stability": matrix[:, 1],
        "last_review": matrix[:, 2].astype(np.int64),
        "suspended": matrix[:, 3] > 0,
    }
    if with_deck:
        result["deck_id"] = matrix[:, 4].astype(np.int64)
    return result


def card_summaries(connection: Connection, card_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """A few cards (the ones at most risk, or the one of ``--card``): deck name, front, due."""
    if not card_ids:
        return {}
    rows = connection.execute(
        select(cards.c.id, decks.c.name, cards.c.front, card_due, cards.c.deck_id)
        .join(decks, decks.c.id == cards.c.deck_id)
        .where(cards.c.id.in_(list(card_ids)))
    ).all()
    return {int(row[0]): {"deck": row[1], "front": row[2], "due": row[3], "deck_id": int(row[4])} for row in rows}


# -- reviews: aggregates --------------------------------------------------------------------


def _counted_for_retention(ids: list[int] | None) -> Any:
    """Reviews that count for true retention: the card was in review state, or its last
    interval was at least a day (as Anki counts them)."""
    return and_(or_(reviews.c.state_before == CardState.REVIEW, reviews.c.last_interval_days >= 1.0), _reviews_in(ids))


def _retention_aggregates(condition: Any) -> list[Any]:
    passed = reviews.c.rating > 1
    mature = reviews.c.last_interval_days >= YOUNG_DAYS
    return [_count(condition), _count(and_(condition, passed)), _count(and_(condition, mature)), _count(and_(condition, mature, passed))]


def _retention(total: int, passed: int, mature: int, mature_passed: int) -> RetentionCounts:
    young_passed = passed - mature_passed
    return RetentionCounts(young_passed, total - mature - young_passed, mature_passed, mature - mature_passed)


def retention_counts(connection: Connection, ids: list[int] | None, start: int, end: int | None = None) -> RetentionCounts:
    """True retention counts of the reviews in ``[start, end)`` (micros; ``end`` None: no end),
    read through the ``reviewed_at`` index: for short recent periods.

    Passed = any answer but Again; mature = last interval at least :data:`YOUNG_DAYS` days.
    """
    where = and_(_counted_for_retention(ids), reviewed_at >= start, true() if end is None else reviewed_at < end)
    row = connection.execute(select(*_retention_aggregates(true())).where(where)).one()
    return _retention(*(int(v) for v in row))


def retention_counts_scan(connection: Connection, ids: list[int] | None, since: int) -> tuple[RetentionCounts, RetentionCounts]:
    """``(all time, since ``since``)`` true retention counts in one scan of the log (cheaper
    than the index for a period holding a good part of the log, such as the last year)."""
    row = connection.execute(
        select(*_retention_aggregates(true()), *_retention_aggregates(reviewed_at >= since)).where(_counted_for_retention(ids))
    ).one()
    numbers = [int(v) for v in row]
    return _retention(*numbers[:4]), _retention(*numbers[4:])


def _per_interval(connection: Connection, boundaries: Sequence[int], measure: Any) -> list[int]:
    """``measure(lo, hi)`` (a correlated scalar subquery) for each interval ``[boundaries[i],
    boundaries[i + 1])``. The boundaries go as a one-column VALUES list (one bound parameter
    each, which keeps compiling a 10-year list cheap); ``lead()`` pairs them into intervals."""
    results: list[int] = []
    for first in range(0, max(len(boundaries) - 1, 0), MAX_VALUES_ROWS):
        chunk = [(b,) for b in boundaries[first : first + MAX_VALUES_ROWS + 1]]
        starts = values(column("lo", BigInteger), name="starts").data(chunk).cte("starts")
        days = select(starts.c.lo, func.lead(starts.c.lo).over(order_by=starts.c.lo).label("hi")).cte("days")
        rows = connection.execute(select(days.c.lo, measure(days.c.lo, days.c.hi)).where(days.c.hi.is_not(None)).order_by(days.c.lo)).all()
        results.extend(int(value) for _lo, value in rows)
    return results


def review_counts_between(connection: Connection, ids: list[int] | None, boundaries: Sequence[int]) -> list[int]:
    """Reviews in each ``[boundaries[i], boundaries[i + 1])`` (micros): per study day, say.

    A correlated ``count(*)`` per interval over the ``reviewed_at`` index: the database walks
    each day's index entries once and sends back one number per day.
    """

    def measure(lo: Any, hi: Any) -> Any:
        return select(func.count()).select_from(reviews).where(reviewed_at >= lo, reviewed_at < hi, _reviews_in(ids)).scalar_subquery()

    return _per_interval(connection, boundaries, measure)


def reviewed_between(connection: Connection, ids: list[int] | None, boundaries: Sequence[int]) -> list[bool]:
    """Whether there is a review in each ``[boundaries[i], boundaries[i + 1])``: one index
    probe per interval (``EXISTS``), however many reviews the interval holds."""

    def measure(lo: Any, hi: Any) -> Any:
        found = select(reviews.c.id).where(reviewed_at >= lo, reviewed_at < hi, _reviews_in(ids)).exists()
        return case((found, 1), else_=0)

    return [bool(v) for v in _per_interval(connection, boundaries, measure)]


def review_count(connection: Connection, ids: list[int] | None) -> int:
    return int(connection.scalar(select(func.count()).select_from(reviews).where(_reviews_in(ids))) or 0)


def activity(connection: Connection, ids: list[int] | None, start: int, end: int) -> tuple[int, int]:
    """``(reviews, milliseconds spent)`` in ``[start, end)``; unknown durations count 0."""
    count, spent = connection.execute(
        select(func.count(), func.coalesce(func.sum(reviews.c.duration_ms), 0)).where(reviewed_at >= start, reviewed_at < end, _reviews_in(ids))
    ).one()
    return int(count), int(spent)


def last_review(connection: Connection, ids: list[int] | None) -> int | None:
    """Micros of the newest answer (None when there is none)."""
    value = connection.scalar(select(func.max(reviewed_at)).where(_reviews_in(ids)))
    return None if value is None else int(value)


def first_review(connection: Connection, ids: list[int] | None) -> int | None:
    """Micros of the oldest review (None when there is none)."""
    value = connection.scalar(select(func.min(reviewed_at)).where(_reviews_in(ids)))
    return None if value is None else int(value)


# -- reviews: columns -----------------------------------------------------------------------


def curve_columns(connection: Connection, ids: list[int] | None) -> dict[str, np.ndarray]:
    """Every review in card-then-time order (the ``(card_id, reviewed_at)`` index): arrays
    ``rating``, ``elapsed_days`` (fractional days since the card's previous review, -1 at
    its first), ``reviewed_at`` (micros) and ``deck_id``. Enough to replay the cards' memory
    states (:func:`srs.domain.memory_replay.replay_memory`) and to pair each review with the state before it.
    """
    import numpy as np

    stmt = (
        select(reviews.c.rating, func.coalesce(reviews.c.elapsed_days, -1.0), reviewed_at, cards.c.deck_id)
        .join(cards, cards.c.id == reviews.c.card_id)
        .where(_reviews_in(ids))
        .order_by(reviews.c.card_id, reviews.c.reviewed_at, reviews.c.id)
    )
    matrix = fetch_matrix(connection, stmt, 4)
    return {
        "rating": matrix[:, 0].astype(np.int64),
        "elapsed_days": matrix[:, 1],
        "reviewed_at": matrix[:, 2].astype(np.int64),
        "deck_id": matrix[:, 3].astype(np.int64),
    }


def deck_study_days(connection: Connection, ids: list[int] | None) -> dict[int, tuple[str, int]]:
    """``{deck id: (time zone, day-start hour) of its preset}``: how its study days are counted."""
    stmt = select(decks.c.id, presets.c.timezone, presets.c.day_start_hour).join(presets, presets.c.id == decks.c.preset_id)
    if ids is not None:
        stmt = stmt.where(decks.c.id.in_(ids))
    return {int(deck_id): (str(tz), int(hour)) for deck_id, tz, hour in connection.execute(stmt)}


def card_log(connection: Connection, card_id: int) -> list[LogEntry]:
    """A card's review log, oldest first, as :data:`srs.domain.forgetting_curve.LogEntry` tuples."""
    rows = connection.execute(
        select(reviewed_at, reviews.c.rating, reviews.c.stability, reviews.c.difficulty, reviews.c.state, reviews.c.elapsed_days, type_coerce(reviews.c.due, BigInteger))
        .where(reviews.c.card_id == card_id, reviews.c.rating != MANUAL)
        .order_by(reviews.c.reviewed_at, reviews.c.id)
    ).all()
    return [(int(at), int(rating), s, d, int(state), e, int(due)) for at, rating, s, d, state, e, due in rows]
