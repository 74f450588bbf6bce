"""The per-card figures of ``srs stats`` as SQL aggregates: cards by state, the due forecast and
the retrievability-now histogram, each one statement whose answer is a few rows, instead of
100,000 cards' columns fetched into Python (issue 18: 0.3 s of the 0.6 s those figures took).

The numbers are those of the per-card computation (:func:`srs.domain.stats.forecast`,
:func:`~srs.domain.stats.distribution`, :func:`~srs.domain.stats.lowest` on every card's
columns): the forecast's days are a CASE over the day starts; the retrievability bins are
thresholds on the curve's base B = 1 + FACTOR t/S (:mod:`srs.domain.retrievability_bins`),
which the database computes with the same floating-point operations as numpy; the mean sums
B ** -DECAY in the database (equal up to the order of the additions); the cards at most risk
are those of largest B, their retrievability computed in Python as before.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import BigInteger, Float, and_, case, cast, func, literal, select
from sqlalchemy.engine import Connection
from sqlalchemy.exc import OperationalError

from srs.domain.cards import CardState
from srs.domain.stats import CardCounts
from srs.store.schema import cards
from srs.store.stats import _cards_in, _scheduled, card_due, card_last_review

MICROS_PER_DAY = 86_400_000_000


def card_counts(connection: Connection, ids: list[int] | None) -> CardCounts:
    """Cards by state, counted by (state, suspended, retired) from the index ``ix_cards_counts``."""
    retired = case((cards.c.retired_at.is_(None), 0), else_=1).label("retired")
    keys = select(cards.c.state, cards.c.suspended, retired).where(_cards_in(ids)).subquery()
    rows = connection.execute(select(keys.c.state, keys.c.suspended, keys.c.retired, func.count()).group_by(*keys.c)).all()
    by_state = dict.fromkeys(CardState, 0)
    suspended = gone = 0
    for state, is_suspended, is_retired, count in rows:
        if is_retired:
            gone += count
        elif is_suspended:
            suspended += count
        elif state in by_state:
            by_state[CardState(state)] += count
    return CardCounts(
        by_state[CardState.NEW], by_state[CardState.LEARNING], by_state[CardState.REVIEW], by_state[CardState.RELEARNING], suspended, gone
    )


def due_per_day(connection: Connection, ids: list[int] | None, boundaries: Sequence[int]) -> tuple[int, list[int], list[int]]:
    """``(overdue, review, learning)``: active reviewed cards due before ``boundaries[0]``, and
    per day ``[boundaries[i], boundaries[i + 1])`` (micros) those in review state and the others."""
    day = case(*((card_due < start, i - 1) for i, start in enumerate(boundaries)), else_=len(boundaries)).label("day")
    in_review = case((cards.c.state == CardState.REVIEW, 1), else_=0).label("review")
    # Grouped outside a subquery: PostgreSQL does not match a GROUP BY holding bound
    # parameters with the same expression in the SELECT list.
    keys = select(day, in_review).where(_cards_in(ids), _scheduled(), card_due < boundaries[-1]).subquery()
    stmt = select(keys.c.day, keys.c.review, func.count()).group_by(keys.c.day, keys.c.review)
    days = len(boundaries) - 1
    overdue, review, learning = 0, [0] * days, [0] * days
    for index, is_review, count in connection.execute(stmt):
        if index < 0:
            overdue += count
        elif index < days:
            (review if is_review else learning)[index] += count
    return overdue, review, learning


def _reviewed(ids: list[int] | None) -> Any:
    """The cards whose retrievability counts: reviewed, with a memory state, not retired."""
    return and_(
        _cards_in(ids),
        cards.c.retired_at.is_(None),
        cards.c.state != CardState.NEW,
        cards.c.stability.is_not(None),
        cards.c.last_review.is_not(None),
    )


def _base(now: int, factor: float) -> Any:
    """B = 1 + FACTOR max(t, 0) / S, t the fractional days since the last review: the same
    double-precision operations, in the same order, as the numpy computation (t > 0 exactly
    when the last review is before ``now``: the integer test spares a division)."""
    elapsed = cast(literal(now, BigInteger) - card_last_review, Float) / literal(float(MICROS_PER_DAY), Float)
    positive = case((card_last_review < literal(now, BigInteger), elapsed), else_=literal(0.0, Float))
    return literal(1.0, Float) + (literal(factor, Float) * positive) / cards.c.stability


def _bin(base: Any, limits: Sequence[float], low: int, high: int) -> Any:
    """The bin (``low`` .. ``high``) of a card of curve base ``base``: a binary search over the
    limits (bin k and above: B <= ``limits[k - 1]``), so that the database computes B about
    log2(bins) times per card instead of up to once per bin."""
    if low == high:
        return literal(low)
    middle = (low + high + 1) // 2
    return case((base <= limits[middle - 1], _bin(base, limits, middle, high)), else_=_bin(base, limits, low, middle - 1))


def _ensure_power(connection: Connection) -> None:
    """SQLite without its math functions (built before 3.35 or without them) lacks ``power``:
    give it Python's (the C library's ``pow``, as SQLite's own)."""
    if connection.dialect.name != "sqlite":
        return
    try:
        connection.exec_driver_sql("SELECT power(2.0, 0.5)").close()
    except OperationalError:
        connection.connection.driver_connection.create_function("power", 2, math.pow, deterministic=True)  # type: ignore[union-attr]


@dataclass(frozen=True)
class RetrievabilitySums:
    """One preset decay's share of the histogram: cards per bin and the sum of their R."""

    counts: list[int]
    total: float


def retrievability_sums(
    connection: Connection, ids: list[int] | None, now: int, decay: float, factor: float, limits: Sequence[float]
) -> RetrievabilitySums:
    """Cards of decks ``ids`` per retrievability bin (``limits``: the largest B of each inner
    edge, :func:`srs.domain.retrievability_bins.base_limits`) and the sum of R over them."""
    _ensure_power(connection)
    # B once per card: OFFSET 0 keeps SQLite (and PostgreSQL) from merging the subquery into
    # the outer one, which would compute B again at each comparison (0.10 -> 0.065 s here).
    bases = select(_base(now, factor).label("b")).where(_reviewed(ids)).offset(0).subquery()
    bin_ = _bin(bases.c.b, limits, 0, len(limits)).label("bin")
    per_card = select(bin_, func.power(bases.c.b, literal(-decay, Float)).label("r")).subquery()
    stmt = select(per_card.c.bin, func.count(), func.sum(per_card.c.r)).group_by(per_card.c.bin)
    counts = [0] * (len(limits) + 1)
    total = 0.0
    for index, count, summed in connection.execute(stmt):
        counts[int(index)] += int(count)
        total += float(summed)
    return RetrievabilitySums(counts, total)


def least_retained(connection: Connection, ids: list[int] | None, now: int, factor: float, limit: int) -> list[tuple[int, float, int]]:
    """``(card id, stability, last review micros)`` of the ``limit`` active cards (not
    suspended) of largest B, that is of lowest retrievability; ties by card id."""
    base = _base(now, factor)
    stmt = (
        select(cards.c.id, cards.c.stability, card_last_review)
        .where(_reviewed(ids), cards.c.suspended.is_(False))
        .order_by(base.desc(), cards.c.id)
        .limit(limit)
    )
    return [(int(card_id), float(stability), int(last)) for card_id, stability, last in connection.execute(stmt)]

