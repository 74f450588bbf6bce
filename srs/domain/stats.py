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

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from srs.timeutil import day_start, to_micros

if TYPE_CHECKING:
    import numpy as np
from srs.domain.forgetting_curve import SCHEMA_VERSION, CurveReport
from srs.domain.retention import RetentionRow

YOUNG_DAYS = 21.0
FORECAST_DAYS = 30
HEATMAP_WEEKS = 26
RETRIEVABILITY_BINS = 20
AT_RISK = 10


# -- memory replay ----------------------------------------------------------------------------


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


def forecast_from_counts(today: date, review: Sequence[int], learning: Sequence[int], overdue: int) -> Forecast:
    """The forecast from cards due per study day from today, in review state and the others
    (counted by the database: :func:`srs.store.stats_cards.due_per_day`)."""
    return Forecast(overdue, [ForecastDay(today + timedelta(days=i), int(r), int(n)) for i, (r, n) in enumerate(zip(review, learning, strict=True))])


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


def distribution_from_counts(counts: Sequence[int], total: float) -> Distribution:
    """The distribution from cards per bin and the sum of their retrievability."""
    cards = int(sum(counts))
    return Distribution(cards, total / cards if cards else None, [int(c) for c in counts])


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
    if len(values) > limit:  # only the values up to the limit-th smallest (ties included) need sorting
        kth = np.partition(values, limit - 1)[limit - 1]
        keep = np.flatnonzero(values <= kth)
        card_ids, values = card_ids[keep], values[keep]
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


# -- one card's curve -------------------------------------------------------------------------


"""``(reviewed_at micros, rating, stability after, difficulty after, state after, elapsed days, due micros)``."""


