"""The pure statistics of srs.domain.stats: each figure against a hand count or the real scheduler."""

from __future__ import annotations

import math
import random
from datetime import date, datetime, timedelta, timezone

import numpy as np
import pytest

from srs.domain import study_days
from srs.domain.forgetting_curve import curve_edges, forgetting_curve, retrievability
from srs.domain.memory_replay import replay_memory
from srs.domain.retention import retention_periods
from srs.domain.scheduling import DEFAULT_PARAMETERS, SchedulerSettings, replay_answers
from srs.domain.scheduling import retrievability as scalar_retrievability
from srs.domain.stats import day_starts, distribution, forecast, heatmap, heatmap_start, lowest, streak
from srs.timeutil import day_start, to_micros

UTC = timezone.utc


def test_streak_counts_runs_and_keeps_today_open() -> None:
    # Today (last) has no review yet: the streak still counts up to yesterday.
    s = streak([1, 0, 2, 3, 0])
    assert (s.current, s.longest, s.studied_today, s.days_studied, s.days) == (2, 2, False, 3, 5)
    s = streak([1, 1, 0, 1, 1, 1])
    assert (s.current, s.longest, s.studied_today) == (3, 3, True)
    s = streak([4, 4, 4, 0, 0])
    assert (s.current, s.longest) == (0, 3)
    assert streak([]).current == 0 and streak([]).days == 0


def test_heatmap_is_a_monday_first_calendar_ending_today() -> None:
    today = date(2026, 3, 4)  # a Wednesday
    start = heatmap_start(today, 26)
    assert start == date(2025, 9, 8) and start.weekday() == 0
    counts = {today: 7, today - timedelta(days=1): 3, start: 1}
    grid = heatmap(today, counts, 26)
    assert grid.weeks == 26 and len(grid.grid) == 7
    assert grid.grid[2][25] == 7  # Wednesday of the last week
    assert grid.grid[1][25] == 3
    assert grid.grid[3][25] is None  # Thursday: not yet
    assert grid.grid[0][0] == 1 and grid.grid[1][0] == 0
    assert grid.busiest == 7
    days = grid.to_json()["days"]
    assert days[0] == {"date": "2025-09-08", "reviews": 1} and days[-1] == {"date": "2026-03-04", "reviews": 7}
    assert len(days) == 7 * 25 + 3


def test_forecast_counts_cards_per_study_day() -> None:
    today = date(2026, 3, 2)
    bounds = day_starts(today, 3, "Asia/Shanghai", 4)
    due = np.array([bounds[0], bounds[1] - 1, bounds[1], bounds[2] + 5, bounds[3], bounds[0] - 1], dtype=np.int64)
    state = np.array([2, 1, 2, 3, 2, 2], dtype=np.int8)
    result = forecast(today, bounds, due, state, overdue=4)
    assert [(d.day, d.review, d.learning) for d in result.days] == [
        (date(2026, 3, 2), 1, 1),
        (date(2026, 3, 3), 1, 0),
        (date(2026, 3, 4), 0, 1),
    ]
    assert result.overdue == 4 and result.to_json()["days"][0]["total"] == 2


def test_day_starts_follow_zone_day_start_hour_and_dst() -> None:
    # Berlin's clocks go forward at 02:00 on 2026-03-29: the study day of the 28th is 23 hours.
    starts = day_starts(date(2026, 3, 28), 2, "Europe/Berlin", 4)
    assert starts[0] == to_micros(datetime(2026, 3, 28, 3, tzinfo=UTC))  # 04:00 CET
    assert starts[1] == to_micros(datetime(2026, 3, 29, 2, tzinfo=UTC))  # 04:00 CEST
    assert starts[2] == to_micros(datetime(2026, 3, 30, 2, tzinfo=UTC))
    assert starts[1] - starts[0] == 23 * 3_600_000_000
    periods = {p.key: p for p in retention_periods(date(2026, 3, 30), "Europe/Berlin", 4)}
    assert periods["today"].start == starts[2] and periods["today"].end is None
    assert (periods["yesterday"].start, periods["yesterday"].end) == (starts[1], starts[2])
    assert periods["last_7_days"].start == to_micros(day_start(date(2026, 3, 24), "Europe/Berlin", 4))
    assert periods["all_time"].start is None


def test_retrievability_is_fsrs6_with_fractional_days() -> None:
    for decay in (0.1542, 0.3, 0.6):
        assert retrievability(np.array([7.0]), np.array([7.0]), decay)[0] == pytest.approx(0.9)
        for t in (0.01, 0.5, 3.3, 400.0):
            assert retrievability(np.array([12.0]), np.array([t]), decay)[0] == pytest.approx(scalar_retrievability(12.0, t, decay))
    assert retrievability(np.array([5.0]), np.array([-1.0]), 0.2)[0] == 1.0


def test_distribution_and_lowest() -> None:
    values = np.array([0.0, 0.049, 0.05, 0.5, 0.999, 1.0])
    result = distribution(values, bins=20)
    assert result.cards == 6 and result.mean == pytest.approx(values.mean())
    assert result.counts[0] == 2 and result.counts[1] == 1 and result.counts[10] == 1 and result.counts[19] == 2
    assert sum(result.counts) == 6
    assert distribution(np.zeros(0)).mean is None
    ids = np.array([5, 3, 9, 1])
    assert lowest(ids, np.array([0.5, 0.2, 0.2, 0.9]), 3) == [(3, 0.2), (9, 0.2), (5, 0.5)]


def _random_log(rng: random.Random, start: datetime) -> list[tuple[int, datetime, int | None]]:
    events = []
    when = start
    for _ in range(rng.randint(1, 14)):
        events.append((rng.choice([1, 2, 3, 3, 3, 4]), when, None))
        when += timedelta(seconds=rng.choice([30, 600, 3_600 * 5, 86_400, 86_400 * 3, 86_400 * 17, 86_400 * 90]) * rng.uniform(0.5, 2.0))
    return events


def test_replay_memory_matches_the_scheduler_across_cards_and_presets() -> None:
    rng = random.Random(11)
    other = list(DEFAULT_PARAMETERS)
    other[20] = 0.45
    other[9] = 0.3
    presets = [tuple(DEFAULT_PARAMETERS), tuple(other)]
    ratings, elapsed, preset_rows, expected_after, expected_difficulty = [], [], [], [], []
    for card in range(120):
        row = card % 2
        events = _random_log(rng, datetime(2025, 1, 1, tzinfo=UTC))
        settings = SchedulerSettings(parameters=presets[row], timezone="America/New_York", day_start_hour=4)
        answers = replay_answers(events, settings, seed=card)
        previous = None
        for answer in answers:
            ratings.append(int(answer.rating))
            # the memory model's elapsed time: study days in the preset's zone
            elapsed.append(-1 if previous is None else study_days.elapsed_days(previous, answer.reviewed_at, "America/New_York", 4))
            previous = answer.reviewed_at
            preset_rows.append(row)
            expected_after.append(answer.memory.stability)
            expected_difficulty.append(answer.memory.difficulty)
    result = replay_memory(np.array(ratings), np.array(elapsed), np.array(presets), np.array(preset_rows))
    np.testing.assert_allclose(result.stability_after, expected_after, rtol=1e-9)
    np.testing.assert_allclose(result.difficulty_after, expected_difficulty, rtol=1e-9)
    # The stability before a review is the one after the card's previous review.
    firsts = np.array(elapsed) < 0
    assert np.all(result.stability_before[firsts] == 0)
    np.testing.assert_allclose(result.stability_before[1:][~firsts[1:]], np.array(expected_after)[:-1][~firsts[1:]], rtol=1e-12)


def test_forgetting_curve_by_hand() -> None:
    elapsed = np.array([0.5, 0.6, 2.0, 2.5, 2.9, 40.0, 0.0, 3.0])
    stability = np.array([1.0, 2.0, 5.0, 5.0, 1.0, 20.0, 3.0, 0.0])
    recalled = np.array([True, False, True, True, False, True, True, True])
    decay = 0.2
    curve = forgetting_curve(elapsed, stability, recalled, decay, per_decade=4)
    # The last two reviews are left out: no time since the previous one / no stability.
    assert curve.calibration.reviews == 6
    edges = curve_edges(0.5, 40.0, 4)
    assert edges[0] <= 0.5 < edges[1] and edges[-2] <= 40.0 < edges[-1]
    assert all(b / a == pytest.approx(10 ** 0.25) for a, b in zip(edges, edges[1:]))
    kept = slice(0, 6)
    p = [scalar_retrievability(s, t, decay) for s, t in zip(stability[kept], elapsed[kept])]
    y = recalled[kept]
    by_bin: dict[int, list[int]] = {}
    for i, t in enumerate(elapsed[kept]):
        by_bin.setdefault(max(k for k, edge in enumerate(edges) if edge <= t), []).append(i)
    assert [b.reviews for b in curve.bins] == [len(v) for _, v in sorted(by_bin.items())]
    for b, (_, members) in zip(curve.bins, sorted(by_bin.items())):
        assert b.recalled == sum(y[i] for i in members)
        assert b.predicted == pytest.approx(sum(p[i] for i in members) / len(members))
        assert b.standard_error == pytest.approx(math.sqrt(sum(p[i] * (1 - p[i]) for i in members)) / len(members))
        assert b.mean_elapsed == pytest.approx(sum(elapsed[i] for i in members) / len(members))
    log_loss = -sum(math.log(p[i]) if y[i] else math.log(1 - p[i]) for i in range(6)) / 6
    assert curve.calibration.log_loss == pytest.approx(log_loss)
    rmse = math.sqrt(sum(b.reviews * (b.recall_rate - b.predicted) ** 2 for b in curve.bins) / 6)
    assert curve.calibration.rmse_bins == pytest.approx(rmse)
    assert curve.long_term.reviews == 4  # 2.0, 2.5, 2.9 and 40 days
    empty = forgetting_curve(np.zeros(0), np.zeros(0), np.zeros(0, dtype=bool), decay)
    assert empty.bins == [] and empty.calibration.log_loss is None
