"""Queries for Anki interoperability: the cards an export writes, and the writes of an import.

``srs.app.anki_export`` and ``srs.app.anki_import`` hold the format logic; this module is their only
access to the database.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from srs.anki.notetypes import ANKI_ORIGIN
from srs.anki.scheduling import CardSchedule, LoggedAnswer, PresetOptions
from srs.domain.scheduling import Answer, SchedulerSettings, answer
from srs.store.decks import deck_filter, deck_ids, get_or_create_deck
from srs.store.models import Card, Deck, Review
from srs.store.presets import preset_for_deck
from srs.store.reviews import card_memory, import_history, record_answer

ORIGIN = ANKI_ORIGIN


@dataclass(frozen=True)
class ExportCard:
    """What an Anki export needs of one card."""

    id: int
    key: str
    note_key: str
    kind: str
    deck: str
    front: str
    back: str
    tags: tuple[str, ...]
    source_path: str | None
    source_line: int | None
    suspended: bool
    origin: str  # "anki": imported from Anki (key ``anki:<note guid>:<ord>``)
    deck_id: int = 0
    schedule: CardSchedule | None = None  # the memory state (scheduling exports)


def _export_columns() -> tuple[Any, ...]:
    return (
        Card.id, Card.key, Card.note_key, Card.kind, Deck.name, Card.front, Card.back, Card.tags, Card.source_path,
        Card.source_line, Card.suspended, Card.origin, Card.deck_id, Card.state, Card.step, Card.stability,
        Card.difficulty, Card.due, Card.last_review, Card.reps, Card.lapses, Card.buried_until, Card.created_at,
    )


def _export_card(row: Any) -> ExportCard:
    return ExportCard(
        id=row.id,
        key=row.key,
        note_key=row.note_key,
        kind=row.kind,
        deck=row.name,
        front=row.front,
        back=row.back,
        tags=tuple(row.tags.split()),
        source_path=row.source_path,
        source_line=row.source_line,
        suspended=bool(row.suspended),
        origin=row.origin,
        deck_id=row.deck_id,
        schedule=CardSchedule(row.id, card_memory(row), bool(row.suspended), row.buried_until, row.created_at),
    )


def export_cards(session: Session, deck: str | None) -> list[ExportCard]:
    """Every card that is not retired (of ``deck`` and its sub-decks), oldest first."""
    ids = deck_ids(session, deck)
    stmt = select(*_export_columns()).join(Deck, Deck.id == Card.deck_id).where(Card.retired_at.is_(None), deck_filter(ids)).order_by(Card.id)
    return [_export_card(row) for row in session.execute(stmt)]


def note_export_cards(session: Session, note_keys: Iterable[str]) -> list[ExportCard]:
    """The cards (not retired) of the notes with these keys, as :func:`export_cards` gives them."""
    from srs.store.history import _chunks

    found: list[ExportCard] = []
    for chunk in _chunks(sorted(set(note_keys))):
        stmt = select(*_export_columns()).join(Deck, Deck.id == Card.deck_id).where(Card.retired_at.is_(None), Card.note_key.in_(chunk))
        found.extend(_export_card(row) for row in session.execute(stmt))
    return sorted(found, key=lambda card: card.id)


def export_logs(session: Session, card_ids: Sequence[int]) -> dict[int, list[LoggedAnswer]]:
    """Each card's review log, oldest first, as a scheduling export writes it."""
    from srs.store.history import _chunks

    logs: dict[int, list[LoggedAnswer]] = {}
    for chunk in _chunks(list(card_ids)):
        rows = session.execute(
            select(Review.card_id, Review.rating, Review.reviewed_at, Review.duration_ms, Review.state_before, Review.state, Review.scheduled_days)
            .where(Review.card_id.in_(chunk))
            .order_by(Review.card_id, Review.reviewed_at, Review.id)
        )
        for card_id, *values in rows:
            logs.setdefault(card_id, []).append(LoggedAnswer(*values))
    return logs


def export_presets(session: Session, deck_ids: Iterable[int]) -> dict[int, tuple[int, PresetOptions, str, int]]:
    """Deck id -> (preset id, its options, time zone, day start hour)."""
    from srs.store.history import deck_presets

    found: dict[int, tuple[int, PresetOptions, str, int]] = {}
    for deck, preset in deck_presets(session, sorted(set(deck_ids))).items():
        options = PresetOptions(
            preset.name, tuple(preset.parameters), preset.desired_retention, tuple(preset.learning_steps), tuple(preset.relearning_steps),
            preset.maximum_interval, preset.new_per_day, preset.reviews_per_day, preset.bury_siblings, preset.leech_threshold,
        )
        found[deck] = (preset.id, options, preset.timezone, preset.day_start_hour)
    return found


# ---------------------------------------------------------------------------------------
# Import


@dataclass(frozen=True)
class IncomingCard:
    """A card read from an Anki collection, ready to store."""

    key: str  # "anki:<note guid>:<template or cloze ord>"
    note_key: str  # "anki:<note guid>"
    external_id: str  # the Anki card id
    kind: str
    deck: str
    front: str
    back: str
    tags: str  # " a b " form
    source_path: str
    suspended: bool
    # (rating 1-4, reviewed_at, duration_ms), oldest first
    events: tuple[tuple[int, datetime, int | None], ...] = ()


@dataclass
class ImportCounts:
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    reviews: int = 0
    reviews_present: int = 0  # already in the log (an earlier import of the same history)
    reviews_conflicting: int = 0  # older than the card's newest srs review, not in its log
    decks: set[str] = field(default_factory=set)


def content_hash(front: str, back: str) -> str:
    return hashlib.sha256(f"{front}\x00{back}".encode()).hexdigest()


def _existing(session: Session, keys: Sequence[str]) -> dict[str, Card]:
    found: dict[str, Card] = {}
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        for card in session.scalars(select(Card).where(Card.key.in_(chunk))):
            found[card.key] = card
    return found


def _logged_times(session: Session, card_ids: Sequence[int]) -> dict[int, set[datetime]]:
    times: dict[int, set[datetime]] = {}
    for start in range(0, len(card_ids), 500):
        chunk = card_ids[start : start + 500]
        for card_id, reviewed_at in session.execute(select(Review.card_id, Review.reviewed_at).where(Review.card_id.in_(chunk))):
            times.setdefault(card_id, set()).add(reviewed_at)
    return times


Event = tuple[int, datetime, int | None]  # (rating 1-4, reviewed_at, duration_ms)


class _Targets:
    """The decks an import creates or reuses (named, created once) and each deck's scheduler
    settings (read once), for the cards of one import."""

    def __init__(self, session: Session, counts: ImportCounts, now: datetime) -> None:
        self.session = session
        self.counts = counts
        self.now = now
        self.decks: dict[str, int] = {}
        self.settings: dict[int, SchedulerSettings] = {}

    def deck_id(self, name: str) -> int:
        if name not in self.decks:
            self.decks[name] = get_or_create_deck(self.session, name, self.now).id
        self.counts.decks.add(name)
        return self.decks[name]

    def settings_for(self, deck: int) -> SchedulerSettings:
        if deck not in self.settings:
            self.settings[deck] = SchedulerSettings.from_preset(preset_for_deck(self.session, deck))
        return self.settings[deck]


def store_import(session: Session, incoming: Iterable[IncomingCard], now: datetime) -> ImportCounts:
    """Create or update the cards of an Anki import and bring in their review histories.

    A card is matched by its key (note GUID + ordinal), so importing the same package again
    updates content (deck, text, tags) and adds only reviews not yet in the log: reviews at a
    time already logged are skipped; newer ones are answered after the card's log; older ones
    that are not in the log (the card was reviewed in srs meanwhile) are skipped and counted.
    """
    cards = list(incoming)
    counts = ImportCounts()
    existing = _existing(session, [c.key for c in cards])
    logged = _logged_times(session, [card.id for card in existing.values()])
    targets = _Targets(session, counts, now)
    fresh: list[tuple[Card, IncomingCard]] = []
    appended: list[tuple[Card, list[Event]]] = []
    for item in cards:
        target_deck = targets.deck_id(item.deck)
        card = existing.get(item.key)
        if card is None:
            card = _new_card(item, target_deck, now)
            session.add(card)
            fresh.append((card, item))
            counts.new += 1
            continue
        changed = _update_card(card, item, target_deck, now)
        newer = _newer_events(card, item, logged.get(card.id, set()), counts)
        if newer:
            appended.append((card, newer))
        if changed:
            counts.updated += 1
        else:
            counts.unchanged += 1
    session.flush()  # ids for the new cards (the scheduler's fuzz is seeded by them)
    _add_histories(session, fresh, appended, targets, counts, now)
    session.flush()
    return counts


def _new_card(item: IncomingCard, deck_id: int, now: datetime) -> Card:
    return Card(
        key=item.key,
        note_key=item.note_key,
        kind=item.kind,
        deck_id=deck_id,
        source_id=None,
        source_path=item.source_path,
        source_line=None,
        heading_path="",
        front=item.front,
        back=item.back,
        content_hash=content_hash(item.front, item.back),
        tags=item.tags,
        origin=ORIGIN,
        external_id=item.external_id,
        suspended=item.suspended,
        created_at=now,
        updated_at=now,
    )


def _update_card(card: Card, item: IncomingCard, deck_id: int, now: datetime) -> bool:
    """Bring ``card``'s content to the imported one's; whether it changed."""
    changed = False
    values = {
        "note_key": item.note_key,
        "kind": item.kind,
        "deck_id": deck_id,
        "front": item.front,
        "back": item.back,
        "content_hash": content_hash(item.front, item.back),
        "tags": item.tags,
        "retired_at": None,
    }
    for name, value in values.items():
        if getattr(card, name) != value:
            setattr(card, name, value)
            changed = True
    # Where it was read from last: not a change of the card.
    card.external_id = item.external_id
    card.source_path = item.source_path
    if changed:
        card.updated_at = now
    return changed


def _newer_events(card: Card, item: IncomingCard, seen: set[datetime], counts: ImportCounts) -> list[Event]:
    """The imported reviews to answer after ``card``'s log: those newer than its last review
    and not logged yet (counted: those already logged, and older ones that are not)."""
    last = card.last_review
    newer: list[Event] = []
    for event in item.events:
        if event[1] in seen:
            counts.reviews_present += 1
        elif last is None or event[1] > last:
            newer.append(event)
        else:
            counts.reviews_conflicting += 1
    return newer


def _add_histories(
    session: Session,
    fresh: list[tuple[Card, IncomingCard]],
    appended: list[tuple[Card, list[Event]]],
    targets: _Targets,
    counts: ImportCounts,
    now: datetime,
) -> None:
    """New cards' histories replayed in bulk, by settings; newer reviews of known cards
    answered one by one after their logs."""
    histories = [(card, list(item.events)) for card, item in fresh if item.events]
    by_settings: dict[SchedulerSettings, list[tuple[Card, list[Event]]]] = {}
    for card, events in histories:
        by_settings.setdefault(targets.settings_for(card.deck_id), []).append((card, events))
    for settings, group in by_settings.items():
        counts.reviews += import_history(session, group, settings, now)

    for card, events in appended:
        settings = targets.settings_for(card.deck_id)
        for rating, when, duration in events:
            result: Answer = answer(card_memory(card), rating, when, settings, seed=card.id, duration_ms=duration)
            record_answer(session, card, result)
            counts.reviews += 1
