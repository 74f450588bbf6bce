"""The end of a review session (or a quit): what was done, what is left, what comes next.

What is left and what comes later are what the next session would find, so the queue is built
afresh at the end: a card suspended or buried during the session lets a sibling it held back
(and, for a new card, another new card of today's limit) come in. A preview changed nothing
and keeps its own queue.
"""

from __future__ import annotations

from datetime import datetime

from srs.app.review_queue import SessionQueue
from srs.app.review_record import SessionRecord
from srs.domain.queue_rules import Counts, SessionSummary
from srs.store.queue import upcoming
from srs.timeutil import day_bounds


def session_summary(queue: SessionQueue, record: SessionRecord, *, now: datetime, seconds: float, stopped: bool, preview: bool) -> SessionSummary:
    """The summary of a session that ends at ``now`` after ``seconds`` (``stopped``: quit
    before its queue was empty)."""
    scope = queue.scope
    next_queue = queue.current if preview else queue.at(now)
    later = [item for item in next_queue.learning_later() if item.due is not None and item.due > now]
    counts = next_queue.counts()
    left = Counts(new=counts.new, learning=counts.learning - len(later), review=counts.review)
    upcoming_cards = None
    if not preview:
        tomorrow_end = day_bounds(queue.bury_until(now), scope.timezone, scope.day_start_hour)[1]
        with queue.collection.read() as session:
            upcoming_cards = upcoming(session, scope, now=now, until=tomorrow_end)
    return SessionSummary(
        answered=record.answers,
        again=record.again,
        seconds=seconds,
        preview=preview,
        next_due=None if upcoming_cards is None else upcoming_cards.next_due,
        due_tomorrow=0 if upcoming_cards is None else upcoming_cards.due_by,
        learning_later=len(later),
        learning_next=later[0].due if later else None,
        left=left,
        leeches=tuple(record.leeches),
        stopped=stopped,
        now=now,
        timezone=scope.timezone,
    )
