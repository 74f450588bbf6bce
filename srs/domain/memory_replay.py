"""Memory states along review logs, replayed for many cards at once as array arithmetic
(FSRS-6, the same arithmetic as :mod:`srs.domain.scheduling`). Pure."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from srs.domain.forgetting import DECAY_INDEX, decay_factor


@dataclass(frozen=True)
class Replayed:
    """Memory states along review logs, per review (arrays aligned with the input)."""

    stability_before: np.ndarray  # 0 at a card's first review
    stability_after: np.ndarray
    difficulty_after: np.ndarray


def replay_memory(rating: np.ndarray, elapsed_days: np.ndarray, parameters: np.ndarray, preset: np.ndarray | None = None) -> Replayed:
    """FSRS-6 stability and difficulty along many cards' logs at once, with given parameters.

    The logs are concatenated, each card's reviews in time order; ``elapsed_days`` is the
    *study days* since the card's previous review (:mod:`srs.domain.study_days`), negative at a
    card's first review (a new card: initial stability and difficulty). ``parameters`` is one row of 21 FSRS-6
    parameters, or one row per preset with ``preset`` giving each review's row.

    The arithmetic is py-fsrs's (``Scheduler.review_card``): study days since the previous
    review decide between the same-day and the long-term formulas and feed R; stability and
    difficulty never depend on the learning steps, the desired retention or the fuzz, so they
    can be replayed without the rest of the scheduler, position by position across all cards
    (about 25 array operations per position).
    """
    rating = np.asarray(rating, dtype=np.int64)
    elapsed_days = np.asarray(elapsed_days, dtype=np.float64)
    table = np.atleast_2d(np.asarray(parameters, dtype=np.float64))
    count = len(rating)
    before = np.zeros(count)
    after = np.zeros(count)
    difficulty_after = np.zeros(count)
    if not count:
        return Replayed(before, after, difficulty_after)
    card, order, per_position, cards = _positions(elapsed_days)
    single = len(table) == 1
    row_of = np.zeros(count, dtype=np.int64) if preset is None else np.asarray(preset, dtype=np.int64)
    stability = np.zeros(cards)
    difficulty = np.zeros(cards)
    offset = 0
    for k, size in enumerate(per_position.tolist()):
        index = order[offset : offset + size]
        offset += size
        c = card[index]
        r = rating[index]
        # w[j]: parameter j, one number (one preset) or one per review of this step.
        w = table[0] if single else table[row_of[index]].T
        if k == 0:
            new_s, new_d = _first_memory(w, r, single, size)
        else:
            s, d = stability[c], difficulty[c]
            before[index] = s
            new_s, new_d = _next_memory(w, s, d, r, np.floor(np.maximum(elapsed_days[index], 0.0)))
        stability[c] = new_s
        difficulty[c] = new_d
        after[index] = new_s
        difficulty_after[index] = new_d
    return Replayed(before, after, difficulty_after)


def _positions(elapsed_days: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """Each review's card (numbered from 0), the reviews ordered by their position in their
    card's log (stable), the number of reviews at each position, and the number of cards."""
    starts = elapsed_days < 0
    starts[0] = True
    card = np.cumsum(starts) - 1
    first_index = np.flatnonzero(starts)
    position = np.arange(len(elapsed_days)) - first_index[card]
    return card, np.argsort(position, kind="stable"), np.bincount(position), len(first_index)


def _first_memory(w: np.ndarray, r: np.ndarray, single: bool, size: int) -> tuple[np.ndarray, np.ndarray]:
    """Stability and difficulty after a card's first review (rating ``r``)."""
    initial = w[np.clip(r - 1, 0, 3)] if single else w[np.clip(r - 1, 0, 3), np.arange(size)]
    return np.maximum(initial, 0.001), np.clip(w[4] - np.exp(w[5] * (r - 1)) + 1, 1.0, 10.0)


def _next_memory(w: np.ndarray, s: np.ndarray, d: np.ndarray, r: np.ndarray, days: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Stability and difficulty after a later review: rating ``r``, ``days`` whole study days
    after the review that left stability ``s`` and difficulty ``d``."""
    decay = w[DECAY_INDEX]  # one per review when several presets
    retrievability_ = (1.0 + decay_factor(decay) * days / s) ** -decay
    forget = np.minimum(
        w[11] * d ** -w[12] * ((s + 1.0) ** w[13] - 1.0) * np.exp((1.0 - retrievability_) * w[14]),
        s / np.exp(w[17] * w[18]),
    )
    penalty = np.where(r == 2, w[15], 1.0) * np.where(r == 4, w[16], 1.0)
    recall = s * (1.0 + np.exp(w[8]) * (11.0 - d) * s ** -w[9] * (np.exp((1.0 - retrievability_) * w[10]) - 1.0) * penalty)
    increase = np.exp(w[17] * (r - 3 + w[18])) * s ** -w[19]
    increase = np.where(r > 1, np.maximum(increase, 1.0), increase)
    new_s = np.maximum(np.where(days < 1, s * increase, np.where(r == 1, forget, recall)), 0.001)
    easy = w[4] - np.exp(w[5] * 3) + 1
    damped = d + (10.0 - d) * (-(w[6] * (r - 3))) / 9.0
    return new_s, np.clip(w[7] * easy + (1 - w[7]) * damped, 1.0, 10.0)
