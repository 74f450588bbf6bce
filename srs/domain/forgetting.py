"""The FSRS-6 forgetting curve's two constants, defined once. Pure.

R(t, S) = (1 + FACTOR t/S)^-DECAY: DECAY is parameter w20 of a preset (:func:`decay_of`), FACTOR
follows from it so that R(S, S) = 0.9 (:func:`decay_factor`). Every place that predicts recall
(the scheduler, statistics, search's ``prop:r``, the optimizer's evaluation, Anki export) reads
them from here; :func:`srs.domain.scheduling.retrievability` is the scalar curve, :func:`srs.domain.forgetting_curve.retrievability`
the vectorised one.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, overload

if TYPE_CHECKING:
    import numpy as np

DECAY_INDEX = 20  # w20 among FSRS-6's 21 parameters
DEFAULT_DECAY = 0.1542  # w20 of FSRS-6's default parameters


def decay_of(parameters: Sequence[float]) -> float:
    """DECAY (positive, w20) of a preset's FSRS-6 parameters."""
    return float(parameters[DECAY_INDEX])


@overload
def decay_factor(decay: float) -> float: ...
@overload
def decay_factor(decay: np.ndarray) -> np.ndarray: ...
def decay_factor(decay: float | np.ndarray) -> float | np.ndarray:
    """FACTOR of the forgetting curve for a (positive) DECAY, so that R(S, S) = 0.9; element-wise for arrays."""
    return 0.9 ** (1.0 / -decay) - 1.0
