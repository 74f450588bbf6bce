"""Elapsed time for the memory model: whole study days, as Anki and fsrs-rs count them. Pure.

FSRS needs the time since a card's previous review. srs counts it the way Anki (and
fsrs-rs, the library inside Anki that fits the parameters) does: the number of *study day*
boundaries crossed between the two reviews, a study day starting at the preset's
``day_start_hour`` in its time zone (:func:`srs.timeutil.study_day`, the one definition).
So 23:30 -> 04:30 the next morning is one day with a 04:00 start, 12:00 -> 11:00 the next
day is one day, and 04:30 -> 09:30 the same day is zero: the short-term (same-day) formula,
exactly when Anki uses it. Elapsed hours never matter, only the days.

Every place that computes a memory state goes through here: answering and the button
previews (:mod:`srs.domain.scheduling`), replays of a log (``srs check``, undo, imports), the batch
replays of ``srs reschedule`` (:mod:`srs.domain.batch_replay`) and of the statistics
(:func:`srs.domain.memory_replay.replay_memory`), training items for ``srs optimize``, the synthetic
history generator.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import numpy as np

from srs.timeutil import study_day, zone

MICROS_PER_DAY = 86_400_000_000
_MICROS_PER_HOUR = 3_600_000_000
_BUCKET = 15 * 60 * 1_000_000  # time-zone offsets only change on quarter hours
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_EPOCH_DATE = _EPOCH.date()


def elapsed_days(earlier: datetime, later: datetime, tz_name: str, day_start_hour: int) -> int:
    """Study days from ``earlier`` to ``later`` (0 on the same study day, never negative)."""
    days = (study_day(later, tz_name, day_start_hour) - study_day(earlier, tz_name, day_start_hour)).days
    return max(days, 0)


def _offset_micros(instant: int, tz_name: str) -> int:
    offset = (_EPOCH + timedelta(microseconds=instant)).astimezone(zone(tz_name)).utcoffset()
    assert offset is not None
    return offset // timedelta(microseconds=1)


class StudyDayClock:
    """Study-day numbers (days since 1970-01-01) of UTC microsecond times, for one zone and
    day-start hour, with the zone's offset cached per UTC day (the batch replays ask for
    millions). Equal to :func:`srs.timeutil.study_day` for every instant."""

    def __init__(self, tz_name: str, day_start_hour: int) -> None:
        zone(tz_name)  # an unknown zone is a ConfigError here, not in the middle of a replay
        self.tz_name = tz_name
        self.shift = day_start_hour * _MICROS_PER_HOUR
        self._offsets: dict[int, int | None] = {}  # UTC day -> its offset (None: changes that day)

    def day(self, micros: int) -> int:
        utc_day = micros // MICROS_PER_DAY
        offset = self._offsets.get(utc_day, -1)
        if offset == -1:
            start = _offset_micros(utc_day * MICROS_PER_DAY, self.tz_name)
            end = _offset_micros(utc_day * MICROS_PER_DAY + MICROS_PER_DAY - 1, self.tz_name)
            offset = start if start == end else None
            self._offsets[utc_day] = offset
        if offset is None:  # a DST change that UTC day: the offset at this very instant
            offset = _offset_micros(micros, self.tz_name)
        return (micros + offset - self.shift) // MICROS_PER_DAY

    def days(self, times: list[int]) -> list[int]:
        return [self.day(t) for t in times]


def study_day_numbers(times: np.ndarray, tz_name: str, day_start_hour: int) -> np.ndarray:
    """The study day (days since 1970-01-01) of each time in ``times`` (UTC microseconds), as
    :func:`srs.timeutil.study_day`, vectorised.

    The zone's offset is looked up once per UTC day (at its first and last microsecond); only
    on the few days where the two differ (a DST change) per quarter hour.
    """
    times = np.asarray(times, dtype=np.int64)
    if len(times) == 0:
        return np.zeros(0, dtype=np.int64)
    days, inverse = _distinct_days(times // MICROS_PER_DAY)
    at_start = _offsets(days * MICROS_PER_DAY, tz_name)
    at_end = _offsets(days * MICROS_PER_DAY + (MICROS_PER_DAY - 1), tz_name)
    offsets = at_start[inverse]
    changing = np.flatnonzero((at_start != at_end)[inverse])
    if len(changing):
        buckets, where = np.unique(times[changing] // _BUCKET, return_inverse=True)
        offsets[changing] = _offsets(buckets * _BUCKET, tz_name)[where.reshape(-1)]
    local = times + offsets
    return (local - day_start_hour * _MICROS_PER_HOUR) // MICROS_PER_DAY


_DENSE_DAYS = 10_000_000  # a bitmap of up to this many days (10 MB) instead of sorting


def _distinct_days(day_index: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(day_index, return_inverse=True)``: the distinct UTC days, ascending, and the
    position of each time's day among them. A review log spans a few thousand days, so a
    bitmap over the span replaces sorting a million values (O(n) instead of O(n log n))."""
    low, high = int(day_index.min()), int(day_index.max())
    if high - low >= _DENSE_DAYS:
        days, inverse = np.unique(day_index, return_inverse=True)
        return days, inverse.reshape(-1)
    offset = day_index - low
    present = np.zeros(high - low + 1, dtype=bool)
    present[offset] = True
    position = np.cumsum(present, dtype=np.int64) - 1
    return low + np.flatnonzero(present).astype(np.int64), position[offset]


def _offsets(instants: np.ndarray, tz_name: str) -> np.ndarray:
    """The zone's UTC offset (micros) at each of ``instants`` (UTC micros, a few)."""
    return np.array([_offset_micros(value, tz_name) for value in instants.tolist()], dtype=np.int64)


def offset_ranges(start: int, end: int, tz_name: str) -> list[tuple[int, int]]:
    """The zone's UTC offset over ``[start, end]`` (UTC micros) as ``(from, offset)`` pairs, the
    first ``from`` being ``start``: each offset holds from its instant to the next one's. Found
    per UTC day (its first and last microsecond), then the instant of each change by bisection;
    with them the study day of a time is ``(time + offset - day start) // day`` in SQL too."""
    ranges = [(start, _offset_micros(start, tz_name))]
    for utc_day in range(start // MICROS_PER_DAY, end // MICROS_PER_DAY + 1):
        last = _offset_micros(min(utc_day * MICROS_PER_DAY + MICROS_PER_DAY - 1, end), tz_name)
        if last == ranges[-1][1]:
            continue
        low, high = max(utc_day * MICROS_PER_DAY, ranges[-1][0]), min(utc_day * MICROS_PER_DAY + MICROS_PER_DAY - 1, end)
        while low < high:  # the first instant with the new offset
            middle = (low + high) // 2
            if _offset_micros(middle, tz_name) == last:
                high = middle
            else:
                low = middle + 1
        ranges.append((low, last))
    return ranges
