"""The scheduler runs once per card in a review session: the four button intervals are
computed when the card is shown, and the answer reuses the chosen one, moved to the time of
the answer (srs.domain.scheduling._from_preview). That must be exactly what running the scheduler at
the answer's time returns, or the card's state would drift from the replay of its log."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_scheduling_props import SECONDS_PER_DAY, START, logs, presets, ratings

import srs.domain.scheduling as scheduling
from srs.domain.scheduling import Rating, SchedulerSettings, answer, preview, replay

zones = st.sampled_from(["UTC", "Asia/Shanghai", "America/New_York", "Europe/Berlin"])
# From the same second to a day and a half later: same study day, the next, across day starts
# and (America/New_York, Europe/Berlin) daylight-saving changes.
delays = st.floats(min_value=0, max_value=1.5 * SECONDS_PER_DAY)


def direct(memory, rating, now, preset, seed, duration):  # type: ignore[no-untyped-def]
    """The scheduler run at ``now``, bypassing what a preview left."""
    scheduling._PREVIEWED.clear()
    return answer(memory, rating, now, preset, seed=seed, duration_ms=duration)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(log=logs, preset=presets, zone=zones, hour=st.integers(0, 23), shown_after=delays, think=delays,
       rating=ratings, seed=st.integers(1, 10**9))
def test_an_answer_after_its_preview_equals_running_the_scheduler_then(
    log, preset, zone, hour, shown_after, think, rating, seed  # type: ignore[no-untyped-def]
) -> None:
    preset = SchedulerSettings(**{**preset.__dict__, "timezone": zone, "day_start_hour": hour})
    events, at = [], START
    for event_rating, gap in log:
        at += timedelta(seconds=gap)
        events.append((event_rating, at))
    memory = replay(events, preset, seed=seed)
    shown = at + timedelta(seconds=shown_after)
    answered = shown + timedelta(seconds=think)
    expected = direct(memory, rating, answered, preset, seed, 4200)
    intervals = preview(memory, shown, preset, seed=seed)
    got = answer(memory, rating, answered, preset, seed=seed, duration_ms=4200)
    assert got == expected
    # and the intervals shown are those of answering at the time shown
    for each in Rating:
        due = direct(memory, each, shown, preset, seed, None).memory.due
        assert due is not None and intervals[each] == due - shown


def test_the_preview_is_reused_only_for_the_same_card_state() -> None:
    preset = SchedulerSettings(enable_fuzz=True)
    memory = replay([(3, START), (3, START + timedelta(days=3))], preset, seed=7)
    later = START + timedelta(days=20)
    preview(memory, later, preset, seed=7)
    calls = []
    real = scheduling._compute

    def counting(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(args)
        return real(*args, **kwargs)

    scheduling._compute = counting  # type: ignore[assignment]
    try:
        answer(memory, Rating.GOOD, later + timedelta(seconds=9), preset, seed=7)
        assert calls == []  # reused
        answer(memory, Rating.GOOD, later, preset, seed=8)  # another card
        answer(memory, Rating.GOOD, later + timedelta(days=1), preset, seed=7)  # another study day
        answer(memory, Rating.GOOD, later, SchedulerSettings(enable_fuzz=False), seed=7)  # other settings
        assert len(calls) == 3
    finally:
        scheduling._compute = real  # type: ignore[assignment]
