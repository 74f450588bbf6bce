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
from typing import TYPE_CHECKING

import numpy as np

from srs.domain.forgetting import decay_factor, decay_of

if TYPE_CHECKING:
    from fsrs_rs_python import FSRSItem


@dataclass(frozen=True)
class Evaluation:
    log_loss: float
    rmse_bins: float


@dataclass(frozen=True)
class ItemColumns:
    """What the evaluation needs of each item, computed once for any parameters."""

    histories: list[FSRSItem]  # the reviews before the item's last one
    delta_t: np.ndarray  # study days before the last review
    recalled: np.ndarray  # the last review was not Again
    bins: np.ndarray  # srs-benchmark's bin of each item (an integer code)


def item_columns(histories: list[FSRSItem], delta_t: Sequence[int], ratings: Sequence[int], lapses: Sequence[int], counts: Sequence[int]) -> ItemColumns:
    """The columns of items given as: the history before each item's last review, that review's
    study days and rating, the lapses (Again answers) in the history, the reviews in the item."""
    delta = np.asarray(delta_t, dtype=np.float64)
    bins = _bins(np.asarray(lapses, dtype=np.int64), delta, np.asarray(counts, dtype=np.int64))
    return ItemColumns(list(histories), delta, np.asarray(ratings) > 1, bins)


def subset(columns: ItemColumns, start: int, stop: int | None) -> ItemColumns:
    """Items ``start:stop`` (their bins keep the codes of the whole set)."""
    part = slice(start, stop)
    return ItemColumns(columns.histories[part], columns.delta_t[part], columns.recalled[part], columns.bins[part])


def _grid(values: np.ndarray, scale: float, base: float, digits: int) -> np.ndarray:
    safe = np.maximum(values, 1e-12)
    return np.round(scale * np.power(base, np.floor(np.log(safe) / np.log(base))), digits)


def _bins(lapses: np.ndarray, delta_t: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """srs-benchmark's ``get_bin``: (lapse, delta_t, i) on logarithmic grids, as one code."""
    lapse = np.where(lapses > 0, _grid(lapses.astype(np.float64), 1.65, 1.73, 0), 0.0)
    delta = _grid(delta_t, 2.48, 3.62, 2)
    index = _grid(counts.astype(np.float64), 1.99, 1.89, 0)
    keys = np.stack([lapse, delta, index], axis=1)
    _, code = np.unique(keys, axis=0, return_inverse=True)
    return code.reshape(-1)


def predictions(parameters: Sequence[float], columns: ItemColumns) -> np.ndarray:
    """The recall probability of each item's last review under ``parameters``."""
    from fsrs_rs_python import FSRS

    states = FSRS(list(parameters)).memory_state_batch(columns.histories)
    stability = np.array([s.stability for s in states], dtype=np.float64)
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
    if not columns.histories:
        return Evaluation(math.nan, math.nan)
    return score(predictions(parameters, columns), columns)
