"""The pure statistics of srs/domain/stats.py pinned field by field (make mutate, area stats): card
counts, streaks, the heatmap calendar, the forecast, the retrievability histogram, the cards most
at risk and the overview's JSON. Every expectation is counted by hand from the rule it names."""

from __future__ import annotations

from datetime import date, datetime, timezone

import numpy as np
import pytest

from srs.domain.retention import PassFail, RetentionRow
from srs.domain.stats import (
    CardCounts,
    Distribution,
    Forecast,
    ForecastDay,
    Heatmap,
    Overview,
    RiskCard,
    Streak,
    day_starts,
    distribution,
    forecast,
    heatmap,
    heatmap_start,
    lowest,
    streak,
)

UTC = timezone.utc
MICROS_PER_HOUR = 3_600_000_000


def micros(moment: datetime) -> int:
    return round(moment.timestamp() * 1_000_000)


# --- card counts --------------------------------------------------------------------------------


def test_card_total_counts_every_state_and_suspended_but_not_retired() -> None:
    assert CardCounts(new=1, learning=2, review=4, relearning=8, suspended=16, retired=32).total == 31
    assert CardCounts().total == 0
    assert CardCounts(retired=5).total == 0
    assert CardCounts(suspended=3).total == 3


# --- streaks ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("days", "expected"),
    [
        # (current, longest, studied_today, days_studied, days)
        ([], (0, 0, False, 0, 0)),
        ([0], (0, 0, False, 0, 1)),
        ([3], (1, 1, True, 1, 1)),
        ([2, 0], (1, 1, False, 1, 2)),  # today not studied yet: yesterday's streak lives on
        ([2, 0, 0], (0, 1, False, 1, 3)),  # a whole day without reviews ends it
        ([1, 1, 1, 0, 1], (1, 3, True, 4, 5)),
        ([0, 1, 1, 1, 1, 0], (4, 4, False, 4, 6)),
        ([5, 5, 0, 5, 5, 5, 0, 5], (1, 3, True, 6, 8)),
        ([1, 1, 1, 1], (4, 4, True, 4, 4)),  # the run up to the first day
    ],
)
def test_streak_by_hand(days: list[int], expected: tuple[int, int, bool, int, int]) -> None:
    s = streak(days)
    assert (s.current, s.longest, s.studied_today, s.days_studied, s.days) == expected


def test_streak_json_names_each_field() -> None:
    assert Streak(2, 5, True, 9, 30).to_json() == {"current": 2, "longest": 5, "studied_today": True, "days_studied": 9, "days": 30}
    assert streak([1, 0, 2]).to_json() == {"current": 1, "longest": 1, "studied_today": True, "days_studied": 2, "days": 3}


# --- heatmap ------------------------------------------------------------------------------------


def test_heatmap_start_is_the_monday_weeks_minus_one_before_this_weeks_monday() -> None:
    assert heatmap_start(date(2026, 3, 4), 1) == date(2026, 3, 2)  # Wednesday -> its Monday
    assert heatmap_start(date(2026, 3, 2), 1) == date(2026, 3, 2)  # a Monday is its own
    assert heatmap_start(date(2026, 3, 8), 1) == date(2026, 3, 2)  # Sunday: the same week
    assert heatmap_start(date(2026, 3, 4), 2) == date(2026, 2, 23)
    assert heatmap_start(date(2026, 3, 4)) == date(2025, 9, 8)  # 26 weeks by default


def test_heatmap_grid_is_weekday_by_week_with_none_after_today() -> None:
    today = date(2026, 3, 4)  # Wednesday of the second week shown
    counts = {date(2026, 2, 23): 1, date(2026, 3, 1): 2, today: 7, date(2026, 3, 3): 3, date(2026, 3, 5): 99}
    grid = heatmap(today, counts, 2)
    assert grid.start == date(2026, 2, 23) and grid.today == today
    assert grid.weeks == 2
    assert grid.grid == [
        [1, 0],  # Mondays: 23 Feb, 2 Mar
        [0, 3],  # Tuesdays
        [0, 7],  # Wednesdays: today
        [0, None],  # Thursday 5 Mar is after today: not counted even with reviews
        [0, None],
        [0, None],
        [2, None],  # Sunday 1 Mar
    ]
    assert grid.busiest == 7
    assert grid.day(0, 0) == date(2026, 2, 23)
    assert grid.day(6, 0) == date(2026, 3, 1)
    assert grid.day(2, 1) == date(2026, 3, 4)
    assert grid.to_json() == {
        "start": "2026-02-23",
        "end": "2026-03-04",
        "weeks": 2,
        "days": [
            {"date": "2026-02-23", "reviews": 1},
            {"date": "2026-02-24", "reviews": 0},
            {"date": "2026-02-25", "reviews": 0},
            {"date": "2026-02-26", "reviews": 0},
            {"date": "2026-02-27", "reviews": 0},
            {"date": "2026-02-28", "reviews": 0},
            {"date": "2026-03-01", "reviews": 2},
            {"date": "2026-03-02", "reviews": 0},
            {"date": "2026-03-03", "reviews": 3},
            {"date": "2026-03-04", "reviews": 7},
        ],
    }


def test_heatmap_on_a_sunday_fills_the_whole_last_week() -> None:
    grid = heatmap(date(2026, 3, 8), {}, 1)
    assert grid.grid == [[0]] * 7 and grid.busiest == 0


def test_empty_heatmap_has_no_weeks() -> None:
    empty = Heatmap(date(2026, 3, 2), date(2026, 3, 4), [])
    assert empty.weeks == 0 and empty.busiest == 0
    assert empty.to_json() == {"start": "2026-03-02", "end": "2026-03-04", "weeks": 0, "days": []}


# --- study days and the forecast ----------------------------------------------------------------


def test_day_starts_are_count_plus_one_boundaries_at_the_day_start_hour() -> None:
    starts = day_starts(date(2026, 3, 2), 2, "UTC", 4)
    assert starts == [micros(datetime(2026, 3, d, 4, tzinfo=UTC)) for d in (2, 3, 4)]
    assert day_starts(date(2026, 3, 2), 0, "UTC", 0) == [micros(datetime(2026, 3, 2, tzinfo=UTC))]
    # Berlin, day start 4 h: 03:00 UTC in winter
    assert day_starts(date(2026, 1, 5), 1, "Europe/Berlin", 4) == [micros(datetime(2026, 1, 5, 3, tzinfo=UTC)), micros(datetime(2026, 1, 6, 3, tzinfo=UTC))]


def test_forecast_puts_each_card_in_its_study_day_by_state() -> None:
    start = micros(datetime(2026, 3, 2, 4, tzinfo=UTC))
    day = 24 * MICROS_PER_HOUR
    boundaries = [start, start + day, start + 2 * day, start + 3 * day]
    due = np.array([start, start + day - 1, start + day, start + 2 * day + 5, start - 1, start + 3 * day, start + day + 7], dtype=np.int64)
    state = np.array([2, 1, 2, 3, 2, 2, 2])
    result = forecast(date(2026, 3, 2), boundaries, due, state, overdue=4)
    assert result.overdue == 4
    assert [(d.day, d.review, d.learning, d.total) for d in result.days] == [
        (date(2026, 3, 2), 1, 1, 2),  # at the start (inclusive) and just before the next day
        (date(2026, 3, 3), 2, 0, 2),
        (date(2026, 3, 4), 0, 1, 1),  # relearning counts as learning
    ]
    assert result.to_json() == {
        "overdue": 4,
        "days": [
            {"date": "2026-03-02", "review": 1, "learning": 1, "total": 2},
            {"date": "2026-03-03", "review": 2, "learning": 0, "total": 2},
            {"date": "2026-03-04", "review": 0, "learning": 1, "total": 1},
        ],
    }


def test_forecast_of_nothing_due_is_zeros() -> None:
    start = 0
    result = forecast(date(2026, 3, 2), [start, 10, 20], np.array([], dtype=np.int64), np.array([], dtype=np.int64), overdue=0)
    assert [(d.review, d.learning) for d in result.days] == [(0, 0), (0, 0)]
    assert ForecastDay(date(2026, 3, 2), 3, 4).total == 7
    assert Forecast(1, []).to_json() == {"overdue": 1, "days": []}


# --- retrievability now -------------------------------------------------------------------------


def test_distribution_bins_are_equal_over_zero_to_one() -> None:
    values = np.array([0.0, 0.04, 0.05, 0.5, 0.949, 0.96, 1.0])
    result = distribution(values)
    assert result.cards == 7
    assert result.mean == pytest.approx(3.499 / 7)
    assert len(result.counts) == 20
    assert result.counts[0] == 2 and result.counts[1] == 1 and result.counts[10] == 1
    assert result.counts[18] == 1 and result.counts[19] == 2  # 1.0 falls in the last bin
    assert sum(result.counts) == 7
    assert distribution(np.array([0.2, 0.6]), bins=2).counts == [1, 1]
    assert distribution(np.array([0.5]), bins=2).counts == [0, 1]
    assert distribution(np.array([0.7, 0.8]), bins=2).counts == [0, 2]  # bins over [0, 1], not over the values
    assert distribution(np.array([0.1, 0.3]), bins=2).counts == [2, 0]


def test_distribution_of_no_cards_has_no_mean() -> None:
    result = distribution(np.array([]))
    assert (result.cards, result.mean, result.counts) == (0, None, [0] * 20)


def test_distribution_edges_and_json() -> None:
    four = Distribution(3, 0.5, [1, 0, 2, 0])
    assert four.edges == [0.0, 0.25, 0.5, 0.75, 1.0]
    assert four.to_json() == {
        "cards": 3,
        "mean": 0.5,
        "bins": [
            {"low": 0.0, "high": 0.25, "cards": 1},
            {"low": 0.25, "high": 0.5, "cards": 0},
            {"low": 0.5, "high": 0.75, "cards": 2},
            {"low": 0.75, "high": 1.0, "cards": 0},
        ],
    }


def test_lowest_takes_the_lowest_values_ties_to_the_lower_id() -> None:
    ids = np.array([10, 11, 12, 13, 14])
    values = np.array([0.9, 0.3, 0.5, 0.3, 0.1])
    assert lowest(ids, values, 3) == [(14, 0.1), (11, 0.3), (13, 0.3)]
    assert lowest(ids, values, 1) == [(14, 0.1)]
    assert lowest(np.array([], dtype=np.int64), np.array([])) == []
    many = np.arange(1, 16)
    assert [card for card, _ in lowest(many, many / 100)] == list(range(1, 11))  # 10 by default
    assert all(type(card) is int and type(value) is float for card, value in lowest(ids, values))


def test_risk_card_json() -> None:
    last = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
    card = RiskCard(7, "Deck", "Q", 0.42, 3.5, last, datetime(2026, 3, 5, tzinfo=UTC))
    assert card.to_json() == {
        "card_id": 7,
        "deck": "Deck",
        "front": "Q",
        "retrievability": 0.42,
        "stability_days": 3.5,
        "last_review": "2026-03-01T09:30:00+00:00",
        "due": "2026-03-05T00:00:00+00:00",
    }
    assert RiskCard(7, "Deck", "Q", 0.42, 3.5, last, None).to_json()["due"] is None


# --- the overview -------------------------------------------------------------------------------


def _overview(cards: CardCounts, total_reviews: int) -> Overview:
    today = date(2026, 3, 4)
    return Overview(
        generated_at=datetime(2026, 3, 4, 12, tzinfo=UTC),
        deck="Maths",
        timezone="Europe/Berlin",
        day_start_hour=4,
        today=today,
        cards=cards,
        total_reviews=total_reviews,
        reviews_today=3,
        time_today_ms=45_000,
        streak=Streak(1, 2, True, 3, 4),
        retention=[RetentionRow("today", "Today", PassFail(3, 1), PassFail(5, 0))],
        forecast=Forecast(2, []),
        heatmap=Heatmap(date(2026, 3, 2), today, []),
        retrievability=Distribution(0, None, [0, 0]),
        at_risk=[],
    )


def test_overview_is_empty_only_without_cards_retired_cards_and_reviews() -> None:
    assert _overview(CardCounts(), 0).is_empty
    assert not _overview(CardCounts(new=1), 0).is_empty
    assert not _overview(CardCounts(retired=1), 0).is_empty
    assert not _overview(CardCounts(suspended=1), 0).is_empty
    assert not _overview(CardCounts(), 1).is_empty


def test_overview_json_names_every_figure() -> None:
    document = _overview(CardCounts(new=1, learning=2, review=3, relearning=4, suspended=5, retired=6), 40).to_json()
    assert document == {
        "version": 1,
        "kind": "overview",
        "generated_at": "2026-03-04T12:00:00+00:00",
        "deck": "Maths",
        "timezone": "Europe/Berlin",
        "day_start_hour": 4,
        "today": "2026-03-04",
        "cards": {"total": 15, "new": 1, "learning": 2, "review": 3, "relearning": 4, "suspended": 5, "retired": 6},
        "reviews": {"total": 40, "today": 3, "today_time_ms": 45_000},
        "streak": {"current": 1, "longest": 2, "studied_today": True, "days_studied": 3, "days": 4},
        "retention": {"today": {"young": document["retention"]["today"]["young"], "mature": document["retention"]["today"]["mature"], "total": document["retention"]["today"]["total"]}},
        "forecast": {"overdue": 2, "days": []},
        "heatmap": {"start": "2026-03-02", "end": "2026-03-04", "weeks": 0, "days": []},
        "retrievability": {"cards": 0, "mean": None, "bins": [{"low": 0.0, "high": 0.5, "cards": 0}, {"low": 0.5, "high": 1.0, "cards": 0}]},
        "at_risk": [],
    }
    assert list(document["retention"]) == ["today"]
