"""FSRS scheduling of one card: answer, preview, replay. Pure: no I/O, no clock.

Wraps py-fsrs's ``Scheduler``. Two things are ours:

* a card that was never reviewed is ``CardState.NEW`` (py-fsrs starts cards in Learning);
* the fuzz. py-fsrs draws it from the global ``random`` module, which would make a card's
  due date impossible to reproduce. We ask py-fsrs for the unfuzzed interval and fuzz it
  ourselves with a generator seeded by the card's id and review count (as Anki seeds its
  fuzz), using Anki's fuzz ranges. So replaying a card's log reproduces its state exactly,
  due date included: the review log is the source of truth.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import IntEnum
from typing import Protocol

from fsrs import Card as FsrsCard
from fsrs import Rating as FsrsRating
from fsrs import Scheduler
from fsrs import State as FsrsState

from srs.domain.cards import CardState
from srs.domain.forgetting import decay_factor
from srs.domain.study_days import elapsed_days
from srs.timeutil import as_utc

DEFAULT_PARAMETERS: tuple[float, ...] = tuple(Scheduler().parameters)
SECONDS_PER_DAY = 86_400.0


class Rating(IntEnum):
    AGAIN = 1
    HARD = 2
    GOOD = 3
    EASY = 4


class PresetLike(Protocol):
    """What scheduling needs of a preset (the ``Preset`` model satisfies it)."""

    parameters: list[float]
    desired_retention: float
    learning_steps: list[int]
    relearning_steps: list[int]
    maximum_interval: int
    enable_fuzz: bool
    timezone: str
    day_start_hour: int


@dataclass(frozen=True)
class SchedulerSettings:
    parameters: tuple[float, ...] = DEFAULT_PARAMETERS
    desired_retention: float = 0.9
    learning_steps: tuple[int, ...] = (60, 600)  # seconds
    relearning_steps: tuple[int, ...] = (600,)
    maximum_interval: int = 36500  # days
    enable_fuzz: bool = True
    # The study days that elapsed time is counted in (srs.domain.study_days): the preset's zone and
    # day-start hour.
    timezone: str = "UTC"
    day_start_hour: int = 4

    @classmethod
    def from_preset(cls, preset: PresetLike) -> SchedulerSettings:
        return cls(
            parameters=tuple(float(p) for p in preset.parameters),
            desired_retention=float(preset.desired_retention),
            learning_steps=tuple(int(s) for s in preset.learning_steps),
            relearning_steps=tuple(int(s) for s in preset.relearning_steps),
            maximum_interval=int(preset.maximum_interval),
            enable_fuzz=bool(preset.enable_fuzz),
            timezone=str(preset.timezone),
            day_start_hour=int(preset.day_start_hour),
        )

    def scheduler(self) -> Scheduler:
        """A py-fsrs scheduler with fuzz off (we fuzz reproducibly in :func:`answer`)."""
        return _scheduler(self)


def parameters_problem(error: BaseException) -> str:
    """py-fsrs's complaint about a set of parameters as one line for an error message.

    Its bounds check lists every parameter out of bounds, one line each, under a heading
    ("One or more parameters are out of bounds:"): that becomes the first of them and how
    many more (21 NaNs made a 22-line error).
    """
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    if not lines:
        return type(error).__name__
    if len(lines) > 1 and lines[0].endswith(":"):
        items = lines[1:]
        return items[0] + (f" (and {len(items) - 1} more)" if len(items) > 1 else "")
    return " ".join(lines)


_SCHEDULERS: dict[SchedulerSettings, Scheduler] = {}


def _scheduler(settings: SchedulerSettings) -> Scheduler:
    scheduler = _SCHEDULERS.get(settings)  # pragma: no mutate (a cache: a new Scheduler of equal settings answers the same)
    if scheduler is None:
        scheduler = Scheduler(
            parameters=settings.parameters,
            desired_retention=settings.desired_retention,
            learning_steps=tuple(timedelta(seconds=s) for s in settings.learning_steps),
            relearning_steps=tuple(timedelta(seconds=s) for s in settings.relearning_steps),
            maximum_interval=settings.maximum_interval,
            enable_fuzzing=False,
        )
        if len(_SCHEDULERS) > 64:  # pragma: no mutate (the cache's size bound: no answer depends on it)
            _SCHEDULERS.clear()  # pragma: no mutate (the cache's size bound: no answer depends on it)
        _SCHEDULERS[settings] = scheduler
    return scheduler


@dataclass(frozen=True)
class MemoryState:
    """A card's scheduling state: what the review log replays to."""

    state: CardState = CardState.NEW
    step: int | None = None
    stability: float | None = None
    difficulty: float | None = None
    due: datetime | None = None
    last_review: datetime | None = None
    reps: int = 0
    lapses: int = 0

    @property
    def interval_days(self) -> float | None:
        """The interval the last review scheduled (due - last review), fractional days."""
        if self.due is None or self.last_review is None:
            return None
        return (self.due - self.last_review).total_seconds() / SECONDS_PER_DAY


NEW_CARD = MemoryState()


@dataclass(frozen=True)
class Answer:
    """The result of answering a card: its new memory state and the review-log fields."""

    memory: MemoryState
    rating: Rating
    reviewed_at: datetime
    duration_ms: int | None
    state_before: CardState
    elapsed_days: float | None
    last_interval_days: float | None

    @property
    def scheduled_days(self) -> float:
        assert self.memory.due is not None
        return (self.memory.due - self.reviewed_at).total_seconds() / SECONDS_PER_DAY


def _to_fsrs(memory: MemoryState, now: datetime, settings: SchedulerSettings) -> FsrsCard:
    """``memory`` as a py-fsrs card to be answered at ``now``.

    py-fsrs counts the time since the last review as whole 24-hour periods
    (``(now - last_review).days``), and uses it for nothing else than choosing the same-day
    formula and the retrievability. So it is given a last review exactly the card's elapsed
    *study days* before ``now`` (:func:`srs.domain.study_days.elapsed_days`): py-fsrs then computes
    the memory state as Anki and fsrs-rs do.
    """
    if memory.state == CardState.NEW:
        return FsrsCard(card_id=1, state=FsrsState.Learning, step=0)  # pragma: no mutate (py-fsrs's id and first step: the id never enters the schedule, 0 is its default step)
    last_review = memory.last_review
    if last_review is not None:
        days = elapsed_days(last_review, now, settings.timezone, settings.day_start_hour)
        last_review = now - timedelta(days=days)
    return FsrsCard(
        card_id=1,  # pragma: no mutate (py-fsrs's card id never enters the schedule)
        state=FsrsState(int(memory.state)),
        step=memory.step,
        stability=memory.stability,
        difficulty=memory.difficulty,
        due=memory.due,
        last_review=last_review,
    )


# Anki's fuzz ranges: (start day, end day, share of the interval in that range).
_FUZZ_RANGES = ((2.5, 7.0, 0.15), (7.0, 20.0, 0.1), (20.0, math.inf, 0.05))


def fuzz_interval(days: int, maximum_interval: int, seed: str) -> int:
    """Spread an interval of ``days`` over Anki's fuzz range, reproducibly for ``seed``."""
    if days < 2.5:
        return days
    delta = 1.0 + sum(factor * max(min(days, end) - start, 0.0) for start, end, factor in _FUZZ_RANGES)
    low = max(2, round(days - delta))
    high = min(round(days + delta), maximum_interval)
    low = min(low, high)
    return int(random.Random(seed).random() * (high - low + 1) + low)


def answer(
    memory: MemoryState,
    rating: Rating | int,
    now: datetime,
    settings: SchedulerSettings,
    *,
    seed: int,
    duration_ms: int | None = None,
) -> Answer:
    """Answer a card at ``now``. ``seed`` (the card's id) makes the fuzz reproducible.

    If the same card (same memory state, settings and seed) was just previewed on the same
    study day, the previewed answer is moved to ``now`` instead of running the scheduler again
    (:func:`_from_preview`: equal to computing it, see there)."""
    now = as_utc(now)
    rating = Rating(rating)
    if memory.last_review is not None and now < memory.last_review:
        raise ValueError(f"review at {now.isoformat()} is before the card's last review {memory.last_review.isoformat()}")
    previewed = _from_preview(memory, rating, now, settings, seed)
    if previewed is not None:
        return previewed if duration_ms is None else replace(previewed, duration_ms=duration_ms)
    return _compute(memory, rating, now, settings, seed, duration_ms)


def _compute(memory: MemoryState, rating: Rating, now: datetime, settings: SchedulerSettings, seed: int,
             duration_ms: int | None, fsrs_card: FsrsCard | None = None) -> Answer:
    """Run the scheduler (``fsrs_card``: ``memory`` already converted for ``now``; py-fsrs copies it)."""
    before = fsrs_card if fsrs_card is not None else _to_fsrs(memory, now, settings)
    card, _log = _scheduler(settings).review_card(before, FsrsRating(int(rating)), now)
    due = card.due
    if settings.enable_fuzz and card.state == FsrsState.Review:
        days = round((due - now).total_seconds() / SECONDS_PER_DAY)
        fuzzed = fuzz_interval(days, settings.maximum_interval, f"{seed}:{memory.reps}")
        due = now + timedelta(days=fuzzed)
    lapsed = rating == Rating.AGAIN and memory.state == CardState.REVIEW
    new_memory = MemoryState(
        state=CardState(int(card.state)),
        step=card.step,
        stability=card.stability,
        difficulty=card.difficulty,
        due=due,
        last_review=now,
        reps=memory.reps + 1,
        lapses=memory.lapses + (1 if lapsed else 0),
    )
    return _answer_at(memory, new_memory, rating, now, duration_ms)


def _answer_at(memory: MemoryState, new_memory: MemoryState, rating: Rating, now: datetime, duration_ms: int | None) -> Answer:
    elapsed = None if memory.last_review is None else (now - memory.last_review).total_seconds() / SECONDS_PER_DAY
    return Answer(
        memory=new_memory,
        rating=rating,
        reviewed_at=now,
        duration_ms=duration_ms,
        state_before=memory.state,
        elapsed_days=elapsed,
        last_interval_days=memory.interval_days,
    )


# The four answers of the card previewed last: (memory, settings, seed) -> (when, study days
# since its last review then, the answers). One entry: a review session previews a card, then
# answers it.
_PREVIEWED: dict[tuple[MemoryState, SchedulerSettings, int], tuple[datetime, int | None, dict[Rating, Answer]]] = {}


def _study_days_since(memory: MemoryState, now: datetime, settings: SchedulerSettings) -> int | None:
    if memory.last_review is None:
        return None
    return elapsed_days(memory.last_review, now, settings.timezone, settings.day_start_hour)


def _from_preview(memory: MemoryState, rating: Rating, now: datetime, settings: SchedulerSettings, seed: int) -> Answer | None:
    """The previewed answer moved from its preview time to ``now``, when both fall the same
    number of study days after the card's last review. The scheduler sees time only through
    those study days (:func:`_to_fsrs` gives py-fsrs a last review exactly that many days
    back; its retrievability and same-day rule use whole days) and places the due date
    relative to the review time (the fuzz depends on the interval, seed and review count),
    so the result at ``now`` is the previewed one with its due date and review time moved by
    the same span: exactly what running the scheduler at ``now`` returns
    (tests/test_scheduling_preview.py checks it on generated states)."""
    entry = _PREVIEWED.get((memory, settings, seed))
    if entry is None:
        return None
    when, days, answers = entry
    if _study_days_since(memory, now, settings) != days:
        return None
    previewed = answers[rating]
    due = previewed.memory.due
    assert due is not None
    moved = replace(previewed.memory, due=due + (now - when), last_review=now)
    return _answer_at(memory, moved, rating, now, None)


def preview(memory: MemoryState, now: datetime, settings: SchedulerSettings, *, seed: int) -> dict[Rating, timedelta]:
    """The interval each of the four answers would give (for the answer buttons); the four
    answers are kept for :func:`answer` of the same card (the scheduler runs once per button)."""
    now = as_utc(now)
    if memory.last_review is not None and now < memory.last_review:
        raise ValueError(f"review at {now.isoformat()} is before the card's last review {memory.last_review.isoformat()}")
    before = _to_fsrs(memory, now, settings)  # pragma: no mutate (converted once for the four buttons; _compute converts None itself)
    answers = {rating: _compute(memory, rating, now, settings, seed, None, before) for rating in Rating}
    _PREVIEWED.clear()
    _PREVIEWED[memory, settings, seed] = (now, _study_days_since(memory, now, settings), answers)
    result: dict[Rating, timedelta] = {}
    for rating, result_answer in answers.items():
        due = result_answer.memory.due
        assert due is not None
        result[rating] = due - now
    return result


# A manual entry of the review log (Anki's "Manual" revlog kind, ease 0): not an answer but a
# change the user made by hand: ``srs cards forget`` (the card becomes new again; its review
# and lapse counts are kept, as Anki's Reset keeps them by default) or ``srs cards set-due``
# (the due date moves; the memory state is untouched).
MANUAL = 0

# An answer ``(rating, reviewed_at)``, or a manual entry ``(MANUAL, at, due)``: due None for a
# forget, the new due date for a set-due.
Event = tuple[int, datetime] | tuple[int, datetime, datetime | None]


def forget(memory: MemoryState) -> MemoryState:
    """``memory`` after ``srs cards forget``: a new card, review and lapse counts kept."""
    return replace(NEW_CARD, reps=memory.reps, lapses=memory.lapses)


def apply_event(memory: MemoryState, event: Event, settings: SchedulerSettings, *, seed: int) -> MemoryState:
    """``memory`` after one log event (an answer or a manual entry)."""
    rating, reviewed_at = event[0], event[1]
    if rating != MANUAL:
        return answer(memory, rating, reviewed_at, settings, seed=seed).memory
    due = event[2] if len(event) > 2 else None  # type: ignore[misc]
    return forget(memory) if due is None else replace(memory, due=due)


def replay(events: Iterable[Event], settings: SchedulerSettings, *, seed: int) -> MemoryState:
    """The memory state after the log's events (answers and manual entries) in time order."""
    memory = NEW_CARD
    for event in events:
        memory = apply_event(memory, event, settings, seed=seed)
    return memory


def replay_answers(events: Sequence[tuple[int, datetime, int | None]], settings: SchedulerSettings, *, seed: int) -> list[Answer]:
    """Every :class:`Answer` of a log of ``(rating, reviewed_at, duration_ms)`` events."""
    answers: list[Answer] = []
    memory = NEW_CARD
    for rating, reviewed_at, duration in events:
        result = answer(memory, rating, reviewed_at, settings, seed=seed, duration_ms=duration)
        answers.append(result)
        memory = result.memory
    return answers


def retrievability(stability: float, elapsed_days: float, decay: float) -> float:
    """FSRS-6 forgetting curve R(t, S) = (1 + FACTOR t / S) ^ -DECAY, t in fractional days.

    ``decay`` is w20; FACTOR = 0.9 ^ (1 / -DECAY) - 1 makes R(S, S) = 0.9.
    """
    return (1.0 + decay_factor(decay) * max(elapsed_days, 0.0) / stability) ** -decay


def with_due(memory: MemoryState, due: datetime) -> MemoryState:
    return replace(memory, due=due)
