"""Scheduling rules pinned one by one (make mutate, area scheduling): Anki's fuzz ranges with their
edges worked out by hand, preview equal to answer, manual log entries, the review counts, the
intervals, presets read field by field, and py-fsrs's parameter complaints cut to one line."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

import pytest

from srs.domain.cards import CardState
from srs.domain.scheduling import (
    DEFAULT_PARAMETERS,
    MANUAL,
    NEW_CARD,
    MemoryState,
    Rating,
    SchedulerSettings,
    answer,
    apply_event,
    forget,
    fuzz_interval,
    parameters_problem,
    preview,
    replay,
    replay_answers,
    retrievability,
    with_due,
)

UTC = timezone.utc
T0 = datetime(2026, 1, 1, 9, tzinfo=UTC)
FUZZ = SchedulerSettings(enable_fuzz=True)
NO_FUZZ = SchedulerSettings(enable_fuzz=False)


def spread(days: int, maximum: int = 36500) -> set[int]:
    return {fuzz_interval(days, maximum, f"card-{n}") for n in range(400)}


# --- Anki's fuzz ---------------------------------------------------------------------------------------


def test_intervals_under_two_and_a_half_days_are_not_fuzzed() -> None:
    assert spread(1) == {1}
    assert spread(2) == {2}
    assert spread(0) == {0}


def test_fuzz_ranges_by_hand() -> None:
    # delta = 1 + 15% of the days in 2.5-7 + 10% of those in 7-20 + 5% of those over 20
    assert spread(3) == {2, 3, 4}  # delta 1.075: 1.925 -> 2 (the floor is 2 anyway), 4.075 -> 4
    assert spread(5) == {4, 5, 6}  # delta 1.375: 3.625 -> 4, 6.375 -> 6 (nothing yet from the ranges above 7)
    assert spread(7) == {5, 6, 7, 8, 9}  # delta 1.675: 5.325 -> 5, 8.675 -> 9
    assert spread(10) == set(range(8, 13))  # delta 1.975: 8.025 -> 8, 11.975 -> 12
    assert spread(20) == set(range(17, 24))  # delta 2.975: 17.025 -> 17, 22.975 -> 23
    assert spread(100) == set(range(93, 108))  # delta 6.975: 93.025 -> 93, 106.975 -> 107


def test_fuzz_never_passes_the_maximum_interval() -> None:
    assert spread(100, maximum=100) == set(range(93, 101))
    assert spread(100, maximum=50) == {50}  # the maximum below the range: the maximum


def test_fuzz_is_the_same_for_the_same_seed() -> None:
    assert {fuzz_interval(100, 36500, "7:3") for _ in range(5)} == {fuzz_interval(100, 36500, "7:3")}


# --- answers ---------------------------------------------------------------------------------------------


def review_card(settings: SchedulerSettings = NO_FUZZ, seed: int = 1) -> MemoryState:
    return replay([(3, T0), (3, T0 + timedelta(minutes=10)), (3, T0 + timedelta(days=3))], settings, seed=seed)


def test_an_answer_counts_the_review_and_a_lapse_only_from_review() -> None:
    first = answer(NEW_CARD, Rating.AGAIN, T0, NO_FUZZ, seed=1)
    assert (first.memory.reps, first.memory.lapses, first.memory.state) == (1, 0, CardState.LEARNING)
    again = answer(first.memory, Rating.AGAIN, T0 + timedelta(minutes=1), NO_FUZZ, seed=1)
    assert (again.memory.reps, again.memory.lapses) == (2, 0)  # a learning card does not lapse
    memory = review_card()
    assert (memory.reps, memory.lapses, memory.state) == (3, 0, CardState.REVIEW)
    lapse = answer(memory, Rating.AGAIN, memory.due, NO_FUZZ, seed=1)
    assert (lapse.memory.reps, lapse.memory.lapses) == (4, 1)
    hard = answer(memory, Rating.HARD, memory.due, NO_FUZZ, seed=1)
    assert (hard.memory.reps, hard.memory.lapses) == (4, 0)


def test_an_answer_records_the_time_since_the_last_review_and_the_last_interval() -> None:
    first = answer(NEW_CARD, Rating.GOOD, T0, NO_FUZZ, seed=1, duration_ms=1234)
    assert (first.elapsed_days, first.last_interval_days, first.state_before, first.duration_ms) == (None, None, CardState.NEW, 1234)
    assert first.reviewed_at == T0 and first.memory.last_review == T0
    later = T0 + timedelta(hours=36)
    second = answer(first.memory, Rating.GOOD, later, NO_FUZZ, seed=1)
    assert second.elapsed_days == pytest.approx(1.5)
    assert second.last_interval_days == pytest.approx(10 / (24 * 60))  # the 10-minute learning step
    assert second.state_before == CardState.LEARNING
    assert second.scheduled_days == pytest.approx((second.memory.due - later).total_seconds() / 86400)


def test_interval_days_is_due_minus_last_review_in_fractional_days() -> None:
    assert MemoryState(due=T0 + timedelta(hours=36), last_review=T0).interval_days == pytest.approx(1.5)
    assert MemoryState(due=T0, last_review=None).interval_days is None
    assert MemoryState(due=None, last_review=T0).interval_days is None


def test_an_answer_before_the_last_review_is_refused() -> None:
    memory = review_card()
    with pytest.raises(ValueError, match="is before the card's last review"):
        answer(memory, Rating.GOOD, memory.last_review - timedelta(seconds=1), NO_FUZZ, seed=1)
    with pytest.raises(ValueError, match="is before the card's last review"):
        preview(memory, memory.last_review - timedelta(seconds=1), NO_FUZZ, seed=1)
    assert answer(memory, Rating.GOOD, memory.last_review, NO_FUZZ, seed=1).memory.reps == 4  # the same instant is fine


def test_fuzz_moves_only_review_intervals() -> None:
    # learning steps are never fuzzed
    assert answer(NEW_CARD, Rating.GOOD, T0, FUZZ, seed=5).memory.due == T0 + timedelta(minutes=10)
    fuzzed = {answer(review_card(FUZZ, seed), Rating.EASY, T0 + timedelta(days=10), FUZZ, seed=seed).scheduled_days for seed in range(30)}
    plain = {answer(review_card(NO_FUZZ, seed), Rating.EASY, T0 + timedelta(days=10), NO_FUZZ, seed=seed).scheduled_days for seed in range(30)}
    assert len(plain) == 1 and len(fuzzed) > 1
    assert all(days == int(days) for days in fuzzed)  # whole days from the review


# --- preview ---------------------------------------------------------------------------------------------


def test_preview_gives_each_answers_interval_exactly() -> None:
    for seed in (3, 11, 29):
        memory = review_card(FUZZ, seed)
        now = T0 + timedelta(days=12, hours=5)
        expected = {rating: answer(memory, rating, now, FUZZ, seed=seed).memory.due - now for rating in Rating}
        preview(NEW_CARD, T0, FUZZ, seed=999)  # another card previewed last: nothing kept for this one
        assert preview(memory, now, FUZZ, seed=seed) == expected


def test_an_answer_after_a_preview_has_its_own_duration() -> None:
    memory = review_card(FUZZ, 7)
    now = T0 + timedelta(days=12)
    preview(memory, now, FUZZ, seed=7)
    assert answer(memory, Rating.GOOD, now, FUZZ, seed=7).duration_ms is None
    preview(memory, now, FUZZ, seed=7)
    assert answer(memory, Rating.GOOD, now, FUZZ, seed=7, duration_ms=2500).duration_ms == 2500


def test_preview_of_a_new_card() -> None:
    intervals = preview(NEW_CARD, T0, NO_FUZZ, seed=1)
    assert intervals[Rating.AGAIN] == timedelta(minutes=1)
    assert intervals[Rating.GOOD] == timedelta(minutes=10)
    assert intervals[Rating.EASY] >= timedelta(days=1)


# --- manual entries and replays --------------------------------------------------------------------------


def test_forget_keeps_the_counts_only() -> None:
    memory = replace_counts(review_card(), reps=7, lapses=2)
    assert forget(memory) == MemoryState(state=CardState.NEW, reps=7, lapses=2)


def replace_counts(memory: MemoryState, *, reps: int, lapses: int) -> MemoryState:
    from dataclasses import replace

    return replace(memory, reps=reps, lapses=lapses)


def test_manual_entries_set_the_due_date_or_forget() -> None:
    memory = review_card()
    later = T0 + timedelta(days=40)
    moved = apply_event(memory, (MANUAL, T0 + timedelta(days=4), later), NO_FUZZ, seed=1)
    assert moved.due == later
    assert (moved.state, moved.stability, moved.difficulty, moved.last_review, moved.reps) == (
        memory.state, memory.stability, memory.difficulty, memory.last_review, memory.reps)
    assert apply_event(memory, (MANUAL, T0 + timedelta(days=4), None), NO_FUZZ, seed=1) == forget(memory)
    assert apply_event(memory, (MANUAL, T0 + timedelta(days=4)), NO_FUZZ, seed=1) == forget(memory)
    assert with_due(memory, later) == moved


def test_replay_answers_gives_every_answer_with_its_duration() -> None:
    events = [(3, T0, 1000), (3, T0 + timedelta(minutes=10), None), (1, T0 + timedelta(days=3), 2500)]
    answers = replay_answers(events, NO_FUZZ, seed=1)
    assert [a.rating for a in answers] == [Rating.GOOD, Rating.GOOD, Rating.AGAIN]
    assert [a.duration_ms for a in answers] == [1000, None, 2500]
    assert [a.reviewed_at for a in answers] == [e[1] for e in events]
    assert answers[-1].memory == replay([(r, t) for r, t, _ in events], NO_FUZZ, seed=1)
    assert replay_answers([], NO_FUZZ, seed=1) == []
    later = [(3, T0, None), (3, T0 + timedelta(minutes=10), None), (3, T0 + timedelta(days=3), None), (3, T0 + timedelta(days=20), None)]
    for seed in (4, 8, 15):  # with fuzz: each card's own seed, as answering it did
        assert replay_answers(later, FUZZ, seed=seed)[-1].memory == replay([(r, t) for r, t, _ in later], FUZZ, seed=seed)
    assert len({replay_answers(later, FUZZ, seed=seed)[-1].memory.due for seed in range(12)}) > 1


def test_retrievability_is_ninety_percent_after_one_stability_and_one_at_once() -> None:
    for decay in (0.1, 0.5, 0.8):
        assert retrievability(5.0, 5.0, decay) == pytest.approx(0.9)
        assert retrievability(5.0, 0.0, decay) == 1.0
        assert retrievability(5.0, -2.0, decay) == 1.0  # a review "in the future" counts as none elapsed
        assert retrievability(5.0, 10.0, decay) < 0.9


# --- presets and parameters ------------------------------------------------------------------------------


@dataclass
class Preset:
    parameters: list[float] = field(default_factory=lambda: [0.3, *DEFAULT_PARAMETERS[1:]])
    desired_retention: float = 0.85
    learning_steps: list[int] = field(default_factory=lambda: [30, 300])
    relearning_steps: list[int] = field(default_factory=lambda: [120, 900])
    maximum_interval: int = 400
    enable_fuzz: bool = False
    timezone: str = "Europe/Berlin"
    day_start_hour: int = 6


def test_settings_from_a_preset_take_every_field(monkeypatch: pytest.MonkeyPatch) -> None:
    from srs.domain import scheduling

    monkeypatch.setattr(scheduling, "_SCHEDULERS", {})  # a scheduler built here, not one cached by an earlier test
    settings = SchedulerSettings.from_preset(Preset())
    assert settings == SchedulerSettings(
        parameters=(0.3, *DEFAULT_PARAMETERS[1:]),
        desired_retention=0.85,
        learning_steps=(30, 300),
        relearning_steps=(120, 900),
        maximum_interval=400,
        enable_fuzz=False,
        timezone="Europe/Berlin",
        day_start_hour=6,
    )
    scheduler = settings.scheduler()
    assert tuple(scheduler.parameters) == (0.3, *DEFAULT_PARAMETERS[1:])
    assert DEFAULT_PARAMETERS[0] != 0.3
    assert scheduler.desired_retention == 0.85
    assert scheduler.learning_steps == (timedelta(seconds=30), timedelta(seconds=300))
    assert scheduler.relearning_steps == (timedelta(seconds=120), timedelta(seconds=900))
    assert scheduler.maximum_interval == 400
    assert scheduler.enable_fuzzing is False
    assert SchedulerSettings(enable_fuzz=True).scheduler().enable_fuzzing is False  # srs fuzzes, not py-fsrs
    assert SchedulerSettings.from_preset(Preset(enable_fuzz=True)).enable_fuzz is True


def test_parameter_complaints_become_one_line() -> None:
    heading = "One or more parameters are out of bounds:\n  w0 = nan\n  w1 = nan\n  w5 = inf\n"
    assert parameters_problem(ValueError(heading)) == "w0 = nan (and 2 more)"
    assert parameters_problem(ValueError("One or more parameters are out of bounds:\n w3 = -1\n")) == "w3 = -1"
    assert parameters_problem(ValueError("bad\nparameters here")) == "bad parameters here"
    assert parameters_problem(ValueError("just one")) == "just one"
    assert parameters_problem(ValueError("ends with a colon:")) == "ends with a colon:"
    assert parameters_problem(ValueError("")) == "ValueError"
    assert parameters_problem(OverflowError("\n \n")) == "OverflowError"


# --- the memory state against fsrs-rs, the reference implementation ----------------------------------------


@pytest.mark.parametrize(
    "log",
    [
        # (rating, days after the first review), reviews at 09:00 UTC (study days start at 04:00 UTC)
        [(3, 0), (3, 3), (3, 12), (3, 40)],
        [(3, 0), (1, 2), (3, 3), (4, 10), (2, 30)],
        [(4, 0), (3, 15), (3, 60)],
        [(2, 0), (2, 1), (1, 5), (1, 6), (3, 20)],
    ],
)
def test_replayed_memory_equals_fsrs_rs(log: list[tuple[int, int]]) -> None:
    from fsrs_rs_python import FSRS, FSRSItem, FSRSReview

    memory = replay([(rating, T0 + timedelta(days=day)) for rating, day in log], NO_FUZZ, seed=1)
    items = [FSRSReview(rating, day - (log[i - 1][1] if i else day)) for i, (rating, day) in enumerate(log)]
    reference = FSRS(list(DEFAULT_PARAMETERS)).memory_state(FSRSItem(items))
    assert memory.stability == pytest.approx(reference.stability, rel=1e-4)
    assert memory.difficulty == pytest.approx(reference.difficulty, rel=1e-4)
