"""True retention: passed and failed reviews of young and mature cards over the periods
``srs stats`` shows (today, yesterday, last week, month, year). Pure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from srs.timeutil import day_start, to_micros

if TYPE_CHECKING:
    pass



@dataclass(frozen=True)
class RetentionCounts:
    """Answers of the reviews that count for true retention, young and mature."""

    young_passed: int = 0
    young_failed: int = 0
    mature_passed: int = 0
    mature_failed: int = 0


@dataclass(frozen=True)
class PassFail:
    passed: int
    failed: int

    @property
    def total(self) -> int:
        return self.passed + self.failed

    @property
    def rate(self) -> float | None:
        """Share passed; None when there was no review."""
        return self.passed / self.total if self.total else None

    def to_json(self) -> dict[str, Any]:
        return {"passed": self.passed, "failed": self.failed, "total": self.total, "rate": self.rate}


RETENTION_PERIODS: tuple[tuple[str, str], ...] = (
    ("today", "Today"),
    ("yesterday", "Yesterday"),
    ("last_7_days", "Last 7 days"),
    ("last_30_days", "Last 30 days"),
    ("last_365_days", "Last 365 days"),
    ("all_time", "All time"),
)


@dataclass(frozen=True)
class Period:
    """``[start, end)`` in micros; ``start``/``end`` None: unbounded."""

    key: str
    label: str
    start: int | None
    end: int | None


def retention_periods(today: date, tz_name: str, day_start_hour: int) -> list[Period]:
    """Today, yesterday, the last 7/30/365 study days (today included) and all time."""

    def start(days_ago: int) -> int:
        return to_micros(day_start(today - timedelta(days=days_ago), tz_name, day_start_hour))

    bounds = {
        "today": (start(0), None),
        "yesterday": (start(1), start(0)),
        "last_7_days": (start(6), None),
        "last_30_days": (start(29), None),
        "last_365_days": (start(364), None),
        "all_time": (None, None),
    }
    return [Period(key, label, *bounds[key]) for key, label in RETENTION_PERIODS]


@dataclass(frozen=True)
class RetentionRow:
    key: str
    label: str
    young: PassFail
    mature: PassFail

    @property
    def total(self) -> PassFail:
        return PassFail(self.young.passed + self.mature.passed, self.young.failed + self.mature.failed)

    def to_json(self) -> dict[str, Any]:
        return {"young": self.young.to_json(), "mature": self.mature.to_json(), "total": self.total.to_json()}


def retention_row(period: Period, counts: RetentionCounts) -> RetentionRow:
    return RetentionRow(
        period.key,
        period.label,
        PassFail(counts.young_passed, counts.young_failed),
        PassFail(counts.mature_passed, counts.mature_failed),
    )
