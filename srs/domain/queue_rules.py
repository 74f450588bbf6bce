"""The rules of a review session: which card comes next, daily limits, siblings, leeches.

Pure: no I/O, no clock. :mod:`srs.store.queue` gathers the candidates with indexed queries
once per session; :class:`ReviewQueue` then decides, in memory, what to show next:

1. a card in (re)learning whose step is due now (intraday learning, earliest first);
2. else the next card of the main queue: due reviews (and learning cards on day-long
   steps) in due order, up to the daily review limit, with new cards spread evenly among
   them up to the daily new-card limit (cards introduced earlier today count);
3. else, when nothing else is left, a learning card due within the next 20 minutes
   (Anki's learn-ahead limit).

A card that goes back to a learning step when answered re-enters the learning set and comes
back within the session when its step is due. With sibling burying on (the default), the
main queue holds at most one card per note, and answering a card buries its siblings until
the next study day.
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from srs.domain.cards import CardState
from srs.domain.scheduling import MemoryState, SchedulerSettings

LEARN_AHEAD = timedelta(minutes=20)
ONE_DAY = timedelta(days=1)
LEECH_TAG = "leech"
DEFAULT_NEW_PER_DAY = 20
DEFAULT_REVIEWS_PER_DAY = 200
DEFAULT_LEECH_THRESHOLD = 8
# Anki ignores the time spent on a card beyond a minute (the user walked away).
MAX_ANSWER_MS = 60_000


class QueueKind(StrEnum):
    """Where a card stands in today's queue (the three counts of the header)."""

    NEW = "new"
    LEARNING = "learning"
    REVIEW = "review"


@dataclass(frozen=True)
class QueueItem:
    """A card waiting in the queue, with what is needed to order it and to notice that it
    changed meanwhile (``reps`` differs when another session answered it)."""

    card_id: int
    note_key: str
    kind: QueueKind
    due: datetime | None
    reps: int
    last_review: datetime | None = None


@dataclass(frozen=True)
class Candidates:
    """What the store gathered: cards in (re)learning due before :func:`learning_cutoff`,
    review cards due today (ordered by due date), new cards (in the order they were made)."""

    learning: Sequence[QueueItem]
    reviews: Sequence[QueueItem]
    new: Sequence[QueueItem]


@dataclass(frozen=True)
class DailyLimits:
    """How many new cards and reviews may still be shown today."""

    new: int
    reviews: int

    @classmethod
    def remaining(cls, *, new_per_day: int, reviews_per_day: int, introduced_today: int, reviewed_today: int) -> DailyLimits:
        """Today's limits minus what was already done today (in earlier sessions too)."""
        return cls(new=max(0, new_per_day - introduced_today), reviews=max(0, reviews_per_day - reviewed_today))


@dataclass(frozen=True)
class Counts:
    """Cards left in the session: the header's new / learning / review counts."""

    new: int = 0
    learning: int = 0
    review: int = 0

    @property
    def total(self) -> int:
        return self.new + self.learning + self.review


@dataclass(frozen=True)
class DeckRules:
    """A deck's scheduling rules, from its preset."""

    name: str
    settings: SchedulerSettings
    bury_siblings: bool = True
    leech_threshold: int = DEFAULT_LEECH_THRESHOLD


@dataclass(frozen=True)
class CardView:
    """What the screen shows of a card (read in one query when the card comes up)."""

    card_id: int
    deck_id: int
    deck: str
    kind: str
    note_key: str
    front: str
    back: str
    heading_path: str
    tags: str
    source_path: str | None
    source_line: int | None
    memory: MemoryState
    suspended: bool = False
    buried_until: datetime | None = None
    retired: bool = False
    has_siblings: bool = True

    @property
    def queue_kind(self) -> QueueKind:
        return queue_kind(self.memory)

    def available(self, now: datetime) -> bool:
        """Not retired, suspended or buried at ``now``."""
        return not self.retired and not self.suspended and (self.buried_until is None or self.buried_until <= now)


def queue_kind(memory: MemoryState) -> QueueKind:
    if memory.state == CardState.NEW:
        return QueueKind.NEW
    if memory.state == CardState.REVIEW:
        return QueueKind.REVIEW
    return QueueKind.LEARNING


def learning_cutoff(now: datetime, day_end: datetime) -> datetime:
    """Learning cards due before this instant belong to today's session."""
    return max(day_end, now + LEARN_AHEAD)


def is_intraday(due: datetime | None, last_review: datetime | None) -> bool:
    """A learning step shorter than a day (it comes back within the session when due);
    longer steps are scheduled by day, like reviews."""
    if due is None or last_review is None:
        return True
    return due - last_review < ONE_DAY


def is_leech(lapses: int, threshold: int) -> bool:
    """Anki's rule: a card becomes a leech on its ``threshold``-th lapse, and again every
    half threshold after that (8, 12, 16, ... for the default of 8). Ask after a lapse."""
    if threshold <= 0 or lapses < threshold:
        return False
    return (lapses - threshold) % max(threshold // 2, 1) == 0


def tag_list(tags: str) -> list[str]:
    return tags.split()


def with_tag(tags: str, tag: str) -> str:
    """``tags`` (stored as ``" a b "``) with ``tag`` added once."""
    names = tag_list(tags)
    if tag.lower() not in (name.lower() for name in names):
        names.append(tag)
    return f" {' '.join(names)} " if names else ""


def mix(reviews: Sequence[QueueItem], new: Sequence[QueueItem]) -> list[QueueItem]:
    """Spread ``new`` evenly among ``reviews`` (Anki's "mix with reviews"): after the i-th
    review, as many new cards as bring them to i/len(reviews) of the new cards."""
    if not new or not reviews:
        return [*reviews, *new]
    result: list[QueueItem] = []
    placed = 0
    for index, review in enumerate(reviews, start=1):
        result.append(review)
        target = index * len(new) // len(reviews)
        result.extend(new[placed:target])
        placed = max(placed, target)
    result.extend(new[placed:])
    return result


def one_per_note(items: Iterable[QueueItem], taken: set[str]) -> list[QueueItem]:
    """``items`` keeping only the first card of each note not already in ``taken`` (updated)."""
    result = []
    for item in items:
        if item.note_key in taken:
            continue
        taken.add(item.note_key)
        result.append(item)
    return result


def build_queue(candidates: Candidates, limits: DailyLimits, *, now: datetime, day_end: datetime, bury_siblings: bool) -> ReviewQueue:
    """Today's queue from the gathered candidates."""
    learning: list[QueueItem] = []
    interday: list[QueueItem] = []
    cutoff = learning_cutoff(now, day_end)
    for item in candidates.learning:
        if item.due is None:
            continue
        if is_intraday(item.due, item.last_review):
            if item.due < cutoff:
                learning.append(item)
        elif item.due < day_end:
            interday.append(item)
    reviews = [item for item in candidates.reviews if item.due is not None and item.due < day_end]
    new = list(candidates.new)
    if bury_siblings:
        taken: set[str] = set()
        reviews = one_per_note(reviews, taken)
        new = one_per_note(new, taken)
    reviews = reviews[: limits.reviews]
    new = new[: limits.new]
    due_first = sorted([*interday, *reviews], key=lambda item: (item.due, item.card_id))
    return ReviewQueue(mix(due_first, new), learning)


@dataclass
class ReviewQueue:
    """The session's queue in memory: the main queue (reviews and new cards, in order) and
    the learning set (cards on intraday steps, kept sorted by due time). Peek with
    :meth:`next`; after a card is answered, buried or suspended, :meth:`answered` /
    :meth:`remove` it. Every operation is O(log n) or amortised O(1) but removal from the
    learning set (a list shift), so the choice of the next card costs microseconds."""

    main: list[QueueItem]
    learning_items: Iterable[QueueItem] = ()
    _position: int = 0
    _alive: dict[int, int] = field(default_factory=dict)  # card id -> index in main
    _learning: dict[int, QueueItem] = field(default_factory=dict)
    _learning_order: list[tuple[datetime, int]] = field(default_factory=list)  # (due, card id), sorted
    _counts: dict[QueueKind, int] = field(default_factory=dict)
    _last: int | None = None  # the card answered last

    def __post_init__(self) -> None:
        self._counts = {kind: 0 for kind in QueueKind}
        for index, item in enumerate(self.main):
            if item.card_id in self._alive:
                continue
            self._alive[item.card_id] = index
            self._counts[item.kind] += 1
        for item in self.learning_items:
            self._add_learning(item)
        self.learning_items = ()

    def _add_learning(self, item: QueueItem) -> None:
        if item.due is None:
            return
        self._remove_learning(item.card_id)
        self._learning[item.card_id] = item
        insort(self._learning_order, (item.due, item.card_id))

    def _remove_learning(self, card_id: int) -> None:
        item = self._learning.pop(card_id, None)
        if item is not None and item.due is not None:
            index = bisect_left(self._learning_order, (item.due, card_id))
            del self._learning_order[index]

    def _skip_dead(self) -> None:
        while self._position < len(self.main) and self._alive.get(self.main[self._position].card_id) != self._position:
            self._position += 1

    def _learning_due(self, until: datetime) -> QueueItem | None:
        """The learning card due first by ``until``, but not the card just answered if
        another one is waiting too (the same card twice in a row tests nothing)."""
        order = self._learning_order
        if not order or order[0][0] > until:
            return None
        if order[0][1] == self._last and len(order) > 1 and order[1][0] <= until:
            return self._learning[order[1][1]]
        return self._learning[order[0][1]]

    def next(self, now: datetime) -> QueueItem | None:
        """The card to show at ``now``, or None when nothing is left for now."""
        item = self._learning_due(now)
        if item is not None:
            return item
        self._skip_dead()
        if self._position < len(self.main):
            return self.main[self._position]
        return self._learning_due(now + LEARN_AHEAD)

    def remove(self, card_id: int) -> None:
        """Take a card out of the queue (answered, suspended, buried, gone)."""
        index = self._alive.pop(card_id, None)
        if index is not None:
            self._counts[self.main[index].kind] -= 1
        self._remove_learning(card_id)

    def answered(self, card_id: int, again: QueueItem | None = None) -> None:
        """``card_id`` was answered; ``again`` is the card back on an intraday step, if so."""
        self.remove(card_id)
        self._last = card_id
        if again is not None:
            self._add_learning(again)

    def __contains__(self, card_id: int) -> bool:
        return card_id in self._alive or card_id in self._learning

    def counts(self) -> Counts:
        """Cards left: new, in learning (all that come back today), reviews."""
        return Counts(
            new=self._counts[QueueKind.NEW],
            learning=self._counts[QueueKind.LEARNING] + len(self._learning),
            review=self._counts[QueueKind.REVIEW],
        )

    def learning_later(self) -> list[QueueItem]:
        """Cards on learning steps still to come back, soonest first."""
        return [self._learning[card_id] for _, card_id in self._learning_order]


def requeued_item(card_id: int, note_key: str, memory: MemoryState, now: datetime, day_end: datetime) -> QueueItem | None:
    """The learning-set entry of a card just answered, if its new step is due within the
    session (an intraday step before the end of the learning cutoff)."""
    kind = queue_kind(memory)
    if kind != QueueKind.LEARNING or memory.due is None:
        return None
    if not is_intraday(memory.due, memory.last_review) or memory.due >= learning_cutoff(now, day_end):
        return None
    return QueueItem(card_id, note_key, QueueKind.LEARNING, memory.due, memory.reps, memory.last_review)


@dataclass(frozen=True)
class SessionSummary:
    """What the end (or quit) screen says."""

    answered: int
    again: int
    seconds: float
    preview: bool = False
    next_due: datetime | None = None
    due_tomorrow: int = 0
    learning_later: int = 0  # cards on learning steps that come back later than ``now``
    learning_next: datetime | None = None
    left: Counts = Counts()  # cards that could be shown now and were not (the session was quit)
    leeches: tuple[int, ...] = ()
    stopped: bool = False  # quit before the queue was empty
    now: datetime | None = None  # when the session ended
    timezone: str = "UTC"  # the session's zone, for local times
    can_undo: bool = False  # shown while the session waits: u still takes the last answer back

    @property
    def again_rate(self) -> float | None:
        return None if self.answered == 0 else self.again / self.answered
