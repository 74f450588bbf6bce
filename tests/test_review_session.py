"""`srs review` end to end through the non-terminal line protocol, and the session engine.

Fixed clocks (SRS_NOW), fuzz off; cards made with tests/factories.py.
"""

from __future__ import annotations

import io
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

from factories import add_card, add_reviews
from reviewing import (
    GRADUATE,
    assert_replays,
    card,
    expected_memory,
    lapsed_card,
    lines,
    log,
    review_card,
    set_preset,
    snapshot,
)
from sqlalchemy import select

from srs.app.review import Action, Key, ReviewSession, SessionOptions
from srs.domain.scheduling import Rating
from srs.render.lines import LineKeys, LineScreen
from srs.store.answers import answer_card
from srs.store.models import Card, CardState, Review
from srs.store.reviews import card_memory

UTC = timezone.utc
NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
TOMORROW_0400 = datetime(2026, 3, 3, 4, 0, tzinfo=UTC)


def shown(output: str) -> list[int]:
    """Card ids in the order the session showed them."""
    return [int(line.split()[1]) for line in lines(output, "card ")]


def answered(output: str) -> list[tuple[int, str]]:
    return [(int(line.split()[1]), line.split()[2]) for line in lines(output, "answered ")]


def without_updated_at(rows: list[tuple[object, ...]]) -> list[tuple[object, ...]]:
    keep = [i for i, name in enumerate(Card.__table__.columns.keys()) if name != "updated_at"]
    return [tuple(row[i] for i in keep) for row in rows]


# --- the scripted session: answer, undo, suspend, bury, and the database matches exactly ---


def test_scripted_session_database_matches_exactly(collection, srs) -> None:
    set_preset(collection)
    history: dict[int, list[tuple[int, datetime]]] = {}
    with collection.write() as session:
        r1 = review_card(session, now=NOW, due=NOW - timedelta(hours=3), deck="Papers")
        r2 = review_card(session, now=NOW, due=NOW - timedelta(hours=1), deck="Papers::NLP")
        n1, n2, n3 = (add_card(session, now=NOW, deck="Plan", front=f"task {i}") for i in range(3))
        for c in (r1, r2):
            history[c.id] = [(row.rating, row.reviewed_at) for row in session.scalars(select(Review).where(Review.card_id == c.id).order_by(Review.id))]
        ids = r1.id, r2.id, n1.id, n2.id, n3.id
    r1_id, r2_id, n1_id, n2_id, n3_id = ids

    # Queue: r1, n1, r2, n2, n3 (reviews by due, new cards spread among them).
    script = "3\n1\nu\n3\ns\nb\n4\n3\n"
    result = srs("review", input=script)
    assert result.exit_code == 0, result.output
    out = result.output
    assert shown(out) == [r1_id, n1_id, r2_id, n1_id, r2_id, n2_id, n3_id, n1_id]
    acknowledged = lines(out, "answered", "undone", "suspended", "buried")
    review_ids = [int(m[1]) for m in (re.search(r" \(review (\d+)\)$", line) for line in acknowledged) if m]
    assert [re.sub(r" \(review \d+\)$", "", line) for line in acknowledged] == [
        f"answered {r1_id} Good -> due {expected_memory(collection, r1_id, [*history[r1_id], (3, NOW)]).due.isoformat()}",
        f"answered {n1_id} Again -> due {(NOW + timedelta(minutes=1)).isoformat()}",
        f"undone answer {n1_id}",
        f"answered {n1_id} Good -> due {(NOW + GRADUATE).isoformat()}",
        f"suspended {r2_id}",
        f"buried {n2_id} until {TOMORROW_0400.isoformat()}",
        f"answered {n3_id} Easy -> due {expected_memory(collection, n3_id, [(4, NOW)]).due.isoformat()}",
        f"answered {n1_id} Good -> due {expected_memory(collection, n1_id, [(3, NOW), (3, NOW)]).due.isoformat()}",
    ]
    assert lines(out, "done:")[0].startswith("done: 4 answered, again 0 (0%)")
    with collection.read() as session:  # the acknowledged rows are the log, but the undone one
        logged = session.scalars(select(Review.id).where(Review.reviewed_at >= NOW).order_by(Review.id)).all()
    assert logged == [review_ids[0], *review_ids[2:]]
    assert len(set(review_ids)) == len(review_ids)  # the undone answer's id is never given to another

    # The log: exactly the answers that stand, in order, with durations.
    assert log(collection, since=NOW) == [(r1_id, 3), (n1_id, 3), (n3_id, 4), (n1_id, 3)]
    with collection.read() as session:
        durations = session.scalars(select(Review.duration_ms).where(Review.reviewed_at >= NOW)).all()
    assert all(isinstance(d, int) and 0 <= d <= 60_000 for d in durations)
    # Each card's state: what its answers give, and nothing else changed.
    assert card_memory(card(collection, r1_id)) == expected_memory(collection, r1_id, [*history[r1_id], (3, NOW)])
    assert card_memory(card(collection, r2_id)) == expected_memory(collection, r2_id, history[r2_id])
    assert card_memory(card(collection, n1_id)) == expected_memory(collection, n1_id, [(3, NOW), (3, NOW)])
    assert card_memory(card(collection, n3_id)) == expected_memory(collection, n3_id, [(4, NOW)])
    assert card(collection, n2_id).state == CardState.NEW and card(collection, n2_id).reps == 0
    flags = {c: (card(collection, c).suspended, card(collection, c).buried_until) for c in ids}
    assert flags == {
        r1_id: (False, None),
        r2_id: (True, None),
        n1_id: (False, None),
        n2_id: (False, TOMORROW_0400),
        n3_id: (False, None),
    }
    assert assert_replays(collection) == 5


def test_undo_of_suspend_and_bury_restores_the_card_and_shows_it_again(collection, srs) -> None:
    set_preset(collection)
    with collection.write() as session:
        a = add_card(session, now=NOW).id
        b = add_card(session, now=NOW).id
    before = snapshot(collection)
    result = srs("review", input="s\nu\nb\nu\nq\n")
    assert result.exit_code == 0, result.output
    # Suspending a moves on to b; undo brings a back; bury moves on again; undo brings it back.
    assert shown(result.output) == [a, b, a, b, a]
    assert lines(result.output, "suspended", "buried", "undone") == [
        f"suspended {a}",
        f"undone suspend {a}",
        f"buried {a} until {TOMORROW_0400.isoformat()}",
        f"undone bury {a}",
    ]
    after = snapshot(collection)
    assert after[1] == before[1]
    assert without_updated_at(after[0]) == without_updated_at(before[0])


def test_nothing_to_undo_and_quit(collection, srs) -> None:
    set_preset(collection)
    with collection.write() as session:
        add_card(session, now=NOW)
    result = srs("review", input="u\nq\n3\n")
    assert result.exit_code == 0
    assert "note: nothing to undo" in result.output
    assert log(collection) == []  # q stopped before the 3


def test_words_comments_and_blank_lines_in_the_protocol(collection, srs) -> None:
    set_preset(collection)
    with collection.write() as session:
        ids = [add_card(session, now=NOW).id for _ in range(3)]
    result = srs("review", input="# a comment\n\n good \nEASY\nagain\n")
    assert result.exit_code == 0, result.output
    assert [r for _, r in answered(result.output)] == ["Good", "Easy", "Again"]
    assert [c for c, _ in log(collection)] == ids


def test_unknown_line_is_an_error_with_its_line_number_and_earlier_answers_are_kept(collection, srs) -> None:
    set_preset(collection)
    with collection.write() as session:
        first = add_card(session, now=NOW).id
        add_card(session, now=NOW)
    result = srs("review", input="3\n\n5\n3\n")
    assert result.exit_code == 1
    assert "Error: stdin:3: unknown action '5'" in result.output
    assert "Traceback" not in result.output
    assert log(collection) == [(first, 3)]


def test_empty_collection_and_unknown_deck(collection, srs) -> None:
    result = srs("review", input="")
    assert result.exit_code == 0
    assert lines(result.output, "done:") == ["done: 0 answered, again 0 (-), time 0:00; next due none; due by end of tomorrow 0; learning later 0; left 0"]
    with collection.write() as session:
        add_card(session, now=NOW, deck="Papers")
    result = srs("review", "--deck", "Nope", input="")
    assert result.exit_code == 1
    assert result.output.startswith("Error: unknown deck 'Nope' (decks: Papers)")
    assert srs("review", "--new", "-1", input="").exit_code == 2


def test_deck_option_includes_sub_decks_only(collection, srs) -> None:
    set_preset(collection)
    with collection.write() as session:
        top = add_card(session, now=NOW, deck="Papers").id
        sub = add_card(session, now=NOW, deck="Papers::NLP").id
        add_card(session, now=NOW, deck="Plan")
        add_card(session, now=NOW, deck="Papers2")
    result = srs("review", "--deck", "Papers", input="3\n3\n3\n3\n")
    assert set(shown(result.output)) == {top, sub}  # each twice: a learning step, then graduated


# --- learning steps ---------------------------------------------------------------------------


class ScriptKeys:
    """Answers from a list; each key press advances the fake clock."""

    interactive = False

    def __init__(self, ratings: list[int], clock: list[datetime], step: timedelta) -> None:
        self.ratings = list(ratings)
        self.clock = clock
        self.step = step

    def read(self) -> Key | None:
        if not self.ratings:
            return None
        self.clock[0] += self.step
        return Key(Action.ANSWER, Rating(self.ratings.pop(0)))


def test_learning_steps_come_back_within_the_session_when_due(collection) -> None:
    set_preset(collection, learning_steps=[60, 600])
    with collection.write() as session:
        a, b, c, d = (add_card(session, now=NOW).id for _ in range(4))
    clock = [NOW]
    out: list[str] = []
    keys = ScriptKeys([1, 3, 3, 3, 3, 3, 3, 3, 3, 3], clock, timedelta(seconds=40))
    summary = ReviewSession(collection, SessionOptions(), clock=lambda: clock[0]).run(keys, LineScreen(out.append))
    order = shown("\n".join(out))
    # a: Again (step 1m) at +40s; b at +80s; a is due at +100s, so it comes back before d.
    assert order[:5] == [a, b, c, a, d]
    # The rest come back by learn-ahead (within 20 minutes) until all have graduated.
    assert sorted(order[5:]) == sorted([a, b, c, d])
    assert summary.answered == 9 and summary.again == 1
    with collection.read() as session:
        assert {card.state for card in session.scalars(select(Card))} == {CardState.REVIEW}


def test_a_step_beyond_the_learn_ahead_limit_ends_the_session_and_says_when(collection, srs) -> None:
    set_preset(collection, learning_steps=[1800])
    with collection.write() as session:
        a = add_card(session, now=NOW).id
    result = srs("review", input="1\n3\n")
    assert answered(result.output) == [(a, "Again")]
    assert "learning later 1" in result.output
    # 30 minutes later it is due: a new session shows it.
    later = srs("review", input="3\n", now=NOW + timedelta(minutes=30))
    assert answered(later.output) == [(a, "Good")]


def test_a_card_answered_elsewhere_meanwhile_is_not_answered_twice(collection) -> None:
    set_preset(collection)
    with collection.write() as session:
        a = add_card(session, now=NOW).id
    clock = [NOW]

    class Meddling:
        interactive = False
        done = False

        def read(self) -> Key | None:
            if self.done:
                return None
            self.done = True
            with collection.read() as session:
                rules = None
                from srs.store.queue import open_scope

                rules = open_scope(session, None).rules_for(session.get(Card, a).deck_id)
            answer_card(collection, a, 4, now=NOW, rules=rules, duration_ms=5)  # another session
            return Key(Action.ANSWER, Rating.AGAIN)

    out: list[str] = []
    ReviewSession(collection, SessionOptions(), clock=lambda: clock[0]).run(Meddling(), LineScreen(out.append))
    assert f"note: card {a} was answered elsewhere meanwhile; not answered again" in out
    assert log(collection) == [(a, 4)]


# --- day boundaries -------------------------------------------------------------------------------


def test_day_starts_at_0400_for_due_cards_and_new_limits(collection, srs) -> None:
    set_preset(collection, day_start_hour=4, new_per_day=1)
    evening = datetime(2026, 3, 2, 23, 0, tzinfo=UTC)
    with collection.write() as session:
        before_4 = review_card(session, now=NOW, due=datetime(2026, 3, 3, 3, 30, tzinfo=UTC)).id
        after_4 = review_card(session, now=NOW, due=datetime(2026, 3, 3, 4, 30, tzinfo=UTC)).id
        n1 = add_card(session, now=NOW).id
        n2 = add_card(session, now=NOW).id
    first = srs("review", input="3\n3\n3\n", now=evening)
    assert shown(first.output) == [before_4, n1, n1]  # 04:30 tomorrow belongs to tomorrow
    assert answered(first.output) == [(before_4, "Good"), (n1, "Good"), (n1, "Good")]
    # 03:00 is still the same study day: no new card (the day's one was introduced at 23:00).
    night = srs("review", input="3\n", now=datetime(2026, 3, 3, 3, 0, tzinfo=UTC))
    assert n2 not in shown(night.output) and after_4 not in shown(night.output)
    # 04:00: a new day; the 04:30 review and the next new card are due.
    morning = srs("review", input="3\n3\n3\n", now=datetime(2026, 3, 3, 4, 0, tzinfo=UTC))
    assert after_4 in shown(morning.output) and n2 in shown(morning.output)


def test_day_boundary_across_a_dst_change(collection, srs) -> None:
    # New York springs forward on 2026-03-08 at 02:00: the study day of 03-07 (04:00 EST =
    # 09:00 UTC) ends at 04:00 EDT = 08:00 UTC on 03-08: 23 hours, not 24.
    set_preset(collection, timezone="America/New_York", day_start_hour=4)
    now = datetime(2026, 3, 8, 7, 30, tzinfo=UTC)  # 03:30 EDT, still the day of 03-07
    with collection.write() as session:
        inside = review_card(session, now=NOW, due=datetime(2026, 3, 8, 7, 50, tzinfo=UTC)).id
        outside = review_card(session, now=NOW, due=datetime(2026, 3, 8, 8, 10, tzinfo=UTC)).id
        sibling_a = add_card(session, now=NOW, note_key="pair").id
        sibling_b = add_card(session, now=NOW, note_key="pair").id
    result = srs("review", input="3\nb\nq\n", now=now)
    assert shown(result.output)[:2] == [inside, sibling_a]
    day_end = datetime(2026, 3, 8, 8, 0, tzinfo=UTC)
    assert f"buried {sibling_a} until {day_end.isoformat()}" in result.output
    assert card(collection, sibling_a).buried_until == day_end
    # Five minutes after the new day began: the 08:10 card is due, the buried one is back.
    later = srs("review", input="3\n3\n3\n", now=datetime(2026, 3, 8, 8, 5, tzinfo=UTC))
    assert outside in shown(later.output) and sibling_a in shown(later.output)
    assert sibling_b not in shown(later.output)  # buried when its sibling was answered


def test_day_boundary_when_clocks_fall_back(collection, srs) -> None:
    # New York falls back on 2026-11-01 at 02:00: the study day of 10-31 (04:00 EDT = 08:00
    # UTC) ends at 04:00 EST = 09:00 UTC on 11-01: 25 hours.
    set_preset(collection, timezone="America/New_York", day_start_hour=4)
    now = datetime(2026, 11, 1, 8, 30, tzinfo=UTC)  # 03:30 EST, still the day of 10-31
    with collection.write() as session:
        inside = review_card(session, now=NOW, due=datetime(2026, 11, 1, 8, 45, tzinfo=UTC)).id
        outside = review_card(session, now=NOW, due=datetime(2026, 11, 1, 9, 15, tzinfo=UTC)).id
    result = srs("review", input="b\n", now=now)
    assert shown(result.output) == [inside]
    assert f"buried {inside} until {datetime(2026, 11, 1, 9, 0, tzinfo=UTC).isoformat()}" in result.output
    assert outside not in shown(result.output)


# --- daily limits -----------------------------------------------------------------------------------


def test_new_cards_introduced_earlier_today_count_against_the_limit(collection, srs) -> None:
    set_preset(collection, new_per_day=3)
    with collection.write() as session:
        earlier = [add_card(session, now=NOW) for _ in range(2)]
        yesterday = add_card(session, now=NOW)
        add_reviews(session, yesterday, [(4, NOW - timedelta(hours=10))])  # 02:00: yesterday's study day
        for c in earlier:
            add_reviews(session, c, [(4, NOW - timedelta(hours=2))])  # Easy: a review, due in days
        fresh = [add_card(session, now=NOW).id for _ in range(5)]
    assert shown(srs("review", "--preview", input="3\n" * 9).output) == fresh[:1]
    assert shown(srs("review", "--new", "4", "--preview", input="3\n" * 9).output) == fresh[:2]
    assert shown(srs("review", "--new", "0", "--preview", input="3\n" * 9).output) == []
    result = srs("review", input="3\n3\n3\n")
    assert answered(result.output) == [(fresh[0], "Good"), (fresh[0], "Good")]  # learning step, then graduated


def test_reviews_done_earlier_today_count_against_the_review_limit(collection, srs) -> None:
    set_preset(collection, reviews_per_day=2)
    with collection.write() as session:
        done = review_card(session, now=NOW, due=NOW - timedelta(hours=5))
        add_reviews(session, done, [(3, NOW - timedelta(hours=1))])  # a review earlier today
        due = [review_card(session, now=NOW, due=NOW - timedelta(hours=4 - i)).id for i in range(4)]
    assert shown(srs("review", "--preview", input="3\n" * 9).output) == due[:1]
    assert shown(srs("review", "--limit", "3", "--preview", input="3\n" * 9).output) == due[:2]
    assert shown(srs("review", "--limit", "200", "--preview", input="3\n" * 9).output) == due


# --- siblings and leeches -------------------------------------------------------------------------


def test_siblings_are_buried_after_an_answer_and_unburied_by_undo(collection, srs) -> None:
    set_preset(collection)
    with collection.write() as session:
        s1 = review_card(session, now=NOW, due=NOW - timedelta(hours=2), note_key="task").id
        s2 = review_card(session, now=NOW, due=NOW - timedelta(hours=1), note_key="task").id
        c1 = add_card(session, now=NOW, note_key="cloze", kind="cloze").id
        c2 = add_card(session, now=NOW, note_key="cloze", kind="cloze").id
        other = add_card(session, now=NOW).id
    result = srs("review", input="3\n3\n")
    assert shown(result.output)[:2] == [s1, c1]
    assert f"buried siblings of {s1} until {TOMORROW_0400.isoformat()}: {s2}" in result.output
    assert f"buried siblings of {c1} until {TOMORROW_0400.isoformat()}: {c2}" in result.output
    assert card(collection, s2).buried_until == TOMORROW_0400
    assert card(collection, c2).buried_until == TOMORROW_0400
    assert s2 not in shown(result.output) and c2 not in shown(result.output)
    # Undo gives the sibling back.
    result = srs("review", input="3\nu\nq\n")
    assert shown(result.output)[0] == other
    assert card(collection, c2).buried_until == TOMORROW_0400  # not touched by undoing another card
    assert card(collection, other).buried_until is None


def test_undo_unburies_the_siblings_that_answer_buried(collection, srs) -> None:
    set_preset(collection)
    with collection.write() as session:
        a = add_card(session, now=NOW, note_key="pair").id
        b = add_card(session, now=NOW, note_key="pair").id
    result = srs("review", input="3\nu\nq\n")
    assert lines(result.output, "buried", "undone") == [f"buried siblings of {a} until {TOMORROW_0400.isoformat()}: {b}", f"undone answer {a}"]
    assert card(collection, b).buried_until is None
    assert log(collection) == []


def test_sibling_burying_can_be_turned_off(collection, srs) -> None:
    set_preset(collection, bury_siblings=False)
    with collection.write() as session:
        a = add_card(session, now=NOW, note_key="pair").id
        b = add_card(session, now=NOW, note_key="pair").id
    result = srs("review", input="4\n4\n")
    assert shown(result.output) == [a, b]
    assert "buried" not in result.output
    assert card(collection, b).buried_until is None


def test_a_leech_is_tagged_suspended_and_announced_and_undo_takes_it_back(collection, srs) -> None:
    set_preset(collection, leech_threshold=3)
    with collection.write() as session:
        leech = lapsed_card(session, now=NOW, lapses=2, start=NOW - timedelta(days=60), tags=" paper ")
        when, leech_id = leech.due, leech.id
    result = srs("review", input="1\n", now=when)
    assert f"leech {leech_id}: 3 lapses; tagged leech and suspended" in result.output
    stored = card(collection, leech_id)
    assert stored.tags == " paper leech " and stored.suspended and stored.lapses == 3
    assert srs("review", input="", now=when).output.startswith("done: 0 answered")  # suspended: gone
    assert assert_replays(collection) == 1


def test_undoing_a_leech_answer_restores_tags_and_suspension(collection) -> None:
    set_preset(collection, leech_threshold=3)
    with collection.write() as session:
        leech = lapsed_card(session, now=NOW, lapses=2, start=NOW - timedelta(days=60))
        when, leech_id = leech.due, leech.id
    before = snapshot(collection)
    out: list[str] = []
    summary = ReviewSession(collection, SessionOptions(), clock=lambda: when).run(LineKeys(io.StringIO("1\nu\nq\n")), LineScreen(out.append))
    assert f"undone answer {leech_id}" in out
    assert summary.leeches == ()  # the end-of-session summary no longer lists it (issue 21)
    after = snapshot(collection)
    assert after[1] == before[1]
    assert without_updated_at(after[0]) == without_updated_at(before[0])


def test_the_session_summary_lists_the_leeches_left_after_undo(collection) -> None:
    """Two leeches, the second answer undone: the summary lists the first only."""
    set_preset(collection, leech_threshold=3)
    with collection.write() as session:
        first = lapsed_card(session, now=NOW, lapses=2, start=NOW - timedelta(days=60))
        second = lapsed_card(session, now=NOW, lapses=2, start=NOW - timedelta(days=61))
        when = max(first.due, second.due)
    out: list[str] = []
    summary = ReviewSession(collection, SessionOptions(), clock=lambda: when).run(LineKeys(io.StringIO("1\n1\nu\nq\n")), LineScreen(out.append))
    leeched = [int(line.split()[1].rstrip(":")) for line in out if line.startswith("leech ")]
    assert sorted(leeched) == sorted([first.id, second.id])
    assert f"undone answer {leeched[1]}" in out
    assert summary.leeches == (leeched[0],)


def test_no_leech_below_the_threshold(collection, srs) -> None:
    set_preset(collection)  # default threshold 8
    with collection.write() as session:
        c = lapsed_card(session, now=NOW, lapses=2, start=NOW - timedelta(days=60))
        when, c_id = c.due, c.id
    result = srs("review", input="1\n", now=when)
    assert "leech" not in result.output
    assert not card(collection, c_id).suspended


# --- preview and cram change nothing ----------------------------------------------------------------


def test_preview_and_cram_change_nothing(collection, srs) -> None:
    set_preset(collection)
    with collection.write() as session:
        due = review_card(session, now=NOW, due=NOW - timedelta(hours=2), note_key="x").id
        review_card(session, now=NOW, due=NOW + timedelta(days=5))
        fresh = add_card(session, now=NOW, note_key="x").id
        add_card(session, now=NOW)
    before = snapshot(collection)
    result = srs("review", "--preview", input="1\ns\nb\nu\n3\n3\n3\n3\n")
    assert result.exit_code == 0, result.output
    assert "note: preview: suspend and bury are off (nothing is changed)" in result.output
    assert "note: preview: nothing to undo (nothing is changed)" in result.output
    assert lines(result.output, "previewed")[0] == f"previewed {due} Again (schedule unchanged)"
    assert shown(result.output).count(due) == 2  # Again: once more, a minute later (learn-ahead)
    assert fresh not in shown(result.output)  # a sibling of the due card: one card per note
    cram = srs("cram", input="3\n" * 10)
    assert cram.exit_code == 0
    assert len(shown(cram.output)) == 4  # every card, due or not
    assert len(shown(srs("cram", "--limit", "2", input="3\n" * 10).output)) == 2
    assert snapshot(collection) == before


# --- the editor --------------------------------------------------------------------------------------


FAKE_EDITOR = """\
import pathlib, sys
args = sys.argv[1:]
pathlib.Path(sys.argv[0]).with_suffix(".calls").open("a").write(repr(args) + "\\n")
note = pathlib.Path(args[-1])
note.write_text(note.read_text().replace("Scaled dot-product attention.", "Scaled dot-product attention, edited."))
"""


def test_edit_opens_the_source_at_its_line_and_reimports_it(collection, srs, tmp_path: Path) -> None:
    import sys

    set_preset(collection)
    note = tmp_path / "paper notes.md"
    note.write_text("# Paper notes\n\n## Attention\n\nScaled dot-product attention.\n\n## 学习率\n\n太大会发散。\n")
    assert srs("import", str(note)).exit_code == 0
    with collection.read() as session:
        first = session.scalars(select(Card).order_by(Card.id)).first()
        assert first is not None and first.source_line == 3
        first_id = first.id
    editor = tmp_path / "fake-editor.py"
    editor.write_text(FAKE_EDITOR)
    env = {"EDITOR": f"{sys.executable} {editor} --wait $(touch {tmp_path / 'pwned'})"}
    result = srs("review", input="e\n3\n", env=env)
    assert result.exit_code == 0, result.output
    calls = editor.with_suffix(".calls").read_text().splitlines()
    assert calls == [repr(["--wait", "$(touch", f"{tmp_path / 'pwned'})", "+3", str(note)])]
    assert not (tmp_path / "pwned").exists()  # an argument list: no shell ran $(...)
    assert f"note: re-imported {note}: 1 updated, 1 unchanged" in result.output
    assert answered(result.output)[0] == (first_id, "Good")  # the same card, its history kept
    assert card(collection, first_id).back == "Scaled dot-product attention, edited."


def test_edit_that_removes_the_card_moves_on(collection, srs, tmp_path: Path) -> None:
    import sys

    set_preset(collection)
    note = tmp_path / "notes.md"
    note.write_text("# Notes\n\n## Gone\n\nsoon deleted\n\n## Kept\n\nstays\n")
    assert srs("import", str(note)).exit_code == 0
    editor = tmp_path / "cut.py"
    editor.write_text("import pathlib, sys\np = pathlib.Path(sys.argv[-1])\np.write_text(p.read_text().split('## Gone')[0] + '## Kept\\n\\nstays\\n')\n")
    result = srs("review", input="e\n3\n", env={"EDITOR": f"{sys.executable} {editor}"})
    assert result.exit_code == 0, result.output
    gone, kept = shown(result.output)[:2]
    assert f"note: card {gone} is no longer in the notes" in result.output
    assert answered(result.output)[0] == (kept, "Good")


def test_editor_setting_wins_and_a_missing_editor_is_a_notice(collection, srs, tmp_path: Path) -> None:
    set_preset(collection)
    note = tmp_path / "n.md"
    note.write_text("x\n")
    with collection.write() as session:
        c = add_card(session, now=NOW)
        c.source_path, c.source_line, c_id = str(note), 1, c.id
    assert srs("config", "set", "editor", "no-such-editor-xyz --flag").exit_code == 0
    result = srs("review", input="e\n3\n", env={"EDITOR": "true"})
    assert "note: editor 'no-such-editor-xyz' not found" in result.output
    assert answered(result.output) == [(c_id, "Good")]


def test_edit_without_a_source_file_says_so(collection, srs) -> None:
    set_preset(collection)
    with collection.write() as session:
        c_id = add_card(session, now=NOW).id
    result = srs("review", input="e\n3\n")
    assert f"note: card {c_id} has no source file to edit" in result.output
    assert answered(result.output) == [(c_id, "Good")], result.output


def test_an_unknown_line_is_quoted_cut_short(collection, srs) -> None:  # type: ignore[no-untyped-def]
    """Issue 21, defect 9: a 5 MB unknown line was repeated whole in the error."""
    set_preset(collection)
    with collection.write() as session:
        add_card(session, now=NOW)
    result = srs("review", input="x" * 5_000_000 + "\n")
    assert result.exit_code == 1
    line = result.output.strip().splitlines()[-1]
    assert line.startswith("Error: stdin:1: unknown action 'xxxx") and "(5,000,000 characters)" in line, line[:300]
    assert len(line) < 400
