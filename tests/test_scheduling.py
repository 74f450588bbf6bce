from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest

from srs.domain.scheduling import NEW_CARD, Rating, SchedulerSettings, answer, fuzz_interval, preview, replay, retrievability
from srs.store.models import CardState

UTC = timezone.utc
T0 = datetime(2026, 1, 1, 9, tzinfo=UTC)
NO_FUZZ = SchedulerSettings(enable_fuzz=False)


def test_new_card_goes_through_learning_steps() -> None:
    first = answer(NEW_CARD, Rating.GOOD, T0, NO_FUZZ, seed=1)
    assert first.state_before == CardState.NEW
    assert first.memory.state == CardState.LEARNING
    assert first.memory.due == T0 + timedelta(minutes=10)
    second = answer(first.memory, Rating.GOOD, first.memory.due, NO_FUZZ, seed=1)
    assert second.memory.state == CardState.REVIEW
    assert second.memory.reps == 2


def test_again_on_review_card_is_a_lapse() -> None:
    memory = replay([(3, T0), (3, T0 + timedelta(minutes=10))], NO_FUZZ, seed=1)
    lapse = answer(memory, Rating.AGAIN, memory.due, NO_FUZZ, seed=1)
    assert lapse.memory.state == CardState.RELEARNING
    assert lapse.memory.lapses == 1
    assert lapse.last_interval_days == pytest.approx(memory.interval_days)
    assert lapse.elapsed_days == pytest.approx((memory.due - memory.last_review).total_seconds() / 86400)


def test_replay_with_fuzz_is_reproducible() -> None:
    fuzzy = SchedulerSettings(enable_fuzz=True)
    events = [(3, T0), (3, T0 + timedelta(minutes=10)), (3, T0 + timedelta(days=5)), (4, T0 + timedelta(days=30))]
    assert replay(events, fuzzy, seed=42) == replay(events, fuzzy, seed=42)


def test_fuzz_stays_in_range_and_depends_on_seed() -> None:
    values = {fuzz_interval(100, 36500, f"card:{i}") for i in range(200)}
    assert min(values) >= 93 and max(values) <= 107  # delta = 1 + .15*4.5 + .1*13 + .05*80
    assert len(values) > 5
    assert fuzz_interval(2, 36500, "x") == 2


def test_preview_orders_intervals() -> None:
    memory = replay([(3, T0), (3, T0 + timedelta(minutes=10))], NO_FUZZ, seed=1)
    intervals = preview(memory, memory.due, NO_FUZZ, seed=1)
    assert intervals[Rating.AGAIN] < intervals[Rating.HARD] <= intervals[Rating.GOOD] < intervals[Rating.EASY]


def test_review_before_last_review_is_refused() -> None:
    memory = answer(NEW_CARD, Rating.GOOD, T0, NO_FUZZ, seed=1).memory
    with pytest.raises(ValueError):
        answer(memory, Rating.GOOD, T0 - timedelta(seconds=1), NO_FUZZ, seed=1)


def test_retrievability_is_09_at_stability() -> None:
    assert retrievability(10.0, 10.0, 0.1542) == pytest.approx(0.9)
    assert retrievability(10.0, 0.0, 0.1542) == 1.0


def test_settings_from_preset_like() -> None:
    class P:
        parameters = list(NO_FUZZ.parameters)
        desired_retention = 0.85
        learning_steps = [60]
        relearning_steps = [600]
        maximum_interval = 100
        enable_fuzz = False
        timezone = "Europe/Berlin"
        day_start_hour = 5

    settings = SchedulerSettings.from_preset(P())
    assert settings == replace(
        NO_FUZZ, desired_retention=0.85, learning_steps=(60,), maximum_interval=100, timezone="Europe/Berlin", day_start_hour=5
    )
