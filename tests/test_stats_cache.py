"""The statistics caches (srs.store.stats_cache, srs.store.curve_cache) give the figures a scan
of the whole log gives, through appends, undo, edits, out-of-order imports, cards moved between
decks and changes of zone, day-start hour and parameters; on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import random
from datetime import datetime, timedelta, timezone
from typing import Any

import numpy as np
import pytest
from factories import add_card
from sqlalchemy import delete, func, insert, select, update

from srs.app import stats as app_stats
from srs.domain.forgetting import DECAY_INDEX, decay_of
from srs.domain.forgetting_curve import CurveReport, forgetting_curve
from srs.domain.memory_replay import replay_memory
from srs.domain.scheduling import MANUAL
from srs.domain.stats_sums import card_starts
from srs.store import curve_cache, stats_cache
from srs.store import stats as sql
from srs.store.collection import Collection, default_preset
from srs.store.decks import deck_ids
from srs.store.models import Card, Deck, Preset, Review
from srs.store.schema import stats_marks

UTC = timezone.utc
NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
DECKS = ("Alpha", "Beta::One", "Beta::Two")


def _setup(collection: Collection, rng: random.Random) -> list[int]:
    """Three decks, two presets (different zones, day starts and parameters), 40 cards."""
    with collection.write() as session:
        cards = [add_card(session, now=NOW - timedelta(days=900), deck=DECKS[i % 3], front=f"q{i}").id for i in range(40)]
        other = default_preset(NOW, "Evening")
        other.timezone, other.day_start_hour = "America/New_York", 0
        params = list(other.parameters)
        params[0], params[9], params[DECAY_INDEX] = params[0] * 1.3, 0.4, 0.3
        other.parameters = params
        session.add(other)
        session.flush()
        session.execute(update(Deck).where(Deck.name.like("Beta%")).values(preset_id=other.id))
    return cards


def _append(collection: Collection, rng: random.Random, cards: list[int], count: int, start: datetime, *, out_of_order: bool = False) -> None:
    """``count`` random log rows after each card's last (or anywhere, ``out_of_order``)."""
    with collection.write() as session:
        last = dict(session.execute(select(Review.card_id, func.max(Review.reviewed_at)).group_by(Review.card_id)).all())
        rows = []
        for _ in range(count):
            card = rng.choice(cards)
            previous = last.get(card)
            if previous is None or out_of_order:
                when = start + timedelta(seconds=rng.uniform(0, 400 * 86_400))
            else:
                when = previous + timedelta(seconds=rng.choice([40, 900, 5 * 3600, 86_400, 3 * 86_400, 20 * 86_400]) * rng.uniform(0.5, 2.0))
            first = previous is None
            rows.append(
                {
                    "card_id": card,
                    "rating": rng.choice([MANUAL, 1, 2, 3, 3, 3, 4]),
                    "reviewed_at": when,
                    "duration_ms": rng.choice([None, 4000]),
                    "state_before": 0 if first else rng.choice([1, 2, 2, 3]),
                    "state": 2,
                    "step": None,
                    "stability": 3.0,
                    "difficulty": 5.0,
                    "due": when + timedelta(days=3),
                    "elapsed_days": None if first or rng.random() < 0.03 else (when - previous).total_seconds() / 86_400 if previous and when > previous else 0.0,
                    "last_interval_days": None if first else rng.choice([0.01, 0.5, 1.0, 5.0, 21.0, 60.0]),
                    "scheduled_days": 3.0,
                }
            )
            last[card] = max(when, previous) if previous else when
        session.execute(insert(Review), rows)


def _oracle_curve(collection: Collection, deck: str | None) -> dict[str, Any]:
    """The forgetting curve by the full computation of the log (replay of every card, then
    :func:`forgetting_curve`), without the caches' code."""
    with collection.read() as session:
        ids = deck_ids(session, deck)
        parameters = sql.deck_parameters(session, ids)
        rules = sql.deck_study_days(session, ids)
        columns = sql.curve_columns(session, ids)
        card_ids = np.array(session.scalars(select(Review.card_id).join(Card).where(Review.rating != MANUAL, *([] if ids is None else [Card.deck_id.in_(ids)])).order_by(Review.card_id, Review.reviewed_at, Review.id)).all(), dtype=np.int64)
    columns["elapsed_days"] = np.where(card_starts(card_ids), -1.0, columns["elapsed_days"])  # each card starts its own log
    presets = sorted(set(parameters.values()))
    table = np.array(presets)
    row = np.array([presets.index(parameters[d]) for d in columns["deck_id"].tolist()], dtype=np.int64)
    days = app_stats.deck_elapsed_days(columns, rules)
    replayed = replay_memory(columns["rating"], days, table, row)
    later = columns["elapsed_days"] >= 0
    result = forgetting_curve(columns["elapsed_days"][later], replayed.stability_before[later], columns["rating"][later] > 1, table[row[later], DECAY_INDEX], study_days=days[later])
    return CurveReport(NOW, deck, sorted({decay_of(p) for p in presets}), result).to_json()


def _uncached_overview(collection: Collection, deck: str | None, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """``srs stats`` with the caches unavailable: every figure read from the log itself (the
    caches are left as they are, so the next call continues them)."""
    with monkeypatch.context() as patch:
        patch.setattr(stats_cache, "refresh", lambda *_args: False)
        patch.setattr(stats_cache, "days_current", lambda *_args: False)
        return app_stats.overview(collection, now=NOW, deck=deck).to_json()


def _assert_close(cached: Any, full: Any, path: str = "") -> None:
    if isinstance(full, dict):
        assert cached.keys() == full.keys(), path
        for key in full:
            _assert_close(cached[key], full[key], f"{path}/{key}")
    elif isinstance(full, list):
        assert len(cached) == len(full), path
        for i, (a, b) in enumerate(zip(cached, full, strict=True)):
            _assert_close(a, b, f"{path}[{i}]")
    elif isinstance(full, float):
        assert cached == pytest.approx(full, rel=1e-9, abs=1e-12), path
    else:
        assert cached == full, path


def _check(collection: Collection, monkeypatch: pytest.MonkeyPatch) -> None:
    for deck in (None, "Beta", "Alpha"):
        cached = app_stats.overview(collection, now=NOW, deck=deck).to_json()
        curve = app_stats.curve(collection, now=NOW, deck=deck).to_json()
        with collection.read() as session:
            assert stats_cache.days_current(session.connection(), *_rule(cached)), "the overview did not use its cache"
            assert curve_cache.curve_current(session.connection())
        _assert_close(curve, _oracle_curve(collection, deck))
        _assert_close(cached, _uncached_overview(collection, deck, monkeypatch))


def _rule(report: dict[str, Any]) -> tuple[str, int]:
    return report["timezone"], report["day_start_hour"]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_cached_statistics_equal_a_scan_of_the_log(collection: Collection, monkeypatch: pytest.MonkeyPatch, seed: int) -> None:
    rng = random.Random(seed)
    cards = _setup(collection, rng)
    _append(collection, rng, cards, 600, NOW - timedelta(days=800))
    _check(collection, monkeypatch)  # built from the log
    _append(collection, rng, cards, 150, NOW - timedelta(days=800))
    _check(collection, monkeypatch)  # the new reviews added
    with collection.write() as session:  # undo: the newest answer removed
        session.execute(delete(Review).where(Review.id == session.scalar(select(func.max(Review.id)))))
    assert _marks(collection) == 0
    _check(collection, monkeypatch)
    _append(collection, rng, cards, 50, NOW - timedelta(days=800))
    with collection.write() as session:  # an edit of an older row (srs check --fix, an import)
        session.execute(update(Review).where(Review.id == rng.randint(1, 300)).values(rating=1, last_interval_days=30.0))
    _check(collection, monkeypatch)
    with collection.write() as session:  # a card moved to the other preset's deck
        session.execute(update(Card).where(Card.id == cards[0]).values(deck_id=session.scalar(select(Deck.id).where(Deck.name == "Beta::Two"))))
    _check(collection, monkeypatch)
    with collection.write() as session:  # zone, day start and parameters changed
        preset = session.scalars(select(Preset).where(Preset.name == "Default")).one()
        preset.timezone, preset.day_start_hour = "Asia/Kolkata", 2
        preset.parameters = [*preset.parameters[:DECAY_INDEX], 0.2]
    _check(collection, monkeypatch)
    _append(collection, rng, cards, 40, NOW - timedelta(days=900), out_of_order=True)  # an older history imported
    _check(collection, monkeypatch)


def _marks(collection: Collection) -> int:
    with collection.read() as session:
        return int(session.scalar(select(func.count()).select_from(stats_marks)) or 0)


def test_appending_reviews_keeps_the_caches_and_adds_only_the_new_rows(collection: Collection) -> None:
    rng = random.Random(5)
    cards = _setup(collection, rng)
    _append(collection, rng, cards, 300, NOW - timedelta(days=500))
    app_stats.overview(collection, now=NOW)
    app_stats.curve(collection, now=NOW)
    with collection.read() as session:
        before = dict(session.execute(select(stats_marks.c.name, stats_marks.c.last_review_id)).all())
    _append(collection, rng, cards, 20, NOW - timedelta(days=500))
    with collection.read() as session:  # appending does not touch the caches
        assert dict(session.execute(select(stats_marks.c.name, stats_marks.c.last_review_id)).all()) == before
        newest = session.scalar(select(func.max(Review.id)))
    with collection.write() as session:  # an answer taken back before the next call: it was never counted
        session.execute(delete(Review).where(Review.id == newest))
    with collection.read() as session:
        assert dict(session.execute(select(stats_marks.c.name, stats_marks.c.last_review_id)).all()) == before
    report = app_stats.curve(collection, now=NOW)
    with collection.read() as session:
        assert session.scalar(select(stats_marks.c.last_review_id).where(stats_marks.c.name == "curve")) == newest - 1
    assert report.curve.calibration.reviews > 0


def test_a_collection_that_cannot_be_written_reads_the_log(collection: Collection, monkeypatch: pytest.MonkeyPatch) -> None:
    rng = random.Random(7)
    cards = _setup(collection, rng)
    _append(collection, rng, cards, 200, NOW - timedelta(days=300))
    monkeypatch.setattr(stats_cache, "refresh", lambda *_args: False)
    report = app_stats.overview(collection, now=NOW).to_json()
    assert _marks(collection) == 0
    monkeypatch.undo()
    _assert_close(app_stats.overview(collection, now=NOW).to_json(), report)
    assert json.dumps(app_stats.curve(collection, now=NOW).to_json())


def test_check_finds_a_cache_that_differs_from_the_log_and_fix_rebuilds_it(srs: Any, collection: Collection, monkeypatch: pytest.MonkeyPatch) -> None:
    from srs.store.schema import curve_bins, stats_days

    rng = random.Random(9)
    cards = _setup(collection, rng)
    _append(collection, rng, cards, 300, NOW - timedelta(days=400))
    assert srs("check", "--fix", now=NOW).exit_code == 0  # the cards' states: the replay of these random logs
    assert srs("stats", "--json", now=NOW).exit_code == 0
    assert srs("stats", "curve", "--json", now=NOW).exit_code == 0
    assert srs("check", now=NOW).exit_code == 0  # the caches agree with the log
    with collection.write_derived() as connection:  # damage both caches behind the triggers' back
        connection.execute(update(stats_days).where(stats_days.c.day == select(func.max(stats_days.c.day)).scalar_subquery()).values(reviews=stats_days.c.reviews + 1))
        connection.execute(update(curve_bins).values(recalled=curve_bins.c.recalled + 1))
    found = srs("check", now=NOW)
    assert found.exit_code == 1
    assert "2 statistics caches differing from the review log" in found.output and "rebuild them from the log" in found.output
    fixed = srs("check", "--fix", now=NOW)
    assert fixed.exit_code == 0, fixed.output
    assert srs("check", now=NOW).exit_code == 0
    _check(collection, monkeypatch)


def test_check_recreates_a_missing_trigger(srs: Any, collection: Collection, monkeypatch: pytest.MonkeyPatch) -> None:
    from srs.store.stats_triggers import drop_triggers

    rng = random.Random(10)
    cards = _setup(collection, rng)
    _append(collection, rng, cards, 100, NOW - timedelta(days=100))
    assert srs("check", "--fix", now=NOW).exit_code == 0  # the cards' states: the replay of these random logs
    with collection.write_derived() as connection:
        drop_triggers(connection)
    found = srs("check", now=NOW)
    count = 4 if collection.engine.dialect.name == "postgresql" else 3
    assert found.exit_code == 1 and f"{count} statistics cache triggers missing" in found.output
    assert srs("check", "--fix", now=NOW).exit_code == 0
    assert srs("check", now=NOW).exit_code == 0
    app_stats.overview(collection, now=NOW)
    with collection.write() as session:  # an undo after the repair still reaches the caches
        session.execute(delete(Review).where(Review.id == session.scalar(select(func.max(Review.id)))))
    assert _marks(collection) == 0
    _check(collection, monkeypatch)


def test_postgresql_answer_committed_after_a_later_id_is_counted(collection: Collection, monkeypatch: pytest.MonkeyPatch) -> None:
    """PostgreSQL hands out ids before commit: an answer still open when a later id commits must
    not fall below the caches' mark (the refresh waits for open writers)."""
    import threading
    import time

    if collection.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has one writer at a time: the PostgreSQL run checks this")
    rng = random.Random(12)
    cards = _setup(collection, rng)
    _append(collection, rng, cards, 100, NOW - timedelta(days=100))
    app_stats.overview(collection, now=NOW)  # the caches built
    row = {"card_id": cards[1], "rating": 3, "reviewed_at": NOW - timedelta(hours=1), "duration_ms": 1, "state_before": 2, "state": 2, "step": None,
           "stability": 3.0, "difficulty": 5.0, "due": NOW, "elapsed_days": 2.0, "last_interval_days": 2.0, "scheduled_days": 3.0}
    slow = collection.engine.connect()
    slow.begin()
    slow.execute(insert(Review), [row])  # takes the lower id, not committed yet
    with collection.write() as session:  # a later id, committed first
        session.execute(insert(Review), [row])
    done = threading.Event()
    worker = threading.Thread(target=lambda: (app_stats.overview(collection, now=NOW), done.set()))
    worker.start()
    time.sleep(1.0)
    assert not done.is_set(), "the refresh did not wait for the open writer"
    slow.commit()
    slow.close()
    worker.join(30)
    assert done.is_set()
    _check(collection, monkeypatch)
