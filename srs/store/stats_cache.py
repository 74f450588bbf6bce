"""The statistics caches' common SQL, and the answers per study day and deck for ``srs stats``.

A cache (tables in :mod:`srs.store.schema`) holds sums over the review log up to a high-water
mark, ``stats_marks.last_review_id``: review ids only grow (never reused), so bringing it up to
date means adding the reviews after the mark. Every other change of what was counted deletes the
marks (:mod:`srs.store.stats_triggers`), and a cache without its mark is rebuilt from the log.
Brought up to date in a write transaction of its own (:meth:`Collection.write_derived`), then
read in the statistics' read transaction, which uses it only if its mark is the log's newest
review (else the caller scans the log, as without a cache).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import numpy as np
from sqlalchemy import BigInteger, Table, case, delete, func, literal, select, text, true, type_coerce
from sqlalchemy.engine import Connection
from sqlalchemy.exc import OperationalError

from srs.domain.scheduling import MANUAL
from srs.domain.stats_sums import DAY_COLUMNS, REVIEW_STATE, YOUNG_DAYS, day_sums
from srs.domain.study_days import MICROS_PER_DAY, offset_ranges
from srs.store.database import Database, is_lock_error
from srs.store.schema import cards, reviews, stats_days, stats_marks
from srs.store.stats import fetch_matrix

WRITE_BATCH = 5_000  # rows per executemany
MICROS_PER_HOUR = 3_600_000_000


def refresh(collection: Database, action: Callable[[Connection], None]) -> bool:
    """Run ``action`` (bring a cache up to date) in a write transaction of its own; False when
    the collection cannot be written now (another process holds the lock, a read-only file):
    the statistics then read the log itself, which gives the same figures."""
    try:
        with collection.write_derived() as connection:
            if connection.dialect.name == "postgresql":
                # PostgreSQL hands out ids before commit: a writer still open could commit an id
                # below the new mark. SHARE waits for the open writers and holds off new ones
                # until this transaction ends (SQLite has one writer at a time anyway).
                connection.execute(text("LOCK TABLE reviews IN SHARE MODE"))
            action(connection)
    except OperationalError as error:
        if is_lock_error(error) or "readonly" in str(error).replace("-", "").lower():
            return False
        raise
    return True


def newest_review_id(connection: Connection) -> int:
    return int(connection.scalar(select(func.max(reviews.c.id))) or 0)


def mark(connection: Connection, name: str) -> tuple[int, str] | None:
    """``(last review id counted, fingerprint)`` of cache ``name``, None if it must be rebuilt."""
    row = connection.execute(select(stats_marks.c.last_review_id, stats_marks.c.fingerprint).where(stats_marks.c.name == name)).first()
    return None if row is None else (int(row[0]), str(row[1]))


def set_mark(connection: Connection, name: str, last_review_id: int, fingerprint: str = "") -> None:
    connection.execute(delete(stats_marks).where(stats_marks.c.name == name))
    connection.execute(stats_marks.insert().values(name=name, last_review_id=last_review_id, fingerprint=fingerprint))


def forget_all(connection: Connection) -> None:
    """Delete every mark: each cache is rebuilt from the log when next used (``srs check --fix``)."""
    connection.execute(delete(stats_marks))


def add_sums(
    connection: Connection,
    table: Table,
    sums: Mapping[str, np.ndarray],
    keys: Iterable[str],
    fixed: Mapping[str, Any] | None = None,
    *,
    replace: bool = False,
    fresh: bool = False,
) -> None:
    """Add ``sums`` (columns of equal length; ``keys`` name the primary key's columns besides
    ``fixed``) to the rows of ``table``: an upsert; ``*_min`` and ``*_max`` columns keep the least
    and the greatest value. With ``replace``, the new values replace the old ones. ``fresh``:
    no row of these keys exists (a cache being rebuilt), so plain inserts through the driver's
    ``executemany`` (a rebuild writes 100,000 cards' states: SQLAlchemy's per-row parameter
    processing would cost more than the database)."""
    if fresh:
        names = [*(fixed or {}), *sums]
        values = [[value] * len(next(iter(sums.values()))) for value in (fixed or {}).values()] + [sums[name].tolist() for name in sums]
        mark = "?" if connection.dialect.name == "sqlite" else "%s"
        statement = f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({', '.join([mark] * len(names))})"
        tuples = list(zip(*values, strict=True))
        for start in range(0, len(tuples), WRITE_BATCH):
            connection.exec_driver_sql(statement, tuples[start : start + WRITE_BATCH])  # a list of tuples: executemany
        return
    # INSERT ... ON CONFLICT of the connection's own dialect (sqlite or postgresql: the same
    # construct), from the module the engine has already loaded.
    insert = importlib.import_module(f"sqlalchemy.dialects.{connection.dialect.name}").insert
    keys = list(keys)
    names = [name for name in sums if name not in keys]
    stmt = insert(table)
    update = {}
    for name in names:
        old, new = table.c[name], stmt.excluded[name]
        if replace:
            update[name] = new
        elif name.endswith("_min"):
            update[name] = case((new < old, new), else_=old)
        elif name.endswith("_max"):
            update[name] = case((new > old, new), else_=old)
        else:
            update[name] = old + new
    stmt = stmt.on_conflict_do_update(index_elements=[*(fixed or {}), *keys], set_=update)
    columns = {name: sums[name].tolist() for name in [*keys, *names]}
    rows = [dict(fixed or {}, **dict(zip(columns, values, strict=True))) for values in zip(*columns.values(), strict=True)]
    for start in range(0, len(rows), WRITE_BATCH):
        connection.execute(stmt, rows[start : start + WRITE_BATCH])


# -- answers per study day and deck ----------------------------------------------------------------


def days_name(tz: str, hour: int) -> str:
    return f"days {tz} {hour}"


def refresh_days(connection: Connection, tz: str, hour: int) -> None:
    """Bring the answers per study day (zone ``tz``, day-start ``hour``) and deck up to date."""
    name = days_name(tz, hour)
    newest = newest_review_id(connection)
    known = mark(connection, name)
    if known is not None and known[0] >= newest:
        return
    rule = (stats_days.c.timezone == tz) & (stats_days.c.day_start_hour == hour)
    if known is None:
        connection.execute(delete(stats_days).where(rule))
    sums = scan_days(connection, tz, hour, 0 if known is None else known[0], newest)
    if len(sums["day"]):
        add_sums(connection, stats_days, sums, ["deck_id", "day"], {"timezone": tz, "day_start_hour": hour}, fresh=known is None)
    set_mark(connection, name, newest)


def scan_days(connection: Connection, tz: str, hour: int, after: int, newest: int) -> dict[str, np.ndarray]:
    """The answers per study day and deck of the reviews with ids in ``(after, newest]``, summed
    by the database: the study day of each review is its time plus the zone's offset then (a
    CASE over the offset's changes in the span: :func:`srs.domain.study_days.offset_ranges`)
    minus the day-start hour, in whole days; the days of a zone that changes offset twice a year
    cost one comparison or two per review, and only one row per day and deck comes back."""
    answers = (reviews.c.id > after) & (reviews.c.id <= newest) & (reviews.c.rating != MANUAL)
    at = type_coerce(reviews.c.reviewed_at, BigInteger)
    low, high = connection.execute(select(func.min(at), func.max(at)).where(answers)).one()
    if low is None:
        return day_sums(*(np.zeros(0, dtype=np.int64) for _ in range(5)))
    ranges = offset_ranges(int(low), int(high), tz)
    offset: Any = literal(ranges[-1][1], BigInteger)
    if len(ranges) > 1:
        offset = case(*((at < begin, literal(previous, BigInteger)) for (_, previous), (begin, _) in zip(ranges, ranges[1:], strict=False)), else_=offset)
    day = ((at + offset - hour * MICROS_PER_HOUR) // MICROS_PER_DAY).label("day")
    counted = (reviews.c.state_before == REVIEW_STATE) | (reviews.c.last_interval_days >= 1.0)
    mature = counted & (reviews.c.last_interval_days >= YOUNG_DAYS)
    passed = reviews.c.rating > 1
    flags = (true(), counted, counted & passed, mature, mature & passed)
    stmt = (
        select(cards.c.deck_id, day, *(func.sum(case((flag, 1), else_=0)) for flag in flags))
        .join(cards, cards.c.id == reviews.c.card_id)
        .where(answers)
        .group_by(cards.c.deck_id, day)
    )
    matrix = fetch_matrix(connection, stmt, 2 + len(DAY_COLUMNS)).astype(np.int64)
    return {"deck_id": matrix[:, 0], "day": matrix[:, 1], **{name: matrix[:, 2 + i] for i, name in enumerate(DAY_COLUMNS)}}


def stored_days(connection: Connection, tz: str, hour: int) -> dict[str, np.ndarray]:
    """The cached answers per study day and deck of this rule, as :func:`scan_days` gives them."""
    names = ["deck_id", "day", *DAY_COLUMNS]
    where = (stats_days.c.timezone == tz) & (stats_days.c.day_start_hour == hour)
    matrix = fetch_matrix(connection, select(*(stats_days.c[name] for name in names)).where(where), len(names)).astype(np.int64)
    return {name: matrix[:, i] for i, name in enumerate(names)}


def days_current(connection: Connection, tz: str, hour: int) -> bool:
    """Whether the answers per day of this rule count every review (read in the statistics' own transaction)."""
    known = mark(connection, days_name(tz, hour))
    return known is not None and known[0] >= newest_review_id(connection)


def day_totals(connection: Connection, tz: str, hour: int, ids: list[int] | None) -> dict[str, np.ndarray]:
    """Per study day (ascending) with answers in decks ``ids`` (None: all): ``day`` (days since
    1970-01-01) and the sums of :data:`srs.domain.stats_sums.DAY_COLUMNS`."""
    where = (stats_days.c.timezone == tz) & (stats_days.c.day_start_hour == hour)
    if ids is not None:
        where = where & stats_days.c.deck_id.in_(ids)
    stmt = select(stats_days.c.day, *(func.sum(stats_days.c[name]) for name in DAY_COLUMNS)).where(where).group_by(stats_days.c.day).order_by(stats_days.c.day)
    matrix = fetch_matrix(connection, stmt, 1 + len(DAY_COLUMNS)).astype(np.int64)
    return {"day": matrix[:, 0], **{name: matrix[:, i + 1] for i, name in enumerate(DAY_COLUMNS)}}
