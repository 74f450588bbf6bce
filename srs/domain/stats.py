"""Statistics of a collection: what you remember, how it decays, what is coming. Pure: no I/O,
no clock.

Inputs are SQL aggregates and numpy column arrays (see :mod:`srs.store.stats`); outputs are
frozen dataclasses that the terminal, the image/HTML report and ``--json`` all render.

Definitions (also in the README):

* **True retention** (as Anki defines it): among reviews of cards that were in review state
  or whose last interval was at least a day, the share of answers other than Again. A review
  is *young* when the card's last interval was shorter than 21 days, else *mature*.
* **Study days** follow the preset's time zone and day-start hour (:mod:`srs.timeutil`).
* **Retrievability** R(t, S) = (1 + FACTOR t/S)^-DECAY (FSRS-6), DECAY = w20 of the card's
  preset, FACTOR = 0.9^(1/-DECAY) - 1, t in fractional days since the last review.
* **Forgetting curve**: every review after a card's first, binned by the fractional days
  since the previous review (log-spaced bins, :data:`CURVE_BINS_PER_DECADE` per factor 10);
  per bin the observed recall rate (answers other than Again) beside the mean retrievability
  FSRS predicted for the same reviews with the stability the previous review left.
* **Calibration**: log loss over the reviews, RMSE over the bins (weighted by reviews).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from srs.domain.forgetting import DECAY_INDEX, decay_factor
from srs.timeutil import day_start, from_micros, to_micros

if TYPE_CHECKING:
    import numpy as np

SCHEMA_VERSION = 1
YOUNG_DAYS = 21.0
FORECAST_DAYS = 30
HEATMAP_WEEKS = 26
RETRIEVABILITY_BINS = 20
CURVE_BINS_PER_DECADE = 4
AT_RISK = 10
MICROS_PER_DAY = 86_400_000_000
MIN_PROBABILITY = 1e-6  # predictions are clipped to [MIN, 1 - MIN] for the log loss


def retrievability(stability: np.ndarray, elapsed_days: np.ndarray, decay: np.ndarray | float) -> np.ndarray:
    """R(t, S) = (1 + FACTOR t/S)^-DECAY, vectorised; t (fractional days) below 0 counts as 0."""
    import numpy as np

    decay = np.asarray(decay, dtype=np.float64)
    return (1.0 + decay_factor(decay) * np.maximum(elapsed_days, 0.0) / stability) ** -decay


# -- memory replay ----------------------------------------------------------------------------


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
    import numpy as np

    rating = np.asarray(rating, dtype=np.int64)
    elapsed_days = np.asarray(elapsed_days, dtype=np.float64)
    table = np.atleast_2d(np.asarray(parameters, dtype=np.float64))
    count = len(rating)
    before = np.zeros(count)
    after = np.zeros(count)
    difficulty_after = np.zeros(count)
    if not count:
        return Replayed(before, after, difficulty_after)
    starts = elapsed_days < 0
    starts[0] = True
    card = np.cumsum(starts) - 1
    first_index = np.flatnonzero(starts)
    position = np.arange(count) - first_index[card]
    order = np.argsort(position, kind="stable")
    per_position = np.bincount(position)
    single = len(table) == 1
    row_of = np.zeros(count, dtype=np.int64) if preset is None else np.asarray(preset, dtype=np.int64)
    stability = np.zeros(len(first_index))
    difficulty = np.zeros(len(first_index))
    offset = 0
    for k, size in enumerate(per_position.tolist()):
        index = order[offset : offset + size]
        offset += size
        c = card[index]
        r = rating[index]
        # w[j]: parameter j, one number (one preset) or one per review of this step.
        w = table[0] if single else table[row_of[index]].T
        if k == 0:
            initial = w[np.clip(r - 1, 0, 3)] if single else w[np.clip(r - 1, 0, 3), np.arange(size)]
            new_s = np.maximum(initial, 0.001)
            new_d = np.clip(w[4] - np.exp(w[5] * (r - 1)) + 1, 1.0, 10.0)
        else:
            s, d = stability[c], difficulty[c]
            before[index] = s
            days = np.floor(np.maximum(elapsed_days[index], 0.0))
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
            new_d = np.clip(w[7] * easy + (1 - w[7]) * damped, 1.0, 10.0)
        stability[c] = new_s
        difficulty[c] = new_d
        after[index] = new_s
        difficulty_after[index] = new_d
    return Replayed(before, after, difficulty_after)


# -- study days -------------------------------------------------------------------------------


def day_starts(first: date, count: int, tz_name: str, day_start_hour: int) -> list[int]:
    """Micros of the starts of study days ``first .. first + count`` (``count + 1`` values: the
    last is the end of day ``first + count - 1``). DST-aware through :func:`day_start`."""
    return [to_micros(day_start(first + timedelta(days=i), tz_name, day_start_hour)) for i in range(count + 1)]


# -- cards ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CardCounts:
    """Cards by state. ``new``..``relearning`` count active cards (neither suspended nor
    retired); ``suspended`` counts suspended cards that are not retired; ``retired`` the rest."""

    new: int = 0
    learning: int = 0
    review: int = 0
    relearning: int = 0
    suspended: int = 0
    retired: int = 0

    @property
    def total(self) -> int:
        """Every card but the retired ones."""
        return self.new + self.learning + self.review + self.relearning + self.suspended


# -- true retention ---------------------------------------------------------------------------


@dataclass(frozen=True)
class RetentionCounts:
    """Answers of the reviews that count for true retention, young and mature."""

    young_passed: int = 0
    young_failed: int = 0
    mature_passed: int = 0
    mature_failed: int = 0


@dataclass(frozen=True)
class PassFail:
    passed: int
    failed: int

    @property
    def total(self) -> int:
        return self.passed + self.failed

    @property
    def rate(self) -> float | None:
        """Share passed; None when there was no review."""
        return self.passed / self.total if self.total else None

    def to_json(self) -> dict[str, Any]:
        return {"passed": self.passed, "failed": self.failed, "total": self.total, "rate": self.rate}


RETENTION_PERIODS: tuple[tuple[str, str], ...] = (
    ("today", "Today"),
    ("yesterday", "Yesterday"),
    ("last_7_days", "Last 7 days"),
    ("last_30_days", "Last 30 days"),
    ("last_365_days", "Last 365 days"),
    ("all_time", "All time"),
)


@dataclass(frozen=True)
class Period:
    """``[start, end)`` in micros; ``start``/``end`` None: unbounded."""

    key: str
    label: str
    start: int | None
    end: int | None


def retention_periods(today: date, tz_name: str, day_start_hour: int) -> list[Period]:
    """Today, yesterday, the last 7/30/365 study days (today included) and all time."""

    def start(days_ago: int) -> int:
        return to_micros(day_start(today - timedelta(days=days_ago), tz_name, day_start_hour))

    bounds = {
        "today": (start(0), None),
        "yesterday": (start(1), start(0)),
        "last_7_days": (start(6), None),
        "last_30_days": (start(29), None),
        "last_365_days": (start(364), None),
        "all_time": (None, None),
    }
    return [Period(key, label, *bounds[key]) for key, label in RETENTION_PERIODS]


@dataclass(frozen=True)
class RetentionRow:
    key: str
    label: str
    young: PassFail
    mature: PassFail

    @property
    def total(self) -> PassFail:
        return PassFail(self.young.passed + self.mature.passed, self.young.failed + self.mature.failed)

    def to_json(self) -> dict[str, Any]:
        return {"young": self.young.to_json(), "mature": self.mature.to_json(), "total": self.total.to_json()}


def retention_row(period: Period, counts: RetentionCounts) -> RetentionRow:
    return RetentionRow(
        period.key,
        period.label,
        PassFail(counts.young_passed, counts.young_failed),
        PassFail(counts.mature_passed, counts.mature_failed),
    )


# -- streak and heatmap -----------------------------------------------------------------------


@dataclass(frozen=True)
class Streak:
    current: int  # consecutive study days with a review, up to today (or yesterday if not yet today)
    longest: int
    studied_today: bool
    days_studied: int  # study days with at least one review
    days: int  # study days from the first review to today

    def to_json(self) -> dict[str, Any]:
        return {
            "current": self.current,
            "longest": self.longest,
            "studied_today": self.studied_today,
            "days_studied": self.days_studied,
            "days": self.days,
        }


def streak(day_counts: Sequence[int]) -> Streak:
    """Streaks from the reviews per study day, oldest first, the last being today."""
    studied = [count > 0 for count in day_counts]
    longest = run = 0
    for flag in studied:
        run = run + 1 if flag else 0
        longest = max(longest, run)
    current = 0
    index = len(studied) - 1
    if index >= 0 and not studied[index]:
        index -= 1  # today is not over: the streak lives on until it ends without a review
    while index >= 0 and studied[index]:
        current += 1
        index -= 1
    return Streak(current, longest, bool(studied and studied[-1]), sum(studied), len(studied))


@dataclass(frozen=True)
class Heatmap:
    """Reviews per study day as a calendar: ``weeks`` columns (Monday first), 7 rows
    (Monday..Sunday); ``None`` for days after today."""

    start: date  # the Monday of the first column
    today: date
    grid: list[list[int | None]]  # grid[weekday][week]

    @property
    def weeks(self) -> int:
        return len(self.grid[0]) if self.grid else 0

    @property
    def busiest(self) -> int:
        return max((c for row in self.grid for c in row if c is not None), default=0)

    def day(self, weekday: int, week: int) -> date:
        return self.start + timedelta(days=7 * week + weekday)

    def to_json(self) -> dict[str, Any]:
        days = []
        for week in range(self.weeks):
            for weekday in range(7):
                count = self.grid[weekday][week]
                if count is not None:
                    days.append({"date": self.day(weekday, week).isoformat(), "reviews": count})
        return {"start": self.start.isoformat(), "end": self.today.isoformat(), "weeks": self.weeks, "days": days}


def heatmap_start(today: date, weeks: int = HEATMAP_WEEKS) -> date:
    """The Monday ``weeks - 1`` weeks before the Monday of today's week."""
    return today - timedelta(days=today.weekday()) - timedelta(weeks=weeks - 1)


def heatmap(today: date, counts: dict[date, int], weeks: int = HEATMAP_WEEKS) -> Heatmap:
    """The calendar of the last ``weeks`` weeks from reviews per study day (missing days: 0)."""
    start = heatmap_start(today, weeks)
    grid: list[list[int | None]] = [[None] * weeks for _ in range(7)]
    for week in range(weeks):
        for weekday in range(7):
            day = start + timedelta(days=7 * week + weekday)
            if day <= today:
                grid[weekday][week] = counts.get(day, 0)
    return Heatmap(start, today, grid)


# -- forecast ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ForecastDay:
    day: date
    review: int  # cards in review state due that day
    learning: int  # cards in (re)learning due that day

    @property
    def total(self) -> int:
        return self.review + self.learning


@dataclass(frozen=True)
class Forecast:
    overdue: int  # due before today (not in ``days``)
    days: list[ForecastDay]

    def to_json(self) -> dict[str, Any]:
        return {
            "overdue": self.overdue,
            "days": [{"date": d.day.isoformat(), "review": d.review, "learning": d.learning, "total": d.total} for d in self.days],
        }


def forecast(today: date, boundaries: Sequence[int], due: np.ndarray, state: np.ndarray, overdue: int) -> Forecast:
    """Cards due per study day from today: ``boundaries`` are the day starts (micros, one more
    than days); ``due``/``state`` the due dates and states of cards due inside them."""
    import numpy as np

    days = len(boundaries) - 1
    index = np.searchsorted(np.asarray(boundaries, dtype=np.int64), due, side="right") - 1
    inside = (index >= 0) & (index < days)
    review = np.bincount(index[inside & (state == 2)], minlength=days)
    learning = np.bincount(index[inside & (state != 2)], minlength=days)
    return Forecast(overdue, [ForecastDay(today + timedelta(days=i), int(review[i]), int(learning[i])) for i in range(days)])


# -- retrievability now -----------------------------------------------------------------------


@dataclass(frozen=True)
class Distribution:
    """Retrievability of the cards now: histogram in equal bins over [0, 1], and the mean."""

    cards: int
    mean: float | None
    counts: list[int]

    @property
    def edges(self) -> list[float]:
        bins = len(self.counts)
        return [i / bins for i in range(bins + 1)]

    def to_json(self) -> dict[str, Any]:
        edges = self.edges
        return {
            "cards": self.cards,
            "mean": self.mean,
            "bins": [{"low": edges[i], "high": edges[i + 1], "cards": c} for i, c in enumerate(self.counts)],
        }


def distribution(values: np.ndarray, bins: int = RETRIEVABILITY_BINS) -> Distribution:
    import numpy as np

    counts, _ = np.histogram(values, bins=bins, range=(0.0, 1.0))
    mean = float(values.mean()) if len(values) else None
    return Distribution(int(len(values)), mean, [int(c) for c in counts])


@dataclass(frozen=True)
class RiskCard:
    card_id: int
    deck: str
    front: str
    retrievability: float
    stability: float
    last_review: datetime
    due: datetime | None

    def to_json(self) -> dict[str, Any]:
        return {
            "card_id": self.card_id,
            "deck": self.deck,
            "front": self.front,
            "retrievability": self.retrievability,
            "stability_days": self.stability,
            "last_review": self.last_review.isoformat(),
            "due": None if self.due is None else self.due.isoformat(),
        }


def lowest(card_ids: np.ndarray, values: np.ndarray, limit: int = AT_RISK) -> list[tuple[int, float]]:
    """The ``limit`` cards of lowest value (ties: lower id first), as ``(id, value)``."""
    import numpy as np

    if not len(values):
        return []
    order = np.lexsort((card_ids, values))[:limit]
    return [(int(card_ids[i]), float(values[i])) for i in order]


# -- overview ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Overview:
    """Everything ``srs stats`` shows."""

    generated_at: datetime
    deck: str | None
    timezone: str
    day_start_hour: int
    today: date
    cards: CardCounts
    total_reviews: int
    reviews_today: int
    time_today_ms: int
    streak: Streak
    retention: list[RetentionRow]
    forecast: Forecast
    heatmap: Heatmap
    retrievability: Distribution
    at_risk: list[RiskCard]
    curve: CurveReport | None = None  # the forgetting curve, for a report file (srs stats --output)

    @property
    def is_empty(self) -> bool:
        return self.cards.total + self.cards.retired == 0 and self.total_reviews == 0

    def to_json(self) -> dict[str, Any]:
        cards = self.cards
        return {
            "version": SCHEMA_VERSION,
            "kind": "overview",
            "generated_at": self.generated_at.isoformat(),
            "deck": self.deck,
            "timezone": self.timezone,
            "day_start_hour": self.day_start_hour,
            "today": self.today.isoformat(),
            "cards": {
                "total": cards.total,
                "new": cards.new,
                "learning": cards.learning,
                "review": cards.review,
                "relearning": cards.relearning,
                "suspended": cards.suspended,
                "retired": cards.retired,
            },
            "reviews": {"total": self.total_reviews, "today": self.reviews_today, "today_time_ms": self.time_today_ms},
            "streak": self.streak.to_json(),
            "retention": {row.key: row.to_json() for row in self.retention},
            "forecast": self.forecast.to_json(),
            "heatmap": self.heatmap.to_json(),
            "retrievability": self.retrievability.to_json(),
            "at_risk": [card.to_json() for card in self.at_risk],
        }


# -- forgetting curve -------------------------------------------------------------------------


@dataclass(frozen=True)
class CurveBin:
    low: float  # days, inclusive
    high: float  # days, exclusive
    reviews: int
    recalled: int
    mean_elapsed: float  # days, mean time since the previous review in the bin
    predicted: float  # mean FSRS retrievability of the bin's reviews
    standard_error: float  # of the recall rate if FSRS were right: sqrt(sum p(1-p)) / n

    @property
    def recall_rate(self) -> float:
        return self.recalled / self.reviews

    def to_json(self) -> dict[str, Any]:
        return {
            "low_days": self.low,
            "high_days": self.high,
            "mean_elapsed_days": self.mean_elapsed,
            "reviews": self.reviews,
            "recalled": self.recalled,
            "recall_rate": self.recall_rate,
            "predicted": self.predicted,
            "standard_error": self.standard_error,
        }


@dataclass(frozen=True)
class Calibration:
    reviews: int
    recall_rate: float | None  # over every review of the curve
    predicted: float | None  # mean FSRS retrievability over the same reviews
    log_loss: float | None  # mean of -[y ln p + (1 - y) ln(1 - p)]
    rmse_bins: float | None  # sqrt(sum_b n_b (observed_b - predicted_b)^2 / sum_b n_b)

    def to_json(self) -> dict[str, Any]:
        return {
            "reviews": self.reviews,
            "recall_rate": self.recall_rate,
            "predicted": self.predicted,
            "log_loss": self.log_loss,
            "rmse_bins": self.rmse_bins,
        }


@dataclass(frozen=True)
class ForgettingCurve:
    bins: list[CurveBin]
    calibration: Calibration  # over every review of the curve
    long_term: Calibration  # over the reviews at least one study day after the previous one
    bins_per_decade: int = CURVE_BINS_PER_DECADE


def curve_edges(low: float, high: float, per_decade: int = CURVE_BINS_PER_DECADE) -> list[float]:
    """Bin edges 10^(k/per_decade) days covering ``[low, high]`` (fixed grid, so bins of two
    histories line up)."""
    first = math.floor(per_decade * math.log10(low) + 1e-9)
    last = math.floor(per_decade * math.log10(high) + 1e-9) + 1
    return [10 ** (k / per_decade) for k in range(first, last + 1)]


def forgetting_curve(
    elapsed_days: np.ndarray,
    stability_before: np.ndarray,
    recalled: np.ndarray,
    decay: np.ndarray | float,
    per_decade: int = CURVE_BINS_PER_DECADE,
    study_days: np.ndarray | None = None,
) -> ForgettingCurve:
    """The empirical forgetting curve beside FSRS's prediction for the same reviews.

    Reviews are binned by ``elapsed_days`` (fractional days since the previous review);
    FSRS predicts each at ``study_days`` (the study days since the previous review, the
    memory model's elapsed time; ``elapsed_days`` where not given). A review on the same
    study day as the previous one is predicted at its fractional days: FSRS's memory model
    has no prediction of its own there (it counts 0 days, R = 1). The long-term
    calibration covers the reviews at least one study day after the previous one (the
    reviews fsrs-rs fits and scores). Reviews with no time since the previous one or no
    stability before are left out.
    """
    import numpy as np

    elapsed_days = np.asarray(elapsed_days, dtype=np.float64)
    model_days = elapsed_days if study_days is None else np.asarray(study_days, dtype=np.float64)
    stability_before = np.asarray(stability_before, dtype=np.float64)
    recalled = np.asarray(recalled, dtype=bool)
    decay = np.broadcast_to(np.asarray(decay, dtype=np.float64), elapsed_days.shape)
    keep = (elapsed_days > 0) & (stability_before > 0) & np.isfinite(elapsed_days) & np.isfinite(stability_before)
    elapsed, stability, hit, decay = elapsed_days[keep], stability_before[keep], recalled[keep], decay[keep]
    model_days = model_days[keep]
    model_days = np.where(model_days >= 1.0, model_days, elapsed)
    count = int(len(elapsed))
    if not count:
        nothing = Calibration(0, None, None, None, None)
        return ForgettingCurve([], nothing, nothing, per_decade)
    predicted = retrievability(stability, model_days, decay)
    result, index = _curve_bins(elapsed, hit, predicted, per_decade)
    long = model_days >= 1.0
    return ForgettingCurve(
        result,
        calibration(hit, predicted, index),
        calibration(hit[long], predicted[long], index[long]),
        per_decade,
    )


def _curve_bins(elapsed: np.ndarray, hit: np.ndarray, predicted: np.ndarray, per_decade: int) -> tuple[list[CurveBin], np.ndarray]:
    """The bins of the curve (reviews, recall, mean elapsed, prediction) and each review's bin."""
    import numpy as np

    edges = np.asarray(curve_edges(float(elapsed.min()), float(elapsed.max()), per_decade))
    index = np.clip(np.searchsorted(edges, elapsed, side="right") - 1, 0, len(edges) - 2)
    bins = len(edges) - 1
    reviews = np.bincount(index, minlength=bins)
    recalled_n = np.bincount(index, weights=hit.astype(np.float64), minlength=bins)
    elapsed_sum = np.bincount(index, weights=elapsed, minlength=bins)
    predicted_sum = np.bincount(index, weights=predicted, minlength=bins)
    variance_sum = np.bincount(index, weights=predicted * (1.0 - predicted), minlength=bins)
    result = []
    for b in range(bins):
        n = int(reviews[b])
        if not n:
            continue
        result.append(
            CurveBin(
                low=float(edges[b]),
                high=float(edges[b + 1]),
                reviews=n,
                recalled=int(round(recalled_n[b])),
                mean_elapsed=float(elapsed_sum[b] / n),
                predicted=float(predicted_sum[b] / n),
                standard_error=float(math.sqrt(variance_sum[b]) / n),
            )
        )
    return result, index


def calibration(hit: np.ndarray, predicted: np.ndarray, bin_index: np.ndarray) -> Calibration:
    """Log loss over the reviews, and RMSE over their bins (weighted by reviews)."""
    import numpy as np

    count = int(len(hit))
    if not count:
        return Calibration(0, None, None, None, None)
    clipped = np.clip(predicted, MIN_PROBABILITY, 1.0 - MIN_PROBABILITY)
    log_loss = float(-np.mean(np.where(hit, np.log(clipped), np.log1p(-clipped))))
    bins = int(bin_index.max()) + 1
    n = np.bincount(bin_index, minlength=bins)
    observed = np.bincount(bin_index, weights=hit.astype(np.float64), minlength=bins)
    expected = np.bincount(bin_index, weights=predicted, minlength=bins)
    used = n > 0
    rmse = float(np.sqrt(np.sum((observed[used] - expected[used]) ** 2 / n[used]) / count))
    return Calibration(count, float(hit.mean()), float(predicted.mean()), log_loss, rmse)


@dataclass(frozen=True)
class CurveReport:
    """Everything ``srs stats curve`` shows."""

    generated_at: datetime
    deck: str | None
    decay: list[float]  # the DECAY values of the presets involved
    curve: ForgettingCurve

    @property
    def is_empty(self) -> bool:
        return not self.curve.bins

    def to_json(self) -> dict[str, Any]:
        return {
            "version": SCHEMA_VERSION,
            "kind": "forgetting_curve",
            "generated_at": self.generated_at.isoformat(),
            "deck": self.deck,
            "decay": self.decay,
            "bins_per_decade": self.curve.bins_per_decade,
            "bins": [b.to_json() for b in self.curve.bins],
            "calibration": self.curve.calibration.to_json(),
            "calibration_long_term": self.curve.long_term.to_json(),
        }


# -- one card's curve -------------------------------------------------------------------------


@dataclass(frozen=True)
class CardReview:
    reviewed_at: datetime
    rating: int
    elapsed_days: float | None
    retrievability: float | None  # predicted at this review (None for the first)
    stability: float | None  # after the review
    difficulty: float | None
    state: int  # after the review
    due: datetime

    def to_json(self) -> dict[str, Any]:
        return {
            "reviewed_at": self.reviewed_at.isoformat(),
            "rating": self.rating,
            "elapsed_days": self.elapsed_days,
            "retrievability": self.retrievability,
            "stability_days": self.stability,
            "difficulty": self.difficulty,
            "state": self.state,
            "due": self.due.isoformat(),
        }


@dataclass(frozen=True)
class CardCurve:
    """One card's predicted retrievability across its history (as Anki's card info graph)."""

    generated_at: datetime
    card_id: int
    deck: str
    front: str
    decay: float
    reviews: list[CardReview]
    samples: list[tuple[datetime, float]] = field(default_factory=list)  # the curve, to draw
    retrievability_now: float | None = None
    cut: datetime | None = None  # where the drawn tail stops, when now is far after the reviews

    def to_json(self) -> dict[str, Any]:
        return {
            "version": SCHEMA_VERSION,
            "kind": "card_curve",
            "generated_at": self.generated_at.isoformat(),
            "card": {"id": self.card_id, "deck": self.deck, "front": self.front},
            "decay": self.decay,
            "retrievability_now": self.retrievability_now,
            "reviews": [r.to_json() for r in self.reviews],
            "curve": [{"at": at.isoformat(), "retrievability": r} for at, r in self.samples],
            "curve_cut_at": None if self.cut is None else self.cut.isoformat(),
        }


LogEntry = tuple[int, int, float | None, float | None, int, float | None, int]
"""``(reviewed_at micros, rating, stability after, difficulty after, state after, elapsed days, due micros)``."""


def card_curve(
    log: Sequence[LogEntry],
    *,
    card_id: int,
    deck: str,
    front: str,
    decay: float,
    now: datetime,
    generated_at: datetime,
    samples_per_interval: int = 60,
) -> CardCurve:
    """The card's retrievability between reviews (from each review to the next, and after the
    last one until now or its due date, whichever is later), with the reviews marked."""
    import numpy as np

    factor = decay_factor(decay)
    reviews: list[CardReview] = []
    samples: list[tuple[datetime, float]] = []
    now_micros = to_micros(now)
    previous: tuple[int, float] | None = None  # (time, stability) of the previous review
    for at, rating, stability, difficulty, state, elapsed, due in log:
        predicted = None
        if previous is not None and previous[1] > 0:
            predicted = (1.0 + factor * max((at - previous[0]) / MICROS_PER_DAY, 0.0) / previous[1]) ** -decay
        reviews.append(CardReview(from_micros(at), rating, elapsed, predicted, stability, difficulty, state, from_micros(due)))
        previous = (at, stability) if stability else None
    # Curve segments: review k to review k+1; the last one to max(now, due), but no longer than
    # the reviews' span or twice the last interval (whichever is longer): reviews long past would
    # otherwise be squeezed into the first pixels of a curve that runs on to today.
    cut: datetime | None = None
    for k, entry in enumerate(log):
        at, stability = entry[0], entry[2]
        if not stability:
            continue
        end = log[k + 1][0] if k + 1 < len(log) else max(now_micros, entry[6])
        if k + 1 == len(log):
            tail = max(log[-1][0] - log[0][0], 2 * (entry[6] - at), MICROS_PER_DAY)
            if end - at > tail:
                end = at + tail
                cut = from_micros(int(end))
        if end <= at:
            continue
        times = np.linspace(at, end, samples_per_interval)
        values = (1.0 + factor * (times - at) / MICROS_PER_DAY / stability) ** -decay
        samples.extend((from_micros(int(t)), float(v)) for t, v in zip(times, values, strict=True))
    r_now = None
    if log and log[-1][2] and now_micros >= log[-1][0]:
        r_now = (1.0 + factor * ((now_micros - log[-1][0]) / MICROS_PER_DAY) / log[-1][2]) ** -decay  # type: ignore[operator]
    return CardCurve(generated_at, card_id, deck, front, decay, reviews, samples, r_now, cut)
