"""Bulk inserts of whole rows (synthetic collections, benchmarks): Core executemany, no ORM objects.

Timestamps go in as the integer microseconds they are stored as, through a plain
``TableClause`` whose timestamp columns are typed ``BigInteger`` (so no datetime is built or
converted per row). Callers supply every column that has no server default.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import BigInteger, func, insert, select
from sqlalchemy.orm import Session
from sqlalchemy.sql import column, table
from sqlalchemy.sql.expression import TableClause

from srs.store.models import Base, Card, UTCDateTime

BATCH = 20_000


def raw_table(model: type[Base]) -> TableClause:
    """``model``'s table with its timestamp columns typed as integer microseconds."""
    source = model.__table__
    columns = [column(c.name, BigInteger if isinstance(c.type, UTCDateTime) else c.type) for c in source.columns]
    return table(source.name, *columns)


def insert_rows(session: Session, model: type[Base], rows: Sequence[dict[str, Any]]) -> int:
    """Insert ``rows`` (dicts keyed by column name, timestamps as micros) in batches."""
    target = raw_table(model)
    for start in range(0, len(rows), BATCH):
        session.execute(insert(target), list(rows[start : start + BATCH]))
    return len(rows)


def next_card_id(session: Session) -> int:
    """One more than the largest card id (1 in an empty collection)."""
    return int(session.scalar(select(func.coalesce(func.max(Card.id), 0))) or 0) + 1
