"""``srs check``: stored times that are not times (outside what srs can represent), found in every
time column and repaired (a replayed column is recomputed, any other set to the check's time)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Column, and_, cast, func, or_, select, type_coerce, update
from sqlalchemy.orm import Session
from sqlalchemy.types import NullType

from srs.store.check import delete_reviews
from srs.store.imports import chunks
from srs.store.models import Card, Deck, ImportRoot, Preset, Review, Source, UTCDateTime
from srs.timeutil import EARLIEST_TIME, LATEST_TIME, to_micros

# The range of times srs stores (srs.timeutil: 1970 to 2199) in microseconds since the epoch:
# a time past it (9999-12-31) is readable but overflows the scheduler, so it is repaired too.
_MIN_MICROS = to_micros(EARLIEST_TIME)


_MAX_MICROS = to_micros(LATEST_TIME) - 1


_TIME_TABLES = (Preset, Deck, ImportRoot, Source, Card, Review)


@dataclass(frozen=True)
class BadTime:
    """A time column of one row that holds what is not a time (text, a fraction, a number
    out of range): every read of the row fails until it is repaired."""

    table: str
    row_id: int
    column: str
    value: Any


def time_columns() -> list[tuple[Any, Column[Any]]]:
    """``(model, column)`` for every time column (:class:`UTCDateTime`) of the tables."""
    return [(model, column) for model in _TIME_TABLES for column in model.__table__.columns if isinstance(column.type, UTCDateTime)]


def bad_times(session: Session) -> list[BadTime]:
    """Every stored time that cannot be read as one or lies outside the range srs stores
    (:data:`srs.timeutil.LATEST_TIME`), in table, column and row order. On
    SQLite a column takes any type (``update cards set due = '2030-01-01'``); on every
    database an integer can be out of the range of a date."""
    sqlite = session.get_bind().dialect.name == "sqlite"
    found: list[BadTime] = []
    for model, column in time_columns():
        micros = type_coerce(column, BigInteger)  # compared as stored, not through UTCDateTime
        condition = or_(micros < _MIN_MICROS, micros > _MAX_MICROS)
        if sqlite:
            condition = or_(func.typeof(column).not_in(["integer", "null"]), and_(func.typeof(column) == "integer", condition))
        raw = type_coerce(column, NullType())  # the value as stored (text, a float...)
        rows = session.execute(select(model.id, raw).where(condition).order_by(model.id)).all()
        found.extend(BadTime(model.__table__.name, int(row_id), column.name, value) for row_id, value in rows)
    return found


# A card's due and last review are its memory state: cleared here, the replay of its log sets
# them again. A review's due is its time plus the interval it scheduled (stored in days).
REPLAYED_TIMES = frozenset({("cards", "due"), ("cards", "last_review")})


def repair_times(session: Session, bad: Sequence[BadTime], now: datetime) -> None:
    """Repair every time of ``bad``: a review without a readable time is deleted (it cannot
    be replayed, like a review with an invalid rating); a card's due and last review are
    cleared for the replay; a review's due is recomputed from its interval; any other time
    (when a row was created, updated, retired, buried, imported) becomes ``now``."""
    models = {model.__table__.name: model for model in _TIME_TABLES}
    unreplayable = sorted({b.row_id for b in bad if (b.table, b.column) == ("reviews", "reviewed_at")})
    delete_reviews(session, unreplayable)
    rows: dict[tuple[str, str], list[int]] = {}
    for item in bad:
        if not (item.table == "reviews" and item.row_id in unreplayable):
            rows.setdefault((item.table, item.column), []).append(item.row_id)
    for (table, column), ids in rows.items():  # one UPDATE per column and chunk of rows
        model = models[table]
        if (table, column) in REPLAYED_TIMES:
            values: dict[str, Any] = {column: None}
        elif (table, column) == ("reviews", "due"):
            interval = cast(func.round(Review.scheduled_days * 86_400_000_000), BigInteger)
            values = {"due": type_coerce(Review.reviewed_at, BigInteger) + interval}
        else:
            values = {column: now}
        for part in chunks(ids):
            session.execute(update(model).where(model.id.in_(part)).values(**values))
