"""The forgetting curve measured from a review history: recall rate against the time since the
previous review beside what FSRS predicted (bins, calibration, log loss), for a collection or one
card. Pure."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from srs.domain.forgetting import decay_factor
from srs.timeutil import from_micros, to_micros

if TYPE_CHECKING:
    import numpy as np



SCHEMA_VERSION = 1


CURVE_BINS_PER_DECADE = 4


MICROS_PER_DAY = 86_400_000_000


MIN_PROBABILITY = 1e-6  # predictions are clipped to [MIN, 1 - MIN] for the log loss


def retrievability(stability: np.ndarray, elapsed_days: np.ndarray, decay: np.ndarray | float) -> np.ndarray:
    """R(t, S) = (1 + FACTOR t/S)^-DECAY, vectorised; t (fractional days) below 0 counts as 0."""
    import numpy as np

    decay = np.asarray(decay, dtype=np.float64)
    return (1.0 + decay_factor(decay) * np.maximum(elapsed_days, 0.0) / stability) ** -decay


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
