"""srs draft: accepted pairs written into the Markdown as Q::A lines, checked by re-parsing."""

from __future__ import annotations

from pathlib import Path

import pytest

from srs.app.draft_writeback import Addition, NoteText, WriteBackError, add_cards, card_line, unified_diff, write_note_file
from srs.domain.draft_protocol import Pair
from srs.domain.parsed import BASIC, SECTION, TASK
from srs.domain.parser import parse_markdown

PLAN = """# Plan

### Week 1

- [x] Learn FlashAttention

  FlashAttention splits the attention matrix into tiles.
  The tiles fit in SRAM.

- [x] Weekly summary
  Busy week.
- [ ] Read the vLLM paper
"""

NOTES = """# Attention

## Scaling
The scores are divided by $\\sqrt{d_k}$.


## Cost
Quadratic in length.
"""


def note_card(text: str, kind: str, question: str):  # type: ignore[no-untyped-def]
    return next(c for c in parse_markdown(text, "x.md").cards if c.kind == kind and c.question == question)


def decode(text: str) -> NoteText:
    return NoteText.decode(text.encode())


def test_cards_go_at_the_end_of_the_tasks_notes_indented_like_them() -> None:
    card = note_card(PLAN, TASK, "Learn FlashAttention")
    after = add_cards("x.md", decode(PLAN), [Addition(card, (Pair("What does FlashAttention split?", "The attention matrix"), Pair("Where do the tiles fit?", "In SRAM")))])
    text = after.text()
    assert "  The tiles fit in SRAM.\n\n  What does FlashAttention split?::The attention matrix\n  Where do the tiles fit?::In SRAM\n\n- [x] Weekly summary" in text
    cards = parse_markdown(text, "x.md").cards
    assert not any(c.kind == TASK and c.question == "Learn FlashAttention" for c in cards)  # replaced
    basics = [c for c in cards if c.kind == BASIC]
    assert [(c.front, c.back) for c in basics] == [("What does FlashAttention split?", "The attention matrix"), ("Where do the tiles fit?", "In SRAM")]
    assert all(c.heading_path[-1] == "Learn FlashAttention" for c in basics)
    assert any(c.kind == TASK and c.question == "Weekly summary" for c in cards)  # untouched


def test_a_task_whose_notes_are_right_under_it_and_the_last_line_of_a_file() -> None:
    card = note_card(PLAN, TASK, "Weekly summary")
    text = add_cards("x.md", decode(PLAN), [Addition(card, (Pair("How was the week?", "Busy"),))]).text()
    assert "  Busy week.\n\n  How was the week?::Busy\n\n- [ ] Read the vLLM paper" in text
    tail = "- [x] Last task\n  notes of it"
    last = note_card(tail, TASK, "Last task")
    assert add_cards("x.md", decode(tail), [Addition(last, (Pair("What are the notes?", "notes of it"),))]).text() == tail + "\n\n  What are the notes?::notes of it\n"


def test_sections_get_their_cards_before_the_next_heading() -> None:
    scaling = note_card(NOTES, SECTION, "Scaling")
    cost = note_card(NOTES, SECTION, "Cost")
    after = add_cards("x.md", decode(NOTES), [Addition(scaling, (Pair("What divides the scores?", "$\\sqrt{d_k}$"),)), Addition(cost, (Pair("How does the cost grow?", "Quadratic in length"),))])
    assert after.text() == (
        "# Attention\n\n## Scaling\nThe scores are divided by $\\sqrt{d_k}$.\n\nWhat divides the scores?::$\\sqrt{d_k}$\n\n\n"
        "## Cost\nQuadratic in length.\n\nHow does the cost grow?::Quadratic in length\n"
    )
    assert {c.kind for c in parse_markdown(after.text(), "x.md").cards} == {BASIC}


def test_line_ends_and_bom_are_kept() -> None:
    raw = b"\xef\xbb\xbf" + PLAN.replace("\n", "\r\n").encode()
    note = NoteText.decode(raw)
    card = note_card(PLAN, TASK, "Learn FlashAttention")
    out = add_cards("x.md", note, [Addition(card, (Pair("Where do the tiles fit?", "In SRAM"),))]).encode()
    assert out.startswith(b"\xef\xbb\xbf") and b"\r\n  Where do the tiles fit?::In SRAM\r\n" in out
    assert b"\n" not in out.replace(b"\r\n", b"")


def test_a_pair_that_is_not_one_card_line_is_refused() -> None:
    assert card_line(Pair("What is std::move?", "A cast")) is None  # a second separator
    assert card_line(Pair("# Why?", "Because")) is None  # a heading, not a card
    assert card_line(Pair("Plain?", "Yes")) == "Plain?::Yes"
    card = note_card(PLAN, TASK, "Learn FlashAttention")
    with pytest.raises(WriteBackError, match="cannot be written"):
        add_cards("x.md", decode(PLAN), [Addition(card, (Pair("A::B", "C"),))])


def test_a_note_that_moved_since_the_import_is_refused() -> None:
    card = note_card(PLAN, TASK, "Learn FlashAttention")
    moved = "intro line\n" + PLAN
    with pytest.raises(WriteBackError, match="run srs import first"):
        add_cards("x.md", decode(moved), [Addition(card, (Pair("Q?", "tiles"),))])


def test_the_diff_and_the_atomic_write_with_a_backup(tmp_path: Path) -> None:
    path = tmp_path / "plan.md"
    path.write_text(PLAN, encoding="utf-8")
    before = decode(PLAN)
    after = add_cards(str(path), before, [Addition(note_card(PLAN, TASK, "Weekly summary"), (Pair("How was the week?", "Busy"),))])
    diff = unified_diff("plan.md", before, after)
    assert "+  How was the week?::Busy\n" in diff and diff.startswith("--- plan.md\n")
    backup = tmp_path / "backups" / "plan.md.bak"
    write_note_file(path, PLAN.encode(), after.encode(), backup)
    assert path.read_text(encoding="utf-8") == after.text() and backup.read_text(encoding="utf-8") == PLAN
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temporary left
    # Edited meanwhile: nothing written.
    with pytest.raises(WriteBackError, match="changed while drafting"):
        write_note_file(path, PLAN.encode(), b"other", tmp_path / "b2.bak")
    assert path.read_text(encoding="utf-8") == after.text()


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_side = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=40).map(lambda s: " ".join(s.split())).filter(bool)


@settings(max_examples=150, deadline=None)
@given(_side, _side)
def test_any_pair_is_written_and_read_back_or_refused(question: str, answer: str) -> None:
    card = note_card(PLAN, TASK, "Learn FlashAttention")
    try:
        after = add_cards("x.md", decode(PLAN), [Addition(card, (Pair(question, answer),))])
    except WriteBackError as error:  # refused with a one-line reason, nothing written
        assert error.message and "\n" not in error.message
        return
    cards = parse_markdown(after.text(), "x.md").cards
    assert any(c.kind == BASIC and c.back == answer for c in cards)
    assert sum(c.kind == TASK for c in cards) == 1  # the other task is untouched, this one replaced


NESTED = """# P

- [x] parent task
  notes of parent
  - [x] child task
    child notes here
- [x] next
  n
"""


@pytest.mark.parametrize(("question", "indent"), [("parent task", "  "), ("child task", "    ")])
def test_nested_tasks_get_their_cards_at_their_own_depth(question: str, indent: str) -> None:
    card = note_card(NESTED, TASK, question)
    text = add_cards("x.md", decode(NESTED), [Addition(card, (Pair("What is it?", "notes"),))]).text()
    assert f"    child notes here\n\n{indent}What is it?::notes\n\n- [x] next" in text
    basic = next(c for c in parse_markdown(text, "x.md").cards if c.kind == BASIC)
    assert basic.heading_path[-1] == question
