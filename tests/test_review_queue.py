"""The queue rules of srs.domain.queue_rules, directly (pure: no database)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from srs.domain.queue_rules import (
    LEARN_AHEAD,
    Candidates,
    DailyLimits,
    QueueItem,
    QueueKind,
    ReviewQueue,
    build_queue,
    is_intraday,
    is_leech,
    mix,
    requeued_item,
    with_tag,
)
from srs.domain.scheduling import MemoryState
from srs.store.models import CardState

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=timezone.utc)
DAY_END = datetime(2026, 3, 3, 4, 0, tzinfo=timezone.utc)


def item(card_id: int, kind: QueueKind, *, due: datetime | None = None, note: str | None = None, last: datetime | None = None) -> QueueItem:
    return QueueItem(card_id, note or f"n{card_id}", kind, due, 1, last)


def review(card_id: int, minutes_ago: int = 60, note: str | None = None) -> QueueItem:
    return item(card_id, QueueKind.REVIEW, due=NOW - timedelta(minutes=minutes_ago), note=note)


def new(card_id: int, note: str | None = None) -> QueueItem:
    return item(card_id, QueueKind.NEW, note=note)


def learning(card_id: int, due_in: timedelta, step: timedelta = timedelta(minutes=10)) -> QueueItem:
    due = NOW + due_in
    return item(card_id, QueueKind.LEARNING, due=due, last=due - step)


def drain(queue: ReviewQueue, now: datetime = NOW) -> list[int]:
    shown = []
    while (current := queue.next(now)) is not None:
        shown.append(current.card_id)
        queue.answered(current.card_id)
    return shown


def test_mix_spreads_new_cards_evenly_among_reviews() -> None:
    reviews = [review(i) for i in range(1, 7)]
    news = [new(i) for i in range(11, 14)]
    order = [x.card_id for x in mix(reviews, news)]
    assert order == [1, 2, 11, 3, 4, 12, 5, 6, 13]
    assert [x.card_id for x in mix([], news)] == [11, 12, 13]
    assert [x.card_id for x in mix(reviews[:2], [])] == [1, 2]
    many = [x.card_id for x in mix(reviews[:1], news)]
    assert sorted(many) == [1, 11, 12, 13] and many[0] == 1


def test_limits_count_what_was_done_earlier_today() -> None:
    limits = DailyLimits.remaining(new_per_day=20, reviews_per_day=200, introduced_today=18, reviewed_today=250)
    assert limits == DailyLimits(new=2, reviews=0)


def test_build_queue_applies_limits_and_orders_by_due() -> None:
    candidates = Candidates(
        learning=(),
        reviews=[review(1, 10), review(2, 300), review(3, 60), review(4, 5)],
        new=[new(10), new(11), new(12)],
    )
    queue = build_queue(candidates, DailyLimits(new=2, reviews=3), now=NOW, day_end=DAY_END, bury_siblings=True)
    # Reviews are taken in the order gathered (by due: the store sorts), limited to 3, then
    # re-sorted by due with day-long learning cards; new cards spread among them.
    assert drain(queue) == [2, 3, 10, 1, 11]


def test_build_queue_keeps_one_card_per_note_when_burying_siblings() -> None:
    candidates = Candidates(
        learning=(),
        reviews=[review(1, note="a"), review(2, note="a"), review(3, note="b")],
        new=[new(10, note="b"), new(11, note="c"), new(12, note="c"), new(13)],
    )
    buried = build_queue(candidates, DailyLimits(new=5, reviews=5), now=NOW, day_end=DAY_END, bury_siblings=True)
    assert sorted(drain(buried)) == [1, 3, 11, 13]
    kept = build_queue(candidates, DailyLimits(new=5, reviews=5), now=NOW, day_end=DAY_END, bury_siblings=False)
    assert sorted(drain(kept)) == [1, 2, 3, 10, 11, 12, 13]


def test_learning_cards_due_now_come_first_then_main_then_learn_ahead() -> None:
    later = learning(21, timedelta(minutes=15))
    overdue = learning(20, -timedelta(minutes=1))
    too_late = learning(22, LEARN_AHEAD + timedelta(minutes=1))
    queue = build_queue(
        Candidates(learning=[later, overdue, too_late], reviews=[review(1)], new=[new(10)]),
        DailyLimits(new=5, reviews=5),
        now=NOW,
        day_end=NOW + timedelta(minutes=5),  # the day ends soon: cutoff = now + 20 min
        bury_siblings=True,
    )
    assert queue.counts().learning == 2  # 22 is beyond the learn-ahead cutoff
    assert drain(queue) == [20, 1, 10, 21]


def test_a_learning_card_comes_back_when_its_step_is_due() -> None:
    queue = build_queue(Candidates((), [review(1), review(2), review(3)], ()), DailyLimits(0, 10), now=NOW, day_end=DAY_END, bury_siblings=True)
    first = queue.next(NOW)
    assert first is not None and first.card_id == 1
    again = learning(1, timedelta(minutes=1), step=timedelta(minutes=1))
    queue.answered(1, again)
    assert queue.next(NOW).card_id == 2  # step not due yet: the main queue goes on
    queue.answered(2)
    assert queue.next(NOW + timedelta(minutes=1)).card_id == 1  # due: before review 3
    assert queue.counts().learning == 1 and queue.counts().review == 1


def test_the_card_just_answered_is_not_shown_twice_in_a_row_when_another_waits() -> None:
    queue = ReviewQueue([], [learning(5, timedelta(minutes=2)), learning(6, timedelta(minutes=3))])
    assert queue.next(NOW).card_id == 5  # learn-ahead: earliest first
    queue.answered(5, learning(5, timedelta(minutes=1)))  # now due before 6
    assert queue.next(NOW).card_id == 6
    queue.answered(6)
    assert queue.next(NOW).card_id == 5  # alone: shown again


def test_day_long_learning_steps_are_scheduled_by_day() -> None:
    interday = item(30, QueueKind.LEARNING, due=NOW + timedelta(hours=10), last=NOW - timedelta(days=1))
    tomorrow = item(31, QueueKind.LEARNING, due=DAY_END + timedelta(hours=1), last=NOW - timedelta(days=1))
    assert not is_intraday(interday.due, interday.last_review)
    queue = build_queue(Candidates([interday, tomorrow], [review(1)], ()), DailyLimits(0, 10), now=NOW, day_end=DAY_END, bury_siblings=True)
    assert drain(queue) == [1, 30]  # shown today although due later today; 31 is tomorrow's


def test_remove_updates_counts_and_skips_the_card() -> None:
    queue = build_queue(Candidates((), [review(1), review(2)], [new(10)]), DailyLimits(5, 5), now=NOW, day_end=DAY_END, bury_siblings=True)
    assert queue.counts().total == 3
    queue.remove(2)
    queue.remove(2)  # twice is harmless
    assert queue.counts().review == 1 and 2 not in queue
    assert drain(queue) == [1, 10]


@pytest.mark.parametrize(
    ("lapses", "threshold", "expected"),
    [(7, 8, False), (8, 8, True), (9, 8, False), (12, 8, True), (16, 8, True), (3, 3, True), (4, 3, True), (1, 1, True), (2, 1, True)],
)
def test_leech_rule_is_ankis(lapses: int, threshold: int, expected: bool) -> None:
    assert is_leech(lapses, threshold) is expected


def test_with_tag_keeps_anki_tag_format() -> None:
    assert with_tag("", "leech") == " leech "
    assert with_tag(" paper ", "leech") == " paper leech "
    assert with_tag(" Leech ", "leech") == " Leech "


def test_requeued_item_only_for_intraday_steps_within_the_day() -> None:
    step = MemoryState(state=CardState.LEARNING, step=0, stability=1.0, difficulty=5.0, due=NOW + timedelta(minutes=1), last_review=NOW, reps=1)
    assert requeued_item(1, "n", step, NOW, DAY_END) is not None
    graduated = MemoryState(state=CardState.REVIEW, stability=3.0, difficulty=5.0, due=NOW + timedelta(days=3), last_review=NOW, reps=2)
    assert requeued_item(1, "n", graduated, NOW, DAY_END) is None
    long_step = MemoryState(state=CardState.RELEARNING, step=0, stability=1.0, difficulty=5.0, due=NOW + timedelta(days=1), last_review=NOW, reps=3)
    assert requeued_item(1, "n", long_step, NOW, DAY_END) is None
