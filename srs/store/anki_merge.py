"""The database side of merging reviews done in Anki onto the srs cards they were exported
from (``srs import-anki`` of a package or collection that came from ``srs export --apkg``).

Each card's log becomes srs's reviews plus the Anki answers it does not have yet (matched by
:func:`srs.anki.scheduling.match_answers`), in time order; the log is rewritten and the card's
state set to its replay through the one entry point every history import uses
(:func:`srs.store.reviews.import_history`), so the state is always the replay of the log.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from srs.anki.scheduling import epoch_ms, fingerprint, match_answers
from srs.domain.scheduling import SchedulerSettings
from srs.store.history import _chunks, deck_presets
from srs.store.models import Card
from srs.store.reviews import import_history
from srs.store.revlog_import import cards_by_id, delete_logs, logged_events

if TYPE_CHECKING:
    from srs.store.anki import ImportCounts, IncomingCard

Event = tuple[int, datetime, int | None]  # (rating, reviewed_at, duration_ms)


@dataclass(frozen=True)
class SrsCardInfo:
    """What the import needs to know of an srs card an Anki card names."""

    id: int
    key: str
    note_key: str
    source_path: str | None
    source_line: int | None
    retired: bool
    fingerprint: str  # srs.anki.scheduling.fingerprint of its id and creation


@dataclass
class MergeCounts:
    added: int = 0  # Anki answers new to srs, now in the log
    known: int = 0  # already in the log (srs's own, or an earlier import)
    cards: int = 0  # cards that received answers
    retired_cards: int = 0  # of which retired in srs since the export


def srs_cards(session: Session, ids: Sequence[int]) -> dict[int, SrsCardInfo]:
    """The srs cards with these ids (retired ones too: their history is kept)."""
    found: dict[int, SrsCardInfo] = {}
    for chunk in _chunks(sorted(set(ids))):
        rows = session.execute(
            select(Card.id, Card.key, Card.note_key, Card.source_path, Card.source_line, Card.retired_at, Card.created_at).where(Card.id.in_(chunk))
        )
        for row in rows:
            found[row.id] = SrsCardInfo(
                row.id, row.key, row.note_key, row.source_path, row.source_line, row.retired_at is not None, fingerprint(row.id, row.created_at)
            )
    return found


def merge_reviews(session: Session, incoming: Mapping[int, Sequence[Event]], now: datetime) -> MergeCounts:
    """Add to each srs card (by id) the answers of ``incoming`` it does not have yet, and
    replay its merged log. Answers already known are counted, never added twice."""
    counts = MergeCounts()
    cards = cards_by_id(session, list(incoming))
    logged = logged_events(session, list(cards))
    work: list[tuple[Card, list[Event]]] = []
    for card_id, events in incoming.items():
        card = cards.get(card_id)
        if card is None:
            continue
        old = logged.get(card_id, [])
        ordered = sorted(events, key=lambda event: event[1])
        known = match_answers([(rating, epoch_ms(at)) for rating, at, _ in old], [(rating, epoch_ms(at)) for rating, at, _ in ordered])
        new = [event for event, seen in zip(ordered, known) if not seen]
        counts.known += len(ordered) - len(new)
        if not new:
            continue
        counts.added += len(new)
        counts.cards += 1
        counts.retired_cards += card.retired_at is not None
        work.append((card, sorted(old + new, key=lambda event: event[1])))
    delete_logs(session, [card.id for card, _ in work])
    presets = deck_presets(session, sorted({card.deck_id for card, _ in work}))
    groups: dict[SchedulerSettings, list[tuple[Card, list[Event]]]] = {}
    for card, events in work:
        groups.setdefault(SchedulerSettings.from_preset(presets[card.deck_id]), []).append((card, events))
    for settings, group in groups.items():
        import_history(session, group, settings, now)
    session.flush()
    return counts


def import_and_merge(session: Session, incoming: Sequence[IncomingCard], events: Mapping[int, Sequence[Event]], now: datetime) -> tuple[ImportCounts, MergeCounts]:
    """One ``srs import-anki`` transaction: the package's Anki notes as cards
    (:func:`srs.store.anki.store_import`), and its answers to srs's own cards merged."""
    from srs.store.anki import store_import

    return store_import(session, list(incoming), now), merge_reviews(session, events, now)
