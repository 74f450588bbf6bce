"""The cards one review session shows, in order, and the study day they belong to.

Today's queue is built from the collection for the study day at ``now`` (the preset's time
zone and day-start hour, :mod:`srs.timeutil`): once when the session starts, again when a new
study day begins during it, when it runs dry (anything that came due meanwhile), and after an
undo. A card taken back by an undo is shown again first. The ordering rules themselves are
pure: :mod:`srs.domain.queue_rules`.
"""

from __future__ import annotations

from datetime import datetime

from srs.domain.queue_rules import Counts, DailyLimits, QueueItem, QueueKind, ReviewQueue, build_queue
from srs.store.collection import Collection
from srs.store.queue import Scope, gather, gather_cram, today_counts
from srs.timeutil import day_bounds, next_day_start


class SessionQueue:
    """Today's queue of one session (``cram``: every card of the scope, up to ``review_limit``;
    the limits, when given, replace the preset's daily ones)."""

    def __init__(
        self, collection: Collection, scope: Scope, *, now: datetime, cram: bool, new_limit: int | None, review_limit: int | None
    ) -> None:
        self.collection = collection
        self.scope = scope
        self.cram = cram
        self.new_limit = new_limit
        self.review_limit = review_limit
        self.day_end = now  # the end of the study day the queue was built for (empty until built)
        self.current = ReviewQueue([])
        self.forced: int | None = None  # shown next, whatever the queue says (an undone card)

    def build(self, now: datetime) -> None:
        self.current = self.at(now)

    def at(self, now: datetime) -> ReviewQueue:
        """The queue a session started at ``now`` would have (today's limits, siblings...)."""
        scope = self.scope
        day_start, self.day_end = day_bounds(now, scope.timezone, scope.day_start_hour)
        with self.collection.read() as session:
            if self.cram:
                return ReviewQueue(gather_cram(session, scope, now=now, limit=self.review_limit))
            introduced, reviewed = today_counts(session, scope.deck_ids, day_start, self.day_end)
            limits = DailyLimits.remaining(
                new_per_day=scope.new_per_day if self.new_limit is None else self.new_limit,
                reviews_per_day=scope.reviews_per_day if self.review_limit is None else self.review_limit,
                introduced_today=introduced,
                reviewed_today=reviewed,
            )
            candidates = gather(
                session,
                scope,
                now=now,
                day_end=self.day_end,
                new_wanted=limits.new,
                reviews_wanted=limits.reviews,
                bury_siblings=scope.bury_siblings,
            )
        return build_queue(candidates, limits, now=now, day_end=self.day_end, bury_siblings=scope.bury_siblings)

    def day_over(self, now: datetime) -> bool:
        """Whether a new study day has begun since the queue was built."""
        return now >= self.day_end

    def bury_until(self, now: datetime) -> datetime:
        """When a card buried at ``now`` comes back: the start of the next study day."""
        return next_day_start(now, self.scope.timezone, self.scope.day_start_hour)

    def next(self, now: datetime) -> QueueItem | None:
        if self.forced is not None:
            card_id, self.forced = self.forced, None
            return QueueItem(card_id, "", QueueKind.REVIEW, None, -1)
        return self.current.next(now)

    def force(self, card_id: int) -> None:
        """Show ``card_id`` next, out of the queue (an undone answer or flag: the card again)."""
        self.current.remove(card_id)
        self.forced = card_id

    def answered(self, card_id: int, again: QueueItem | None) -> None:
        self.current.answered(card_id, again)

    def remove(self, card_id: int) -> None:
        self.current.remove(card_id)

    def counts(self) -> Counts:
        return self.current.counts()

    def __contains__(self, card_id: int) -> bool:
        return card_id in self.current
