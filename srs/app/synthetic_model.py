"""Synthetic review histories drawn from a known FSRS model (written into a collection by
:mod:`srs.app.synthetic`).

How a card's history is made:

* every answer goes through :func:`srs.domain.scheduling.answer` with the deck preset's settings
  and our reproducible fuzz, and is logged as :func:`srs.store.reviews.review_values` makes
  the row, so the card's stored state is exactly the replay of its log, as for any card of
  the collection;
* whether the card is recalled at a review is drawn from the *true* model: probability
  R(t, S) = (1 + FACTOR t/S)^-DECAY with t the *study days* since the previous review (the
  memory model's elapsed time, :mod:`srs.domain.study_days`, as fsrs-rs fits it, so fitting the
  generated log recovers the true model; on the same study day, where FSRS counts 0 days and
  predicts nothing, the fractional days) and S the stability before the review (by default the scheduler's own parameters;
  ``true_parameters`` makes the user's memory differ from what the scheduler assumes).
  Recalled -> Hard/Good/Easy in ``recall_ratings`` proportions, forgotten -> Again; a card's
  first answer is drawn from ``first_ratings``;
* the user is late or early: the next review comes after the scheduled interval times a
  log-normal factor (median 1, log-sd ``delay_spread``), so the times since the previous
  review cover minutes to years;
* the reviews are shared out between the cards (a card that runs out of time within the span
  leaves its share to the next cards of its block); each history is simulated from the start
  of the span and then shifted by a random whole number of days inside it (in a zone of
  fixed offset that keeps every study-day difference, so nothing else changes; in a zone
  with DST the shifted answers are replayed, so the log stays exactly the replay of itself). ``reviews`` is a target: a span too short
  for that many reviews per card gives fewer.

Seeded: block ``b`` of :data:`BLOCK_CARDS` cards draws from ``numpy.random.default_rng([seed,
b])``, so the same spec gives the same histories whatever the number of processes.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

import numpy as np

from srs.domain.batch_replay import Memory, memory_tuple
from srs.domain.forgetting import decay_factor, decay_of
from srs.domain.scheduling import NEW_CARD, Answer, MemoryState, SchedulerSettings, answer, replay_answers
from srs.domain.study_days import elapsed_days
from srs.errors import ConfigError
from srs.timeutil import from_micros, to_micros, zone

MICROS_PER_SECOND = 1_000_000
MICROS_PER_DAY = 86_400_000_000
BLOCK_CARDS = 2_000  # cards simulated together: one random stream, one share of the reviews
AGAIN = 1


@dataclass(frozen=True)
class SyntheticSpec:
    """What to generate. ``reviews`` is a target total, met unless the span is too short."""

    cards: int = 1_000
    reviews: int = 10_000
    span_days: float = 365.0
    seed: int = 0
    delay_spread: float = 0.6
    first_ratings: tuple[float, float, float, float] = (0.25, 0.10, 0.55, 0.10)
    recall_ratings: tuple[float, float, float] = (0.12, 0.78, 0.10)
    true_parameters: tuple[float, ...] | None = None
    duration_median_ms: float = 8_000.0

    def validate(self) -> None:
        if self.cards < 1:
            raise ConfigError(f"synthetic cards must be at least 1 (got {self.cards})")
        if self.reviews < 0:
            raise ConfigError(f"synthetic reviews must be >= 0 (got {self.reviews})")
        if not self.span_days > 0:
            raise ConfigError(f"synthetic span must be > 0 days (got {self.span_days})")
        if self.delay_spread < 0:
            raise ConfigError(f"delay spread must be >= 0 (got {self.delay_spread})")
        for name, shares in (("first_ratings", self.first_ratings), ("recall_ratings", self.recall_ratings)):
            if any(p < 0 for p in shares) or not math.isclose(sum(shares), 1.0, abs_tol=1e-9):
                raise ConfigError(f"{name} must be non-negative shares summing to 1 (got {shares})")
        if self.true_parameters is not None and len(self.true_parameters) != 21:
            raise ConfigError(f"true_parameters must hold the 21 FSRS-6 parameters (got {len(self.true_parameters)})")


@dataclass
class CardHistory:
    """One simulated card: its log rows (as :func:`srs.store.reviews.review_values` makes
    them, times in micros from the start of the span) and its final memory state."""

    card_id: int
    rows: list[dict[str, object]]
    memory: Memory
    shift_micros: int = 0
    # The true recall probability behind each answer (None for a card's first answer).
    recall_probabilities: list[float | None] = field(default_factory=list)


@dataclass(frozen=True)
class Block:
    """Cards ``first .. first + count - 1`` (offsets from the first card) and their review share."""

    index: int
    first: int
    count: int
    reviews: int


def blocks(spec: SyntheticSpec) -> list[Block]:
    """The spec cut in blocks of :data:`BLOCK_CARDS` cards, each with its share of the reviews."""
    result = []
    for index, first in enumerate(range(0, spec.cards, BLOCK_CARDS)):
        count = min(BLOCK_CARDS, spec.cards - first)
        share = spec.reviews * (first + count) // spec.cards - spec.reviews * first // spec.cards
        result.append(Block(index, first, count, share))
    return result


@dataclass(frozen=True)
class _Answering:
    """How the cards of a block are answered: by the scheduler's settings, recalled or not by
    the true model's, rated by the shares' cumulative thresholds, late or early by the delay
    spread, timed around the median duration, within the span from ``origin`` to ``span_end``."""

    settings: SchedulerSettings
    true_settings: SchedulerSettings
    first_cdf: list[float]
    recall_cdf: list[float]
    spread: float
    median_ms: float
    origin: datetime
    span_end: datetime
    start_micros: int

    def card(self, card_id: int, uniforms: list[list[float]], normals: list[list[float]]) -> tuple[list[dict[str, object]], list[float | None], MemoryState]:
        """One card's log rows, the true recall probability behind each answer and its final
        memory: one answer per pair of draws ((recall, rating) uniforms, (delay, duration)
        normals), until the next review would fall after the span."""
        settings, true_settings = self.settings, self.true_settings
        track_true = true_settings != settings
        first_cdf, recall_cdf, spread, median_ms, span_end = self.first_cdf, self.recall_cdf, self.spread, self.median_ms, self.span_end
        rows: list[dict[str, object]] = []
        probabilities: list[float | None] = []
        memory = true_memory = NEW_CARD
        when = self.origin
        for k in range(len(uniforms)):
            if memory.last_review is None:
                rating = bisect_right(first_cdf, uniforms[k][1]) + 1
                probability = None
            else:
                probability = recall_probability(memory.last_review, when, true_memory.stability, true_settings)  # type: ignore[arg-type]
                rating = bisect_right(recall_cdf, uniforms[k][1]) + 2 if uniforms[k][0] < probability else AGAIN
            duration = max(int(min(median_ms * math.exp(0.7 * normals[k][1]), 600_000.0)), 500)
            result = answer(memory, rating, when, settings, seed=card_id, duration_ms=duration)
            rows.append(_relative_row(card_id, result, self.start_micros))
            probabilities.append(probability)
            memory = result.memory
            true_memory = answer(true_memory, rating, when, true_settings, seed=card_id).memory if track_true else memory
            assert memory.due is not None
            delay = max((memory.due - when).total_seconds() * math.exp(spread * normals[k][0]), 1.0)
            following = when + timedelta(seconds=delay)
            if following > span_end:
                break
            when = following
        return rows, probabilities, memory


def simulate_block(
    spec: SyntheticSpec, settings: SchedulerSettings, block: Block, *, first_card_id: int, start_micros: int = 0
) -> list[CardHistory]:
    """The histories of one :class:`Block` of cards (times in micros from ``start_micros``, the
    start of the span).

    Every answer is :func:`srs.domain.scheduling.answer` itself and every row what
    :func:`srs.store.reviews.review_values` makes of it, so the log is exactly what
    :func:`srs.store.reviews.record_answer` would have written.
    """
    rng = np.random.default_rng([spec.seed, block.index])
    origin = from_micros(start_micros)  # histories are simulated from here, then shifted into the span
    fixed = fixed_offset(settings.timezone, start_micros, spec.span_days)
    span_micros = int(spec.span_days * MICROS_PER_DAY)
    answering = _Answering(
        settings=settings,
        true_settings=settings if spec.true_parameters is None else replace(settings, parameters=tuple(spec.true_parameters)),
        first_cdf=[float(x) for x in np.cumsum(spec.first_ratings)[:-1]],
        recall_cdf=[float(x) for x in np.cumsum(spec.recall_ratings)[:-1]],
        spread=spec.delay_spread,
        median_ms=spec.duration_median_ms,
        origin=origin,
        span_end=origin + timedelta(microseconds=span_micros),
        start_micros=start_micros,
    )
    histories: list[CardHistory] = []
    remaining = block.reviews
    for index in range(block.count):
        card_id = first_card_id + block.first + index
        # A card that ran out of time leaves its share to the cards after it.
        budget = math.ceil(remaining / (block.count - index)) if remaining > 0 else 0
        rows: list[dict[str, object]] = []
        probabilities: list[float | None] = []
        memory = NEW_CARD
        if budget:
            # One set of draws per card: (recall, rating) uniforms, (delay, duration) normals.
            rows, probabilities, memory = answering.card(card_id, rng.random((budget, 2)).tolist(), rng.standard_normal((budget, 2)).tolist())
        history = CardHistory(card_id, rows, _relative(memory_tuple(memory), start_micros), recall_probabilities=probabilities)
        if rows:
            used = int(rows[-1]["reviewed_at"])  # type: ignore[call-overload]
            history.shift_micros = int(rng.integers(0, max(span_micros - used, 0) // MICROS_PER_DAY + 1)) * MICROS_PER_DAY
            if history.shift_micros and not fixed:
                _replay_shifted(history, settings, start_micros)
        remaining -= len(rows)
        histories.append(history)
    return histories


def recall_probability(last_review: datetime, when: datetime, stability: float, settings: SchedulerSettings) -> float:
    """The true model's R(t, S) at ``when``: t the study days since ``last_review`` (the memory
    model's elapsed time); on the same study day, where FSRS counts 0 days and predicts nothing,
    the fractional days."""
    elapsed: float = elapsed_days(last_review, when, settings.timezone, settings.day_start_hour)
    if elapsed < 1:
        elapsed = (when - last_review).total_seconds() / 86_400.0
    decay = decay_of(settings.parameters)
    return float((1.0 + decay_factor(decay) * elapsed / stability) ** -decay)


def fixed_offset(tz_name: str, start_micros: int, span_days: float) -> bool:
    """Whether ``tz_name`` keeps one UTC offset over the span (then a whole-day shift keeps
    every study-day difference). Checked every 12 hours of the span and a year either side."""
    tz = zone(tz_name)
    step = MICROS_PER_DAY // 2
    points = range(start_micros - 366 * MICROS_PER_DAY, start_micros + int((span_days + 366) * MICROS_PER_DAY), step)
    offsets = {from_micros(p).astimezone(tz).utcoffset() for p in points}
    return len(offsets) == 1


def _relative(memory: Memory, start_micros: int) -> Memory:
    state, step, stability, difficulty, due, last, reps, lapses = memory
    moved = lambda t: None if t is None else t - start_micros  # noqa: E731
    return (state, step, stability, difficulty, moved(due), moved(last), reps, lapses)


def _relative_row(card_id: int, result: Answer, start_micros: int) -> dict[str, object]:
    from srs.store.reviews import review_values

    assert result.memory.due is not None
    row = review_values(card_id, result)
    row["reviewed_at"] = to_micros(result.reviewed_at) - start_micros
    row["due"] = to_micros(result.memory.due) - start_micros
    return row


def _replay_shifted(history: CardHistory, settings: SchedulerSettings, start_micros: int) -> None:
    """Answer the card's log again at its shifted times (a zone with DST: the study days of a
    shifted review can differ by one from the unshifted one's)."""
    base = start_micros + history.shift_micros
    events = [
        (int(row["rating"]), from_micros(base + int(row["reviewed_at"])), row["duration_ms"])  # type: ignore[call-overload]
        for row in history.rows
    ]
    answers = replay_answers(events, settings, seed=history.card_id)  # type: ignore[arg-type]
    history.rows = [_relative_row(history.card_id, a, base) for a in answers]
    history.memory = _relative(memory_tuple(answers[-1].memory), base)
