"""``srs status``: what the collection holds and what is due today."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from srs.store.collection import Collection
from srs.store.decks import DeckCounts, deck_counts, deck_ids
from srs.store.presets import get_preset
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


def collection_status(collection: Collection, *, now: datetime, deck: str | None = None) -> Status:
    with collection.read() as session:
        preset = get_preset(session)
        _start, day_end = day_bounds(now, preset.timezone, preset.day_start_hour)
        ids = deck_ids(session, deck)
        counts = deck_counts(session, now=now, day_end=day_end, ids=ids)
    return Status(collection.name, now, day_end, counts)
