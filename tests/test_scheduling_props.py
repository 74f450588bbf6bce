"""Property-based tests of scheduling (hypothesis, bounded): for any answers at any times
under any valid preset, the memory state stays sane, replay reproduces it, and undo
restores a card exactly."""

from __future__ import annotations

import math
from datetime import datetime, timedelta, timezone

from factories import add_card, add_reviews
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from srs.domain.scheduling import DEFAULT_PARAMETERS, NEW_CARD, Rating, SchedulerSettings, answer, fuzz_interval, replay
from srs.store.collection import Collection
from srs.store.models import CardState, Review
from srs.store.presets import get_preset
from srs.store.reviews import card_memory, replayed_memory, undo_last_review

START = datetime(2025, 1, 1, 6, 30, tzinfo=timezone.utc)
SECONDS_PER_DAY = 86_400

ratings = st.sampled_from([1, 2, 3, 4])
# From "at the same instant" to years later, with the short gaps of a learning session likely.
gaps = st.one_of(
    st.just(0.0),
    st.floats(min_value=1, max_value=3600),
    st.floats(min_value=3600, max_value=60 * SECONDS_PER_DAY),
    st.floats(min_value=60 * SECONDS_PER_DAY, max_value=4 * 365 * SECONDS_PER_DAY),
)
logs = st.lists(st.tuples(ratings, gaps), min_size=1, max_size=25)
steps = st.lists(st.integers(min_value=1, max_value=2 * SECONDS_PER_DAY), max_size=4)
presets = st.builds(
    SchedulerSettings,
    parameters=st.just(DEFAULT_PARAMETERS),
    desired_retention=st.floats(min_value=0.70, max_value=0.99),
    learning_steps=steps.map(tuple),
    relearning_steps=steps.map(tuple),
    maximum_interval=st.integers(min_value=1, max_value=36500),
    enable_fuzz=st.booleans(),
)


def _events(log: list[tuple[int, float]]) -> list[tuple[int, datetime]]:
    events, when = [], START
    for rating, gap in log:
        when = when + timedelta(seconds=gap)
        events.append((rating, when))
    return events


@settings(max_examples=200, deadline=None)
@given(log=logs, preset=presets, seed=st.integers(min_value=1, max_value=2**40))
def test_every_answer_leaves_a_sane_state(log: list[tuple[int, float]], preset: SchedulerSettings, seed: int) -> None:
    memory = NEW_CARD
    lapses = 0
    for number, (rating, when) in enumerate(_events(log), start=1):
        result = answer(memory, rating, when, preset, seed=seed)
        after = result.memory
        assert after.stability is not None and math.isfinite(after.stability) and after.stability > 0
        assert after.difficulty is not None and 1.0 <= after.difficulty <= 10.0
        assert after.due is not None and after.due > when  # due after the review time
        assert after.last_review == when and result.reviewed_at == when
        assert after.state in (CardState.LEARNING, CardState.REVIEW, CardState.RELEARNING)
        assert after.reps == number
        if rating == Rating.AGAIN and memory.state == CardState.REVIEW:
            lapses += 1
        assert after.lapses == lapses
        assert result.state_before == memory.state
        if after.state == CardState.REVIEW:
            assert (after.due - when) <= timedelta(days=preset.maximum_interval)
            assert result.scheduled_days >= 1 - 1e-9
        memory = after


@settings(max_examples=100, deadline=None)
@given(log=logs, preset=presets, seed=st.integers(min_value=1, max_value=2**40))
def test_replay_reproduces_the_answers_exactly(log: list[tuple[int, float]], preset: SchedulerSettings, seed: int) -> None:
    events = _events(log)
    memory = NEW_CARD
    for rating, when in events:
        memory = answer(memory, rating, when, preset, seed=seed).memory
    assert replay(events, preset, seed=seed) == memory
    assert replay(events, preset, seed=seed) == replay(list(events), preset, seed=seed)  # fuzz included


@settings(max_examples=300, deadline=None)
@given(days=st.integers(min_value=1, max_value=36500), maximum=st.integers(min_value=1, max_value=36500), seed=st.text(max_size=12))
def test_fuzz_stays_in_anki_s_range_and_is_reproducible(days: int, maximum: int, seed: str) -> None:
    days = min(days, maximum)
    fuzzed = fuzz_interval(days, maximum, seed)
    assert fuzzed == fuzz_interval(days, maximum, seed)
    if days < 2.5:
        assert fuzzed == days
        return
    delta = 1.0 + sum(f * max(min(days, end) - start, 0.0) for start, end, f in ((2.5, 7.0, 0.15), (7.0, 20.0, 0.1), (20.0, math.inf, 0.05)))
    assert min(max(2, round(days - delta)), min(round(days + delta), maximum)) <= fuzzed <= min(round(days + delta), maximum)


@settings(max_examples=150, deadline=None)
@given(log=logs, seed=st.integers(min_value=1, max_value=2**40))
def test_on_a_review_card_a_better_answer_never_gives_less_stability(log: list[tuple[int, float]], seed: int) -> None:
    preset = SchedulerSettings(enable_fuzz=False)
    memory = replay(_events(log), preset, seed=seed)
    if memory.state != CardState.REVIEW:
        return
    assert memory.last_review is not None
    when = memory.last_review + timedelta(days=max(memory.interval_days or 1.0, 1.0))
    stabilities = [answer(memory, r, when, preset, seed=seed).memory.stability for r in (Rating.HARD, Rating.GOOD, Rating.EASY)]
    assert stabilities == sorted(stabilities)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(log=logs, last=st.tuples(ratings, gaps))
def test_undo_restores_the_card_and_the_log_exactly(collection: Collection, now: datetime, log: list[tuple[int, float]], last: tuple[int, float]) -> None:
    """A card with any history, answered once more and undone: every stored field and the
    log are as before (one collection for the whole run; a new card per example)."""
    with collection.write() as session:
        preset_settings = SchedulerSettings.from_preset(get_preset(session))
        card = add_card(session, now=now)
        events = _events(log)
        add_reviews(session, card, events, preset_settings)
        before_card = card_memory(card)
        before_log = [tuple(r) for r in session.execute(select(*Review.__table__.columns).where(Review.card_id == card.id).order_by(Review.id))]
        add_reviews(session, card, [(last[0], events[-1][1] + timedelta(seconds=last[1]))], preset_settings)
        assert card.reps == before_card.reps + 1
        undone = undo_last_review(session, card, preset_settings, now)
        assert undone is not None and undone.rating == last[0]
        assert card_memory(card) == before_card
        assert card_memory(card) == replayed_memory(session, card, preset_settings)
        after_log = [tuple(r) for r in session.execute(select(*Review.__table__.columns).where(Review.card_id == card.id).order_by(Review.id))]
        assert after_log == before_log
