"""Personal FSRS parameters: training items from the review log, the fit, its evaluation, and
the workload simulation behind a desired-retention recommendation. Pure: no I/O, no clock.

The numerical work is fsrs-rs's (through fsrs-rs-python): ``compute_parameters`` fits the 21
FSRS-6 parameters; a parameter set is scored on a history by :mod:`srs.evaluation` (unweighted
log loss and RMSE over bins, as the srs-benchmark computes them, from fsrs-rs's memory
states), also on time-series splits (fitted on earlier reviews, scored on later ones);
``simulate``/``optimal_retention`` model the workload of a desired retention.

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

from srs.errors import SrsError
from srs.evaluation import Evaluation, ItemColumns, evaluate, item_columns, subset
from srs.study_days import study_day_numbers

if TYPE_CHECKING:
    from fsrs_rs_python import FSRSItem, SimulatorConfig

MICROS_PER_DAY = 86_400_000_000
# Below this many training items (reviews on a later day than the card's previous review) a
# fit says more about noise than about the user's memory.
MIN_TRAINING_REVIEWS = 400
# The time-series split evaluation fits five times and holds every fold in memory at once;
# above this many items it runs on the most recent ones.
SPLIT_MAX_ITEMS = 100_000
SPLIT_FOLDS = 5  # fsrs-rs's: fit on folds 0..k-1, test on fold k, six equal folds
# The retentions the workload table shows (the current and the least-cost ones are added).
RETENTIONS = (0.70, 0.75, 0.80, 0.85, 0.90, 0.95, 0.99)
# The desired retentions Anki's deck options allow (and srs config), searched in steps of 0.01.
RETENTION_RANGE = (0.70, 0.99)
SMOOTHING = 2  # neighbours on each side averaged into a retention's cost
SIMULATION_DAYS = 365
SIMULATION_SEED = 42
MIN_ANSWERS_FOR_RATES = 100  # answers needed before the user's own rating shares replace the defaults
MIN_TIMED_FOR_COST = 10  # timed answers needed before a mean duration replaces the default cost

Progress = Callable[[str], None]


class NotEnoughReviews(SrsError):
    """Too little history to fit parameters."""


def _quiet(_stage: str) -> None:
    pass


# --- study days (srs.study_days owns them) -------------------------------------------------

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
    from fsrs_rs_python import FSRSItem, FSRSReview

    n = len(card_ids)
    if n == 0:
        return TrainingSet([], [], 0, 0, item_columns([], [], [], [], []))
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
    is_item = ~first & (delta > 0)

    # Items in card order (each card's reviews made into FSRSReview objects once), then
    # reordered by the time of their last review.
    rows = np.flatnonzero(is_item)
    items: list[FSRSItem] = []
    histories: list[FSRSItem] = []
    bounds = np.append(starts, n).tolist()
    rating_list = ratings.tolist()
    delta_list = delta.tolist()
    item_flags = is_item.tolist()
    lapses_before = (np.cumsum(ratings == 1) - (ratings == 1)).tolist()  # Agains before each review, by row
    for start, end in zip(bounds[:-1], bounds[1:]):
        reviews = [FSRSReview(rating, gap) for rating, gap in zip(rating_list[start:end], delta_list[start:end])]
        for row in range(start + 1, end):
            if item_flags[row]:
                items.append(FSRSItem(reviews[: row - start + 1]))
                histories.append(FSRSItem(reviews[: row - start]))
    del item_flags
    order = np.argsort(times[rows], kind="stable")
    ordered = order.tolist()
    ordered_rows = rows[order]
    card_first = starts[np.cumsum(first)[ordered_rows] - 1]
    columns = item_columns(
        [histories[i] for i in ordered],
        delta[ordered_rows].tolist(),
        ratings[ordered_rows].tolist(),
        [lapses_before[r] - lapses_before[f] for r, f in zip(ordered_rows.tolist(), card_first.tolist())],
        (ordered_rows - card_first + 1).tolist(),
    )
    ordered_ids = card_ids[ordered_rows].tolist()
    return TrainingSet([items[i] for i in ordered], ordered_ids, n, len(starts), columns)


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


def fit_parameters(training: TrainingSet, *, num_relearning_steps: int) -> tuple[float, ...]:
    """fsrs-rs's fit of the 21 parameters to ``training`` (clamped to py-fsrs's bounds)."""
    from fsrs_rs_python import DEFAULT_PARAMETERS, FSRS

    fitted = FSRS(DEFAULT_PARAMETERS).compute_parameters(
        training.items,
        card_ids=training.card_ids,
        enable_short_term=True,
        num_relearning_steps=num_relearning_steps,
    )
    return clamp_parameters(fitted)


def split_evaluation(
    training: TrainingSet, current: Sequence[float], *, num_relearning_steps: int
) -> tuple[Evaluation, Evaluation, int]:
    """Time-series splits of the most recent ``SPLIT_MAX_ITEMS`` items, as fsrs-rs's
    ``evaluate_with_time_series_splits`` cuts them (six equal parts by time): for k = 1..5,
    parameters fitted on parts 0..k-1, then the fitted and the current parameters both scored
    on part k, unweighted (:func:`srs.evaluation.evaluate`). The parts' scores are combined the
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
    (unweighted log loss and RMSE(bins), :mod:`srs.evaluation`)."""
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
        decay = -float(parameters[20])
        factor = 0.9 ** (1.0 / decay) - 1.0
        return np.maximum(stability / factor * (retention ** (1.0 / decay) - 1.0), 1e-9)

    return float(np.mean(intervals(fitted) / intervals(current)) - 1.0)


# --- workload simulation and desired retention ------------------------------------------------


@dataclass(frozen=True)
class SimulationInputs:
    """What the workload simulation needs to know of the user and the preset."""

    cards: int  # cards in scope
    new_per_day: int
    reviews_per_day: int
    maximum_interval: int
    learning_steps: int
    relearning_steps: int
    first_rating_prob: tuple[float, ...] | None = None  # 4 shares (None: fsrs-rs's defaults)
    review_rating_prob: tuple[float, ...] | None = None  # Hard/Good/Easy shares of recalls
    state_rating_costs: tuple[tuple[float, ...], ...] | None = None  # seconds, [learning, review, relearning][rating]
    days: int = SIMULATION_DAYS

    @property
    def deck_size(self) -> int:
        """Cards the simulation introduces: the scope, at most what the new-card limit allows."""
        return max(1, min(self.cards, self.new_per_day * self.days))


def simulation_inputs(
    counts: dict[tuple[int, int], int],
    mean_seconds: dict[tuple[int, int], tuple[float, int]],
    *,
    cards: int,
    new_per_day: int,
    reviews_per_day: int,
    maximum_interval: int,
    learning_steps: int,
    relearning_steps: int,
) -> SimulationInputs:
    """The user's own rating shares and answer times where the log has enough of them.

    ``counts``/``mean_seconds`` are keyed by ``(state before the answer, rating)``, states as
    :class:`srs.store.models.CardState` (0 new, 1 learning, 2 review, 3 relearning).
    """
    from fsrs_rs_python import default_simulator_config

    first = [counts.get((0, rating), 0) for rating in (1, 2, 3, 4)]
    first_prob = tuple(n / sum(first) for n in first) if sum(first) >= MIN_ANSWERS_FOR_RATES else None
    recalled = [counts.get((2, rating), 0) for rating in (2, 3, 4)]
    review_prob = tuple(n / sum(recalled) for n in recalled) if sum(recalled) >= MIN_ANSWERS_FOR_RATES else None

    defaults = default_simulator_config().state_rating_costs
    groups = ((0, 1), (2,), (3,))  # learning (new cards included), review, relearning
    costs: list[tuple[float, ...]] = []
    own = False
    for row, states in enumerate(groups):
        cells = []
        for rating in (1, 2, 3, 4):
            timed = [mean_seconds[(s, rating)] for s in states if (s, rating) in mean_seconds]
            answers = sum(n for _, n in timed)
            if answers >= MIN_TIMED_FOR_COST:
                cells.append(sum(mean * n for mean, n in timed) / answers)
                own = True
            else:
                cells.append(float(defaults[row][rating - 1]))
        costs.append(tuple(cells))
    return SimulationInputs(
        cards=cards,
        new_per_day=new_per_day,
        reviews_per_day=reviews_per_day,
        maximum_interval=maximum_interval,
        learning_steps=learning_steps,
        relearning_steps=relearning_steps,
        first_rating_prob=first_prob,
        review_rating_prob=review_prob,
        state_rating_costs=tuple(costs) if own else None,
    )


def simulator_config(inputs: SimulationInputs) -> SimulatorConfig:
    from fsrs_rs_python import default_simulator_config

    config = default_simulator_config()
    config.deck_size = inputs.deck_size
    config.learn_span = inputs.days
    config.learn_limit = inputs.new_per_day
    config.review_limit = inputs.reviews_per_day
    config.max_ivl = float(inputs.maximum_interval)
    config.max_cost_perday = math.inf  # the limits are the preset's card counts, not a time budget
    config.learning_step_count = inputs.learning_steps
    config.relearning_step_count = inputs.relearning_steps
    if inputs.first_rating_prob is not None:
        config.first_rating_prob = list(inputs.first_rating_prob)
    if inputs.review_rating_prob is not None:
        config.review_rating_prob = list(inputs.review_rating_prob)
    if inputs.state_rating_costs is not None:
        config.state_rating_costs = [list(row) for row in inputs.state_rating_costs]
    return config


@dataclass(frozen=True)
class Workload:
    """A simulated year at one desired retention (averages per day over the simulation)."""

    retention: float
    reviews_per_day: float  # reviews of cards already learned
    minutes_per_day: float  # time on new cards and reviews
    remembered: float  # cards remembered at the end (sum of their recall probabilities)
    learned: int  # cards introduced

    @property
    def remembered_per_hour(self) -> float:
        total_hours = self.minutes_per_day * SIMULATION_DAYS / 60.0
        return self.remembered / total_hours if total_hours > 0 else 0.0


@dataclass(frozen=True)
class RetentionAdvice:
    """The least study time per card remembered over the allowed desired retentions.

    ``best`` is the retention of least cost; ``boundary`` says when it sits at an end of the
    range ("lower"/"upper": costs are smoothed over neighbouring retentions, the simulation being
    noisy, so a minimum within 0.02 of an end cannot be told apart from that end): then the cost
    may keep falling beyond the range, the minimum is a limit of the range, not an optimum, and
    ``recommended`` is None."""

    best: float
    current: float
    rows: list[Workload]
    inputs: SimulationInputs
    searched: list[Workload]  # every retention of the search, 0.70 .. 0.99
    boundary: str | None = None

    @property
    def recommended(self) -> float | None:
        return None if self.boundary else self.best


def cost_per_card(row: Workload) -> float:
    """Minutes of study per card remembered at the end of the simulated year."""
    return row.minutes_per_day * SIMULATION_DAYS / row.remembered if row.remembered > 0 else math.inf


def workload(parameters: Sequence[float], retention: float, inputs: SimulationInputs, config: SimulatorConfig | None = None) -> Workload:
    from fsrs_rs_python import simulate

    result = simulate(list(parameters), retention, config or simulator_config(inputs), SIMULATION_SEED)
    days = max(len(result.review_cnt_per_day), 1)
    return Workload(
        retention=retention,
        reviews_per_day=sum(result.review_cnt_per_day) / days,
        minutes_per_day=sum(result.cost_per_day) / days / 60.0,
        remembered=float(result.memorized_cnt_per_day[-1]) if result.memorized_cnt_per_day else 0.0,
        learned=int(sum(result.learn_cnt_per_day)),
    )


def smoothed_costs(costs: Sequence[float]) -> list[float]:
    """Each cost averaged with up to :data:`SMOOTHING` neighbours on each side (fewer at the ends)."""
    return [
        float(np.mean(costs[max(0, i - SMOOTHING) : i + SMOOTHING + 1])) for i in range(len(costs))
    ]


def recommend_retention(
    parameters: Sequence[float], inputs: SimulationInputs, *, current: float, progress: Progress = _quiet
) -> RetentionAdvice:
    """Simulated years at every desired retention Anki allows (0.70 to 0.99 in steps of 0.01);
    the one of least study time per card remembered, and whether it sits at a boundary."""
    if inputs.new_per_day < 1:
        raise SrsError("new_per_day is 0: the simulation learns new cards at the daily limit (srs config set new_per_day 20)")
    config = simulator_config(inputs)
    low, high = RETENTION_RANGE
    grid = [round(low + k / 100, 2) for k in range(round((high - low) * 100) + 1)]
    progress(f"simulating a year at {len(grid)} desired retentions ({low:.2f} to {high:.2f}; {inputs.deck_size:,} cards, {inputs.new_per_day} new a day)")
    searched = [workload(parameters, retention, inputs, config) for retention in grid]
    # The simulation is noisy (one seeded run per retention, a few percent from one retention to
    # the next): the least cost is read on the costs smoothed over 5 neighbouring retentions.
    smoothed = smoothed_costs([cost_per_card(row) for row in searched])
    index = min(range(len(searched)), key=smoothed.__getitem__)
    best = searched[index].retention
    # Within the smoothing window of an end, the minimum cannot be told apart from that end.
    boundary = "lower" if index <= SMOOTHING else "upper" if index >= len(searched) - 1 - SMOOTHING else None
    shown = sorted({*RETENTIONS, round(current, 2), best})
    by_retention = {row.retention: row for row in searched}
    extra = {r: workload(parameters, r, inputs, config) for r in shown if r not in by_retention}
    rows = [by_retention.get(r) or extra[r] for r in shown]
    return RetentionAdvice(best, current, rows, inputs, searched, boundary)
