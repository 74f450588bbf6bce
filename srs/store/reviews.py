"""The review log: record an answer, undo it, and replay a card's log.

Every path that changes a card's memory state goes through :func:`record_answer` (or
:func:`replay_card`), so the stored state is always the replay of the log.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import Connection, bindparam, delete, insert, select, update
from sqlalchemy.orm import Session

from srs.domain.scheduling import MANUAL, Answer, Event, MemoryState, SchedulerSettings, replay, replay_answers
from srs.store.models import Card, CardState, Review


class MemoryColumns(Protocol):
    """A card, or a row selected with the card's memory-state columns."""
    state: int
    step: int | None
    stability: float | None
    difficulty: float | None
    due: datetime | None
    last_review: datetime | None
    reps: int
    lapses: int


def card_memory(card: MemoryColumns) -> MemoryState:
    """The memory state stored on ``card`` (a Card or a row with its memory columns)."""
    return MemoryState(
        state=CardState(card.state),
        step=card.step,
        stability=card.stability,
        difficulty=card.difficulty,
        due=card.due,
        last_review=card.last_review,
        reps=card.reps,
        lapses=card.lapses,
    )


def apply_memory(card: Card, memory: MemoryState, now: datetime) -> None:
    """Store ``memory`` on ``card``."""
    card.state = int(memory.state)
    card.step = memory.step
    card.stability = memory.stability
    card.difficulty = memory.difficulty
    card.due = memory.due
    card.last_review = memory.last_review
    card.reps = memory.reps
    card.lapses = memory.lapses
    card.updated_at = now


def review_row(card_id: int, result: Answer) -> Review:
    """The review-log row for ``result`` (an answer to card ``card_id``)."""
    return Review(**review_values(card_id, result))


def record_answer(session: Session, card: Card, result: Answer) -> Review:
    """Append ``result`` to the log and store its memory state on ``card`` (same transaction)."""
    row = review_row(card.id, result)
    session.add(row)
    apply_memory(card, result.memory, result.reviewed_at)
    session.flush()
    return row


_MEMORY_FIELDS = ("state", "step", "stability", "difficulty", "due", "last_review", "reps", "lapses")


def _memory_values(memory: MemoryState, prefix: str) -> dict[str, object]:
    return {
        f"{prefix}state": int(memory.state),
        f"{prefix}step": memory.step,
        f"{prefix}stability": memory.stability,
        f"{prefix}difficulty": memory.difficulty,
        f"{prefix}due": memory.due,
        f"{prefix}last_review": memory.last_review,
        f"{prefix}reps": memory.reps,
        f"{prefix}lapses": memory.lapses,
    }


def _answer_update(*, flags: bool) -> Any:
    """UPDATE of a card's memory state (and, with ``flags``, its tags and suspension) where the
    card still has the state it was answered from (compare-and-set: no read needed first)."""
    table = Card.__table__
    unchanged = [table.c[name].is_not_distinct_from(bindparam(f"was_{name}", type_=table.c[name].type)) for name in _MEMORY_FIELDS]
    values: dict[str, Any] = {name: bindparam(f"new_{name}", type_=table.c[name].type) for name in _MEMORY_FIELDS}
    values["updated_at"] = bindparam("new_updated_at", type_=table.c.updated_at.type)
    if flags:
        values["tags"] = bindparam("new_tags")
        values["suspended"] = bindparam("new_suspended")
    return update(table).where(table.c.id == bindparam("card_id"), table.c.retired_at.is_(None), *unchanged).values(**values)


_ANSWER_UPDATE = _answer_update(flags=False)
_ANSWER_UPDATE_FLAGS = _answer_update(flags=True)
_LOG_INSERT = insert(Review.__table__)


def store_answer(connection: Connection, card_id: int, was: MemoryState, result: Answer,
                 flags: tuple[str, bool] | None = None) -> int | None:
    """The Core fast path of :func:`record_answer`: set card ``card_id`` to ``result``'s state
    if it still holds ``was`` (the state ``result`` was computed from; ``flags``: new tags and
    suspension too), and append ``result`` to the log. Two statements, no ORM objects; run in
    the caller's transaction. Returns the new log row's id, or None (and writes nothing) if
    the card is gone or its state is no longer ``was``."""
    params = {"card_id": card_id, "new_updated_at": result.reviewed_at,
              **_memory_values(was, "was_"), **_memory_values(result.memory, "new_")}
    if flags is not None:
        params["new_tags"], params["new_suspended"] = flags
    updated = connection.execute(_ANSWER_UPDATE if flags is None else _ANSWER_UPDATE_FLAGS, params)
    if updated.rowcount != 1:
        return None
    inserted = connection.execute(_LOG_INSERT, review_values(card_id, result))
    return int(inserted.inserted_primary_key[0])


def log_event(rating: int, reviewed_at: datetime, state: int, due: datetime | None) -> Event:
    """The replay event of a log row: ``(rating, reviewed_at)`` for an answer; for a manual
    entry ``(MANUAL, reviewed_at, due)``, due None when it made the card new (a forget)."""
    if rating != MANUAL:
        return (rating, reviewed_at)
    return (MANUAL, reviewed_at, None if state == CardState.NEW else due)


def card_events(session: Session, card_id: int) -> list[Event]:
    """The replay events of a card's log (answers and manual entries), oldest first."""
    rows = session.execute(
        select(Review.rating, Review.reviewed_at, Review.state, Review.due)
        .where(Review.card_id == card_id)
        .order_by(Review.reviewed_at, Review.id)
    ).all()
    return [log_event(row.rating, row.reviewed_at, row.state, row.due) for row in rows]


def replayed_memory(session: Session, card: Card, settings: SchedulerSettings) -> MemoryState:
    """What ``card``'s memory state must be: the replay of its log."""
    return replay(card_events(session, card.id), settings, seed=card.id)


def undo_last_review(session: Session, card: Card, settings: SchedulerSettings, now: datetime) -> Review | None:
    """Remove ``card``'s newest log row and restore its state to the replay of the rest."""
    last = session.scalar(
        select(Review).where(Review.card_id == card.id).order_by(Review.reviewed_at.desc(), Review.id.desc()).limit(1)
    )
    if last is None:
        return None
    session.execute(delete(Review).where(Review.id == last.id))
    apply_memory(card, replayed_memory(session, card, settings), now)
    session.flush()
    return last


def review_values(card_id: int, result: Answer) -> dict[str, object]:
    """The review-log row for ``result`` as a dict, for bulk inserts."""
    memory = result.memory
    return {
        "card_id": card_id,
        "rating": int(result.rating),
        "reviewed_at": result.reviewed_at,
        "duration_ms": result.duration_ms,
        "state_before": int(result.state_before),
        "state": int(memory.state),
        "step": memory.step,
        "stability": memory.stability,
        "difficulty": memory.difficulty,
        "due": memory.due,
        "elapsed_days": result.elapsed_days,
        "last_interval_days": result.last_interval_days,
        "scheduled_days": result.scheduled_days,
    }


def import_history(
    session: Session,
    cards_and_events: list[tuple[Card, list[tuple[int, datetime, int | None]]]],
    settings: SchedulerSettings,
    now: datetime,
) -> int:
    """Bring in review histories from elsewhere (CSV, Anki): each card's ``(rating, reviewed_at,
    duration_ms)`` events, oldest first, are replayed through the scheduler, appended to the log
    in bulk, and the card's state set to the result. Cards must have no reviews yet.
    Returns the number of review rows written.
    """
    from sqlalchemy import insert

    rows: list[dict[str, object]] = []
    for card, events in cards_and_events:
        if not events:
            continue
        answers = replay_answers(sorted(events, key=lambda e: e[1]), settings, seed=card.id)
        rows.extend(review_values(card.id, a) for a in answers)
        apply_memory(card, answers[-1].memory, now)
    for start in range(0, len(rows), 5000):
        session.execute(insert(Review).execution_options(render_nulls=True), rows[start : start + 5000])
    session.flush()
    return len(rows)


def manual_entries_of(session: Session, card_id: int) -> list[tuple[datetime, int, datetime]]:
    """``(reviewed_at, state, due)`` of a card's manual log entries (forget, set due date), oldest first."""
    rows = session.execute(
        select(Review.reviewed_at, Review.state, Review.due).where(Review.card_id == card_id, Review.rating == MANUAL).order_by(Review.reviewed_at)
    )
    return [(reviewed_at, state, due) for reviewed_at, state, due in rows]


def has_answers(session: Session, card_id: int) -> bool:
    """The card has been answered at least once (manual entries do not count)."""
    return session.scalar(select(Review.id).where(Review.card_id == card_id, Review.rating != MANUAL).limit(1)) is not None
