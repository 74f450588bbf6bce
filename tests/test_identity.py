"""Card identity: edits, typo fixes, moves, reorders and deletions keep each card's history."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from factories import add_reviews
from sqlalchemy import func, select

from srs.app.importing import import_notes
from srs.domain import identity
from srs.domain.identity import Change, Stored, incoming, match_cards
from srs.domain.parsed import BASIC, ParsedCard
from srs.domain.parser import parse_markdown
from srs.store.models import Card, Review

# -- pure matching -------------------------------------------------------------------------------


def _incoming(path: str, text: str, deck: str = "D") -> list[identity.Incoming]:
    parsed = parse_markdown(text, path)
    return [incoming(path, card, deck=deck, tags=card.tags) for card in parsed.cards]


def _stored(cards: list[identity.Incoming], *, retired: bool = False, start: int = 1) -> list[Stored]:
    return [
        Stored(
            id=start + index,
            key=card.key,
            kind=card.kind,
            source_path=card.source_path,
            source_line=card.line,
            heading_path=card.heading_path,
            back=card.back,
            content_hash=card.content_hash,
            fingerprint=card.fingerprint,
            retired=retired,
        )
        for index, card in enumerate(cards)
    ]


PLAN = "# Plan\n\n## Week 1 (3.2~3.8)\n\n- [x] Read the FlashAttention paper\n\n  Tiling keeps scores in SRAM.\n\n- [x] Review matrix calculus\n\n  d/dx of x^T A x is (A + A^T) x.\n"


def test_unchanged_file_matches_every_card_by_key() -> None:
    old = _incoming("/n/plan.md", PLAN)
    result = match_cards(_incoming("/n/plan.md", PLAN), _stored(old))
    assert [m.change for m in result.matches] == [Change.UNCHANGED, Change.UNCHANGED]
    assert [m.how for m in result.matches] == ["key", "key"]
    assert result.retired == []


def test_changed_answer_is_updated_in_place() -> None:
    old = _stored(_incoming("/n/plan.md", PLAN))
    new = _incoming("/n/plan.md", PLAN.replace("Tiling keeps scores in SRAM.", "Tiling keeps the scores on chip."))
    result = match_cards(new, old)
    assert [(m.change, m.stored.id if m.stored else None) for m in result.matches] == [(Change.UPDATED, 1), (Change.UNCHANGED, 2)]


def test_question_typo_fix_is_the_same_card() -> None:
    old = _stored(_incoming("/n/c.md", "What is the capitol of France?::Paris\nWarp size::32\n"))
    new = _incoming("/n/c.md", "What is the capital of France?::Paris\nWarp size::32\n")
    result = match_cards(new, old)
    assert [(m.change, m.how, m.stored.id if m.stored else None) for m in result.matches] == [
        (Change.UPDATED, "similar", 1),
        (Change.UNCHANGED, "key", 2),
    ]


def test_typo_fixed_inside_a_highlight_cloze_is_the_same_card() -> None:
    old = _stored(_incoming("/n/c.md", "The capital of Kenya is ==Nairbi== and of Peru ==Lima==.\n"))
    new = _incoming("/n/c.md", "The capital of Kenya is ==Nairobi== and of Peru ==Lima==.\n")
    result = match_cards(new, old)
    assert [(m.change, m.stored.id if m.stored else None) for m in result.matches] == [(Change.UPDATED, 1), (Change.UPDATED, 2)]
    assert result.retired == []


def test_a_cloze_with_other_deleted_text_is_a_new_card() -> None:
    old = _stored(_incoming("/n/c.md", "The fastest memory on a GPU is ==SRAM==.\n"))
    new = _incoming("/n/c.md", "The fastest memory on a GPU is ==registers==.\n")
    result = match_cards(new, old)
    assert result.matches[0].change is Change.NEW
    assert [s.id for s in result.retired] == [1]


REPEATS = "# Plan\n\n## Week 1\n\n- [x] Read a paper\n\n  BERT: masked LM.\n\n- [x] Read a paper\n\n  GPT: next token.\n"


def test_swapped_repeats_of_one_task_keep_their_own_cards() -> None:
    old = _stored(_incoming("/n/p.md", REPEATS))
    first, second = REPEATS.split("- [x]")[1:]
    swapped = REPEATS.split("- [x]")[0] + "- [x]" + second.rstrip("\n") + "\n\n- [x]" + first.rstrip("\n") + "\n"
    result = match_cards(_incoming("/n/p.md", swapped), old)
    assert [(m.incoming.back, m.stored.id if m.stored else None) for m in result.matches] == [("GPT: next token.", 2), ("BERT: masked LM.", 1)]
    assert result.retired == []


def test_deleting_the_first_repeat_retires_that_card_not_the_other() -> None:
    old = _stored(_incoming("/n/p.md", REPEATS))
    kept = REPEATS.replace("- [x] Read a paper\n\n  BERT: masked LM.\n\n", "")
    result = match_cards(_incoming("/n/p.md", kept), old)
    assert [(m.incoming.back, m.stored.id if m.stored else None) for m in result.matches] == [("GPT: next token.", 2)]
    assert [s.id for s in result.retired] == [1]


def test_a_different_question_is_a_new_card() -> None:
    old = _stored(_incoming("/n/c.md", "What is the capital of France?::Paris\n"))
    new = _incoming("/n/c.md", "Which river flows through Cairo?::The Nile\n")
    result = match_cards(new, old)
    assert result.matches[0].change is Change.NEW
    assert [s.id for s in result.retired] == [1]


def test_rephrased_question_with_the_same_answer_is_kept() -> None:
    old = _stored(_incoming("/n/c.md", "How many threads in a warp?::32 threads\n"))
    new = _incoming("/n/c.md", "Number of threads in one warp?::32 threads\n")
    assert identity.similarity("How many threads in a warp?", "Number of threads in one warp?") < identity.QUESTION_THRESHOLD
    assert match_cards(new, old).matches[0].change is Change.UPDATED


def test_week_heading_typo_keeps_task_cards() -> None:
    old = _stored(_incoming("/n/plan.md", PLAN))
    new = _incoming("/n/plan.md", PLAN.replace("Week 1 (3.2~3.8)", "Week 1 (3.2~3.9)"))
    assert [m.change for m in match_cards(new, old).matches] == [Change.UPDATED, Change.UPDATED]


def test_reordered_cards_are_unchanged() -> None:
    text = "A question::a\nB question::b\nC question::c\n"
    old = _stored(_incoming("/n/c.md", text))
    new = _incoming("/n/c.md", "C question::c\nA question::a\nB question::b\n")
    result = match_cards(new, old)
    assert [m.change for m in result.matches] == [Change.UNCHANGED] * 3
    assert [m.stored.id for m in result.matches if m.stored] == [3, 1, 2]


def test_moved_file_is_matched_by_content() -> None:
    text = "Q one::A one\nQ two::A two\n"
    old = _stored(_incoming("/n/old.md", text))
    result = match_cards(_incoming("/n/sub/new.md", text, deck="sub"), old)
    assert [(m.change, m.how) for m in result.matches] == [(Change.MOVED, "content"), (Change.MOVED, "content")]
    assert result.retired == []


def test_file_renamed_and_edited_at_once_keeps_every_card() -> None:
    old = _stored(_incoming("/n/week.md", PLAN))
    edited = PLAN.replace("Read the FlashAttention paper", "Read the FlashAttention papers").replace("SRAM.", "on-chip SRAM.")
    result = match_cards(_incoming("/n/spring.md", edited), old)
    assert [(m.change, m.how, m.stored.id if m.stored else None) for m in result.matches] == [
        (Change.MOVED, "similar", 1),
        (Change.MOVED, "content", 2),
    ]
    assert result.retired == []


def test_a_card_of_a_file_still_present_is_not_taken_by_another_file() -> None:
    old = _stored(_incoming("/n/a.md", "What is the capital of France?::Paris\n"))
    new = _incoming("/n/a.md", "Something else entirely::yes\n") + _incoming("/n/b.md", "What is the capitol of France?::Paris\n")
    result = match_cards(new, old)
    assert [m.change for m in result.matches] == [Change.NEW, Change.NEW]


def test_retired_card_comes_back_with_its_id() -> None:
    old = _stored(_incoming("/n/c.md", "Q::A\n"), retired=True)
    result = match_cards(_incoming("/n/c.md", "Q::A\n"), old)
    assert result.matches[0].change is Change.REVIVED and result.matches[0].stored.id == 1
    elsewhere = match_cards(_incoming("/n/other.md", "Q::A\n"), [], old)
    assert elsewhere.matches[0].change is Change.REVIVED


def test_elsewhere_cards_are_never_retired() -> None:
    other = _stored(_incoming("/n/other.md", "Q::A\n"))
    result = match_cards(_incoming("/n/c.md", "Different::card\n"), [], other)
    assert result.retired == [] and result.matches[0].change is Change.NEW


def test_cloze_siblings_do_not_swap_when_the_note_is_edited() -> None:
    old = _stored(_incoming("/n/c.md", "In CUDA {{c1::warps}} have {{c2::32}} threads.\n"))
    new = _incoming("/n/c.md", "In CUDA, {{c1::warps}} have {{c2::32}} threads.\n")
    result = match_cards(new, old)
    assert [(m.incoming.variant, m.stored.id if m.stored else None, m.change) for m in result.matches] == [
        ("c1", 1, Change.UPDATED),
        ("c2", 2, Change.UPDATED),
    ]


def test_keys_are_bounded_and_carry_the_question() -> None:
    long_question = "why " * 400
    card = ParsedCard(BASIC, long_question, "a", ("H",), long_question.strip(), 1, "n")
    key = identity.card_key("/very/long/" + "x" * 3000 + ".md", card)
    assert len(key.encode()) < 400
    assert identity.key_question(key).startswith("why why")
    short = ParsedCard(BASIC, "Q", "A", (), "Q", 1, "n")
    assert identity.key_question(identity.card_key("/a.md", short)) == "Q"


def test_content_hash_ignores_the_file_but_not_the_answer() -> None:
    a = ParsedCard(BASIC, "Q", "A", ("H",), "Q", 1, "n")
    b = ParsedCard(BASIC, "Q", "B", ("H",), "Q", 7, "m")
    assert identity.content_hash(a) == identity.content_hash(ParsedCard(BASIC, "Q", "A", ("Other",), "Q", 9, "x"))
    assert identity.content_hash(a) != identity.content_hash(b)


# -- through the importer, with review logs ------------------------------------------------------


@pytest.fixture
def notes(tmp_path: Path) -> Path:
    folder = tmp_path / "notes"
    (folder / "papers").mkdir(parents=True)
    (folder / "plan.md").write_text(PLAN + "\n## Week 2 (3.9~3.15)\n\n- [x] Read the vLLM paper\n\n  Paged KV cache.\n", encoding="utf-8")
    (folder / "papers" / "cards.md").write_text("# Cards\n\nWhat is the capitol of France?::Paris\nWarp size::32\n", encoding="utf-8")
    return folder


def _import(collection, folder: Path, now, **options):  # type: ignore[no-untyped-def]
    return import_notes(collection, [folder], now=now, cwd=folder.parent, workers=1, **options)


def _review_everything(collection, now) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """Two reviews per card; returns front -> card id."""
    with collection.write() as session:
        ids = {}
        for card in session.scalars(select(Card)):
            add_reviews(session, card, [(3, now), (3, now + timedelta(days=2))])
            ids[card.front] = card.id
    return ids


def _log_sizes(collection) -> dict[int, int]:  # type: ignore[no-untyped-def]
    with collection.read() as session:
        return dict(session.execute(select(Review.card_id, func.count()).group_by(Review.card_id)).all())


def test_edits_keep_review_logs(collection, notes: Path, now) -> None:  # type: ignore[no-untyped-def]
    first = _import(collection, notes, now)
    assert first.totals.new == 5
    ids = _review_everything(collection, now)
    later = now + timedelta(days=3)

    # Editing a task's notes: updated, same card.
    plan = notes / "plan.md"
    plan.write_text(plan.read_text(encoding="utf-8").replace("Paged KV cache.", "Paged KV cache in 16-token blocks."), encoding="utf-8")
    report = _import(collection, notes, later)
    assert (report.totals.updated, report.totals.unchanged, report.totals.new) == (1, 4, 0)
    (change,) = report.changes
    assert change.change == "updated" and "Read the vLLM paper" in change.front

    # Fixing a typo in a question: updated, same card.
    cards_file = notes / "papers" / "cards.md"
    cards_file.write_text(cards_file.read_text(encoding="utf-8").replace("capitol", "capital"), encoding="utf-8")
    report = _import(collection, notes, later)
    assert (report.totals.updated, report.totals.new, report.totals.retired) == (1, 0, 0)

    # Moving (and renaming) a file: moved, same cards, new deck.
    (notes / "archive").mkdir()
    cards_file.rename(notes / "archive" / "flash.md")
    report = _import(collection, notes, later)
    assert (report.totals.moved, report.totals.new, report.totals.retired) == (2, 0, 0)
    assert report.decks["archive"].moved == 2

    # Deleting a section (week 2): retired, history kept, not reviewable.
    text = plan.read_text(encoding="utf-8")
    plan.write_text(text[: text.index("## Week 2")], encoding="utf-8")
    report = _import(collection, notes, later)
    assert (report.totals.retired, report.totals.unchanged) == (1, 4)

    with collection.read() as session:
        rows = {card.id: card for card in session.scalars(select(Card))}
        decks = {card.id: card.deck.name for card in rows.values()}
    assert set(rows) == set(ids.values())  # no card was replaced by a new one
    assert _log_sizes(collection) == {card_id: 2 for card_id in ids.values()}
    vllm = next(card for card in rows.values() if "vLLM" in card.front)
    assert vllm.retired_at is not None and vllm.reps == 2
    capital = next(card for card in rows.values() if card.front.startswith("What is the capital"))
    assert capital.source_path.endswith("archive/flash.md") and capital.reps == 2
    assert decks[capital.id] == "archive"

    # Writing the section again brings the card back with its history.
    plan.write_text(text, encoding="utf-8")
    report = _import(collection, notes, later)
    assert (report.totals.revived, report.totals.new) == (1, 0)
    with collection.read() as session:
        back = session.get(Card, vllm.id)
        assert back.retired_at is None and back.reps == 2


def test_repeats_swapped_deleted_and_restored_through_the_importer(collection, tmp_path: Path, now) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "rep"
    folder.mkdir()
    plan = folder / "p.md"
    first, second = "- [x] Read a paper\n\n  BERT: masked LM.\n\n", "- [x] Read a paper\n\n  GPT: next token.\n\n"
    head = "# Plan\n\n## Week 1\n\n"
    plan.write_text(head + first + second, encoding="utf-8")
    _import(collection, folder, now)
    _review_everything(collection, now)

    def by_back() -> dict[str, tuple[int, bool]]:
        with collection.read() as session:
            return {card.back: (card.id, card.retired_at is None) for card in session.scalars(select(Card))}

    before = by_back()
    plan.write_text(head + second + first, encoding="utf-8")  # swapped: each keeps its own card
    report = _import(collection, folder, now)
    assert (report.totals.new, report.totals.retired) == (0, 0) and by_back() == before
    plan.write_text(head + first, encoding="utf-8")  # one deleted: that one is retired, the other kept
    report = _import(collection, folder, now)
    assert (report.totals.new, report.totals.retired) == (0, 1)
    assert by_back() == {"BERT: masked LM.": (before["BERT: masked LM."][0], True), "GPT: next token.": (before["GPT: next token."][0], False)}
    plan.write_text(head + second + first, encoding="utf-8")  # restored: it comes back with its history
    report = _import(collection, folder, now)
    assert (report.totals.new, report.totals.revived) == (0, 1) and by_back() == before
    assert _log_sizes(collection) == {card_id: 2 for card_id, _ in before.values()}


def test_reordering_a_file_reports_unchanged_and_updates_lines(collection, notes: Path, now) -> None:  # type: ignore[no-untyped-def]
    _import(collection, notes, now)
    cards_file = notes / "papers" / "cards.md"
    cards_file.write_text("# Cards\n\nWarp size::32\n\nWhat is the capitol of France?::Paris\n", encoding="utf-8")
    report = _import(collection, notes, now)
    assert (report.totals.unchanged, report.totals.updated, report.totals.new) == (5, 0, 0)
    with collection.read() as session:
        lines = dict(session.execute(select(Card.front, Card.source_line)).all())
    assert lines["Warp size"] == 3 and lines["What is the capitol of France?"] == 5


def test_nothing_is_written_into_the_notes(collection, notes: Path, now) -> None:  # type: ignore[no-untyped-def]
    before = {path: path.read_bytes() for path in notes.rglob("*") if path.is_file()}
    _import(collection, notes, now)
    _import(collection, notes, now)
    after = {path: path.read_bytes() for path in notes.rglob("*") if path.is_file()}
    assert before == after
