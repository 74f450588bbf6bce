from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select

from factories import add_card, add_reviews
from srs.scheduling import SchedulerSettings
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
