"""Replaying many cards' logs fast: :func:`srs.domain.scheduling.replay`'s arithmetic without its
per-review objects. Pure: no I/O, no clock.

``srs reschedule`` replays every card's log (a million reviews for a large collection).
Through py-fsrs each answer costs about 30 microseconds (a copied ``Card``, enum conversions,
``datetime`` arithmetic); here an answer is a few float operations on plain numbers, with
times as integer microseconds, about ten times faster.

The result must be *exactly* what :func:`srs.domain.scheduling.replay` gives (the stored state is
the replay of the log, to the last bit of every float), so this module repeats py-fsrs 6's
``Scheduler.review_card`` operation for operation (same formulas, same order of operations,
``math.e ** x`` where py-fsrs writes it; the days since the previous review are study days,
:class:`srs.domain.study_days.StudyDayClock`, as :mod:`srs.domain.scheduling` feeds them to py-fsrs)
and uses :func:`srs.domain.scheduling.fuzz_interval` itself for our reproducible fuzz. The tests
compare it with ``replay`` on random logs and settings, and :mod:`srs.app.reschedule` checks a
sample of cards against ``replay`` on every run and falls back to ``replay`` for all cards if
one differs (say, after an upgrade of py-fsrs changed a formula).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import timedelta

from srs.domain.forgetting import decay_factor, decay_of
from srs.domain.scheduling import MemoryState, SchedulerSettings, fuzz_interval
from srs.domain.study_days import StudyDayClock
from srs.timeutil import to_micros

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


def memory_tuple(memory: MemoryState) -> Memory:
    """``memory`` as a :data:`Memory` tuple (the form bulk reads and writes use)."""
    return (
        int(memory.state),
        memory.step,
        memory.stability,
        memory.difficulty,
        None if memory.due is None else to_micros(memory.due),
        None if memory.last_review is None else to_micros(memory.last_review),
        memory.reps,
        memory.lapses,
    )


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
    """Replays logs with one preset's settings; :meth:`replay` is ``scheduling.replay``.

    Everything that does not depend on the card (per-rating terms of the formulas) is
    computed once here, by the same expressions py-fsrs evaluates each time, so the values
    are the same floats.
    """

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
        self.clock = StudyDayClock(settings.timezone, settings.day_start_hour)
        self.decay = -decay_of(w)
        self.factor = decay_factor(-self.decay)
        self.interval_term = (settings.desired_retention ** (1 / self.decay)) - 1
        ratings = (0, AGAIN, HARD, GOOD, EASY)  # index = rating
        # _initial_stability / _initial_difficulty(clamp=True)
        self.initial_stability = tuple(0.0 if r == 0 else max(w[r - 1], STABILITY_MIN) for r in ratings)
        self.initial_difficulty = tuple(
            0.0 if r == 0 else min(max(w[4] - (E ** (w[5] * (r - 1))) + 1, MIN_DIFFICULTY), MAX_DIFFICULTY) for r in ratings
        )
        # _next_difficulty: delta per rating, and the mean reversion towards
        # _initial_difficulty(Easy, clamp=False): w7 * that + (1 - w7) * arg_2.
        self.difficulty_delta = tuple(-(w[6] * (r - 3)) for r in ratings)
        self.reversion_target = w[7] * (w[4] - (E ** (w[5] * (EASY - 1))) + 1)
        self.reversion_keep = 1 - w[7]
        # _short_term_stability: e ** (w17 * (rating - 3 + w18)) per rating
        self.short_term_factor = tuple(E ** (w[17] * (r - 3 + w[18])) for r in ratings)
        # _next_forget_stability's short-term bound divisor, _next_recall_stability's e ** w8
        self.forget_short_divisor = E ** (w[17] * w[18])
        self.e_w8 = E ** (w[8])
        self.hard_penalty = tuple(w[15] if r == HARD else 1 for r in ratings)
        self.easy_bonus = tuple(w[16] if r == EASY else 1 for r in ratings)

    def replay(self, ratings: Sequence[int], times: Sequence[int], seed: int) -> Memory:
        """The memory state after answering ``ratings`` at ``times`` (microseconds, ascending):
        ``scheduling.replay(...)`` to the last bit.

        Stability and difficulty never depend on the state or the learning step, and the state
        and step never on the memory, so each is one loop with everything in local variables.
        The fuzz (a seeded generator, the costliest step) and the interval are only computed
        for the last answer, the only one whose due date survives (nothing else in an answer
        depends on the previous due date)."""
        count = len(ratings)
        if not count:
            return NEW_MEMORY
        stability, difficulty = self._memory(ratings, times)
        state, step, lapses, interval = self._schedule(ratings)
        if interval is None:
            interval = self._review_interval(stability, f"{seed}:{count - 1}")
        last = times[count - 1]
        return (state, step, stability, difficulty, last + interval, last, count, lapses)

    def _memory(self, ratings: Sequence[int], times: Sequence[int]) -> tuple[float, float]:
        """Stability and difficulty after ``ratings`` (at least one) at ``times``."""
        w = self.w
        w9, w10, w11, w12, w13, w14, w19 = w[9], w[10], w[11], w[12], w[13], w[14], w[19]
        factor, decay = self.factor, self.decay
        d_delta, rev_target, rev_keep = self.difficulty_delta, self.reversion_target, self.reversion_keep
        st_factor, forget_div, e_w8 = self.short_term_factor, self.forget_short_divisor, self.e_w8
        hard_penalty, easy_bonus = self.hard_penalty, self.easy_bonus
        study_day = self.clock.day
        stability: float = 0.0
        difficulty: float = 0.0
        last = last_day = 0
        for index in range(len(ratings)):
            rating = ratings[index]
            now = times[index]
            if not AGAIN <= rating <= EASY:
                raise ValueError(f"rating {rating} is not 1-4")
            if index and now < last:
                raise ValueError("review before the card's last review")
            today = study_day(now)
            if not index:
                # py-fsrs's first answer: a Learning card at step 0 without a memory state.
                stability, difficulty = self.initial_stability[rating], self.initial_difficulty[rating]
                last, last_day = now, today
                continue
            days_since = today - last_day  # never negative: times ascend (were it, it is short-term too)
            if days_since < 1:  # _short_term_stability
                increase = st_factor[rating] * (stability ** -w19)
                if rating != AGAIN and increase < 1.0:
                    increase = 1.0
                stability = stability * increase
            else:  # _next_stability at the retrievability of days_since whole days
                r = (1 + factor * days_since / stability) ** decay
                if rating == AGAIN:
                    long_term = w11 * (difficulty ** -w12) * (((stability + 1) ** (w13)) - 1) * (E ** ((1 - r) * w14))
                    short_term = stability / forget_div
                    stability = short_term if short_term < long_term else long_term
                else:
                    stability = stability * (
                        1 + e_w8 * (11 - difficulty) * (stability ** -w9) * ((E ** ((1 - r) * w10)) - 1) * hard_penalty[rating] * easy_bonus[rating]
                    )
            if stability < STABILITY_MIN:
                stability = STABILITY_MIN
            # _next_difficulty (a Review card's short-term answer updates it too)
            value = rev_target + rev_keep * (difficulty + (10.0 - difficulty) * d_delta[rating] / 9.0)
            difficulty = MIN_DIFFICULTY if value < MIN_DIFFICULTY else MAX_DIFFICULTY if value > MAX_DIFFICULTY else value
            last, last_day = now, today
        return stability, difficulty

    def _schedule(self, ratings: Sequence[int]) -> tuple[int, int | None, int, int | None]:
        """The state and step after ``ratings`` (valid, at least one), the lapses, and the last
        answer's interval in microseconds (None when it is counted in days from the stability)."""
        learning, relearning = self.learning, self.relearning
        state, step = NEW, None
        lapses = 0
        interval = 0
        days_interval = False
        for rating in ratings:
            if rating == AGAIN and state == REVIEW:
                lapses += 1
            if state == NEW:
                state, step = LEARNING, 0
            days_interval = False
            if state == REVIEW:
                if rating == AGAIN and relearning.count:
                    state, step = RELEARNING, 0
                    interval = relearning.at[0]
                else:
                    days_interval = True
            else:
                steps = learning if state == LEARNING else relearning
                assert step is not None
                if steps.count == 0 or (step >= steps.count and rating != AGAIN):
                    state, step, days_interval = REVIEW, None, True
                elif rating == AGAIN:
                    step = 0
                    interval = steps.at[0]
                elif rating == HARD:
                    interval = steps.hard_first if step == 0 else steps.at[step]
                elif rating == GOOD:
                    if step + 1 == steps.count:
                        state, step, days_interval = REVIEW, None, True
                    else:
                        step += 1
                        interval = steps.at[step]
                else:
                    state, step, days_interval = REVIEW, None, True
        return state, step, lapses, None if days_interval else interval

    def _review_interval(self, stability: float, fuzz_seed: str) -> int:
        """A Review card's interval in microseconds: whole days from the stability, fuzzed."""
        days = round((stability / self.factor) * self.interval_term)
        days = 1 if days < 1 else days
        days = self.maximum_interval if days > self.maximum_interval else days
        interval = days * MICROS_PER_DAY
        if self.fuzz:
            days = round((interval / 1_000_000) / SECONDS_PER_DAY)
            interval = fuzz_interval(days, self.maximum_interval, fuzz_seed) * MICROS_PER_DAY
        return interval
