"""Actions on the cards a search matched (``srs cards suspend|...``) and their undo.

Each action runs in the caller's transaction and returns what it changed, which
:func:`save_undo` keeps in the ``settings`` table (one record: the last action), so that
``srs cards undo`` can put it back. Flags and tags are restored only where they still hold
what the action set; scheduling actions (forget, set-due) are manual entries of the review
log, and their undo deletes those entries and replays each card's remaining log.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from srs.domain.scheduling import MANUAL, SECONDS_PER_DAY, MemoryState, SchedulerSettings, forget, replay
from srs.store.cards import chunks
from srs.store.models import Card, CardState, Review, Setting
from srs.store.reviews import apply_memory, card_events, card_memory
from srs.timeutil import from_micros, to_micros

UNDO_KEY = "cards_undo"


def _cards(session: Session, ids: Sequence[int]) -> list[Card]:
    cards: list[Card] = []
    for chunk in chunks(ids):
        cards.extend(session.scalars(select(Card).where(Card.id.in_(chunk)).order_by(Card.id)))
    return cards


def set_suspended(session: Session, ids: Sequence[int], value: bool, now: datetime) -> list[int]:
    """Suspend (or unsuspend) the cards ``ids``; the ids of those that changed."""
    changed: list[int] = []
    for chunk in chunks(ids):
        found = list(session.scalars(select(Card.id).where(Card.id.in_(chunk), Card.suspended.is_(not value))))
        if found:
            session.execute(update(Card).where(Card.id.in_(found)).values(suspended=value, updated_at=now))
        changed.extend(found)
    return changed


def set_buried(session: Session, ids: Sequence[int], until: datetime | None, now: datetime) -> list[tuple[int, int | None]]:
    """Bury the cards not buried now until ``until`` (None: unbury the buried ones);
    ``(id, buried_until before in micros)`` of those that changed."""
    changed: list[tuple[int, int | None]] = []
    for card in _cards(session, ids):
        buried = card.buried_until is not None and card.buried_until > now
        if buried == (until is not None):
            continue
        changed.append((card.id, None if card.buried_until is None else to_micros(card.buried_until)))
        card.buried_until = until
        card.updated_at = now
    session.flush()
    return changed


def _tag_names(tags: str) -> list[str]:
    return tags.split()


def retag(session: Session, ids: Sequence[int], add: Sequence[str], remove: Sequence[str], now: datetime) -> list[tuple[int, str, str]]:
    """Add tags ``add`` and remove tags ``remove`` (case-insensitively, as Anki);
    ``(id, tags before, tags after)`` of the cards that changed."""
    removing = {tag.lower() for tag in remove}
    changed: list[tuple[int, str, str]] = []
    for card in _cards(session, ids):
        before = card.tags or ""
        names = [name for name in _tag_names(before) if name.lower() not in removing]
        for tag in add:
            if tag.lower() not in (name.lower() for name in names):
                names.append(tag)
        after = f" {' '.join(names)} " if names else ""
        if after != before:
            card.tags = after
            card.updated_at = now
            changed.append((card.id, before, after))
    session.flush()
    return changed


def _manual_row(card: Card, memory: MemoryState, now: datetime) -> Review:
    due = memory.due if memory.due is not None else now
    return Review(
        card_id=card.id, rating=MANUAL, reviewed_at=now, duration_ms=None, state_before=card.state, state=int(memory.state),
        step=memory.step, stability=memory.stability, difficulty=memory.difficulty, due=due, elapsed_days=None,
        last_interval_days=None, scheduled_days=(due - now).total_seconds() / SECONDS_PER_DAY,
    )


def manual_entries(session: Session, ids: Sequence[int], now: datetime, *, due: datetime | None) -> tuple[list[int], int]:
    """Forget the cards ``ids`` (``due`` None) or move their due date to ``due``, each as a
    manual entry of the review log; ``(review ids added, cards skipped)``. A card already new
    is skipped by a forget; a new card is skipped by a set-due (it has no memory to schedule),
    and so is a card whose last review is later than ``now``."""
    rows: list[tuple[Card, Review]] = []
    skipped = 0
    for card in _cards(session, ids):
        memory = card_memory(card)
        late = card.last_review is not None and card.last_review > now
        if late or (due is None and card.state == CardState.NEW) or (due is not None and card.state == CardState.NEW):
            skipped += 1
            continue
        after = forget(memory) if due is None else replace(memory, due=due)
        row = _manual_row(card, after, now)
        session.add(row)
        apply_memory(card, after, now)
        rows.append((card, row))
    session.flush()
    return [row.id for _card, row in rows], skipped


def undo_manual_entries(session: Session, review_ids: Sequence[int], settings_of: Any, now: datetime) -> int:
    """Delete the manual entries ``review_ids`` and set their cards to the replay of the rest
    of their logs (``settings_of(card)`` gives a card's scheduler settings); cards restored."""
    card_ids: set[int] = set()
    for chunk in chunks(review_ids):
        card_ids.update(session.scalars(select(Review.card_id).where(Review.id.in_(chunk), Review.rating == MANUAL)))
        session.execute(delete(Review).where(Review.id.in_(chunk), Review.rating == MANUAL))
    for card in _cards(session, sorted(card_ids)):
        settings: SchedulerSettings = settings_of(card)
        apply_memory(card, replay(card_events(session, card.id), settings, seed=card.id), now)
    session.flush()
    return len(card_ids)


def restore_suspended(session: Session, ids: Sequence[int], value: bool, now: datetime) -> int:
    """Set ``suspended`` back to ``value`` on the cards ``ids`` that still have the other value."""
    restored = 0
    for chunk in chunks(ids):
        result = session.execute(
            update(Card).where(Card.id.in_(chunk), Card.suspended.is_(not value)).values(suspended=value, updated_at=now)
        )
        restored += int(result.rowcount or 0)  # type: ignore[attr-defined]
    return restored


def restore_buried(session: Session, before: Sequence[tuple[int, int | None]], now: datetime) -> int:
    by_id = dict(before)
    for card in _cards(session, list(by_id)):
        value = by_id[card.id]
        card.buried_until = None if value is None else from_micros(value)
        card.updated_at = now
    session.flush()
    return len(by_id)


def restore_tags(session: Session, changes: Sequence[tuple[int, str, str]], now: datetime) -> int:
    """Tags back as they were, on the cards whose tags are still what the action set."""
    by_id = {card_id: (before, after) for card_id, before, after in changes}
    restored = 0
    for card in _cards(session, list(by_id)):
        before, after = by_id[card.id]
        if (card.tags or "") == after:
            card.tags = before
            card.updated_at = now
            restored += 1
    session.flush()
    return restored


def save_undo(session: Session, record: dict[str, Any]) -> None:
    row = session.get(Setting, UNDO_KEY)
    if row is None:
        session.add(Setting(key=UNDO_KEY, value=record))
    else:
        row.value = record
    session.flush()


def take_undo(session: Session) -> dict[str, Any] | None:
    """The last action's record, removed (None when there is nothing to undo)."""
    row = session.get(Setting, UNDO_KEY)
    if row is None or not isinstance(row.value, dict):
        return None
    record = dict(row.value)
    session.delete(row)
    session.flush()
    return record
