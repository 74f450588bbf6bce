"""Statistics on synthetic histories drawn from a known FSRS model.

The empirical forgetting curve must match the model that made the data within each bin's
statistical error; every figure of ``srs stats`` must equal an independent plain-Python count
over the rows; and the generator itself must give histories whose stored state is the replay
of the log.
"""

from __future__ import annotations

import math
from collections import Counter
from datetime import timedelta

import numpy as np
import pytest
from conftest import NOW
from sqlalchemy import select, update

from srs.app import stats as collection_stats
from srs.app.synthetic import SyntheticSpec, blocks, simulate_block, write_synthetic
from srs.domain.memory_replay import replay_memory
from srs.domain.scheduling import SchedulerSettings, retrievability
from srs.store import stats as sql
from srs.store.collection import Collection
from srs.store.models import Card, CardState, Preset, Review
from srs.store.presets import get_preset
from srs.store.reviews import card_memory, replayed_memory
from srs.timeutil import day_bounds, day_start, from_micros, study_day

TZ, HOUR = "Asia/Shanghai", 4
SPEC = SyntheticSpec(cards=2_500, reviews=20_000, span_days=500, seed=7)


def _open_with_preset(path: str, **values: object) -> Collection:
    collection = Collection.open(path, now=NOW)
    with collection.write() as session:
        session.execute(update(Preset).values(**values))
    return collection


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """A collection with SPEC's synthetic history (read-only for the tests of this module)."""
    path = str(tmp_path_factory.mktemp("synthetic") / "collection.db")
    collection = _open_with_preset(path, timezone=TZ, day_start_hour=HOUR)
    summary = write_synthetic(collection, SPEC, now=NOW, deck="Synthetic::Model")
    yield collection, summary
    collection.close()


def test_generator_meets_its_target_and_state_is_the_replay(history) -> None:  # type: ignore[no-untyped-def]
    collection, summary = history
    assert summary.cards == SPEC.cards
    assert SPEC.reviews * 0.97 <= summary.reviews <= SPEC.reviews
    with collection.read() as session:
        assert session.scalar(select(Review.id).order_by(Review.id.desc()).limit(1)) is not None
        settings = SchedulerSettings.from_preset(get_preset(session))
        cards = session.scalars(select(Card).where(Card.id % 25 == 0)).all()
        assert len(cards) == SPEC.cards // 25
        for card in cards:
            assert card_memory(card) == replayed_memory(session, card, settings)
        first, last = session.execute(select(sql.reviewed_at.label("a")).order_by(Review.reviewed_at).limit(1)).scalar(), session.execute(
            select(sql.reviewed_at).order_by(Review.reviewed_at.desc()).limit(1)
        ).scalar()
    assert from_micros(first) >= NOW - timedelta(days=SPEC.span_days) and from_micros(last) <= NOW


def test_generator_is_seeded_and_independent_of_processes(tmp_path) -> None:  # type: ignore[no-untyped-def]
    spec = SyntheticSpec(cards=2_100, reviews=4_200, span_days=200, seed=3)
    assert len(blocks(spec)) == 2
    rows = []
    for name, processes in (("one", 1), ("two", 2)):
        collection = Collection.open(str(tmp_path / f"{name}.db"), now=NOW)
        write_synthetic(collection, spec, now=NOW, processes=processes)
        with collection.read() as session:
            rows.append(session.execute(select(Review.card_id, Review.rating, sql.reviewed_at, Review.stability).order_by(Review.id)).all())
        collection.close()
    assert rows[0] == rows[1] and len(rows[0]) > 4_000
    other = SyntheticSpec(cards=2_100, reviews=4_200, span_days=200, seed=4)
    settings = SchedulerSettings()
    assert [h.rows for h in simulate_block(other, settings, blocks(other)[0], first_card_id=1)][:50] != [
        h.rows for h in simulate_block(spec, settings, blocks(spec)[0], first_card_id=1)
    ][:50]


def test_replayed_stability_is_the_previous_log_row(history) -> None:  # type: ignore[no-untyped-def]
    collection, _ = history
    with collection.read() as session:
        columns = sql.curve_columns(session, None)
        logged = session.execute(select(Review.card_id, Review.stability).order_by(Review.card_id, Review.reviewed_at, Review.id)).all()
        parameters = get_preset(session).parameters
        days = collection_stats.deck_elapsed_days(columns, sql.deck_study_days(session, None))
    replayed = replay_memory(columns["rating"], days, np.array(parameters))
    card = np.array([c for c, _ in logged])
    stability = np.array([s for _, s in logged])
    same_card = np.r_[False, card[1:] == card[:-1]]
    np.testing.assert_allclose(replayed.stability_before[same_card], stability[:-1][same_card[1:]], rtol=1e-9)
    np.testing.assert_allclose(replayed.stability_after, stability, rtol=1e-9)


def test_empirical_curve_matches_the_model_within_binomial_error(history) -> None:  # type: ignore[no-untyped-def]
    collection, _ = history
    report = collection_stats.curve(collection, now=NOW)
    bins = [b for b in report.curve.bins if b.reviews >= 100]
    assert len(bins) >= 15
    assert sum(b.reviews for b in bins) >= 0.95 * report.curve.calibration.reviews
    z = [(b.recall_rate - b.predicted) / b.standard_error for b in bins if b.standard_error > 0]
    assert max(abs(v) for v in z) < 3.5, z  # every bin within 3.5 sigma ...
    # ... and all of them together: sum z^2 ~ chi-square(len(z)); 0.1% upper tail.
    df = len(z)
    assert sum(v * v for v in z) < df + 3.1 * math.sqrt(2 * df) + 5
    cal = report.curve.calibration
    all_bins = report.curve.bins
    # Under the model, n * RMSE^2 = sum over bins of n_b * SE_b^2 * z_b^2, with E[z_b^2] = 1.
    expected_rmse = math.sqrt(sum(b.reviews * b.standard_error**2 for b in all_bins) / cal.reviews)
    assert cal.rmse_bins < 2 * expected_rmse
    overall_error = math.sqrt(sum((b.reviews * b.standard_error) ** 2 for b in all_bins)) / cal.reviews
    assert abs(cal.recall_rate - cal.predicted) < 4 * overall_error
    # The log loss is the model's own entropy, within its sampling error.
    with collection.read() as session:
        columns = sql.curve_columns(session, None)
        parameters = np.array(get_preset(session).parameters)
        days = collection_stats.deck_elapsed_days(columns, sql.deck_study_days(session, None))
    replayed = replay_memory(columns["rating"], days, parameters)
    later = columns["elapsed_days"] > 0
    # The model's elapsed time: study days, fractional days within the same study day (as the curve).
    t = np.where(days[later] >= 1, days[later], columns["elapsed_days"][later])
    p = np.clip((1 + (0.9 ** (-1 / parameters[20]) - 1) * t / replayed.stability_before[later]) ** -parameters[20], 1e-6, 1 - 1e-6)
    entropy = -(p * np.log(p) + (1 - p) * np.log(1 - p))
    assert cal.log_loss == pytest.approx(entropy.mean(), abs=4 * entropy.std() / math.sqrt(len(p)) + 0.002)


def test_a_wrong_model_is_visible_in_the_curve_and_calibration(tmp_path) -> None:  # type: ignore[no-untyped-def]
    spec = SyntheticSpec(cards=1_000, reviews=8_000, span_days=500, seed=5)
    true = list(SchedulerSettings().parameters)
    true[:4] = [w / 4 for w in true[:4]]  # the user's memory is weaker than the scheduler assumes:
    true[8] = 1.2  # lower first stabilities, slower growth of stability on recall
    results = []
    for name, truth in (("right", None), ("wrong", tuple(true))):
        collection = Collection.open(str(tmp_path / f"{name}.db"), now=NOW)
        write_synthetic(collection, SyntheticSpec(**{**spec.__dict__, "true_parameters": truth}), now=NOW)
        results.append(collection_stats.curve(collection, now=NOW).curve)
        collection.close()
    right, wrong = results
    worst = max(abs(b.recall_rate - b.predicted) / b.standard_error for b in wrong.bins if b.reviews >= 100 and b.standard_error > 0)
    assert worst > 6
    assert wrong.calibration.rmse_bins > 2 * right.calibration.rmse_bins
    assert wrong.long_term.rmse_bins > 0.02


def _plain_counts(collection: Collection):  # type: ignore[no-untyped-def]
    """Every figure of the overview, counted row by row in plain Python."""
    with collection.read() as session:
        reviews = session.execute(select(Review.rating, Review.reviewed_at, Review.state_before, Review.last_interval_days, Review.duration_ms)).all()
        cards = session.execute(select(Card.id, Card.state, Card.stability, Card.last_review, Card.due, Card.suspended)).all()
        decay = get_preset(session).parameters[20]
    today = study_day(NOW, TZ, HOUR)
    start_of = lambda days_ago: day_start(today - timedelta(days=days_ago), TZ, HOUR)  # noqa: E731
    periods = {
        "today": (start_of(0), None),
        "yesterday": (start_of(1), start_of(0)),
        "last_7_days": (start_of(6), None),
        "last_30_days": (start_of(29), None),
        "last_365_days": (start_of(364), None),
        "all_time": (None, None),
    }
    retention: dict[str, Counter[str]] = {key: Counter() for key in periods}
    per_day: Counter[object] = Counter()
    today_ms = 0
    for rating, at, state_before, last_interval, duration in reviews:
        per_day[study_day(at, TZ, HOUR)] += 1
        if study_day(at, TZ, HOUR) == today:
            today_ms += duration or 0
        if not (state_before == CardState.REVIEW or (last_interval is not None and last_interval >= 1)):
            continue
        group = "mature" if last_interval is not None and last_interval >= 21 else "young"
        outcome = "passed" if rating > 1 else "failed"
        for key, (begin, end) in periods.items():
            if (begin is None or at >= begin) and (end is None or at < end):
                retention[key][f"{group}_{outcome}"] += 1
    forecast: Counter[tuple[object, str]] = Counter()
    overdue = 0
    day_end = day_bounds(NOW, TZ, HOUR)[0]
    recall = {}
    for card_id, state, stability, last_review, due, suspended in cards:
        if state != CardState.NEW and stability is not None:
            recall[card_id] = (retrievability(stability, (NOW - last_review).total_seconds() / 86_400, decay), suspended)
        if state == CardState.NEW or suspended:
            continue
        if due < day_end:
            overdue += 1
        elif study_day(due, TZ, HOUR) < today + timedelta(days=30):
            forecast[(study_day(due, TZ, HOUR), "review" if state == CardState.REVIEW else "learning")] += 1
    return retention, per_day, today_ms, forecast, overdue, recall, today


def test_overview_equals_an_independent_count(history) -> None:  # type: ignore[no-untyped-def]
    collection, summary = history
    overview = collection_stats.overview(collection, now=NOW)
    retention, per_day, today_ms, forecast, overdue, recall, today = _plain_counts(collection)
    assert overview.today == today and overview.timezone == TZ
    for row in overview.retention:
        counted = retention[row.key]
        assert (row.young.passed, row.young.failed, row.mature.passed, row.mature.failed) == (
            counted["young_passed"],
            counted["young_failed"],
            counted["mature_passed"],
            counted["mature_failed"],
        ), row.key
    assert overview.retention[-1].total.total > 10_000 and overview.retention[0].total.total > 0
    assert overview.total_reviews == summary.reviews == sum(per_day.values())
    assert overview.reviews_today == per_day[today] and overview.time_today_ms == today_ms
    for week in range(overview.heatmap.weeks):
        for weekday in range(7):
            count = overview.heatmap.grid[weekday][week]
            day = overview.heatmap.day(weekday, week)
            assert count == (None if day > today else per_day[day])
    studied = sorted(per_day)
    run = 0
    day = today if per_day[today] else today - timedelta(days=1)
    while per_day[day]:
        run += 1
        day -= timedelta(days=1)
    assert overview.streak.current == run and overview.streak.days_studied == len(studied)
    assert overview.streak.days == (today - studied[0]).days + 1
    assert overview.forecast.overdue == overdue
    assert {(d.day, kind): n for d in overview.forecast.days for kind, n in (("review", d.review), ("learning", d.learning)) if n} == dict(forecast)
    values = [r for r, _ in recall.values()]
    assert overview.retrievability.cards == len(values)
    assert overview.retrievability.mean == pytest.approx(sum(values) / len(values))
    assert sum(overview.retrievability.counts) == len(values)
    expected_risk = sorted((r, card_id) for card_id, (r, suspended) in recall.items() if not suspended)[:10]
    assert [(c.card_id, c.retrievability) for c in overview.at_risk] == [(card_id, pytest.approx(r)) for r, card_id in expected_risk]
    assert overview.cards.total == SPEC.cards and overview.cards.new == 0
