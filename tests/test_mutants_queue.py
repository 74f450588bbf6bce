"""The review queue's queries and answer transactions pinned where a mutant went unnoticed (make
mutate, area queue): a cram session's cards and limit, the flags a suspend keeps for its undo, the
words of a refused answer, tags and suspension as stored when a card becomes a leech, and undo
finding the newest answer by time."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from factories import add_card
from reviewing import lapsed_card, review_card, set_preset
from sqlalchemy import insert, select, update

from srs.domain.queue_rules import QueueKind
from srs.domain.scheduling import Rating
from srs.store.answers import CardChanged, Shown, answer_card, undo_answer
from srs.store.collection import Collection
from srs.store.models import Card, CardState, Review
from srs.store.queue import Upcoming, bury_card, gather_cram, open_scope, restore_flags, suspend_card, upcoming
from srs.store.reviews import card_memory

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=timezone.utc)


def test_cram_takes_studied_cards_of_the_scope_then_new_ones_up_to_the_limit(collection: Collection) -> None:
    set_preset(collection)
    with collection.write() as session:
        due = NOW + timedelta(days=3)
        studied = review_card(session, now=NOW - timedelta(days=10), due=due, deck="Maths")
        fresh = [add_card(session, now=NOW, deck="Maths").id for _ in range(3)]
        add_card(session, now=NOW, deck="History")  # another deck: never in a Maths cram
        review_card(session, now=NOW - timedelta(days=10), due=due, deck="History")
        studied_id, last = studied.id, studied.last_review
    with collection.read() as session:
        scope = open_scope(session, "Maths")
        every = gather_cram(session, scope, now=NOW, limit=None)
        assert [(i.card_id, i.kind) for i in every] == [(studied_id, QueueKind.REVIEW)] + [(i, QueueKind.NEW) for i in fresh]
        assert (every[0].due, every[0].last_review, every[0].reps) == (due, last, 2)
        assert [i.card_id for i in gather_cram(session, scope, now=NOW, limit=3)] == [studied_id, *fresh[:2]]
        assert [i.card_id for i in gather_cram(session, scope, now=NOW, limit=1)] == [studied_id]


def test_suspend_keeps_the_burial_it_replaced_for_undo(collection: Collection) -> None:
    set_preset(collection)
    with collection.write() as session:
        card_id = add_card(session, now=NOW).id
    until = NOW + timedelta(hours=16)
    bury_card(collection, card_id, until=until, now=NOW)
    change = suspend_card(collection, card_id, now=NOW)
    assert (change.card_id, change.action, change.suspended_before, change.buried_until_before) == (card_id, "suspend", False, until)
    restore_flags(collection, change, now=NOW)
    with collection.read() as session:
        card = session.get(Card, card_id)
        assert card is not None and (card.suspended, card.buried_until) == (False, until)


def _rules(collection: Collection, card_id: int):  # type: ignore[no-untyped-def]
    with collection.read() as session:
        card = session.get(Card, card_id)
        assert card is not None
        return open_scope(session, None).rules_for(card.deck_id)


def test_an_answer_to_a_removed_or_already_answered_card_says_which(collection: Collection) -> None:
    set_preset(collection)
    with collection.write() as session:
        gone = add_card(session, now=NOW)
        gone.retired_at = NOW
        kept_id, gone_id = add_card(session, now=NOW).id, gone.id
    rules = _rules(collection, kept_id)
    with pytest.raises(CardChanged) as caught:
        answer_card(collection, gone_id, Rating.GOOD, now=NOW, rules=rules, duration_ms=None)
    assert str(caught.value) == f"card {gone_id} no longer exists (its note was removed)"
    with pytest.raises(CardChanged) as caught:
        answer_card(collection, kept_id, Rating.GOOD, now=NOW, rules=rules, duration_ms=None, expect_reps=3)
    assert str(caught.value) == f"card {kept_id} was answered elsewhere meanwhile; not answered again"


def test_an_answer_keeps_the_cards_tags_as_read(collection: Collection) -> None:
    set_preset(collection)
    with collection.write() as session:
        tagged = add_card(session, now=NOW, tags=" physics waves ", note_key="note-7").id
    outcome = answer_card(collection, tagged, Rating.GOOD, now=NOW, rules=_rules(collection, tagged), duration_ms=1500)
    assert (outcome.tags_before, outcome.suspended_before, outcome.leech) == (" physics waves ", False, False)
    assert (outcome.card_id, outcome.note_key, outcome.rating, outcome.reviewed_at) == (tagged, "note-7", Rating.GOOD, NOW)
    assert (outcome.state_before, outcome.memory.state, outcome.memory.reps, outcome.lapsed) == (CardState.NEW, CardState.LEARNING, 1, False)


def test_a_leech_takes_tags_and_suspension_as_stored_not_as_shown(collection: Collection) -> None:
    set_preset(collection, leech_threshold=2)
    start = NOW - timedelta(days=200)
    with collection.write() as session:
        card = lapsed_card(session, now=start, lapses=1, start=start, tags=" old ")
        card_id, memory, note_key = card.id, card_memory(card), card.note_key
        due = card.due
    shown = Shown(card_id, note_key, memory, tags=" old ", suspended=False)
    with collection.write() as session:  # edited and suspended elsewhere after it was shown
        session.execute(update(Card).where(Card.id == card_id).values(tags=" old new ", suspended=True))
    outcome = answer_card(collection, card_id, Rating.AGAIN, now=due, rules=_rules(collection, card_id), duration_ms=None, shown=shown)
    assert outcome.leech
    assert (outcome.tags_before, outcome.suspended_before) == (" old new ", True)
    with collection.read() as session:
        stored = session.get(Card, card_id)
        assert stored is not None and "old new" in stored.tags and "leech" in stored.tags.split()


def test_undo_finds_the_newest_answer_by_time_not_by_row_number(collection: Collection) -> None:
    set_preset(collection)
    with collection.write() as session:
        card_id = review_card(session, now=NOW - timedelta(days=10), due=NOW).id
    outcome = answer_card(collection, card_id, Rating.GOOD, now=NOW, rules=_rules(collection, card_id), duration_ms=None)
    with collection.write() as session:  # an older review written later (a merged log): a higher id
        first = session.scalars(select(Review).where(Review.card_id == card_id).order_by(Review.reviewed_at)).first()
        assert first is not None
        columns = {c.key: getattr(first, c.key) for c in Review.__table__.columns if c.key != "id"}
        session.execute(insert(Review), [{**columns, "reviewed_at": first.reviewed_at - timedelta(hours=1)}])
    undo_answer(collection, outcome, settings=_rules(collection, card_id).settings, now=NOW)
    with collection.read() as session:
        assert session.get(Review, outcome.review_id) is None


def test_rules_are_named_for_their_deck_and_a_second_burial_keeps_the_first(collection: Collection) -> None:
    set_preset(collection)
    with collection.write() as session:
        card = add_card(session, now=NOW, deck="Physics::Waves")
        card_id, deck_id = card.id, card.deck_id
    assert _rules(collection, card_id).name == "Physics::Waves"
    first, second = NOW + timedelta(hours=4), NOW + timedelta(hours=20)
    bury_card(collection, card_id, until=first, now=NOW)
    change = bury_card(collection, card_id, until=second, now=NOW)
    assert (change.action, change.buried_until_before, change.buried_until) == ("bury", first, second)
    with collection.read() as session:
        assert open_scope(session, "Physics::Waves").deck_ids == [deck_id]


def test_upcoming_is_the_earliest_due_after_now_and_the_count_due_before_the_limit(collection: Collection) -> None:
    set_preset(collection)
    with collection.write() as session:
        empty = open_scope(session, None)
    with collection.read() as session:
        assert upcoming(session, empty, now=NOW, until=NOW + timedelta(days=1)) == Upcoming(None, 0)
    with collection.write() as session:
        late = review_card(session, now=NOW - timedelta(days=30), due=NOW + timedelta(days=5), deck="A")
        soon = review_card(session, now=NOW - timedelta(days=30), due=NOW + timedelta(hours=30), deck="B")
        overdue = review_card(session, now=NOW - timedelta(days=30), due=NOW - timedelta(hours=2), deck="A")
        hidden = review_card(session, now=NOW - timedelta(days=30), due=NOW + timedelta(hours=1), deck="B")
        hidden.suspended = True
        add_card(session, now=NOW, deck="A")  # new: never counted
        assert late.id and soon.id and overdue.id
    with collection.read() as session:
        scope = open_scope(session, None)
        result = upcoming(session, scope, now=NOW, until=NOW + timedelta(days=2))
        assert result == Upcoming(NOW + timedelta(hours=30), 2)  # overdue + soon; the suspended one is not there
        assert upcoming(session, scope, now=NOW, until=NOW).due_by == 1
        assert upcoming(session, open_scope(session, "A"), now=NOW, until=NOW + timedelta(days=2)) == Upcoming(NOW + timedelta(days=5), 1)


def _review_rows(session, deck_id: int, notes: list[str], due: datetime) -> None:  # type: ignore[no-untyped-def]
    rows = [
        {
            "key": f"k{index}", "note_key": note, "kind": "basic", "deck_id": deck_id, "front": f"front {index}", "back": "back",
            "heading_path": "", "content_hash": "h", "tags": "", "origin": "markdown", "state": 2, "stability": 10.0,
            "difficulty": 5.0, "due": due + timedelta(seconds=index), "last_review": due - timedelta(days=10), "reps": 3,
            "lapses": 0, "suspended": False, "created_at": NOW, "updated_at": NOW,
        }
        for index, note in enumerate(notes)
    ]
    session.execute(insert(Card), rows)


def test_gather_reads_on_past_a_page_of_siblings_to_find_enough_notes(collection: Collection) -> None:
    from srs.store.decks import get_or_create_deck
    from srs.store.queue import gather

    set_preset(collection)
    with collection.write() as session:
        deck_id = get_or_create_deck(session, "Default", NOW).id
        _review_rows(session, deck_id, ["same"] * 250 + ["other"], NOW - timedelta(days=1))
    with collection.read() as session:
        scope = open_scope(session, None)
        candidates = gather(session, scope, now=NOW, day_end=NOW + timedelta(hours=16), new_wanted=0, reviews_wanted=2, bury_siblings=True)
        assert {item.note_key for item in candidates.reviews} == {"same", "other"}
        alone = gather(session, scope, now=NOW, day_end=NOW + timedelta(hours=16), new_wanted=0, reviews_wanted=2, bury_siblings=False)
        assert {item.note_key for item in alone.reviews} == {"same"}  # no sibling rule: the first page is enough


def test_card_view_shows_the_stored_tags_heading_and_flags(collection: Collection) -> None:
    from srs.store.queue import card_view

    set_preset(collection)
    with collection.write() as session:
        card = add_card(session, now=NOW, tags=" maths ")
        card.heading_path = "Week 1 › Day 2"
        card.suspended = True
        card_id = card.id
    with collection.read() as session:
        view = card_view(session, card_id)
        assert view is not None
        assert (view.tags, view.heading_path, view.suspended, view.retired, view.has_siblings) == (" maths ", "Week 1 › Day 2", True, False, False)
        assert card_view(session, card_id + 1000) is None


def test_upcoming_counts_nothing_due_as_zero(collection: Collection) -> None:
    set_preset(collection)
    with collection.write() as session:
        review_card(session, now=NOW - timedelta(days=30), due=NOW + timedelta(days=5), deck="A")
    with collection.read() as session:
        assert upcoming(session, open_scope(session, "A"), now=NOW, until=NOW + timedelta(days=1)) == Upcoming(NOW + timedelta(days=5), 0)


def test_gather_orders_due_cards_by_due_date_not_by_id(collection: Collection) -> None:
    from srs.store.decks import get_or_create_deck
    from srs.store.queue import gather

    set_preset(collection)
    with collection.write() as session:
        deck_id = get_or_create_deck(session, "Default", NOW).id
        _review_rows(session, deck_id, ["n1", "n2", "n3"], NOW - timedelta(days=1))  # due in id order
        session.execute(update(Card).where(Card.note_key == "n1").values(due=NOW - timedelta(hours=1)))  # the first id due last
        learning = [add_card(session, now=NOW).id for _ in range(2)]
        session.execute(update(Card).where(Card.id == learning[0]).values(state=1, step=0, due=NOW + timedelta(minutes=9), last_review=NOW))
        session.execute(update(Card).where(Card.id == learning[1]).values(state=1, step=0, due=NOW + timedelta(minutes=2), last_review=NOW))
    with collection.read() as session:
        candidates = gather(session, open_scope(session, None), now=NOW, day_end=NOW + timedelta(hours=16), new_wanted=0, reviews_wanted=3, bury_siblings=False)
        assert [item.note_key for item in candidates.reviews] == ["n2", "n3", "n1"]
        assert [item.card_id for item in candidates.learning] == [learning[1], learning[0]]


def test_today_counts_take_reviews_from_the_day_start_up_to_but_not_at_its_end(collection: Collection) -> None:
    from srs.store.queue import today_counts

    set_preset(collection)
    start, end = NOW - timedelta(hours=8), NOW + timedelta(hours=16)
    with collection.write() as session:
        new_at_start = add_card(session, now=NOW)
        new_at_end = add_card(session, now=NOW)
        deck_id = new_at_start.deck_id
    answer_card(collection, new_at_start.id, Rating.GOOD, now=start, rules=_rules(collection, new_at_start.id), duration_ms=None)
    answer_card(collection, new_at_end.id, Rating.GOOD, now=end, rules=_rules(collection, new_at_end.id), duration_ms=None)
    with collection.read() as session:
        assert today_counts(session, [deck_id], start, end) == (1, 0)
        assert today_counts(session, [], start, end) == (0, 0)
