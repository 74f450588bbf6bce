"""``srs cards [QUERY]`` listing (the card browser): how many cards a search matches, and one
page of them. Read-only, through Core (a :class:`srs.store.database.Database` is enough: the
listing imports no ORM); the actions on the matches are :mod:`srs.app.cards`'s.

The search is parsed by :mod:`srs.domain.search` and runs as SQL (:mod:`srs.store.search`); only
the page shown is read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from srs.domain import search
from srs.store.cards import CardRow, count_cards, find_cards
from srs.store.database import Database
from srs.store.search import compile_search, search_context
from srs.timeutil import as_utc


@dataclass(frozen=True)
class Browse:
    query: str
    total: int
    offset: int
    rows: list[CardRow]
    now: datetime


def browse(
    collection: Database, query: str, *, now: datetime, sort: str = "due", reverse: bool = False, limit: int | None = None, offset: int = 0
) -> Browse:
    """The cards ``query`` matches: how many, and the page ``[offset, offset + limit)``."""
    node = search.parse(query)
    now = as_utc(now)
    with collection.read_core() as connection:
        context = search_context(connection, now)
        where = compile_search(node, context)
        total = count_cards(connection, where)
        rows = find_cards(connection, where, context, sort=sort, reverse=reverse, limit=limit, offset=offset) if limit != 0 else []
    return Browse(query, total, offset, rows, now)


def count_matches(collection: Database, query: str, *, now: datetime) -> int:
    """How many cards ``query`` matches now (what an action would touch)."""
    return browse(collection, query, now=now, limit=0).total
