"""`srs cards` and `srs card` through the CLI, on SQLite and PostgreSQL: each search term
against hand-made cards, every action with its counts, confirmation, dry run and undo, and the
review log replay (and `srs check`) after each."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from factories import add_card, add_reviews
from reviewing import assert_replays, snapshot
from sqlalchemy import select, update

from srs.domain.scheduling import MANUAL
from srs.store.models import Card, CardState, Review

DAY = timedelta(days=1)


def said(result: Any) -> str:
    """The output with line breaks made spaces (rich wraps at 80 columns)."""
    return " ".join(result.output.split())


def ids(srs: Any, *query: str, **options: str) -> list[int]:
    args = ["cards", "list", "--json", "--sort", "id", *query]
    result = srs(*args)
    assert result.exit_code == 0, result.output
    return [card["id"] for card in json.loads(result.output)["cards"]]


@pytest.fixture
def cards(collection: Any, now: datetime, tmp_path: Path) -> dict[str, int]:
    """A small collection: decks with children, tags, every state, a leech, a retired card."""
    with collection.write() as session:
        made: dict[str, Card] = {}
        made["new"] = add_card(session, now=now - 40 * DAY, deck="Papers", front="Attention is all you need", back="softmax(QK^T)V", tags=" nlp ")
        made["child"] = add_card(session, now=now - 2 * DAY, deck="Papers::NLP", front="BERT masks tokens", back="15% of them", tags=" nlp::bert ")
        made["old"] = add_card(session, now=now - 50 * DAY, deck="Papers::Old", front="LSTM gates", back="forget, input, output", kind="section")
        made["plan"] = add_card(session, now=now - 20 * DAY, deck="Study plan", front="Week 1 › CUDA warps", back="32 threads", kind="task", tags=" gpu ")
        made["review"] = add_card(session, now=now - 30 * DAY, deck="Study plan", front="Roofline model", back="intensity vs bandwidth")
        add_reviews(session, made["review"], [(3, now - 30 * DAY), (3, now - 29 * DAY), (3, now - 20 * DAY)])
        made["today"] = add_card(session, now=now - 10 * DAY, deck="Study plan", front="Tensor cores", back="matrix multiply units")
        add_reviews(session, made["today"], [(3, now - 10 * DAY), (3, now - 9 * DAY), (1, now - timedelta(hours=2))])
        made["leech"] = add_card(session, now=now - 60 * DAY, deck="Study plan", front="Occupancy", back="warps per SM", tags=" leech ")
        add_reviews(session, made["leech"], [(3, now - 60 * DAY), (3, now - 59 * DAY), (1, now - 40 * DAY), (3, now - 39 * DAY)])
        made["leech"].suspended = True
        made["buried"] = add_card(session, now=now - 5 * DAY, deck="Papers", front="Layer norm", back="per token", kind="cloze")
        made["buried"].buried_until = now + DAY
        made["retired"] = add_card(session, now=now - 5 * DAY, deck="Papers", front="Retired question", back="gone")
        made["retired"].retired_at = now - DAY
        for name, card in made.items():
            path = tmp_path / "notes" / card.deck.name.split("::")[0].lower().replace(" ", "-") / f"{name}.md"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(f"# {name}\n", encoding="utf-8")
            card.source_path = str(path)
            card.source_line = 3
        session.flush()
        return {name: card.id for name, card in made.items()}


def test_listing_hides_retired_cards_and_sorts(srs: Any, cards: dict[str, int]) -> None:
    assert ids(srs) == sorted(v for k, v in cards.items() if k != "retired")
    result = srs("cards", "--json", "--sort", "added")
    found = [c["id"] for c in json.loads(result.output)["cards"]]
    assert found[0] == cards["leech"] and found[-1] == cards["child"]
    page = json.loads(srs("cards", "--json", "--sort", "id", "--limit", "3", "--page", "2").output)
    assert page["total"] == 8 and page["offset"] == 3 and [c["id"] for c in page["cards"]] == ids(srs)[3:6]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("deck:Papers", {"new", "child", "old", "buried"}),
        ("deck:papers -deck:Papers::Old", {"new", "child", "buried"}),
        ("deck:Papers::*", {"child", "old"}),
        ("deck:study*", {"plan", "review", "today", "leech"}),
        ("tag:nlp", {"new", "child"}),
        ("tag:NLP::bert", {"child"}),
        ("tag:n*", {"new", "child"}),
        ("tag:none", {"old", "review", "today", "buried"}),
        ("is:new", {"new", "child", "old", "plan", "buried"}),
        ("is:learn", {"today"}),
        ("is:review", {"review", "leech", "today"}),
        ("is:suspended", {"leech"}),
        ("is:buried", {"buried"}),
        ("is:leech", {"leech"}),
        ("is:due", {"today"}),
        ("-is:new -is:suspended", {"review", "today"}),
        ("attention", {"new"}),
        ("SOFTMAX", {"new"}),
        ('"warps per"', {"leech"}),
        ("t*ns", {"child", "today", "review"}),  # "intensity" too
        ("warp or bert", {"plan", "child", "leech"}),
        ("(warp or bert) -deck:papers", {"plan", "leech"}),
        ("prop:lapses>=1", {"leech", "today"}),
        ("prop:reps=3", {"review", "today"}),
        ("prop:ivl>=10", {"review"}),
        ("prop:s>3", {"review", "leech"}),
        ("prop:s>5", {"review"}),
        ("prop:r<0.8", {"leech"}),
        ("prop:r>=0.95", {"today"}),
        ("prop:due<=0", {"today", "leech"}),
        ("prop:due=19", {"review"}),
        ("prop:due<-30", {"leech"}),
        ("rated:1", {"today"}),
        ("rated:1:1", {"today"}),
        ("rated:1:3", set()),
        ("rated:21", {"review", "today"}),
        ("introduced:15", {"today"}),
        ("added:3", {"child"}),
        ("kind:task", {"plan"}),
        ("kind:section", {"old"}),
        ("kind:cloze", {"buried"}),
        ("file:study-plan/*.md", {"plan", "review", "today", "leech"}),
        ("file:leech.md", {"leech"}),
        ("retired:yes", {"retired"}),
        ("retired:no is:buried", {"buried"}),
        ("cid:1", {"new"}),
    ],
)
def test_each_term(srs: Any, cards: dict[str, int], query: str, expected: set[str]) -> None:
    assert set(ids(srs, query)) == {cards[name] for name in expected}


def test_a_bad_search_is_one_error_line(srs: Any, cards: dict[str, int]) -> None:
    result = srs("cards", "deck:Papers", "prop:ivl>x")
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == ["Error: search 'deck:Papers prop:ivl>x', column 13: 'prop:ivl>x': 'x' is not a whole number (interval in days)"]
    assert "unknown search foo:" in srs("cards", "suspend", "foo:1").output


def test_table_fits_and_shows_counts(srs: Any, cards: dict[str, int]) -> None:
    result = srs("cards", "deck:Papers", "--limit", "2")
    assert result.exit_code == 0
    assert "1-2 of 4 cards, by due; next: --page 2" in result.output
    assert max(len(line) for line in result.output.splitlines()) <= 80
    assert "No card matches nothing-like-this." in srs("cards", "nothing-like-this").output


def replay_ok(srs: Any, collection: Any) -> None:
    assert_replays(collection)
    result = srs("check")
    assert result.exit_code == 0, result.output


def test_suspend_unsuspend_and_undo(srs: Any, collection: Any, cards: dict[str, int]) -> None:
    before = snapshot(collection)
    assert "No card matches deck:Study plan; nothing changed." in srs("cards", "suspend", "deck:Study plan").output  # deck:Study and "plan"
    result = srs("cards", "suspend", 'deck:"Study plan"')
    assert "Suspended 3 cards (1 of 4 cards matched was already suspended)." in result.output
    assert set(ids(srs, "is:suspended")) == {cards[n] for n in ("plan", "review", "today", "leech")}
    assert "Undid suspend of" in srs("cards", "undo").output
    assert snapshot(collection)[1] == before[1]
    assert set(ids(srs, "is:suspended")) == {cards["leech"]}
    assert "nothing to undo" in srs("cards", "undo").output
    assert "Unsuspended 1 card." in srs("cards", "unsuspend", "is:leech").output
    assert ids(srs, "is:suspended") == []
    replay_ok(srs, collection)


def test_bury_and_unbury(srs: Any, collection: Any, cards: dict[str, int], now: datetime) -> None:
    result = srs("cards", "bury", "deck:Papers")
    assert "Buried 3 cards until 2026-03-03T04:00:00+00:00 (1 of 4 cards matched was already buried)." in " ".join(result.output.split())
    assert set(ids(srs, "is:buried")) == {cards[n] for n in ("new", "child", "old", "buried")}
    assert "Unburied 4 cards." in srs("cards", "unbury", "is:buried").output
    assert ids(srs, "is:buried") == []
    srs("cards", "undo")
    assert set(ids(srs, "is:buried")) == {cards[n] for n in ("new", "child", "old", "buried")}
    replay_ok(srs, collection)


def test_tags_add_remove_undo(srs: Any, collection: Any, cards: dict[str, int]) -> None:
    assert "Tagged 4 cards with hard exam." in srs("cards", "tag", "add", "hard exam", "deck:Papers").output
    assert "Tagged 0 cards with HARD (4 of 4 cards matched were already tagged)." in srs("cards", "tag", "add", "HARD", "deck:Papers").output
    assert set(ids(srs, "tag:hard tag:exam")) == {cards[n] for n in ("new", "child", "old", "buried")}
    result = srs("cards", "tag", "remove", "NLP", "tag:nlp*")
    assert "Untagged 1 card removing NLP" in result.output  # nlp::bert is another tag
    assert set(ids(srs, "tag:nlp")) == {cards["child"]}
    srs("cards", "undo")
    assert set(ids(srs, "tag:nlp")) == {cards["new"], cards["child"]}
    assert "tag add/remove needs at least one tag" in srs("cards", "tag", "add", " ", "x").output


def test_forget_is_a_manual_log_entry_that_replays(srs: Any, collection: Any, cards: dict[str, int], now: datetime) -> None:
    result = srs("cards", "forget", "deck:Study*")
    assert "Reset to new 3 cards (1 of 4 cards matched was already new)." in result.output
    with collection.read() as session:
        manual = session.execute(select(Review.card_id, Review.state).where(Review.rating == MANUAL)).all()
        review = session.get(Card, cards["review"])
        assert review.state == CardState.NEW and review.reps == 3 and review.stability is None and review.due is None
    assert sorted(manual) == sorted((cards[n], 0) for n in ("review", "today", "leech"))
    replay_ok(srs, collection)
    assert set(ids(srs, "is:new deck:study*")) == {cards[n] for n in ("plan", "review", "today", "leech")}
    # statistics count answers only: the manual entries are not reviews
    stats = json.loads(srs("stats", "--json").output)
    assert stats["reviews"]["total"] == 10
    assert set(ids(srs, "rated:1")) == {cards["today"]}  # a manual entry is no answer
    # reschedule replays the manual entries too: no card changes
    before = snapshot(collection)
    assert srs("reschedule", "--yes").exit_code == 0
    assert snapshot(collection)[0] == before[0]
    replay_ok(srs, collection)
    assert "Undid forget" in srs("cards", "undo").output
    with collection.read() as session:
        assert session.scalar(select(Review.id).where(Review.rating == MANUAL)) is None
        assert session.get(Card, cards["review"]).state == CardState.REVIEW
    replay_ok(srs, collection)


def test_set_due_moves_the_due_date_through_the_log(srs: Any, collection: Any, cards: dict[str, int], now: datetime) -> None:
    result = srs("cards", "set-due", "3", "deck:Study*")
    assert "Moved the due date of 3 cards 3 days from today (1 of 4 cards matched was new (no schedule to move))." in said(result)
    assert set(ids(srs, "prop:due=3")) == {cards[n] for n in ("review", "today", "leech")}
    replay_ok(srs, collection)
    srs("cards", "undo")
    assert ids(srs, "prop:due=3") == []
    replay_ok(srs, collection)
    srs("cards", "set-due", "2-4", "-is:new")
    assert set(ids(srs, "prop:due>=2 prop:due<=4")) == {cards[n] for n in ("review", "today", "leech")}
    replay_ok(srs, collection)
    for bad in ("x", "-1", "5-2", "40000"):
        result = srs("cards", "set-due", bad, "is:review")
        assert result.exit_code != 0 and "set-due" in result.output


def test_answering_after_a_manual_entry_replays(srs: Any, collection: Any, cards: dict[str, int], now: datetime) -> None:
    srs("cards", "forget", "cid:%d" % cards["review"])
    srs("cards", "set-due", "0", "cid:%d" % cards["leech"])
    result = srs("review", "--deck", "Study plan", input="3\n3\n3\n3\nq\n", now=now + timedelta(minutes=1))
    assert result.exit_code == 0, result.output
    replay_ok(srs, collection)


def test_dry_run_and_confirmation(srs: Any, collection: Any, cards: dict[str, int], monkeypatch: pytest.MonkeyPatch) -> None:
    before = snapshot(collection)
    assert "suspend: would act on 4 cards matching deck:Papers (dry run: nothing changed)." in srs("cards", "suspend", "deck:Papers", "--dry-run").output
    monkeypatch.setattr("srs.commands.cards._interactive", lambda: True)
    result = srs("cards", "forget", "deck:Study*", input="n\n")
    assert "forget 4 cards matching deck:Study*?" in result.output and "Nothing changed." in result.output
    assert snapshot(collection) == before
    result = srs("cards", "suspend", "deck:Papers", input="y\n")
    assert "Suspended 4 cards." in result.output
    assert "Unsuspended 1 card." in srs("cards", "unsuspend", "cid:%d" % cards["new"]).output  # one card: no question
    assert "Unsuspended 3 cards (1 of 4 cards matched was not suspended)." in said(srs("cards", "unsuspend", "deck:Papers", "--yes"))


def test_card_view(srs: Any, collection: Any, cards: dict[str, int]) -> None:
    srs("cards", "set-due", "5", "cid:%d" % cards["review"])
    result = srs("card", str(cards["review"]))
    assert result.exit_code == 0, result.output
    out = result.output.replace("\n", "").replace(" ", "")
    for expected in ("Card %d" % cards["review"], "Roofline model", "intensity vs bandwidth", "study-plan/review.md:3", "stability", "Reviews", "manual: due date set to"):
        assert expected.replace(" ", "") in out, expected
    assert "Tensor cores" in srs("card", '"tensor cores"').output
    assert "cards match" in srs("card", "deck:Papers").output
    assert "no card with id 999" in srs("card", "999").output
    new = srs("card", str(cards["new"])).output
    assert "No answers yet" in new
    document = json.loads(srs("card", str(cards["review"]), "--json").output)
    assert document["id"] == cards["review"] and len(document["reviews"]) == 3 and document["manual"][0]["action"] == "set-due"


def test_found_suspended_in_review_and_unsuspended(srs: Any, collection: Any, tmp_path: Path) -> None:
    """The README's way back from a suspend in review, and from a leech."""
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "gpu.md").write_text("What is a warp::32 threads\nWhat is an SM::a streaming multiprocessor\n", encoding="utf-8")
    assert srs("import", str(notes)).exit_code == 0
    result = srs("review", input="s\nq\n")
    suspended = ids(srs, "is:suspended")
    assert len(suspended) == 1 and f"suspended {suspended[0]}" in result.output
    assert "Unsuspended 1 card." in srs("cards", "unsuspend", "is:suspended").output
    assert ids(srs, "is:suspended") == []
    # a leech: tagged and suspended by review; found, its note rewritten, then unsuspended
    with collection.write() as session:
        session.execute(update(Card).where(Card.id == suspended[0]).values(tags=" leech ", suspended=True))
    assert ids(srs, "is:leech") == suspended
    (notes / "gpu.md").write_text("What is a warp::a group of 32 threads run in lockstep\nWhat is an SM::a streaming multiprocessor\n", encoding="utf-8")
    assert srs("import").exit_code == 0
    assert srs("cards", "unsuspend", "is:leech").exit_code == 0
    assert ids(srs, "is:suspended") == []
    replay_ok(srs, collection)


def test_query_starting_with_a_dash(srs: Any, cards: dict[str, int]) -> None:
    assert set(ids(srs, "--", "-is:new", "-is:suspended")) == {cards["review"], cards["today"]}
    assert set(ids(srs, "-is:new", "-is:suspended")) == {cards["review"], cards["today"]}


def test_deck_names_match_case_insensitively(srs: Any, cards: dict[str, int]) -> None:
    """--deck papers finds Papers (and its sub-decks), as Anki's deck names do."""
    status = srs("status", "--deck", "papers")
    assert status.exit_code == 0 and "Papers::NLP" in status.output
    stats = json.loads(srs("stats", "--deck", "STUDY PLAN", "--json").output)
    assert stats["cards"]["total"] == 4
    review = srs("review", "--deck", "study plan", input="q\n")
    assert review.exit_code == 0 and f"card {cards['today']} " in review.output
    assert "unknown deck 'nope'" in srs("status", "--deck", "nope").output


def test_a_page_past_the_last(srs: Any, cards: dict[str, int]) -> None:
    result = srs("cards", "--limit", "5", "--page", "3")
    assert result.exit_code == 0 and "Page 3 is past the last: 8 cards match, 2 pages of 5." in result.output
