"""Personal FSRS parameters: training items from the review log, the fit, its evaluation, and
the workload simulation behind a desired-retention recommendation. Pure: no I/O, no clock.

The numerical work is fsrs-rs's (through fsrs-rs-python): ``compute_parameters`` fits the 21
FSRS-6 parameters; a parameter set is scored on a history by :mod:`srs.domain.evaluation` (unweighted
log loss and RMSE over bins, as the srs-benchmark computes them, from fsrs-rs's memory
states), also on time-series splits (fitted on earlier reviews, scored on later ones); the
workload of a desired retention is simulated in :mod:`srs.domain.workload`.

Training items are built as fsrs-rs's own conversion of an Anki collection does:

* reviews are grouped by card and ordered by time; a card that was reset (a later review
  made while the card was new) only counts from its last reset;
* ``delta_t`` is the number of *study days* since the card's previous review (days start at
  the preset's ``day_start_hour`` in its time zone), 0 for the first review and for further
  reviews on the same day;
* every review on a later day than the card's previous review is one item, holding the card's
  whole history up to and including it (same-day reviews stay in the history with
  ``delta_t = 0``; they are not items of their own: fsrs-rs models them inside the history);
* items are ordered by the time of their last review, which the time-series splits rely on.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from srs.domain.evaluation import HISTORY_CHUNK, Evaluation, ItemColumns, evaluate, item_columns, review_codes, subset
from srs.domain.forgetting import decay_factor, decay_of
from srs.domain.study_day_arrays import study_day_numbers
from srs.domain.workload import (  # noqa: F401 - the workload simulation, as srs.domain.optimizer offered it before
    RETENTION_RANGE,
    RETENTIONS,
    SIMULATION_DAYS,
    RetentionAdvice,
    SimulationInputs,
    Workload,
    cost_per_card,
    recommend_retention,
    simulation_inputs,
    simulator_config,
    smoothed_costs,
    workload,
)
from srs.errors import SrsError

if TYPE_CHECKING:
    from fsrs_rs_python import FSRSItem

MICROS_PER_DAY = 86_400_000_000
# Below this many training items (reviews on a later day than the card's previous review) a
# fit says more about noise than about the user's memory.
MIN_TRAINING_REVIEWS = 400
# The time-series split evaluation fits five times and holds every fold in memory at once;
# above this many items it runs on the most recent ones.
SPLIT_MAX_ITEMS = 100_000
SPLIT_FOLDS = 5  # fsrs-rs's: fit on folds 0..k-1, test on fold k, six equal folds

Progress = Callable[[str], None]


class NotEnoughReviews(SrsError):
    """Too little history to fit parameters."""


def _quiet(_stage: str) -> None:
    pass


# --- study days (srs.domain.study_days owns them) -------------------------------------------------

study_days = study_day_numbers


# --- training items ---------------------------------------------------------------------------


@dataclass(frozen=True)
class TrainingSet:
    """fsrs-rs training items of a history, ordered by the time of their last review."""

    items: list[FSRSItem]
    card_ids: list[int]  # the card of each item
    reviews: int  # reviews in the history (after resets)
    cards: int  # cards with at least one review
    columns: ItemColumns | None = None  # what the unweighted evaluation needs of each item

    def __len__(self) -> int:
        return len(self.items)


def training_set(
    card_ids: np.ndarray,
    ratings: np.ndarray,
    times: np.ndarray,
    states_before: np.ndarray,
    *,
    tz_name: str,
    day_start_hour: int,
) -> TrainingSet:
    """Training items from a log given as columns ordered by card, then time (see module doc)."""
    n = len(card_ids)
    if n == 0:
        empty = np.zeros(0, dtype=np.int64)
        return TrainingSet([], [], 0, 0, item_columns(empty, empty, empty, empty, empty))
    index = np.arange(n)
    first = np.ones(n, dtype=bool)
    first[1:] = card_ids[1:] != card_ids[:-1]
    starts = np.flatnonzero(first)
    # A reset card counts from its last review made while new.
    new_at = np.where(states_before == 0, index, -1)
    last_new = np.maximum.reduceat(new_at, starts)
    card_of_row = np.cumsum(first) - 1
    keep = index >= last_new[card_of_row]
    if not keep.all():
        card_ids, ratings, times = card_ids[keep], ratings[keep], times[keep]
        n = len(card_ids)
        first = np.ones(n, dtype=bool)
        first[1:] = card_ids[1:] != card_ids[:-1]
        starts = np.flatnonzero(first)
    days = study_days(times, tz_name, day_start_hour)
    delta = np.zeros(n, dtype=np.int64)
    delta[1:] = days[1:] - days[:-1]
    delta[first] = 0
    np.maximum(delta, 0, out=delta)
    return _items(card_ids, ratings, times, delta, first, starts)


def _items(card_ids: np.ndarray, ratings: np.ndarray, times: np.ndarray, delta: np.ndarray, first: np.ndarray, starts: np.ndarray) -> TrainingSet:
    """The items (a review on a later study day than the card's previous one), each holding
    its card's reviews up to it, ordered by the time of their last review; with the columns
    the unweighted evaluation needs (histories kept as row ranges, not as items). One review
    object per distinct (rating, gap) pair, shared by every item holding it."""
    from fsrs_rs_python import FSRSItem, FSRSReview

    is_item = ~first & (delta > 0)
    rows = np.flatnonzero(is_item)
    order = np.argsort(times[rows], kind="stable")
    rows = rows[order]
    card_first = starts[np.cumsum(first)[rows] - 1]
    again = (ratings == 1).astype(np.int64)
    again_before = np.cumsum(again) - again  # Agains before each row, the whole log
    columns = item_columns(ratings, delta, card_first, rows, again_before[rows] - again_before[card_first])
    reviews = [FSRSReview(rating, gap) for rating, gap in columns.reviews.tolist()]
    items = [
        FSRSItem([reviews[code] for code in codes])
        for chunk in range(0, len(rows), HISTORY_CHUNK)
        for codes in review_codes(columns, card_first[chunk : chunk + HISTORY_CHUNK], rows[chunk : chunk + HISTORY_CHUNK] + 1)[1]
    ]
    return TrainingSet(items, card_ids[rows].tolist(), len(card_ids), len(starts), columns)


def require_enough(training: TrainingSet, minimum: int = MIN_TRAINING_REVIEWS) -> None:
    if len(training) < minimum:
        missing = minimum - len(training)
        raise NotEnoughReviews(
            f"not enough review history to optimize: {len(training):,} of the {training.reviews:,} reviews "
            f"count (a review on a later day than the card's previous one), {minimum:,} are needed: "
            f"{missing:,} more"
        )


# --- fit and evaluation -----------------------------------------------------------------------


@dataclass(frozen=True)
class FitResult:
    """Fitted parameters, and the current and fitted ones scored on the same reviews."""

    current_parameters: tuple[float, ...]
    parameters: tuple[float, ...]
    current: Evaluation  # current parameters on every training item
    fitted: Evaluation  # fitted parameters on the same items
    split_current: Evaluation  # current parameters on the held-out folds of the splits
    split_fitted: Evaluation  # parameters fitted on earlier folds, on the later ones
    items: int
    split_items: int  # items the split evaluation ran on (the most recent ones)
    interval_change: float | None = None  # mean over cards of fitted / current next interval, minus 1

    @property
    def better(self) -> bool:
        """The fitted parameters predict reviews they were not fitted on better than the current
        ones: lower unweighted log loss on the time-series splits (out of sample)."""
        return self.split_fitted.log_loss < self.split_current.log_loss


def clamp_parameters(parameters: Sequence[float]) -> tuple[float, ...]:
    """``parameters`` inside py-fsrs's bounds (fsrs-rs works in 32-bit floats, so a value at a
    bound can come back a hair outside it, which py-fsrs refuses)."""
    from fsrs.scheduler import LOWER_BOUNDS_PARAMETERS, UPPER_BOUNDS_PARAMETERS

    if len(parameters) != len(LOWER_BOUNDS_PARAMETERS):
        raise SrsError(f"expected {len(LOWER_BOUNDS_PARAMETERS)} FSRS parameters, got {len(parameters)}")
    return tuple(
        min(max(float(value), low), high) for value, low, high in zip(parameters, LOWER_BOUNDS_PARAMETERS, UPPER_BOUNDS_PARAMETERS)
    )


def fit_parameters(training: TrainingSet, *, num_relearning_steps: int, shuffle_seed: int | None = None) -> tuple[float, ...]:
    """fsrs-rs's fit of the 21 parameters to ``training`` (clamped to py-fsrs's bounds), with
    its default training (5 epochs of mini-batches shuffled with seed 2023, as Anki runs it);
    ``shuffle_seed`` draws another shuffle (the fit is stochastic gradient descent that stops
    short of the optimum, so the shuffle moves the result a little)."""
    from fsrs_rs_python import DEFAULT_PARAMETERS, FSRS, TrainingConfig

    fitted = FSRS(DEFAULT_PARAMETERS).compute_parameters(
        training.items,
        card_ids=training.card_ids,
        enable_short_term=True,
        num_relearning_steps=num_relearning_steps,
        training_config=None if shuffle_seed is None else TrainingConfig(seed=shuffle_seed),
    )
    return clamp_parameters(fitted)


def split_evaluation(
    training: TrainingSet, current: Sequence[float], *, num_relearning_steps: int
) -> tuple[Evaluation, Evaluation, int]:
    """Time-series splits of the most recent ``SPLIT_MAX_ITEMS`` items, as fsrs-rs's
    ``evaluate_with_time_series_splits`` cuts them (six equal parts by time): for k = 1..5,
    parameters fitted on parts 0..k-1, then the fitted and the current parameters both scored
    on part k, unweighted (:func:`srs.domain.evaluation.evaluate`). The parts' scores are combined the
    same way for both columns (log loss: mean weighted by part size, which is the unweighted
    mean over every held-out review; RMSE: root of the weighted mean square), so the two
    compare: fsrs-rs's own function scores only the fit, with a recency weighting of its own."""
    items = training.items[-SPLIT_MAX_ITEMS:]
    card_ids = training.card_ids[-SPLIT_MAX_ITEMS:]
    assert training.columns is not None
    offset = len(training.items) - len(items)
    size = len(items) // (SPLIT_FOLDS + 1)
    parts: list[tuple[int, Evaluation, Evaluation]] = []
    for k in range(1, SPLIT_FOLDS + 1):
        stop = (k + 1) * size if k < SPLIT_FOLDS else len(items)
        test = subset(training.columns, offset + k * size, offset + stop)
        earlier = TrainingSet(items[: k * size], card_ids[: k * size], reviews=0, cards=0)
        try:
            fitted = fit_parameters(earlier, num_relearning_steps=num_relearning_steps)
        except ValueError:  # too little history before this part: fsrs-rs's starting point
            from fsrs_rs_python import DEFAULT_PARAMETERS

            fitted = clamp_parameters(DEFAULT_PARAMETERS)
        parts.append((stop - k * size, evaluate(current, test), evaluate(fitted, test)))

    def combined(scores: list[tuple[int, Evaluation]]) -> Evaluation:
        total = sum(n for n, _ in scores)
        return Evaluation(
            sum(n * e.log_loss for n, e in scores) / total,
            math.sqrt(sum(n * e.rmse_bins**2 for n, e in scores) / total),
        )

    return combined([(n, c) for n, c, _ in parts]), combined([(n, f) for n, _, f in parts]), len(items)


def optimize(
    training: TrainingSet,
    current: Sequence[float],
    *,
    num_relearning_steps: int,
    progress: Progress = _quiet,
    minimum: int = MIN_TRAINING_REVIEWS,
    desired_retention: float = 0.9,
) -> FitResult:
    """Fit parameters to ``training`` and score them against ``current`` on the same items
    (unweighted log loss and RMSE(bins), :mod:`srs.domain.evaluation`)."""
    require_enough(training, minimum)
    current = tuple(float(p) for p in current)
    try:
        progress(f"scoring the current parameters on {len(training):,} reviews")
        assert training.columns is not None
        current_eval = evaluate(current, training.columns)
        progress(f"fitting 21 parameters to {len(training):,} reviews of {training.cards:,} cards")
        fitted = fit_parameters(training, num_relearning_steps=num_relearning_steps)
        progress("scoring the fitted parameters")
        fitted_eval = evaluate(fitted, training.columns)
        progress("time-series splits: fitting on earlier reviews, scoring on later ones")
        split_current, split_fitted, split_items = split_evaluation(training, current, num_relearning_steps=num_relearning_steps)
        change = interval_change(training, current, fitted, desired_retention)
    except ValueError as error:  # fsrs-rs's errors (InvalidParameters, NotEnoughData, ...)
        raise SrsError(f"fsrs-rs could not fit this history: {error}") from None
    return FitResult(current, fitted, current_eval, fitted_eval, split_current, split_fitted, len(training), split_items, change)


def interval_change(training: TrainingSet, current: Sequence[float], fitted: Sequence[float], retention: float) -> float | None:
    """How much longer (positive) or shorter the cards' next intervals would be with ``fitted``:
    the mean over cards of the ratio of the two intervals at ``retention``, minus 1. Each card's
    memory state is its longest training item's (its history up to its last review on a later
    study day than the one before)."""
    from fsrs_rs_python import FSRS

    last: dict[int, FSRSItem] = {}
    for card_id, item in zip(training.card_ids, training.items):
        last[card_id] = item
    if not last:
        return None
    items = list(last.values())

    def intervals(parameters: Sequence[float]) -> np.ndarray:
        stability = np.array([s.stability for s in FSRS(list(parameters)).memory_state_batch(items)], dtype=np.float64)
        decay = decay_of(parameters)
        return np.maximum(stability / decay_factor(decay) * (retention ** (1.0 / -decay) - 1.0), 1e-9)

    return float(np.mean(intervals(fitted) / intervals(current)) - 1.0)
