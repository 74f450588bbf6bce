"""The per-card figures of ``srs stats`` counted by the database (srs.store.stats_cards: cards by
state, the due forecast, the retrievability-now histogram, mean and cards at most risk) equal
the per-card computation they replace (every card's columns fetched, then numpy: the code of
srs.app.stats before issue 18's change), on random collections, SQLite and PostgreSQL."""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone
from typing import Any

import numpy as np
import pytest
from factories import add_card
from sqlalchemy import update

from srs.app import stats as app_stats
from srs.domain.forgetting import DECAY_INDEX, DEFAULT_DECAY
from srs.domain.forgetting_curve import retrievability
from srs.domain.retrievability_bins import base_limits, bin_edges, power
from srs.domain.stats import AT_RISK, FORECAST_DAYS, RiskCard, day_starts, distribution, forecast, lowest
from srs.store import stats as sql
from srs.store import stats_cards
from srs.store.collection import Collection, default_preset
from srs.store.deck_names import deck_ids
from srs.store.schema import cards, decks
from srs.timeutil import from_micros, study_day, to_micros

UTC = timezone.utc
NOW = datetime(2026, 3, 2, 12, 0, 7, 123456, tzinfo=UTC)
DECKS = ("Alpha", "Beta::One", "Beta::Two", "Gamma")
TZ, HOUR = "Europe/Paris", 4


def _random_collection(collection: Collection, rng: random.Random, cards_count: int, *, two_decays: bool) -> None:
    """Random cards in four decks (Beta::* under a preset of another DECAY when ``two_decays``):
    every state, suspended and retired ones, due dates around the forecast's days (some at a
    day's very start), last reviews up to a year back and a few in the future, stabilities
    from minutes to years."""
    with collection.write() as session:
        ids = [add_card(session, now=NOW - timedelta(days=500), deck=DECKS[i % 4], front=f"q{i}").id for i in range(cards_count)]
        if two_decays:
            other = default_preset(NOW, "Other")
            params = list(other.parameters)
            params[DECAY_INDEX] = 0.5
            other.parameters = params
            session.add(other)
            session.flush()
            session.execute(update(decks).where(decks.c.name.like("Beta%")).values(preset_id=other.id))
    starts = day_starts(study_day(NOW, TZ, HOUR), FORECAST_DAYS, TZ, HOUR)
    with collection.write_core() as connection:
        for card_id in ids:
            due = NOW + timedelta(days=rng.uniform(-5, FORECAST_DAYS + 5))
            if rng.random() < 0.1:
                due = from_micros(rng.choice(starts) - rng.choice([0, 1]))
            last = NOW - timedelta(days=rng.choice([rng.uniform(0, 400), rng.uniform(0, 3), 0.0, -rng.uniform(0, 2)]))
            reviewed = rng.random() < 0.9
            connection.execute(
                update(cards)
                .where(cards.c.id == card_id)
                .values(
                    state=rng.choice([0, 1, 2, 2, 2, 3]),
                    stability=rng.choice([None, *(10 ** rng.uniform(-2, 3.5) for _ in range(8))]) if reviewed else None,
                    last_review=last if reviewed else None,
                    due=due if rng.random() < 0.95 else None,
                    suspended=rng.random() < 0.15,
                    retired_at=NOW - timedelta(days=1) if rng.random() < 0.1 else None,
                )
            )


def _old_memory_now(connection: Any, ids: list[int] | None) -> tuple[Any, list[dict[str, Any]]]:
    """Retrievability now as it was computed before: every card's columns, then numpy."""
    decays = sql.deck_decays(connection, ids)
    several = len(set(decays.values())) > 1
    memory = sql.memory_columns(connection, ids, with_deck=several)
    if several:
        decay: Any = np.array([decays[d] for d in memory["deck_id"].tolist()], dtype=np.float64)
    else:
        decay = next(iter(decays.values()), DEFAULT_DECAY)
    r_now = retrievability(memory["stability"], (to_micros(NOW) - memory["last_review"]) / app_stats.MICROS_PER_DAY, decay)
    active = ~memory["suspended"]
    risky = lowest(memory["card_id"][active], r_now[active], AT_RISK)
    details = sql.card_summaries(connection, [card_id for card_id, _ in risky])
    position = {int(card_id): i for i, card_id in enumerate(memory["card_id"].tolist())}
    at_risk = [
        RiskCard(
            card_id,
            details[card_id]["deck"],
            details[card_id]["front"],
            value,
            float(memory["stability"][position[card_id]]),
            from_micros(int(memory["last_review"][position[card_id]])),
            None if details[card_id]["due"] is None else from_micros(details[card_id]["due"]),
        ).to_json()
        for card_id, value in risky
    ]
    return distribution(r_now), at_risk


@pytest.mark.parametrize("seed", range(4))
def test_sql_aggregates_equal_the_per_card_computation(collection: Collection, seed: int) -> None:
    rng = random.Random(seed)
    _random_collection(collection, rng, 150 + 50 * seed, two_decays=seed % 2 == 1)
    today = study_day(NOW, TZ, HOUR)
    boundaries = day_starts(today, FORECAST_DAYS, TZ, HOUR)
    with collection.read_core() as connection:
        for deck in (None, "Alpha", "Beta", "beta::two"):
            ids = deck_ids(connection, deck)
            assert stats_cards.card_counts(connection, ids) == sql.card_counts(connection, ids), deck
            due, state = sql.due_columns(connection, ids, boundaries[0], boundaries[-1])
            old_forecast = forecast(today, boundaries, due, state, sql.overdue_count(connection, ids, boundaries[0]))
            assert app_stats._forecast(connection, ids, today, TZ, HOUR) == old_forecast, deck
            old_distribution, old_risk = _old_memory_now(connection, ids)
            new_distribution, new_risk = app_stats._memory_now(connection, ids, NOW)
            assert (new_distribution.cards, new_distribution.counts) == (old_distribution.cards, old_distribution.counts), deck
            if old_distribution.mean is None:
                assert new_distribution.mean is None
            else:  # a sum of floats: equal up to the order of the additions
                assert new_distribution.mean == pytest.approx(old_distribution.mean, rel=1e-12, abs=0), deck
            assert [card.to_json() for card in new_risk] == old_risk, deck
            assert old_distribution.cards > 0 and len(old_risk) == AT_RISK, deck  # the random collection has something to compare


@pytest.mark.parametrize("decay", [0.1, 0.1542, 0.2, 0.5, 0.8])
def test_base_limits_are_the_histogram_edges(decay: float) -> None:
    """Each limit is the last base whose R reaches its edge: the next float's R does not."""
    edges = bin_edges(20)
    for edge, limit in zip(edges[1:-1], base_limits(decay, 20), strict=True):
        assert power(np.array([limit]), decay)[0] >= edge
        assert power(np.array([np.nextafter(limit, np.inf)]), decay)[0] < edge


def test_many_ties_at_the_lowest_retrievability(collection: Collection) -> None:
    """More cards than the first query's limit share the lowest R: the lowest ids win, as before."""
    with collection.write() as session:
        ids = [add_card(session, now=NOW - timedelta(days=10), deck="Alpha", front=f"t{i}").id for i in range(60)]
    with collection.write_core() as connection:
        connection.execute(update(cards).where(cards.c.id.in_(ids)).values(state=2, stability=1.0, last_review=NOW - timedelta(days=30), due=NOW))
    with collection.read_core() as connection:
        _old, old_risk = _old_memory_now(connection, None)
        _new, new_risk = app_stats._memory_now(connection, None, NOW)
    assert [card.to_json() for card in new_risk] == old_risk and [card["card_id"] for card in old_risk] == sorted(ids)[:AT_RISK]
