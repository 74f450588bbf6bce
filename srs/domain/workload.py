"""The workload of a desired retention: fsrs-rs's simulator over the range Anki allows, and the
retention of least study time per card remembered. Pure: no I/O, no clock."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from srs.errors import SrsError

if TYPE_CHECKING:
    from fsrs_rs_python import SimulatorConfig

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


def _quiet(_stage: str) -> None:
    pass


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
