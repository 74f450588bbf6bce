"""The forgetting curve's DECAY and FACTOR are defined once (srs.domain.forgetting)."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from srs.domain.forgetting import DECAY_INDEX, DEFAULT_DECAY, decay_factor, decay_of
from srs.domain.scheduling import DEFAULT_PARAMETERS, retrievability

SRS = Path(__file__).resolve().parent.parent / "srs"


def test_default_decay_is_fsrs6_default_w20() -> None:
    assert len(DEFAULT_PARAMETERS) == DECAY_INDEX + 1
    assert decay_of(DEFAULT_PARAMETERS) == pytest.approx(DEFAULT_DECAY)


@pytest.mark.parametrize("decay", [0.1, DEFAULT_DECAY, 0.5, 0.8])
def test_factor_makes_recall_at_stability_ninety_percent(decay: float) -> None:
    assert retrievability(12.5, 12.5, decay) == pytest.approx(0.9)
    assert isinstance(decay_factor(decay), float)
    array = decay_factor(np.array([decay, decay]))
    assert array.shape == (2,) and array[0] == pytest.approx(decay_factor(decay))


def test_no_second_definition() -> None:
    """No module writes FACTOR's formula or reads w20 by hand: they call srs.domain.forgetting."""
    found = []
    for path in SRS.rglob("*.py"):
        relative = path.relative_to(SRS).as_posix()
        if relative == "domain/forgetting.py" or relative.startswith("_migrations/"):
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if re.search(r"0\.9 \*\* \(|\[20\]|, 20\]", line):
                found.append(f"{relative}:{number}: {line.strip()}")
    assert found == []
