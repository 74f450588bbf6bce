"""One spelling of numbers for people (srs.render.numbers), on screen and in the HTML report alike."""

from __future__ import annotations

import pytest

from srs.render import numbers


@pytest.mark.parametrize(("ms", "text"), [(0, "0s"), (45_000, "45s"), (750_000, "12m 30s"), (3_900_000, "1h 05m"), (90_061_000, "25h 01m")])
def test_duration(ms: int, text: str) -> None:
    assert numbers.duration(ms) == text


def test_percent() -> None:
    assert numbers.percent(0.9123) == "91.2%"
    assert numbers.percent(0.9123, 0) == "91%"
    assert numbers.percent(0.001234, 2) == "0.12%"
    assert numbers.percent(None) == "—"


def test_days_and_spans() -> None:
    assert numbers.days_text(3) == "3d"
    assert numbers.days_text(10 / 1440) == "10m"
    assert numbers.span_text(1.3) == "1.3d"
    assert numbers.span_text(18 / 1440) == "18m"


def test_screen_and_report_share_the_spelling() -> None:
    """The terminal said "1h 05m" where the HTML report said "1:05:00": both now use srs.render.numbers."""
    from srs.render import optimize as tuning_ui
    from srs.render import stats as stats_ui
    from srs.render import stats_report

    assert stats_ui.duration is stats_report.duration is numbers.duration
    assert stats_ui.percent is stats_report.percent is tuning_ui.percent is numbers.percent
    assert stats_ui.days_text is stats_report.days_text is numbers.days_text
