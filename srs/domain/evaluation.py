"""How well a set of FSRS parameters predicts a review history: unweighted log loss and
RMSE(bins), as the public srs-benchmark computes them. Pure: no I/O, no clock.

fsrs-rs's own ``FSRS.evaluate`` weights each review by its recency (the same items score
0.4535 in time order and 0.4886 reversed on the real log of the tests), which flatters or
punishes parameters depending on the order of the history. Here every review counts once:

* each training item (a review on a later study day than the card's previous one) is
  predicted by the memory state of its history before it (fsrs-rs-python's
  ``memory_state_batch``, the code Anki runs) and R = (1 + FACTOR t/S)^-DECAY at its study
  days t; recalled = any answer but Again;
* log loss: the mean of -(y log p + (1-y) log(1-p)), p clipped to [1e-4, 1 - 1e-4];
* RMSE(bins): reviews grouped by (lapses before, days since the previous review, reviews
  of the card so far) on srs-benchmark's logarithmic grid; the root of the mean over reviews
  of (bin's recall rate - bin's mean prediction)^2.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from srs.domain.forgetting import decay_factor, decay_of


@dataclass(frozen=True)
class Evaluation:
    log_loss: float
    rmse_bins: float


# Cards' histories are given to fsrs-rs this many at a time (the Python objects of one chunk
# only exist while it is scored).
HISTORY_CHUNK = 16_384


@dataclass(frozen=True)
class ItemColumns:
    """What the evaluation needs of each item, computed once for any parameters. An item's
    history (the reviews before its last one) is rows ``start:stop`` of the whole log (in card
    order), kept as row numbers: no fsrs-rs object per item is held."""

    review_of_row: np.ndarray  # every row of the log: the index of its (rating, gap) in ``reviews``
    reviews: np.ndarray  # the distinct (rating, study days since the previous review) pairs
    start: np.ndarray  # each item's first history row (its card's first row)
    stop: np.ndarray  # each item's last review's row (the exclusive end of its history)
    delta_t: np.ndarray  # study days before the last review
    recalled: np.ndarray  # the last review was not Again
    bins: np.ndarray  # srs-benchmark's bin of each item (an integer code)

    def __len__(self) -> int:
        return len(self.start)


def row_ranges(begin: np.ndarray, end: np.ndarray) -> tuple[np.ndarray, list[int]]:
    """The rows of the ranges ``begin[i]:end[i]`` one after the other, and where each range
    ends in that sequence (one numpy gather instead of a slice per range)."""
    lengths = end - begin
    ends = np.cumsum(lengths)
    rows = np.repeat(begin - (ends - lengths), lengths) + np.arange(int(ends[-1]) if len(ends) else 0)
    return rows, ends.tolist()


def review_codes(columns: ItemColumns, begin: np.ndarray, end: np.ndarray) -> tuple[np.ndarray, list[list[int]]]:
    """The rows ``begin[i]:end[i]`` of each range, and each range's reviews as indices into
    ``columns.reviews``."""
    rows, ends = row_ranges(begin, end)
    flat = columns.review_of_row[rows].tolist()
    return rows, [flat[a:b] for a, b in zip([0, *ends[:-1]], ends)]


def item_columns(ratings: np.ndarray, gaps: np.ndarray, start: np.ndarray, stop: np.ndarray, lapses: np.ndarray) -> ItemColumns:
    """The columns of items given as row ranges of a log's ``ratings`` and ``gaps`` (study days
    since the card's previous review): item i's history is rows ``start[i]:stop[i]``, its last
    review row ``stop[i]``; ``lapses``: the Again answers in each history."""
    start, stop = np.asarray(start, dtype=np.int64), np.asarray(stop, dtype=np.int64)
    ratings, gaps = np.asarray(ratings, dtype=np.int64), np.asarray(gaps, dtype=np.int64)
    keys, review_of_row = np.unique(gaps * 8 + ratings, return_inverse=True)  # ratings are 1-4
    reviews = np.stack([keys % 8, keys // 8], axis=1)
    delta = gaps[stop].astype(np.float64)
    recalled = ratings[stop] > 1
    bins = _bins(np.asarray(lapses, dtype=np.int64), delta, stop - start + 1)
    return ItemColumns(review_of_row.reshape(-1).astype(np.int32), reviews, start, stop, delta, recalled, bins)


def subset(columns: ItemColumns, start: int, stop: int | None) -> ItemColumns:
    """Items ``start:stop`` (their bins keep the codes of the whole set)."""
    part = slice(start, stop)
    return ItemColumns(
        columns.review_of_row, columns.reviews, columns.start[part], columns.stop[part],
        columns.delta_t[part], columns.recalled[part], columns.bins[part],
    )


def _grid(values: np.ndarray, scale: float, base: float, digits: int) -> np.ndarray:
    safe = np.maximum(values, 1e-12)
    return np.round(scale * np.power(base, np.floor(np.log(safe) / np.log(base))), digits)


def _bins(lapses: np.ndarray, delta_t: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """srs-benchmark's ``get_bin``: (lapse, delta_t, i) on logarithmic grids, as one code."""
    lapse = np.where(lapses > 0, _grid(lapses.astype(np.float64), 1.65, 1.73, 0), 0.0)
    delta = _grid(delta_t, 2.48, 3.62, 2)
    index = _grid(counts.astype(np.float64), 1.99, 1.89, 0)
    # One integer per (lapse, delta, index) triple: each column's rank among its distinct values.
    code = np.zeros(len(lapses), dtype=np.int64)
    for column in (lapse, delta, index):
        values, rank = np.unique(column, return_inverse=True)
        code = code * len(values) + rank.reshape(-1)
    return np.unique(code, return_inverse=True)[1].reshape(-1)


def predictions(parameters: Sequence[float], columns: ItemColumns) -> np.ndarray:
    """The recall probability of each item's last review under ``parameters``. Every item of a
    card shares the card's history, so fsrs-rs replays each card once, up to the last history
    any of its items needs (``historical_memory_state_batch``: the state after every review,
    the same values ``memory_state_batch`` gives for each prefix), and an item reads the
    state after its history's last row."""
    from fsrs_rs_python import FSRS, FSRSItem, FSRSReview

    fsrs = FSRS(list(parameters))
    reviews = [FSRSReview(rating, gap) for rating, gap in columns.reviews.tolist()]
    cards, card_of_item = np.unique(columns.start, return_inverse=True)
    card_end = np.zeros(len(cards), dtype=np.int64)
    np.maximum.at(card_end, card_of_item.reshape(-1), columns.stop)
    after_row = np.zeros(len(columns.review_of_row), dtype=np.float64)  # stability after each row
    for first in range(0, len(cards), HISTORY_CHUNK):
        rows, histories = review_codes(columns, cards[first : first + HISTORY_CHUNK], card_end[first : first + HISTORY_CHUNK])
        states = fsrs.historical_memory_state_batch([FSRSItem([reviews[code] for code in codes]) for codes in histories])
        after_row[rows] = [state.stability for card in states for state in card]
    stability = after_row[columns.stop - 1]
    decay = decay_of(parameters)
    return np.power(1.0 + decay_factor(decay) * columns.delta_t / stability, -decay)


def score(p: np.ndarray, columns: ItemColumns) -> Evaluation:
    if not len(p):
        return Evaluation(math.nan, math.nan)
    y = columns.recalled.astype(np.float64)
    clipped = np.clip(p, 1e-4, 1 - 1e-4)
    log_loss = float(-np.mean(y * np.log(clipped) + (1 - y) * np.log(1 - clipped)))
    count = np.bincount(columns.bins).astype(np.float64)
    used = count > 0
    mean_y = np.bincount(columns.bins, weights=y)[used] / count[used]
    mean_p = np.bincount(columns.bins, weights=p)[used] / count[used]
    rmse = float(np.sqrt(np.sum(count[used] * (mean_y - mean_p) ** 2) / np.sum(count[used])))
    return Evaluation(log_loss, rmse)


def evaluate(parameters: Sequence[float], columns: ItemColumns) -> Evaluation:
    """Unweighted log loss and RMSE(bins) of ``parameters`` on the items of ``columns``."""
    if not len(columns):
        return Evaluation(math.nan, math.nan)
    return score(predictions(parameters, columns), columns)
