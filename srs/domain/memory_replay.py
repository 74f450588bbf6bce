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


def replay_memory(
    rating: np.ndarray,
    elapsed_days: np.ndarray,
    parameters: np.ndarray,
    preset: np.ndarray | None = None,
    *,
    starts: np.ndarray | None = None,
    initial: tuple[np.ndarray, np.ndarray] | None = None,
) -> Replayed:
    """FSRS-6 stability and difficulty along many cards' logs at once, with given parameters.

    The logs are concatenated, each card's reviews in time order; ``elapsed_days`` is the
    *study days* since the card's previous review (:mod:`srs.domain.study_days`), negative at a
    card's first review (a new card: initial stability and difficulty). ``parameters`` is one row of 21 FSRS-6
    parameters, or one row per preset with ``preset`` giving each review's row.

    ``starts`` marks where a log begins (default: where ``elapsed_days`` is negative). With
    ``initial`` (stability and difficulty, per review), a log whose first review is not a
    card's first (``elapsed_days`` >= 0) continues from the state given at that review: the
    rest of a log replayed earlier (the statistics cache, :mod:`srs.store.curve_cache`).

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
    card, order, per_position, first_index = _positions(elapsed_days, starts)
    row_of = np.zeros(count, dtype=np.int64) if preset is None else np.asarray(preset, dtype=np.int64)
    stability = np.zeros(len(first_index))
    difficulty = np.zeros(len(first_index))
    fresh = np.ones(count, dtype=bool) if initial is None else elapsed_days < 0  # at a log's first review
    if initial is not None:
        stability[:] = np.asarray(initial[0], dtype=np.float64)[first_index]
        difficulty[:] = np.asarray(initial[1], dtype=np.float64)[first_index]
    offset = 0
    for k, size in enumerate(per_position.tolist()):
        index = order[offset : offset + size]
        offset += size
        if k == 0:
            new = index[fresh[index]]
            after[new], difficulty_after[new] = _first_state(_weights(table, row_of, new), rating[new])
            stability[card[new]], difficulty[card[new]] = after[new], difficulty_after[new]
            index = index[~fresh[index]]
        c = card[index]
        before[index] = stability[c]
        stability[c], difficulty[c] = _next_state(_weights(table, row_of, index), rating[index], stability[c], difficulty[c], elapsed_days[index])
        after[index] = stability[c]
        difficulty_after[index] = difficulty[c]
    return Replayed(before, after, difficulty_after)


def _positions(elapsed_days: np.ndarray, starts: np.ndarray | None) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Each review's log (numbered from 0), the reviews ordered by their position in their log
    (stable), the number of reviews at each position, and each log's first review."""
    starts = (elapsed_days < 0) if starts is None else np.array(starts, dtype=bool)
    starts[0] = True
    card = np.cumsum(starts) - 1
    first_index = np.flatnonzero(starts)
    position = np.arange(len(elapsed_days)) - first_index[card]
    return card, np.argsort(position, kind="stable"), np.bincount(position), first_index


def _weights(table: np.ndarray, row_of: np.ndarray, index: np.ndarray) -> np.ndarray:
    """w[j]: parameter j, one number (one preset) or one per review of ``index``."""
    return table[0] if len(table) == 1 else table[row_of[index]].T


def _first_state(w: np.ndarray, r: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Stability and difficulty after a card's first review."""
    initial = w[np.clip(r - 1, 0, 3)] if w.ndim == 1 else w[np.clip(r - 1, 0, 3), np.arange(len(r))]
    return np.maximum(initial, 0.001), np.clip(w[4] - np.exp(w[5] * (r - 1)) + 1, 1.0, 10.0)


def _next_state(w: np.ndarray, r: np.ndarray, s: np.ndarray, d: np.ndarray, elapsed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Stability and difficulty after a later review, from the state before it."""
    days = np.floor(np.maximum(elapsed, 0.0))
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
