"""Study days of many review times at once (numpy), for the statistics and the optimizer. Pure.

The same numbering as :func:`srs.timeutil.study_day` and :class:`srs.domain.study_days.StudyDayClock`
(days since 1970-01-01 of the study day a time falls in, for a zone and a day-start hour),
vectorised over arrays of UTC microseconds. Kept apart from :mod:`srs.domain.study_days` so
that the scalar "today" and elapsed-days arithmetic (every answer, ``srs status``) does not
import numpy.
"""

from __future__ import annotations

import numpy as np

from srs.domain.study_days import MICROS_PER_DAY, MICROS_PER_HOUR, offset_micros

_BUCKET = 15 * 60 * 1_000_000  # time-zone offsets only change on quarter hours


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
    return (local - day_start_hour * MICROS_PER_HOUR) // MICROS_PER_DAY


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
    return np.array([offset_micros(value, tz_name) for value in instants.tolist()], dtype=np.int64)
