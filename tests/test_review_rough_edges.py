"""Review rough edges found in a week of daily use (issue 16): the end screen's "still due"
count after a suspend or a bury, and the progress shown as done / remaining."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import pytest
from factories import add_card


def left(output: str) -> int:
    match = re.search(r"; left (\d+)$", output.strip().splitlines()[-1])
    assert match, output
    return int(match.group(1))


@pytest.fixture
def siblings(collection: Any, now: datetime) -> None:
    """Three notes of two sibling cards each, and two single cards: one per note is queued."""
    with collection.write() as session:
        for note in range(3):
            for side in range(2):
                add_card(session, now=now, deck="Plan", front=f"note {note} side {side}", note_key=f"sib:{note}")
        add_card(session, now=now, deck="Plan", front="single a")
        add_card(session, now=now, deck="Plan", front="single b")


@pytest.mark.parametrize("action", ["s", "b"])
def test_still_due_after_a_suspend_or_bury_is_what_the_next_session_finds(srs: Any, siblings: None, action: str) -> None:
    first = srs("review", "--deck", "Plan", input=f"{action}\nq\n")
    assert first.exit_code == 0, first.output
    second = srs("review", "--deck", "Plan", input="q\n")
    assert left(first.output) == left(second.output) == 5  # the suspended card's sibling comes in


def test_still_due_after_a_suspend_counts_the_next_new_card(srs: Any, collection: Any, now: datetime) -> None:
    with collection.write() as session:
        for number in range(4):
            add_card(session, now=now, deck="Few", front=f"card {number}")
    first = srs("review", "--deck", "Few", "--new", "2", input="s\nq\n")
    second = srs("review", "--deck", "Few", "--new", "2", input="q\n")
    assert left(first.output) == left(second.output) == 2


def test_progress_is_done_and_left_not_a_growing_total(collection: Any, now: datetime) -> None:
    """Again on a new card brings it back: the header says one more left, never 2/21."""
    import io
    from datetime import timedelta

    from srs.app.review import ReviewSession, SessionOptions
    from srs.render.lines import LineKeys, LineScreen
    from srs.render.review import counts_text

    with collection.write() as session:
        for number in range(3):
            add_card(session, now=now, deck="P", front=f"card {number}")
    headers: list[str] = []

    class Recording(LineScreen):
        def show_card(self, card: Any) -> None:
            headers.append(counts_text(card).plain.split("   ")[0])

    clock = [now]

    def tick() -> datetime:
        clock[0] += timedelta(minutes=15)  # learning steps (1m, 10m) come due
        return clock[0]

    ReviewSession(collection, SessionOptions(deck="P"), clock=tick).run(LineKeys(io.StringIO("1\n3\n3\n3\n3\n3\nq\n")), Recording(lambda _: None))
    assert headers[:2] == ["0 done / 3 left", "1 done / 3 left"]  # card 0 comes back: still 3 left
    assert [int(h.split()[0]) for h in headers] == list(range(len(headers)))  # done counts up by one
    assert len(headers) >= 4 and all(int(h.split()[3]) <= 3 for h in headers)  # and nothing grows past the cards there are


@pytest.mark.parametrize(("width", "height"), [(80, 24), (60, 16), (200, 50)])
def test_a_long_answer_scrolls_under_the_question(width: int, height: int) -> None:
    """A 60-line answer on a small terminal: the header and the question stay on screen, the
    answer scrolls between them and the buttons; a short answer is drawn as before."""
    import io

    from rich.console import Console
    from test_review_ui import shown

    from srs.app.review import END, PAGE
    from srs.render.review import THEME, RichScreen

    back = "\n".join(f"{n}. line {n} of the answer" for n in range(1, 61))
    card = shown("What does the scheduler do?", back, deck="Plan")
    out = io.StringIO()
    screen = RichScreen(Console(file=out, width=width, height=height, theme=THEME, highlight=False, emoji=False), clear=False)

    def drawn() -> list[str]:
        lines = out.getvalue().rstrip("\n").splitlines()
        out.seek(0)
        out.truncate()
        return lines

    screen.show_answer(card)
    first = drawn()
    assert len(first) <= height - 1
    assert first[0].startswith("Plan") and "What does the scheduler do?" in "\n".join(first[:5])
    assert first[-1].startswith("u undo") and any("Again" in line for line in first[-5:])
    assert "line 1 of the answer" in "\n".join(first) and "line 60 of" not in "\n".join(first)
    assert "answer lines 1-" in "\n".join(first)
    screen.scroll(PAGE)
    second = "\n".join(drawn())
    assert second.splitlines()[0].startswith("Plan") and "line 1 of the answer" not in second
    screen.scroll(END)
    last = "\n".join(drawn())
    assert "line 60 of the answer" in last and "of 6" in last
    screen.scroll(-END)
    assert "line 1 of the answer" in "\n".join(drawn())
    short = shown("q", "a short answer", deck="Plan")
    screen.show_answer(short)
    assert "answer lines" not in "\n".join(drawn())
