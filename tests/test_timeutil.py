from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from srs.errors import ConfigError
from srs.timeutil import day_bounds, day_start, format_interval, from_micros, study_day, to_micros

UTC = timezone.utc


def test_review_before_day_start_belongs_to_previous_day() -> None:
    # 01:30 in Shanghai (UTC+8) on 3 March is still the study day of 2 March.
    now = datetime(2026, 3, 2, 17, 30, tzinfo=UTC)
    assert study_day(now, "Asia/Shanghai", 4) == date(2026, 3, 2)
    assert study_day(now + timedelta(hours=3), "Asia/Shanghai", 4) == date(2026, 3, 3)


def test_day_bounds_are_local_day_start_in_utc() -> None:
    start, end = day_bounds(datetime(2026, 3, 2, 12, tzinfo=UTC), "Asia/Shanghai", 4)
    assert start == datetime(2026, 3, 1, 20, tzinfo=UTC)
    assert end == datetime(2026, 3, 2, 20, tzinfo=UTC)


def test_dst_spring_forward_day_is_23_hours() -> None:
    # Europe/Berlin springs forward on 29 March 2026 at 02:00 -> 03:00.
    # The study day of 28 March runs from 04:00 CET to 04:00 CEST the next morning.
    start, end = day_bounds(datetime(2026, 3, 28, 12, tzinfo=UTC), "Europe/Berlin", 4)
    assert end - start == timedelta(hours=23)
    assert start == datetime(2026, 3, 28, 3, tzinfo=UTC)  # 04:00 CET
    assert end == datetime(2026, 3, 29, 2, tzinfo=UTC)  # 04:00 CEST


def test_dst_fall_back_day_is_25_hours() -> None:
    start, end = day_bounds(datetime(2026, 10, 24, 12, tzinfo=UTC), "Europe/Berlin", 4)
    assert end - start == timedelta(hours=25)


def test_day_start_inside_a_dst_gap() -> None:
    # New York: 8 March 2026, 02:00 -> 03:00; a day starting at 02:00 starts at 03:00 EDT.
    assert day_start(date(2026, 3, 8), "America/New_York", 2) == datetime(2026, 3, 8, 7, tzinfo=UTC)


def test_every_instant_falls_in_exactly_one_day_across_dst() -> None:
    moment = datetime(2026, 3, 27, tzinfo=UTC)
    while moment < datetime(2026, 4, 2, tzinfo=UTC):
        start, end = day_bounds(moment, "Europe/Berlin", 4)
        assert start <= moment < end
        moment += timedelta(minutes=37)


def test_unknown_zone_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="unknown time zone"):
        study_day(datetime(2026, 1, 1, tzinfo=UTC), "Nowhere/City", 4)


def test_naive_datetime_is_refused() -> None:
    with pytest.raises(ValueError):
        to_micros(datetime(2026, 1, 1))


def test_micros_round_trip_is_exact() -> None:
    value = datetime(2026, 5, 17, 8, 3, 4, 123456, tzinfo=UTC)
    assert from_micros(to_micros(value)) == value
    assert from_micros(to_micros(value)).tzinfo is UTC


@pytest.mark.parametrize(("seconds", "shown"), [(30, "<1m"), (600, "10m"), (3 * 3600, "3h"), (86400 * 3, "3d"), (86400 * 60, "2.0mo"), (86400 * 400, "1.1y")])
def test_format_interval(seconds: float, shown: str) -> None:
    assert format_interval(seconds) == shown
