"""``srs reschedule``: afterwards every card's state is the replay of its log with its preset;
a dry run changes nothing; the fast batch replay is exactly ``srs.domain.scheduling.replay``."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from factories import add_card, add_reviews
from hypothesis import given, settings
from hypothesis import strategies as st
from revlog_data import write_revlog
from sqlalchemy import select

from srs.app.reschedule import reschedule
from srs.domain.batch_replay import BatchReplayer
from srs.domain.optimizer import clamp_parameters
from srs.domain.scheduling import DEFAULT_PARAMETERS, SchedulerSettings, replay
from srs.store.models import Card, Preset, Review
from srs.store.presets import preset_for_deck
from srs.store.reviews import card_memory, replayed_memory
from srs.timeutil import to_micros

UTC = timezone.utc


def _dump(collection) -> tuple[list[tuple], list[tuple], list[tuple]]:  # type: ignore[no-untyped-def]
    """Every column of every card, review and preset."""
    with collection.read() as session:
        return (
            [tuple(row) for row in session.execute(select(Card.__table__).order_by(Card.id))],
            [tuple(row) for row in session.execute(select(Review.__table__).order_by(Review.id))],
            [tuple(row) for row in session.execute(select(Preset.__table__).order_by(Preset.id))],
        )


def _assert_every_card_is_its_replay(collection) -> int:  # type: ignore[no-untyped-def]
    with collection.read() as session:
        cards = session.scalars(select(Card)).all()
        for card in cards:
            settings = SchedulerSettings.from_preset(preset_for_deck(session, card.deck_id))
            assert card_memory(card) == replayed_memory(session, card, settings), card.id
        return len(cards)


def _change_preset(collection, *, parameters: list[float] | None = None, retention: float | None = None) -> None:  # type: ignore[no-untyped-def]
    with collection.write() as session:
        preset = session.scalars(select(Preset)).one()
        if parameters is not None:
            preset.parameters = parameters
        if retention is not None:
            preset.desired_retention = retention


def _fitted_like() -> list[float]:
    """Parameters unlike the defaults (as a fit would give)."""
    return list(clamp_parameters([p * f for p, f in zip(DEFAULT_PARAMETERS, [0.8, 0.6, 0.9, 0.7] + [1.1, 0.9] * 8 + [1.5])]))


@pytest.fixture
def history(srs, collection, tmp_path: Path):  # type: ignore[no-untyped-def]
    write_revlog(tmp_path / "log.csv", cards=60, seed=11)
    assert srs("import-revlog", str(tmp_path / "log.csv")).exit_code == 0
    return collection


def test_dry_run_changes_nothing_and_reschedule_makes_every_card_its_replay(srs, history) -> None:  # type: ignore[no-untyped-def]
    _change_preset(history, parameters=_fitted_like(), retention=0.8)
    before = _dump(history)
    dry = srs("reschedule", "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert _dump(history) == before
    assert "Replayed the logs of 60 of the 60 cards in the collection (preset Default, desired retention 0.80)." in " ".join(dry.stdout.split())
    assert "Dry run: nothing changed." in dry.stdout

    done = srs("reschedule")
    assert done.exit_code == 0, done.output
    # The dry run announced exactly what the real run did.
    strip = lambda text: [line for line in text.splitlines() if "cards whose" in line or "due today" in line]  # noqa: E731
    assert strip(dry.stdout) == strip(done.stdout)
    assert "Done: 60 cards updated." in done.stdout
    assert _assert_every_card_is_its_replay(history) == 60
    cards, reviews, presets = _dump(history)
    assert reviews == before[1] and presets == before[2]  # the log and the preset are untouched

    again = srs("reschedule")
    assert "Nothing to do: every card already matches its log." in again.stdout
    assert _dump(history) == (cards, reviews, presets)


def test_counts_of_moved_cards_and_cards_due_today(history, now: datetime) -> None:  # type: ignore[no-untyped-def]
    with history.read() as session:
        old = {card.id: (card.due, card.state) for card in session.scalars(select(Card))}
    _change_preset(history, retention=0.97)
    report = reschedule(history, now=now)
    with history.read() as session:
        new = {card.id: (card.due, card.state) for card in session.scalars(select(Card))}
    moved = [cid for cid in old if old[cid][0] != new[cid][0]]
    assert report.moved == len(moved) > 0
    assert report.earlier == sum(1 for cid in moved if new[cid][0] < old[cid][0])
    assert report.later == len(moved) - report.earlier
    day_end = datetime(2026, 3, 3, 4, 0, tzinfo=UTC)  # the fixed now is 2026-03-02 12:00 UTC, days start at 04:00
    assert report.due_today_before == sum(1 for due, state in old.values() if state != 0 and due < day_end)
    assert report.due_today_after == sum(1 for due, state in new.values() if state != 0 and due < day_end)
    assert report.verified >= 60 and not report.slow_path


def test_deck_option_only_touches_that_deck(srs, collection, now: datetime) -> None:  # type: ignore[no-untyped-def]
    with collection.write() as session:
        for deck in ("Papers", "Papers::NLP", "Other"):
            card = add_card(session, now=now, deck=deck)
            add_reviews(session, card, [(3, now - timedelta(days=40)), (3, now - timedelta(days=30)), (2, now - timedelta(days=5))])
    _change_preset(collection, retention=0.75)
    before = {row[0]: row for row in _dump(collection)[0]}
    result = srs("reschedule", "--deck", "Papers")
    assert result.exit_code == 0, result.output
    assert "of the 2 cards in deck Papers" in " ".join(result.stdout.split())
    after = {row[0]: row for row in _dump(collection)[0]}
    with collection.read() as session:
        names = {card.id: card.deck.name for card in session.scalars(select(Card))}
    changed = {names[cid] for cid in before if before[cid] != after[cid]}
    assert changed == {"Papers", "Papers::NLP"}
    unknown = srs("reschedule", "--deck", "Nope")
    assert unknown.exit_code == 1 and unknown.stderr.startswith("Error: unknown deck 'Nope'")


def test_a_card_whose_state_drifted_from_its_log_is_repaired(collection, now: datetime) -> None:  # type: ignore[no-untyped-def]
    with collection.write() as session:
        card = add_card(session, now=now)
        add_reviews(session, card, [(3, now - timedelta(days=10)), (3, now - timedelta(days=8))])
        card.stability = 123.0
        card.due = now + timedelta(days=400)
        lonely = add_card(session, now=now)
        lonely.state, lonely.reps, lonely.due = 2, 5, now  # a state without any log
    report = reschedule(collection, now=now)
    assert report.changed == 2 and report.replayed == 1 and report.cards == 2
    _assert_every_card_is_its_replay(collection)


def test_the_scheduler_itself_takes_over_if_the_fast_replay_ever_differs(history, now: datetime, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    _change_preset(history, parameters=_fitted_like())
    original = BatchReplayer.replay

    def wrong(self, ratings, times, seed):  # type: ignore[no-untyped-def]
        state, step, stability, *rest = original(self, ratings, times, seed)
        return (state, step, (stability or 0) * 1.0000001, *rest)

    monkeypatch.setattr(BatchReplayer, "replay", wrong)
    report = reschedule(history, now=now)
    assert report.slow_path and report.changed == 60
    _assert_every_card_is_its_replay(history)


# --- the batch replay is the scheduler's replay ----------------------------------------------

_steps = st.lists(st.sampled_from([30, 60, 600, 3600, 86_400, 3 * 86_400]), max_size=3).map(tuple)


@st.composite
def _scenario(draw):  # type: ignore[no-untyped-def]
    factors = draw(st.lists(st.floats(0.3, 2.5), min_size=21, max_size=21))
    parameters = clamp_parameters([p * f for p, f in zip(DEFAULT_PARAMETERS, factors)]) if draw(st.booleans()) else DEFAULT_PARAMETERS
    scheduler = SchedulerSettings(
        parameters=tuple(parameters),
        desired_retention=draw(st.sampled_from([0.7, 0.8, 0.9, 0.95, 0.99])),
        learning_steps=draw(_steps),
        relearning_steps=draw(_steps),
        maximum_interval=draw(st.sampled_from([1, 7, 365, 36_500])),
        enable_fuzz=draw(st.booleans()),
    )
    gaps = draw(st.lists(st.one_of(st.integers(0, 3600), st.integers(3600, 86_400 * 3), st.integers(86_400, 86_400 * 800)), min_size=1, max_size=25))
    ratings = draw(st.lists(st.integers(1, 4), min_size=len(gaps), max_size=len(gaps)))
    start = datetime(2023, 5, 1, 7, 30, tzinfo=UTC) + timedelta(microseconds=draw(st.integers(0, 10**12)))
    times, at = [], start
    for gap in gaps:
        times.append(at)
        at += timedelta(seconds=gap, microseconds=draw(st.integers(0, 999_999)))
    return scheduler, ratings, times, draw(st.integers(1, 10**9))


@settings(max_examples=400, deadline=None)
@given(_scenario())
def test_batch_replay_is_exactly_the_schedulers_replay(scenario) -> None:  # type: ignore[no-untyped-def]
    scheduler, ratings, times, seed = scenario
    memory = replay(list(zip(ratings, times)), scheduler, seed=seed)
    expected = (
        int(memory.state),
        memory.step,
        memory.stability,
        memory.difficulty,
        to_micros(memory.due) if memory.due else None,
        to_micros(memory.last_review) if memory.last_review else None,
        memory.reps,
        memory.lapses,
    )
    assert BatchReplayer(scheduler).replay(ratings, [to_micros(t) for t in times], seed) == expected


def test_on_a_terminal_it_shows_the_counts_and_asks_first(srs, history, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    import srs.commands.optimize as commands

    monkeypatch.setattr(commands, "_interactive", lambda: True)
    _change_preset(history, retention=0.8)
    before = _dump(history)
    declined = srs("reschedule", input="n\n")
    assert declined.exit_code == 0, declined.output
    asked = re.search(r"Update these (\d+) cards\? \[Y/n\]", declined.stdout)
    assert "cards whose due date moves" in declined.stdout and asked
    assert "Nothing changed." in declined.stdout
    assert _dump(history) == before
    accepted = srs("reschedule", input="y\n")
    assert accepted.exit_code == 0 and f"Done: {asked.group(1)} cards updated." in accepted.stdout
    _assert_every_card_is_its_replay(history)
    assert "Nothing to do" in srs("reschedule", input="").stdout
    assert "Update these" not in srs("reschedule", "--yes").stdout


def test_invalid_preset_parameters_are_one_error_line(srs, history) -> None:  # type: ignore[no-untyped-def]
    bad = list(DEFAULT_PARAMETERS)
    bad[20] = 5.0
    _change_preset(history, parameters=bad)
    before = _dump(history)
    result = srs("reschedule", "--yes")
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: preset 'Default' has invalid FSRS parameters (parameters[20] = 5.0 is out of bounds")
    assert _dump(history) == before
