"""The sums the statistics caches keep (srs.store.stats_cache, srs.store.curve_cache), and the
statistics computed back from them. Pure: numpy arrays in, arrays or result dataclasses out.

Every figure of ``srs stats`` that comes from the review log is a sum over reviews: per study day
and deck (answers, and the true-retention counts of :mod:`srs.domain.retention`), or, for the
forgetting curve, per deck and bin of the time since the previous review. Sums of the reviews
already counted plus sums of the new ones are the sums of all: so a cache adds the new reviews
instead of reading the whole log. :func:`curve_from_sums` gives what
:func:`srs.domain.forgetting_curve.forgetting_curve` gives on the same reviews (the same bins,
counts and, up to the order of floating-point additions, the same means).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from srs.domain.forgetting import DECAY_INDEX
from srs.domain.forgetting_curve import (
    CURVE_BINS_PER_DECADE,
    MIN_PROBABILITY,
    Calibration,
    CurveBin,
    ForgettingCurve,
    retrievability,
)
from srs.domain.memory_replay import replay_memory
from srs.domain.retention import RetentionCounts
from srs.domain.study_day_arrays import study_day_numbers

YOUNG_DAYS = 21.0  # as srs.domain.stats (a review is mature from this last interval on)
REVIEW_STATE = 2  # CardState.REVIEW
GRID_LOW, GRID_HIGH = -48, 24  # curve bins k: 10^(k/4) days, from 1e-12 to 1e6 days
DAY_COLUMNS = ("reviews", "counted", "passed", "mature", "mature_passed")
CURVE_COLUMNS = ("reviews", "recalled", "elapsed_sum", "predicted_sum", "variance_sum", "log_loss_sum", "elapsed_min", "elapsed_max")


def retention_counts(counted: int, passed: int, mature: int, mature_passed: int) -> RetentionCounts:
    """True retention counts from the sums of :func:`day_sums`."""
    young_passed = passed - mature_passed
    return RetentionCounts(young_passed, counted - mature - young_passed, mature_passed, mature - mature_passed)


def _group(keys: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """The distinct rows of the integer key columns (shape ``(groups, len(keys))``, ascending)
    and each row's group: the columns as the digits of one integer, then one 1-D ``np.unique``
    (sorting rows as tuples, ``np.unique(axis=0)``, takes ten times as long on a million)."""
    if not keys[0].size:
        return np.zeros((0, len(keys)), dtype=np.int64), np.zeros(0, dtype=np.int64)
    lows = [int(column.min()) for column in keys]
    spans = [int(column.max()) - low + 1 for column, low in zip(keys, lows, strict=True)]
    code = np.zeros(len(keys[0]), dtype=np.int64)
    for column, low, span in zip(keys, lows, spans, strict=True):
        code = code * span + (column.astype(np.int64) - low)
    distinct, inverse = np.unique(code, return_inverse=True)
    digits = np.empty((len(distinct), len(keys)), dtype=np.int64)
    for i in range(len(keys) - 1, -1, -1):
        digits[:, i] = distinct % spans[i] + lows[i]
        distinct = distinct // spans[i]
    return digits, inverse.reshape(-1)


def day_sums(deck_id: np.ndarray, day: np.ndarray, rating: np.ndarray, state_before: np.ndarray, last_interval: np.ndarray) -> dict[str, np.ndarray]:
    """Per (deck, study day): answers, and those counting for true retention (the card was in
    review state or its last interval was at least a day), passed (not Again), mature (last
    interval at least 21 days) and mature passed. ``last_interval`` is negative where unknown."""
    keys, group = _group([deck_id.astype(np.int64), day.astype(np.int64)])
    counted = (state_before == REVIEW_STATE) | (last_interval >= 1.0)
    passed = counted & (rating > 1)
    mature = counted & (last_interval >= YOUNG_DAYS)
    flags = {"reviews": np.ones(len(day), dtype=bool), "counted": counted, "passed": passed, "mature": mature, "mature_passed": mature & (rating > 1)}
    sums = {name: np.bincount(group, weights=flag, minlength=len(keys)).astype(np.int64) for name, flag in flags.items()}
    return {"deck_id": keys[:, 0], "day": keys[:, 1], **sums}


@dataclass(frozen=True)
class CurveRows:
    """One curve review per element (the reviews of :func:`curve_rows`)."""

    deck_id: np.ndarray
    k: np.ndarray  # bin on the fixed grid
    long_term: np.ndarray  # at least one study day after the previous review
    recalled: np.ndarray
    elapsed: np.ndarray
    predicted: np.ndarray


def curve_rows(deck_id: np.ndarray, elapsed_days: np.ndarray, study_days: np.ndarray, stability_before: np.ndarray, recalled: np.ndarray, decay: np.ndarray) -> CurveRows:
    """The reviews the forgetting curve counts (the rules of
    :func:`srs.domain.forgetting_curve.forgetting_curve`): time since the previous review
    (fractional days) above 0, a stability before; FSRS's prediction at the study days since
    the previous review (at the fractional days on the same study day)."""
    elapsed_days = np.asarray(elapsed_days, dtype=np.float64)
    stability_before = np.asarray(stability_before, dtype=np.float64)
    keep = (elapsed_days > 0) & (stability_before > 0) & np.isfinite(elapsed_days) & np.isfinite(stability_before)
    elapsed = elapsed_days[keep]
    model_days = np.asarray(study_days, dtype=np.float64)[keep]
    model_days = np.where(model_days >= 1.0, model_days, elapsed)
    predicted = retrievability(stability_before[keep], model_days, np.broadcast_to(decay, elapsed_days.shape)[keep])
    grid = np.array([10 ** (k / CURVE_BINS_PER_DECADE) for k in range(GRID_LOW, GRID_HIGH + 1)])
    k = np.clip(np.searchsorted(grid, elapsed, side="right") - 1, 0, len(grid) - 2) + GRID_LOW
    return CurveRows(np.asarray(deck_id)[keep].astype(np.int64), k, (model_days >= 1.0).astype(np.int64), np.asarray(recalled)[keep], elapsed, predicted)


def curve_sums(rows: CurveRows) -> dict[str, np.ndarray]:
    """Per (deck, bin, long-term flag): the sums :func:`curve_from_sums` needs."""
    keys, group = _group([rows.deck_id, rows.k, rows.long_term])
    size = len(keys)
    clipped = np.clip(rows.predicted, MIN_PROBABILITY, 1.0 - MIN_PROBABILITY)
    log_loss = -np.where(rows.recalled, np.log(clipped), np.log1p(-clipped))
    lowest = np.full(size, np.inf)
    highest = np.full(size, -np.inf)
    np.minimum.at(lowest, group, rows.elapsed)
    np.maximum.at(highest, group, rows.elapsed)
    return {
        "deck_id": keys[:, 0],
        "k": keys[:, 1],
        "long_term": keys[:, 2],
        "reviews": np.bincount(group, minlength=size).astype(np.int64),
        "recalled": np.bincount(group, weights=rows.recalled.astype(np.float64), minlength=size).round().astype(np.int64),
        "elapsed_sum": np.bincount(group, weights=rows.elapsed, minlength=size),
        "predicted_sum": np.bincount(group, weights=rows.predicted, minlength=size),
        "variance_sum": np.bincount(group, weights=rows.predicted * (1.0 - rows.predicted), minlength=size),
        "log_loss_sum": np.bincount(group, weights=log_loss, minlength=size),
        "elapsed_min": lowest,
        "elapsed_max": highest,
    }


def empty_curve_sums() -> dict[str, np.ndarray]:
    """The sums of no review."""
    return {"k": np.zeros(0, dtype=np.int64), "long_term": np.zeros(0, dtype=np.int64), **{name: np.zeros(0) for name in CURVE_COLUMNS}}


def curve_from_sums(sums: dict[str, np.ndarray], per_decade: int = CURVE_BINS_PER_DECADE) -> ForgettingCurve:
    """The forgetting curve from the sums of :func:`curve_sums` (any number of decks): the bins
    between the shortest and the longest time measured, as the full computation has them."""
    if not len(sums["reviews"]) or not int(np.sum(sums["reviews"])):
        nothing = Calibration(0, None, None, None, None)
        return ForgettingCurve([], nothing, nothing, per_decade)
    low, high = float(np.min(sums["elapsed_min"])), float(np.max(sums["elapsed_max"]))
    first = math.floor(per_decade * math.log10(low) + 1e-9)
    last = math.floor(per_decade * math.log10(high) + 1e-9) + 1
    index = np.clip(sums["k"], first, last - 1) - first
    bins = last - first
    totals = {name: np.bincount(index, weights=sums[name], minlength=bins) for name in CURVE_COLUMNS[:6]}
    result = [
        CurveBin(
            low=float(10 ** ((first + b) / per_decade)),
            high=float(10 ** ((first + b + 1) / per_decade)),
            reviews=int(totals["reviews"][b]),
            recalled=int(round(totals["recalled"][b])),
            mean_elapsed=float(totals["elapsed_sum"][b] / totals["reviews"][b]),
            predicted=float(totals["predicted_sum"][b] / totals["reviews"][b]),
            standard_error=float(math.sqrt(totals["variance_sum"][b]) / totals["reviews"][b]),
        )
        for b in range(bins)
        if totals["reviews"][b]
    ]
    long = sums["long_term"] == 1
    return ForgettingCurve(result, _calibration(sums, index, bins), _calibration({k: v[long] for k, v in sums.items()}, index[long], bins), per_decade)


def _calibration(sums: dict[str, np.ndarray], index: np.ndarray, bins: int) -> Calibration:
    """:func:`srs.domain.forgetting_curve.calibration` from per-bin sums."""
    count = int(np.sum(sums["reviews"]))
    if not count:
        return Calibration(0, None, None, None, None)
    n = np.bincount(index, weights=sums["reviews"], minlength=bins)
    observed = np.bincount(index, weights=sums["recalled"], minlength=bins)
    expected = np.bincount(index, weights=sums["predicted_sum"], minlength=bins)
    used = n > 0
    rmse = float(np.sqrt(np.sum((observed[used] - expected[used]) ** 2 / n[used]) / count))
    return Calibration(
        count,
        float(np.sum(sums["recalled"]) / count),
        float(np.sum(sums["predicted_sum"]) / count),
        float(np.sum(sums["log_loss_sum"]) / count),
        rmse,
    )


# -- the forgetting curve, review by review -------------------------------------------------------


def card_starts(card_id: np.ndarray) -> np.ndarray:
    """Where each card's reviews begin in a card-then-time ordered log."""
    starts = np.ones(len(card_id), dtype=bool)
    starts[1:] = card_id[1:] != card_id[:-1]
    return starts


@dataclass(frozen=True)
class CurveStep:
    """What :func:`continue_curve` adds: the sums of the new reviews, each card's state after its last."""

    sums: dict[str, np.ndarray]
    cards: dict[str, np.ndarray]  # card_id, stability, difficulty, reviewed_at, day


def continue_curve(log: dict[str, np.ndarray], prior: dict[str, np.ndarray], parameters: dict[int, tuple[float, ...]], rules: dict[int, tuple[str, int]]) -> CurveStep | None:
    """The forgetting curve's sums over the reviews of ``log`` (arrays ``card_id``, ``rating``,
    ``elapsed_days`` (-1 unknown), ``reviewed_at``, ``deck_id``, card then time order), each card
    continuing from its state in ``prior`` (arrays ``card_id``, ``stability``, ``difficulty``,
    ``reviewed_at``, ``day``; a card not in it starts at its first review here). The memory
    states are replayed with each deck's ``parameters`` and its study days' ``rules`` (zone,
    day-start hour), as :func:`srs.domain.memory_replay.replay_memory`. None when a review is
    older than its card's state (added out of order): the caller starts again from the log.
    """
    count = len(log["card_id"])
    first = card_starts(log["card_id"])
    known = prior["card_id"]
    where = np.clip(np.searchsorted(known, log["card_id"]), 0, max(len(known) - 1, 0))
    continued = first & (known[where] == log["card_id"]) if len(known) else np.zeros(count, dtype=bool)

    def before(name: str) -> np.ndarray:  # the card's state, where it continues
        return np.where(continued, prior[name][where], 0) if len(known) else np.zeros(count, dtype=prior[name].dtype)

    if np.any(continued & (log["reviewed_at"] < before("reviewed_at"))):
        return None
    elapsed = np.where(first & ~continued, -1.0, log["elapsed_days"])
    day = np.zeros(count, dtype=np.int64)
    for rule in set(rules.values()):
        mine = np.isin(log["deck_id"], [d for d, r in rules.items() if r == rule])
        day[mine] = study_day_numbers(log["reviewed_at"][mine], *rule)
    previous = np.empty(count, dtype=np.int64)
    previous[1:] = day[:-1]
    previous = np.where(continued, before("day"), previous)
    study = np.where(elapsed < 0, -1, np.maximum(day - previous, 0)).astype(np.float64)
    presets = sorted(set(parameters.values()))
    table = np.array(presets, dtype=np.float64)
    decks = np.array(sorted(parameters), dtype=np.int64)
    row = np.array([presets.index(parameters[d]) for d in decks.tolist()], dtype=np.int64)[np.searchsorted(decks, log["deck_id"])]
    initial = (before("stability"), before("difficulty"))
    replayed = replay_memory(log["rating"], study, table, row, starts=first | (elapsed < 0), initial=initial)
    later = elapsed >= 0
    rows = curve_rows(log["deck_id"][later], elapsed[later], study[later], replayed.stability_before[later], log["rating"][later] > 1, table[row[later], DECAY_INDEX])
    last = np.append(first[1:], True) if count else first
    cards = {"card_id": log["card_id"][last], "stability": replayed.stability_after[last], "difficulty": replayed.difficulty_after[last], "reviewed_at": log["reviewed_at"][last], "day": day[last]}
    return CurveStep(curve_sums(rows), cards)
