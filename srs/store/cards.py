"""Browsing cards: the rows a search matches, sorted and paged, read with one SQL query.

Only the page asked for is read (``LIMIT``/``OFFSET``) besides one ``COUNT``; the sort keys,
the interval and the retrievability now are SQL expressions (:mod:`srs.store.search`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, case, func, select
from sqlalchemy.sql.elements import ColumnElement

from srs.store.schema import cards, decks
from srs.store.search import SearchContext, interval_days, retrievability_now

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

SORTS = ("due", "r", "lapses", "reps", "added", "ivl", "s", "d", "deck", "id", "front", "file")


@dataclass(frozen=True)
class CardRow:
    """One card as ``srs cards`` shows it."""

    id: int
    deck: str
    front: str
    kind: str
    state: int
    suspended: bool
    buried_until: datetime | None
    retired_at: datetime | None
    due: datetime | None
    interval_days: int | None
    stability: float | None
    difficulty: float | None
    retrievability: float | None
    reps: int
    lapses: int
    tags: str
    source_path: str | None
    source_line: int | None
    created_at: datetime


def sort_key(name: str, context: SearchContext) -> ColumnElement[Any]:
    """The SQL expression ``--sort NAME`` orders by."""
    keys: dict[str, Any] = {
        "due": cards.c.due,
        "r": retrievability_now(context),
        "lapses": cards.c.lapses,
        "reps": cards.c.reps,
        "added": cards.c.created_at,
        "ivl": interval_days(),
        "s": cards.c.stability,
        "d": cards.c.difficulty,
        "deck": decks.c.name,
        "id": cards.c.id,
        "front": cards.c.front,
        "file": cards.c.source_path,
    }
    return keys[name]  # type: ignore[no-any-return]


def count_cards(session: Connection | Session, where: ColumnElement[bool]) -> int:
    return int(session.scalar(select(func.count()).select_from(cards).where(where)) or 0)


def find_cards(
    session: Connection | Session,
    where: ColumnElement[bool],
    context: SearchContext,
    *,
    sort: str = "due",
    reverse: bool = False,
    limit: int | None = None,
    offset: int = 0,
) -> list[CardRow]:
    """The cards ``where`` matches, ordered by ``sort`` (cards without a value last, then by id)."""
    key = sort_key(sort, context)
    ordered = key.desc() if reverse else key.asc()
    statement = (
        select(
            cards.c.id, decks.c.name, cards.c.front, cards.c.kind, cards.c.state, cards.c.suspended, cards.c.buried_until, cards.c.retired_at,
            cards.c.due, interval_days(), cards.c.stability, cards.c.difficulty, retrievability_now(context), cards.c.reps, cards.c.lapses,
            cards.c.tags, cards.c.source_path, cards.c.source_line, cards.c.created_at,
        )
        .join(decks, decks.c.id == cards.c.deck_id)
        .where(where)
        .order_by(case((key.is_(None), 1), else_=0), ordered, cards.c.id)
        .offset(offset)
    )
    if limit is not None:
        statement = statement.limit(limit)
    rows = []
    for row in session.execute(statement):
        values = list(row)
        values[9] = None if values[9] is None else int(values[9])
        values[12] = None if values[12] is None else float(values[12])
        values[5] = bool(values[5])
        values[15] = values[15] or ""
        rows.append(CardRow(*values))
    return rows


def matching_ids(session: Connection | Session, where: ColumnElement[bool]) -> list[int]:
    return list(session.scalars(select(cards.c.id).where(where).order_by(cards.c.id)))


def chunks(ids: Sequence[int], size: int = 900) -> list[Sequence[int]]:
    """``ids`` in pieces small enough for SQLite's limit of bound parameters."""
    return [ids[start : start + size] for start in range(0, len(ids), size)]
