"""The rich review screen: literal note text, Markdown, answer buttons, header, summary, keys,
and the terminal path end to end (a session in a pseudo-terminal)."""

from __future__ import annotations

import io
import os
import re
import select
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone

import pytest
from factories import add_card
from reviewing import log, set_preset
from rich.cells import cell_len
from rich.console import Console

from srs.app.review import PAGE, QUIT, Action, Key, ReviewSession, SessionOptions, ShownCard
from srs.domain.queue_rules import CardView, Counts, SessionSummary
from srs.domain.scheduling import NEW_CARD, Rating, SchedulerSettings, answer, preview
from srs.render.keys import TerminalKeys
from srs.render.lines import LineScreen
from srs.render.note import note, readable_math
from srs.render.review import THEME, RichScreen, answer_buttons, card_screen, summary_screen

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=timezone.utc)
SGR = re.compile(r"\x1b\[[0-9;]*m")
SETTINGS = SchedulerSettings(enable_fuzz=False)


def console(width: int = 80, color: bool = False) -> tuple[Console, io.StringIO]:
    out = io.StringIO()
    return Console(file=out, width=width, force_terminal=color, color_system="truecolor" if color else None, theme=THEME, highlight=False, emoji=False), out


def shown(front: str, back: str = "back", *, deck: str = "Default", heading: str = "", source: str | None = None, memory=NEW_CARD, counts: Counts = Counts(1, 0, 0), position: int = 1) -> ShownCard:  # type: ignore[no-untyped-def]
    view = CardView(
        card_id=7,
        deck_id=1,
        deck=deck,
        kind="basic",
        note_key="n",
        front=front,
        back=back,
        heading_path=heading,
        tags="",
        source_path=source,
        source_line=12 if source else None,
        memory=memory,
    )
    return ShownCard(view=view, kind=view.queue_kind, counts=counts, position=position, total=position - 1 + counts.total, intervals=preview(memory, NOW, SETTINGS, seed=7))


def render(card: ShownCard, *, revealed: bool = True, width: int = 80, color: bool = False) -> str:
    con, out = console(width, color)
    con.print(card_screen(card, revealed=revealed))
    return out.getvalue()


# --- note text is literal -----------------------------------------------------------------------

HOSTILE = "[bold red]alarm[/bold red] \x1b[31mred\x1b[0m \x1b]0;title\x07 &#27;[2J <script>x</script> \x9b31m [link=http://x]y[/link]"


def test_markup_and_escape_sequences_in_notes_neither_style_nor_inject() -> None:
    card = shown(HOSTILE, back=HOSTILE, deck="[blink]Deck[/]", heading="[red]H[/red]", source="/notes/[x].md")
    raw = render(card, color=True)
    visible = SGR.sub("", raw)
    assert "\x1b" not in visible and "\x9b" not in visible and "\x07" not in visible  # only rich's own SGR codes
    for literal in ("[bold red]alarm[/bold red]", "<script>x</script>", "[link=http://x]y[/link]", "[blink]Deck[/]", "[red]H[/red]", "/notes/[x].md:12"):
        assert literal in visible, literal
    assert "\x1b]" not in raw and "\x1b[2J" not in raw  # no OSC (title, hyperlink), no screen clear
    flat = " ".join(visible.split())
    assert "alarm[/bold red] red \ufffd[2J <script>" in flat  # the sequence is gone, its text kept; &#27; is U+FFFD
    # "alarm" is not bold: the text right before it is the literal "[bold red]", with no SGR between.
    assert re.search(r"\[bold red\]alarm", visible)
    plain_render = render(card)
    assert "[bold red]alarm[/bold red]" in plain_render


def test_line_protocol_strips_escapes_from_note_text() -> None:
    out: list[str] = []
    LineScreen(out.append).show_card(shown("\x1b[2Jfirst line\nsecond", deck="D\x1b]0;t\x07"))
    assert out == ["card 7 new D: first line"]


# --- Markdown -------------------------------------------------------------------------------------


def test_latex_is_shown_in_unicode_and_broken_latex_as_written() -> None:
    assert readable_math(r"\mathrm{softmax}(x)_i = \frac{e^{x_i}}{\sum_j e^{x_j}}") == "softmax(x)_i = (e^(x_i))/(∑_j e^(x_j))"
    # Grouping is kept: what the formula says does not change.
    assert readable_math(r"\frac{a+b}{c+d}") == "(a+b)/(c+d)" and readable_math(r"\frac12") == "1/2"
    assert readable_math(r"\binom{n}{k}") == "C(n, k)"
    assert readable_math(r"x^{2n} + x^{10} + x_{max} + e^{-x^2}") == "x^(2n) + x^10 + x_max + e^(-x^2)"
    assert readable_math(r"\frac{QK^\top}{\sqrt{d_k}}") == "(QK^⊤)/√(d_k)"
    assert readable_math(r"\alpha + \beta \leq \gamma") == "α + β≤γ"
    assert readable_math(r"\frac{a") == r"\frac{a"  # cannot be converted: the source


def test_markdown_code_lists_links_latex_images_and_html() -> None:
    text = (
        "# Gradient descent\n\n"
        "Energy $E=mc^2$ and $$\\sum_i x_i$$ inline.\n\n"
        "$$\na^2+b^2=c^2\n$$\n\n"
        "```python\nfor step in range(3):\n    w = w - lr * grad(w)\n```\n\n"
        "- first\n- second\n\n"
        "See [notes](https://example.org/gd) and ![figure](figs/a.png).\n\n"
        "<b>raw html</b>\n"
    )
    con, out = console(80)
    con.print(note(text))
    rendered = out.getvalue()
    assert rendered.splitlines()[0].rstrip() == "Gradient descent"  # headings aligned with the text
    assert "E=mc^2" in rendered and "∑_i x_i" in rendered and "$" not in rendered  # math in Unicode
    assert "    a^2+b^2=c^2" in rendered and "$$\na^2" not in rendered  # block math: indented
    assert "for step in range(3):" in rendered and "python" in rendered  # framed, titled with its language
    assert " • first" in rendered and " • second" in rendered
    assert "notes (https://example.org/gd)" in rendered
    assert "[image: figs/a.png — figure]" in rendered
    assert "<b>raw html</b>" in rendered
    con, out = console(80, color=True)
    con.print(note(text))
    colored = out.getvalue()
    assert re.search(r"\x1b\[[0-9;]*m\s*for\x1b", colored)  # the keyword is highlighted


def test_chinese_text_wraps_within_the_width() -> None:
    front = "什么是梯度下降？为什么学习率太大会发散？请用中文解释，并给出一个简单的例子来说明这个问题的关键所在。"
    for width in (40, 80, 200):
        rendered = render(shown(front, back="沿负梯度方向更新参数。"), width=width)
        assert all(cell_len(line) <= width for line in rendered.splitlines())
        assert front in "".join(line.strip() for line in rendered.splitlines())


def test_empty_back_is_said() -> None:
    assert "(empty)" in render(shown("q", back="  \n"))


# --- buttons, header, summary ------------------------------------------------------------------------


def test_answer_buttons_show_the_interval_each_answer_gives() -> None:
    assert answer_buttons(preview(NEW_CARD, NOW, SETTINGS, seed=1)).plain == " 1  Again <1m    2  Hard <6m    3  Good <10m    4  Easy 8d"
    memory = NEW_CARD
    for rating, when in ((3, NOW), (3, NOW + timedelta(minutes=10))):
        memory = answer(memory, rating, when, SETTINGS, seed=1).memory
    assert memory.due is not None
    intervals = preview(memory, memory.due, SETTINGS, seed=1)
    assert answer_buttons(intervals).plain == " 1  Again <10m    2  Hard 8d    3  Good 11d    4  Easy 19d"


def test_header_shows_deck_heading_position_and_counts() -> None:
    card = shown("q", deck="Papers::NLP", heading="Attention › Scaling", counts=Counts(new=1, learning=2, review=3), position=4)
    first = render(card, revealed=False).splitlines()[0]
    assert first.startswith("Papers::NLP › Attention › Scaling")
    assert first.endswith("3 done / 6 left   1 new  2 learning  3 review")
    assert "Space  show answer" in render(card, revealed=False)
    assert "1  Again" not in render(card, revealed=False)


def test_summary_says_what_was_done_and_when_the_next_cards_come() -> None:
    summary = SessionSummary(
        answered=10,
        again=2,
        seconds=125,
        next_due=NOW + timedelta(hours=3),
        due_tomorrow=14,
        learning_later=1,
        learning_next=NOW + timedelta(minutes=30),
        leeches=(5,),
        now=NOW,
        timezone="Asia/Shanghai",
        can_undo=True,
    )
    con, out = console(100)
    con.print(summary_screen(summary))
    text = out.getvalue()
    assert "Reviewed 10 cards in 2:05; Again 2 (20%)." in text
    assert "1 card in learning comes back in 30m (20:30): run srs review again then." in text
    assert "Next card due in 3h (23:00); 14 due by the end of tomorrow." in text
    assert "1 leech tagged and suspended (cards 5)" in text
    assert "u  undo the last answer" in text


# --- keys ------------------------------------------------------------------------------------------------


def test_terminal_keys_split_fast_typing_and_ignore_escape_sequences() -> None:
    chunks = iter(["3 ", "\x1b[Z", "x", "Q", "\x03"])
    keys = TerminalKeys(lambda: next(chunks))
    actions = [keys.read() for _ in range(6)]
    assert [k.action for k in actions] == [Action.ANSWER, Action.REVEAL, Action.OTHER, Action.OTHER, Action.QUIT, Action.QUIT]

    def interrupted() -> str:
        raise KeyboardInterrupt

    assert TerminalKeys(interrupted).read().action == Action.QUIT
    arrows = iter(["\x1b[A", "\x1b[B", "\x1b[6~", "j"])
    keys = TerminalKeys(lambda: next(arrows))
    assert [(k.action, k.lines) for k in (keys.read() for _ in range(4))] == [
        (Action.SCROLL, -1), (Action.SCROLL, 1), (Action.SCROLL, PAGE), (Action.SCROLL, 1)
    ]


@pytest.mark.skipif(not hasattr(os, "openpty") or not hasattr(signal, "SIGWINCH"), reason="needs a pseudo-terminal")
def test_a_resized_terminal_is_a_redraw_and_keys_still_come_through() -> None:
    controller, terminal = os.openpty()
    try:
        with TerminalKeys(fd=terminal) as keys:
            os.kill(os.getpid(), signal.SIGWINCH)
            assert keys.read().action == Action.REDRAW
            os.write(controller, b"3")
            key = keys.read()
            assert key.action == Action.ANSWER and key.rating == Rating.GOOD
        assert signal.getsignal(signal.SIGWINCH) in (signal.SIG_DFL, None) and signal.set_wakeup_fd(-1) == -1
    finally:
        os.close(controller)
        os.close(terminal)


def test_a_redraw_shows_the_revealed_card_again_with_its_notices(collection) -> None:
    set_preset(collection)
    with collection.write() as session:
        add_card(session, now=NOW, front="front text", back="back text")
    keys = iter([Key(Action.REVEAL), Key(Action.UNDO), Key(Action.REDRAW), Key(Action.ANSWER, Rating.GOOD), QUIT])

    class Keys:
        interactive = True

        def read(self) -> Key | None:
            return next(keys, None)

    con, out = console(80)
    ReviewSession(collection, SessionOptions(), clock=lambda: NOW).run(Keys(), RichScreen(con, clear=False))
    # drawn: the front, the answer, again after the undo (with its notice), again after the resize
    text = out.getvalue()
    assert text.count("back text") == 3 and text.count("nothing to undo") == 1
    assert "back text" in text.split("nothing to undo")[1]  # the resize drew the answer side again
    assert [rating for _, rating in log(collection)] == [3]


def test_rich_screen_session_with_key_presses(collection) -> None:
    set_preset(collection)
    with collection.write() as session:
        add_card(session, now=NOW, front="# 梯度下降\n\n```python\nw = w - lr * g\n```", back="沿负梯度方向")
        add_card(session, now=NOW, front="second card", back="its back")
    presses = iter(["u", "3", " ", "3", "\r", "1", "q"])  # 3 before the reveal is ignored
    con, out = console(80)
    ReviewSession(collection, SessionOptions(), clock=lambda: NOW).run(TerminalKeys(lambda: next(presses)), RichScreen(con, clear=False))
    text = out.getvalue()
    assert "梯度下降" in text and "w = w - lr * g" in text and "沿负梯度方向" in text
    assert " 1  Again <1m    2  Hard <6m    3  Good <10m    4  Easy 8d" in text
    assert "nothing to undo" in text  # a notice, drawn with the card
    assert "Stopped." in text and "Reviewed 2 cards" in text
    assert [rating for _, rating in log(collection)] == [3, 1]


@pytest.mark.sqlite_only
@pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs a pseudo-terminal")
def test_srs_review_in_a_real_pseudo_terminal(collection, db_url: str) -> None:
    set_preset(collection)
    with collection.write() as session:
        add_card(session, now=NOW, front="**bold** front", back="the back")
    master, slave = os.openpty()
    env = {**os.environ, "SRS_DB": db_url, "SRS_NOW": NOW.isoformat(), "COLUMNS": "80", "LINES": "30", "TERM": "xterm-256color"}
    process = subprocess.Popen([sys.executable, "-m", "srs", "review"], stdin=slave, stdout=slave, stderr=slave, env=env, close_fds=True)
    os.close(slave)
    received = b""

    def wait_for(needle: bytes, timeout: float = 30.0, after: int = 0) -> None:
        nonlocal received
        deadline = time.monotonic() + timeout
        while needle not in received[after:]:
            left = deadline - time.monotonic()
            assert left > 0, f"no {needle!r} in: " + received.decode(errors="replace")[-2000:]
            ready, _, _ = select.select([master], [], [], min(left, 0.5))
            if ready:
                try:
                    received += os.read(master, 65536)
                except OSError:  # the child closed the terminal
                    assert needle in received, received.decode(errors="replace")[-2000:]

    try:
        wait_for(b"show answer")
        os.write(master, b" ")
        wait_for(b"Again")
        os.write(master, b"3 ")  # Good, then at once Space: kept although typed during the redraw
        wait_for(b"1 done / 1 left")  # the card is back on its 10-minute step (learn-ahead)
        wait_for(b"Again", after=received.index(b"1 done / 1 left"))
        os.write(master, b"q")
        wait_for(b"Reviewed 1 card")
        assert process.wait(timeout=20) == 0
    finally:
        if process.poll() is None:
            process.kill()
        os.close(master)
    text = SGR.sub("", received.decode(errors="replace"))
    assert "bold front" in text and "**bold**" not in text
    assert log(collection) == [(1, 3)]


def test_summary_of_a_quit_session_says_what_is_still_due_now() -> None:
    summary = SessionSummary(answered=0, again=0, seconds=1, stopped=True, left=Counts(learning=1, review=2), now=NOW, timezone="UTC")
    con, out = console(100)
    con.print(summary_screen(summary))
    text = out.getvalue()
    assert "Still due now: 1 learning, 2 review: run srs review to go on." in text
    assert "No studied card is scheduled yet" not in text
