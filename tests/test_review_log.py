from __future__ import annotations

from datetime import datetime, timedelta

from factories import add_card, add_reviews
from sqlalchemy import func, select

from srs.domain.scheduling import SchedulerSettings
from srs.store.models import Review
from srs.store.presets import get_preset
from srs.store.reviews import card_memory, replayed_memory, undo_last_review


def test_stored_state_equals_replay_and_undo_restores_exactly(collection, now: datetime) -> None:
    with collection.write() as session:
        settings = SchedulerSettings.from_preset(get_preset(session))
        card = add_card(session, now=now)
        add_reviews(session, card, [(3, now), (3, now + timedelta(minutes=10)), (3, now + timedelta(days=3))])
        before_last = replayed_memory(session, card, settings)
        assert card_memory(card) == before_last
        add_reviews(session, card, [(1, now + timedelta(days=12))])
        assert card_memory(card) == replayed_memory(session, card, settings)
        undone = undo_last_review(session, card, settings, now + timedelta(days=12))
        assert undone is not None and undone.rating == 1
        assert card_memory(card) == before_last
        assert session.scalar(select(func.count()).select_from(Review)) == 3


def test_import_history_replays_and_matches_record_answer(collection, now: datetime) -> None:
    from srs.store.reviews import import_history

    events = [(3, now, 1000), (3, now + timedelta(minutes=11), 800), (2, now + timedelta(days=4), None), (1, now + timedelta(days=20), 500)]
    with collection.write() as session:
        settings = SchedulerSettings.from_preset(get_preset(session))
        bulk = add_card(session, now=now)
        stepwise = add_card(session, now=now)
        assert import_history(session, [(bulk, events)], settings, now) == 4
        add_reviews(session, stepwise, [(r, t) for r, t, _ in events], settings)
        assert card_memory(bulk) == replayed_memory(session, bulk, settings)
        logged = session.scalars(select(Review).where(Review.card_id == bulk.id).order_by(Review.reviewed_at)).all()
        assert [r.duration_ms for r in logged] == [1000, 800, None, 500]
        assert logged[-1].state_before == 2 and logged[-1].rating == 1
        assert bulk.lapses == 1
