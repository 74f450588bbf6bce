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
history generator. The same counts over arrays of times, for the statistics and the
optimizer, are in :mod:`srs.domain.study_day_arrays` (numpy: kept out of this module so that
answering a card or counting today's due cards does not import it).
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from srs.timeutil import study_day, zone

MICROS_PER_DAY = 86_400_000_000
MICROS_PER_HOUR = 3_600_000_000
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_EPOCH_DATE = _EPOCH.date()


def elapsed_days(earlier: datetime, later: datetime, tz_name: str, day_start_hour: int) -> int:
    """Study days from ``earlier`` to ``later`` (0 on the same study day, never negative)."""
    days = (study_day(later, tz_name, day_start_hour) - study_day(earlier, tz_name, day_start_hour)).days
    return max(days, 0)


def offset_micros(instant: int, tz_name: str) -> int:
    """The zone's UTC offset, in microseconds, at ``instant`` (UTC microseconds)."""
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
        self.shift = day_start_hour * MICROS_PER_HOUR
        self._offsets: dict[int, int | None] = {}  # UTC day -> its offset (None: changes that day)

    def day(self, micros: int) -> int:
        utc_day = micros // MICROS_PER_DAY
        offset = self._offsets.get(utc_day, -1)
        if offset == -1:
            start = offset_micros(utc_day * MICROS_PER_DAY, self.tz_name)
            end = offset_micros(utc_day * MICROS_PER_DAY + MICROS_PER_DAY - 1, self.tz_name)
            offset = start if start == end else None
            self._offsets[utc_day] = offset
        if offset is None:  # a DST change that UTC day: the offset at this very instant
            offset = offset_micros(micros, self.tz_name)
        return (micros + offset - self.shift) // MICROS_PER_DAY

    def days(self, times: list[int]) -> list[int]:
        return [self.day(t) for t in times]


def offset_ranges(start: int, end: int, tz_name: str) -> list[tuple[int, int]]:
    """The zone's UTC offset over ``[start, end]`` (UTC micros) as ``(from, offset)`` pairs, the
    first ``from`` being ``start``: each offset holds from its instant to the next one's. Found
    per UTC day (its first and last microsecond), then the instant of each change by bisection;
    with them the study day of a time is ``(time + offset - day start) // day`` in SQL too."""
    ranges = [(start, offset_micros(start, tz_name))]
    for utc_day in range(start // MICROS_PER_DAY, end // MICROS_PER_DAY + 1):
        last = offset_micros(min(utc_day * MICROS_PER_DAY + MICROS_PER_DAY - 1, end), tz_name)
        if last == ranges[-1][1]:
            continue
        low, high = max(utc_day * MICROS_PER_DAY, ranges[-1][0]), min(utc_day * MICROS_PER_DAY + MICROS_PER_DAY - 1, end)
        while low < high:  # the first instant with the new offset
            middle = (low + high) // 2
            if offset_micros(middle, tz_name) == last:
                high = middle
            else:
                low = middle + 1
        ranges.append((low, last))
    return ranges
