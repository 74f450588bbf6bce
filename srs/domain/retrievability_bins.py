"""The retrievability-now histogram as thresholds on the forgetting curve's base, so that the
database can count cards per bin without computing a power per card. Pure.

R = B ** -DECAY with B = 1 + FACTOR t/S (:func:`srs.domain.forgetting_curve.retrievability`)
falls as B grows. So R >= edge holds exactly when B <= the largest float whose R (computed as
numpy computes it) is at least the edge: found by bisection over the floats' bit patterns, it
gives the very bins :func:`numpy.histogram` gives on the R values themselves.
"""

from __future__ import annotations

import numpy as np

from srs.domain.forgetting import decay_factor

_ONE_BITS = int(np.array([1.0]).view(np.int64)[0])
_INF_BITS = int(np.array([np.inf]).view(np.int64)[0])


def bin_edges(bins: int) -> np.ndarray:
    """The edges :func:`numpy.histogram` uses for ``bins`` equal bins over [0, 1]."""
    return np.histogram_bin_edges(np.zeros(0), bins=bins, range=(0.0, 1.0))


def factor_of(decay: float) -> float:
    """FACTOR for ``decay``, computed as the statistics compute it (numpy float64)."""
    return float(decay_factor(np.asarray(decay, dtype=np.float64)))


def power(bases: np.ndarray, decay: float) -> np.ndarray:
    """R = bases ** -decay, the same numpy operation as the per-card computation."""
    return bases ** -np.asarray(decay, dtype=np.float64)


def base_limits(decay: float, bins: int) -> list[float]:
    """For each inner edge k = 1 .. bins - 1: the largest B >= 1 with B ** -decay >= edge k
    (the card is in bin k or above exactly when its B is at most this)."""
    limits = []
    for edge in bin_edges(bins)[1:-1].tolist():
        low, high = _ONE_BITS, _INF_BITS  # R(1) = 1 >= edge; R(inf) = 0 < edge
        while high - low > 1:
            middle = (low + high) // 2
            base = np.array([middle], dtype=np.int64).view(np.float64)
            if power(base, decay)[0] >= edge:
                low = middle
            else:
                high = middle
        limits.append(float(np.array([low], dtype=np.int64).view(np.float64)[0]))
    return limits
