"""srs's scheduling in Anki's terms (srs.anki.scheduling), without Anki: queues, due days,
learning steps, revlog ids, and the matching of answers that come back."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from srs.anki.scheduling import (
    CardSchedule,
    DayClock,
    LoggedAnswer,
    card_columns,
    custom_data,
    fingerprint,
    match_answers,
    revlog_rows,
    srs_custom_data,
)
from srs.domain.cards import CardState
from srs.domain.scheduling import MemoryState

NOW = datetime(2026, 3, 22, 12, 0, tzinfo=timezone.utc)
CLOCK = DayClock("UTC", 4, date(2026, 3, 22))
CREATED = datetime(2026, 3, 1, tzinfo=timezone.utc)


def schedule(**values: object) -> CardSchedule:
    memory: dict[str, object] = dict(
        state=CardState.REVIEW, step=None, stability=12.5, difficulty=5.0, due=NOW + timedelta(days=3),
        last_review=NOW - timedelta(days=9), reps=4, lapses=1,
    )
    flags: dict[str, object] = dict(card_id=7, suspended=False, buried_until=None, created_at=CREATED)
    for name, value in values.items():
        (memory if name in memory else flags)[name] = value
    return CardSchedule(memory=MemoryState(**memory), **flags)  # type: ignore[arg-type]


def columns(card: CardSchedule, steps: int = 2) -> object:
    return card_columns(card, position=5, clock=CLOCK, now=NOW, steps=steps, retention=0.9, decay=0.15)


def test_review_card_due_day_interval_and_memory() -> None:
    result = columns(schedule())
    assert (result.type, result.queue, result.due, result.ivl, result.reps, result.lapses) == (2, 2, 3, 12, 4, 1)
    data = json.loads(result.data)
    assert (data["s"], data["d"], data["dr"], data["decay"]) == (12.5, 5.0, 0.9, 0.15)
    assert data["lrt"] == int((NOW - timedelta(days=9)).timestamp())
    assert srs_custom_data(result.data) == (7, int(NOW.timestamp()), fingerprint(7, CREATED))


def test_due_before_the_day_start_is_the_previous_study_day() -> None:
    result = columns(schedule(due=datetime(2026, 3, 25, 3, 59, tzinfo=timezone.utc)))
    assert result.due == 2  # 03:59 belongs to the 24th with a 04:00 day start


def test_learning_steps_intraday_and_interday() -> None:
    step = columns(schedule(state=1, step=1, stability=1.0, due=NOW + timedelta(minutes=10), last_review=NOW, reps=1, lapses=0))
    assert (step.type, step.queue, step.due, step.left) == (1, 1, int((NOW + timedelta(minutes=10)).timestamp()), 1)
    long_step = columns(schedule(state=3, step=0, due=NOW + timedelta(days=2), last_review=NOW), steps=1)
    assert (long_step.type, long_step.queue, long_step.due, long_step.left) == (3, 3, 2, 1)
    assert long_step.ivl >= 1


def test_new_suspended_and_buried() -> None:
    new = columns(schedule(state=0, stability=None, difficulty=None, due=None, last_review=None, reps=0, lapses=0))
    assert (new.type, new.queue, new.due) == (0, 0, 5)
    assert "s" not in json.loads(new.data)
    assert columns(schedule(suspended=True, buried_until=NOW + timedelta(hours=1))).queue == -1
    assert columns(schedule(buried_until=NOW + timedelta(hours=1))).queue == -3
    assert columns(schedule(buried_until=NOW - timedelta(hours=1))).queue == 2  # burying over


def test_revlog_ids_unique_and_learning_intervals_negative() -> None:
    at = NOW - timedelta(days=1)
    answers = [
        LoggedAnswer(3, at, 4000, 0, 1, 10 / 1440),
        LoggedAnswer(3, at + timedelta(minutes=10), None, 1, 2, 2.0),
    ]
    taken = {int(at.timestamp() * 1000)}  # another card's answer in the same millisecond
    rows = revlog_rows(99, answers, taken)
    assert rows[0][0] == int(at.timestamp() * 1000) + 1
    assert [(r[3], r[4], r[5], r[7], r[8]) for r in rows] == [(3, -600, 0, 4000, 0), (3, 2, -600, 0, 0)]


def test_match_answers_each_known_answer_once() -> None:
    known = [(3, 1_000), (3, 1_000), (1, 5_000)]
    assert match_answers(known, [(3, 1_000), (3, 1_001), (3, 1_002), (1, 5_000), (2, 5_000), (1, 7_000)]) == [True, True, False, True, False, False]


@given(st.text(max_size=200))
def test_custom_data_of_any_text_is_none_or_an_id(text: str) -> None:
    found = srs_custom_data(text)
    assert found is None or (isinstance(found[0], int) and found[0] > 0)


def test_custom_data_shapes() -> None:
    assert srs_custom_data(json.dumps({"cd": custom_data(3, 10, "abc")})) == (3, 10, "abc")
    assert srs_custom_data(json.dumps({"cd": json.dumps({"srs": 2**63})})) is None  # beyond any card id
    for bad in ("", "[]", '{"cd": 5}', '{"cd": "[1]"}', '{"cd": "{\\"srs\\": true}"}', '{"cd": "{\\"srs\\": -2}"}', "{", '{"cd": "{"}'):
        assert srs_custom_data(bad) is None, bad
