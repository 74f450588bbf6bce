"""``srs status``: what the collection holds and what is due today."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from srs.store.database import Database
from srs.store.deck_names import deck_ids
from srs.store.settings import day_settings
from srs.store.status import DeckCounts, deck_counts
from srs.timeutil import day_bounds


@dataclass(frozen=True)
class Status:
    collection: str
    now: datetime
    day_end: datetime
    decks: list[DeckCounts]

    @property
    def next_due(self) -> datetime | None:
        dues = [d.next_due for d in self.decks if d.next_due is not None]
        return min(dues) if dues else None

    @property
    def due_today(self) -> int:
        return sum(d.due for d in self.decks)


def collection_status(collection: Database, *, now: datetime, deck: str | None = None) -> Status:
    """Per-deck counts, through Core (``collection`` may be a :class:`Database`: no ORM needed)."""
    with collection.read_core() as connection:
        timezone, day_start_hour = day_settings(connection)
        _start, day_end = day_bounds(now, timezone, day_start_hour)
        ids = deck_ids(connection, deck)
        counts = deck_counts(connection, now=now, day_end=day_end, ids=ids)
    return Status(collection.name, now, day_end, counts)
