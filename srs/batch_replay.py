"""Replaying many cards' logs fast: :func:`srs.scheduling.replay`'s arithmetic without its
per-review objects. Pure: no I/O, no clock.

``srs reschedule`` replays every card's log (a million reviews for a large collection).
Through py-fsrs each answer costs about 30 microseconds (a copied ``Card``, enum conversions,
``datetime`` arithmetic); here an answer is a few float operations on plain numbers, with
times as integer microseconds, about ten times faster.

The result must be *exactly* what :func:`srs.scheduling.replay` gives (the stored state is
the replay of the log, to the last bit of every float), so this module repeats py-fsrs 6's
``Scheduler.review_card`` operation for operation (same formulas, same order of operations,
``math.e ** x`` where py-fsrs writes it, whole days by floor division as ``timedelta.days``)
and uses :func:`srs.scheduling.fuzz_interval` itself for our reproducible fuzz. The tests
compare it with ``replay`` on random logs and settings, and :mod:`srs.reschedule` checks a
sample of cards against ``replay`` on every run and falls back to ``replay`` for all cards if
one differs (say, after an upgrade of py-fsrs changed a formula).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import timedelta

from srs.scheduling import SchedulerSettings, fuzz_interval

MICROS_PER_DAY = 86_400_000_000
SECONDS_PER_DAY = 86_400.0
STABILITY_MIN = 0.001
MIN_DIFFICULTY = 1.0
MAX_DIFFICULTY = 10.0
E = math.e

NEW, LEARNING, REVIEW, RELEARNING = 0, 1, 2, 3
AGAIN, HARD, GOOD, EASY = 1, 2, 3, 4

# (state, step, stability, difficulty, due, last_review, reps, lapses); times in microseconds.
Memory = tuple[int, int | None, float | None, float | None, int | None, int | None, int, int]
NEW_MEMORY: Memory = (NEW, None, None, None, None, None, 0, 0)


def _micros(delta: timedelta) -> int:
    return delta // timedelta(microseconds=1)


class _Steps:
    """A list of (re)learning steps as the intervals py-fsrs derives from it, in micros."""

    def __init__(self, seconds: Sequence[int]) -> None:
        steps = tuple(timedelta(seconds=s) for s in seconds)
        self.count = len(steps)
        self.at = tuple(_micros(step) for step in steps)
        # Hard on the first step: 1.5 x a single step, or halfway to the second (timedelta math).
        if len(steps) == 1:
            self.hard_first = _micros(steps[0] * 1.5)
        elif len(steps) >= 2:
            self.hard_first = _micros((steps[0] + steps[1]) / 2.0)
        else:
            self.hard_first = 0


class BatchReplayer:
    """Replays logs with one preset's settings; :meth:`replay` is ``scheduling.replay``."""

    def __init__(self, settings: SchedulerSettings) -> None:
        w = tuple(float(p) for p in settings.parameters)
        if len(w) != 21:
            raise ValueError(f"expected 21 FSRS parameters, got {len(w)}")
        self.w = w
        self.settings = settings
        self.learning = _Steps(settings.learning_steps)
        self.relearning = _Steps(settings.relearning_steps)
        self.maximum_interval = settings.maximum_interval
        self.fuzz = settings.enable_fuzz
        self.decay = -w[20]
        self.factor = 0.9 ** (1 / self.decay) - 1
        self.interval_term = (settings.desired_retention ** (1 / self.decay)) - 1
        # _initial_difficulty(Easy, clamp=False), the mean-reversion target of difficulty.
        self.easy_difficulty = w[4] - (E ** (w[5] * (EASY - 1))) + 1
        self.forget_short_divisor = E ** (w[17] * w[18])
        self.e_w8 = E ** (w[8])

    # -- py-fsrs's formulas, in its order of operations --

    def _initial_difficulty(self, rating: int) -> float:
        w = self.w
        value = w[4] - (E ** (w[5] * (rating - 1))) + 1
        return min(max(value, MIN_DIFFICULTY), MAX_DIFFICULTY)

    def _next_difficulty(self, difficulty: float, rating: int) -> float:
        w = self.w
        delta = -(w[6] * (rating - 3))
        arg_2 = difficulty + (10.0 - difficulty) * delta / 9.0
        value = w[7] * self.easy_difficulty + (1 - w[7]) * arg_2
        return min(max(value, MIN_DIFFICULTY), MAX_DIFFICULTY)

    def _short_term_stability(self, stability: float, rating: int) -> float:
        w = self.w
        increase = (E ** (w[17] * (rating - 3 + w[18]))) * (stability ** -w[19])
        if rating != AGAIN:
            increase = max(increase, 1.0)
        return max(stability * increase, STABILITY_MIN)

    def _next_stability(self, difficulty: float, stability: float, elapsed_days: int, rating: int) -> float:
        w = self.w
        retrievability = (1 + self.factor * max(0, elapsed_days) / stability) ** self.decay
        if rating == AGAIN:
            long_term = w[11] * (difficulty ** -w[12]) * (((stability + 1) ** (w[13])) - 1) * (E ** ((1 - retrievability) * w[14]))
            short_term = stability / self.forget_short_divisor
            value = min(long_term, short_term)
        else:
            hard_penalty = w[15] if rating == HARD else 1
            easy_bonus = w[16] if rating == EASY else 1
            value = stability * (
                1
                + self.e_w8
                * (11 - difficulty)
                * (stability ** -w[9])
                * ((E ** ((1 - retrievability) * w[10])) - 1)
                * hard_penalty
                * easy_bonus
            )
        return max(value, STABILITY_MIN)

    def _interval_days(self, stability: float) -> int:
        days = round((stability / self.factor) * self.interval_term)
        return min(max(days, 1), self.maximum_interval)

    # -- one answer, and a whole log --

    def answer(self, memory: Memory, rating: int, now: int, seed: int, *, fuzz: bool = True) -> Memory:
        """``scheduling.answer(...).memory`` with times in microseconds. ``fuzz=False`` leaves the
        due date unfuzzed: right for every answer of a log but the last, whose due dates the
        next answer replaces (nothing else depends on them)."""
        state, step, stability, difficulty, _due, last, reps, lapses = memory
        if last is not None and now < last:
            raise ValueError("review before the card's last review")
        if state == NEW:
            state, step, last_seen = LEARNING, 0, None
        else:
            last_seen = last
        days_since = None if last_seen is None else (now - last_seen) // MICROS_PER_DAY
        was_review = memory[0] == REVIEW
        interval: int  # micros
        if state == REVIEW:
            assert stability is not None and difficulty is not None
            if days_since is not None and days_since < 1:
                stability = self._short_term_stability(stability, rating)
            else:
                stability = self._next_stability(difficulty, stability, days_since or 0, rating)
            difficulty = self._next_difficulty(difficulty, rating)
            if rating == AGAIN and self.relearning.count:
                state, step, interval = RELEARNING, 0, self.relearning.at[0]
            else:
                interval = self._interval_days(stability) * MICROS_PER_DAY
        else:
            steps = self.learning if state == LEARNING else self.relearning
            assert step is not None
            if stability is None or difficulty is None:
                stability = max(self.w[rating - 1], STABILITY_MIN)
                difficulty = self._initial_difficulty(rating)
            elif days_since is not None and days_since < 1:
                stability = self._short_term_stability(stability, rating)
                difficulty = self._next_difficulty(difficulty, rating)
            else:
                stability = self._next_stability(difficulty, stability, days_since or 0, rating)
                difficulty = self._next_difficulty(difficulty, rating)
            if steps.count == 0 or (step >= steps.count and rating != AGAIN):
                state, step = REVIEW, None
                interval = self._interval_days(stability) * MICROS_PER_DAY
            elif rating == AGAIN:
                step, interval = 0, steps.at[0]
            elif rating == HARD:
                interval = steps.hard_first if step == 0 else steps.at[step]
            elif rating == GOOD:
                if step + 1 == steps.count:
                    state, step = REVIEW, None
                    interval = self._interval_days(stability) * MICROS_PER_DAY
                else:
                    step += 1
                    interval = steps.at[step]
            else:
                state, step = REVIEW, None
                interval = self._interval_days(stability) * MICROS_PER_DAY
        if fuzz and self.fuzz and state == REVIEW:
            days = round((interval / 1_000_000) / SECONDS_PER_DAY)
            interval = fuzz_interval(days, self.maximum_interval, f"{seed}:{reps}") * MICROS_PER_DAY
        lapsed = rating == AGAIN and was_review
        return (state, step, stability, difficulty, now + interval, now, reps + 1, lapses + (1 if lapsed else 0))

    def replay(self, ratings: Sequence[int], times: Sequence[int], seed: int) -> Memory:
        """The memory state after answering ``ratings`` at ``times`` (microseconds, ascending)."""
        memory = NEW_MEMORY
        last = len(ratings) - 1
        for index, (rating, at) in enumerate(zip(ratings, times)):
            if not AGAIN <= rating <= EASY:
                raise ValueError(f"rating {rating} is not 1-4")
            memory = self.answer(memory, rating, at, seed, fuzz=index == last)
        return memory
