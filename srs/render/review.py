"""The review screen drawn with rich: header, card as Markdown, answer buttons, help, summary.

Note text is shown literally: it goes through :func:`srs.text.plain` (no terminal escape
sequences or control characters) and then through rich's Markdown renderer, which never
interprets rich markup (``[bold red]`` stays as typed). Raw HTML is shown as text, LaTeX
(``$...$``, ``$$...$$``) stays visible as source in its own style, and images appear as
their path. Everything else in this module that reaches rich markup is our own text, or
goes through :func:`srs.render.console.literal` / :func:`srs.render.console.escape`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from pathlib import Path

from rich.console import Console, Group, RenderableType
from rich.padding import Padding
from rich.panel import Panel
from rich.rule import Rule
from rich.table import Table
from rich.text import Text
from rich.theme import Theme

from srs.app.review import END, PAGE, ShownCard
from srs.domain.queue_rules import QueueKind, SessionSummary
from srs.domain.scheduling import Rating
from srs.render.console import literal
from srs.render.note import note
from srs.render.review_pager import fit
from srs.store.answers import AnswerOutcome
from srs.store.queue import FlagChange
from srs.text import plural
from srs.timeutil import format_interval, zone

THEME = Theme(
    {
        "markdown.math": "italic cyan",
        "markdown.math_block": "italic cyan",
        "markdown.image": "magenta",
        "markdown.html": "dim",
        "review.new": "bold blue",
        "review.learning": "bold red",
        "review.review": "bold green",
        "review.new.current": "bold blue underline",
        "review.learning.current": "bold red underline",
        "review.review.current": "bold green underline",
        "review.again": "red",
        "review.hard": "yellow",
        "review.good": "green",
        "review.easy": "blue",
        "review.again.key": "bold reverse red",
        "review.hard.key": "bold reverse yellow",
        "review.good.key": "bold reverse green",
        "review.easy.key": "bold reverse blue",
        "review.code.border": "dim",
        "review.dim": "dim",
        "review.preview": "bold magenta",
    }
)

MAX_WIDTH = 110  # columns of the review screen on a wide terminal  # the terminal's own palette, no background block


# --- pieces of the card screen ------------------------------------------------------------

_BUTTON_STYLES = {Rating.AGAIN: "review.again", Rating.HARD: "review.hard", Rating.GOOD: "review.good", Rating.EASY: "review.easy"}


def button_interval(interval: timedelta) -> str:
    """The interval on an answer button: ``<10m`` for a learning step (it may come back a
    little sooner, as in Anki), ``3d``/``2.1mo`` for a review."""
    seconds = interval.total_seconds()
    text = format_interval(seconds)
    if seconds < 86_400 and not text.startswith("<"):
        return "<" + text
    return text


def answer_buttons(intervals: dict[Rating, timedelta] | None) -> Text:
    text = Text()
    for rating in Rating:
        if rating != Rating.AGAIN:
            text.append("   ")
        style = _BUTTON_STYLES[rating]
        text.append(f" {int(rating)} ", style=f"{style}.key")
        text.append(f" {rating.name.title()}", style=style)
        if intervals is not None and rating in intervals:
            text.append(f" {button_interval(intervals[rating])}")
    return text


def counts_text(card: ShownCard) -> Text:
    """``11 done / 34 left   3 new  1 learning  29 review``, the current card's kind underlined.

    Done and left, as Anki counts: a learning card that comes back adds to what is left, never
    to a denominator that grows while you answer (1/20, 2/21, ...)."""
    text = Text()
    text.append(f"{card.position - 1} done / {card.counts.total} left   ", style="review.dim")
    parts = ((QueueKind.NEW, card.counts.new), (QueueKind.LEARNING, card.counts.learning), (QueueKind.REVIEW, card.counts.review))
    for index, (kind, count) in enumerate(parts):
        if index:
            text.append("  ")
        style = f"review.{kind}" + (".current" if kind == card.kind else "")
        text.append(str(count), style=style)
        text.append(f" {kind}", style="review.dim")
    return text


def header(card: ShownCard) -> RenderableType:
    view = card.view
    left = literal(view.deck, style="bold")
    heading = " ".join(view.heading_path.split())
    if heading and heading not in " ".join(view.front.split()):  # task and section fronts hold it already
        left.append(" \u203a ", style="review.dim")
        left.append_text(literal(heading, style="review.dim"))
    if card.preview:
        left.append("  PREVIEW", style="review.preview")
    grid = Table.grid(expand=True, padding=(0, 1))
    grid.add_column(ratio=1, no_wrap=True, overflow="ellipsis")  # one header line; the path is cut, not the counts
    grid.add_column(justify="right", no_wrap=True)
    grid.add_row(left, counts_text(card))
    return grid


def display_path(path: str, cwd: Path | None = None, home: Path | None = None) -> str:
    """``path`` as short as it can be read: relative to the working folder when inside it,
    ``~/...`` when inside the home folder, else as stored."""
    target = Path(path)
    for base, prefix in ((cwd or Path.cwd(), ""), (home or Path.home(), "~/")):
        try:
            return prefix + str(target.relative_to(base))
        except ValueError:
            continue
    return path


def source_text(card: ShownCard) -> Text:
    view = card.view
    if not view.source_path:
        return Text("")
    location = display_path(view.source_path) + (f":{view.source_line}" if view.source_line else "")
    return literal(location, style="review.dim")


KEYS_HINT = "u undo  s suspend  b bury  e edit  ? help  q quit"


def card_parts(card: ShownCard, *, revealed: bool, messages: Iterable[Text] = (), hint: str = "") -> tuple[list[RenderableType], list[RenderableType], list[RenderableType]]:
    """The card screen in three parts: the top (header and question), the answer side (empty
    until revealed) and the bottom (buttons, source, keys, messages). ``hint``: added to the keys line."""
    top: list[RenderableType] = [header(card), Rule(style="review.dim"), Padding(note(card.view.front), (1, 2, 0, 2)), Text()]
    answer: list[RenderableType] = []
    if revealed:
        answer = [Rule(style="review.dim"), Padding(note(card.view.back), (1, 2, 0, 2)), Text()]
    bottom: list[RenderableType] = []
    if revealed:
        bottom.append(answer_buttons(dict(card.intervals)))
    else:
        bottom.append(Text.assemble((" Space ", "reverse"), " show answer"))
    location = source_text(card)
    bottom.append(Text())
    if location.plain:
        bottom.append(location)
    keys = KEYS_HINT if not card.preview else "preview: nothing is changed   " + KEYS_HINT
    bottom.append(Text(keys + hint, style="review.dim"))
    bottom.extend(messages)
    return top, answer, bottom


def card_screen(card: ShownCard, *, revealed: bool, messages: Iterable[Text] = ()) -> Group:
    """The whole screen for ``card``, front only or with the answer side."""
    top, answer, bottom = card_parts(card, revealed=revealed, messages=messages)
    return Group(*top, *answer, *bottom)


HELP_ROWS = (
    ("Space / Enter", "show the answer"),
    ("1", "Again: forgotten; the card goes back to a short learning step"),
    ("2", "Hard: remembered with serious difficulty"),
    ("3", "Good: remembered"),
    ("4", "Easy: remembered without effort"),
    ("u", "undo the last answer, suspend or bury (the card comes back)"),
    ("s", "suspend the card (it stops coming back until unsuspended)"),
    ("b", "bury the card until tomorrow"),
    ("e", "edit the note in your editor at the card's line, then re-read it"),
    ("j k, Down Up", "scroll a long answer a line (f, Space, PgDn PgUp: a page)"),
    ("? / h", "this help"),
    ("q / Esc / Ctrl-C", "stop; every answer given so far is already saved"),
)


def help_screen() -> RenderableType:
    table = Table(title="Review keys", title_justify="left", show_header=False, box=None, padding=(0, 2))
    table.add_column(style="bold", no_wrap=True)
    table.add_column()
    for keys, meaning in HELP_ROWS:
        table.add_row(keys, meaning)
    return Group(
        table,
        Text(),
        Text("Answers are saved the moment you give them. Intervals on the buttons come from FSRS with your deck's settings.", style="review.dim"),
        Text(),
        Text("Press any key to go back to the card.", style="bold"),
    )


def _when(value: datetime, now: datetime | None, tz_name: str) -> str:
    local = value.astimezone(zone(tz_name))
    if now is None:
        return f"at {local:%a %d %b %H:%M}"
    seconds = (value - now).total_seconds()
    if seconds <= 0:
        return f"now ({local:%H:%M})"
    fmt = "%H:%M" if seconds < 86_400 else "%a %d %b %H:%M"
    return f"in {format_interval(seconds)} ({local.strftime(fmt)})"


def summary_screen(summary: SessionSummary) -> RenderableType:
    now = summary.now
    tz_name = summary.timezone
    minutes, seconds = divmod(round(summary.seconds), 60)
    lines: list[Text] = []
    if summary.preview:
        lines.append(Text(f"Previewed {summary.answered} card{'s' * (summary.answered != 1)} in {minutes}:{seconds:02d}; no schedule was changed."))
    else:
        title = "Stopped." if summary.stopped else "Done for today." if not summary.learning_later else "Done for now."
        lines.append(Text(title, style="bold"))
        reviewed = f"Reviewed {summary.answered} card{'s' * (summary.answered != 1)} in {minutes}:{seconds:02d}"
        if summary.again_rate is not None:
            reviewed += f"; Again {summary.again} ({summary.again_rate:.0%})"
        lines.append(Text(reviewed + "."))
    left = summary.left
    if not summary.preview and left.total:
        parts = [f"{n} {kind}" for n, kind in ((left.new, "new"), (left.learning, "learning"), (left.review, "review")) if n]
        lines.append(Text(f"Still due now: {', '.join(parts)}: run srs review to go on."))
    if summary.learning_later and summary.learning_next is not None:
        lines.append(
            Text(
                f"{plural(summary.learning_later, 'card')} in learning come{'s' * (summary.learning_later == 1)} back "
                f"{_when(summary.learning_next, now, tz_name)}: run srs review again then."
            )
        )
    if not summary.preview:
        if summary.next_due is not None and summary.next_due == summary.learning_next:
            lines.append(Text(f"{plural(summary.due_tomorrow, 'card')} due by the end of tomorrow."))
        elif summary.next_due is not None:
            lines.append(Text(f"Next card due {_when(summary.next_due, now, tz_name)}; {summary.due_tomorrow} due by the end of tomorrow."))
        elif not left.total:
            lines.append(Text("No studied card is scheduled yet."))
    if summary.leeches:
        lines.append(
            Text(
                f"{len(summary.leeches)} leech{'es' * (len(summary.leeches) != 1)} tagged and suspended (cards "
                f"{', '.join(map(str, summary.leeches))}): rewrite those notes, then srs cards unsuspend is:leech.",
                style="review.again",
            )
        )
    if summary.can_undo:
        lines.append(Text())
        lines.append(Text.assemble((" u ", "reverse"), " undo the last answer    any other key: leave"))
    return Panel(Group(*lines), title="srs review", title_align="left", border_style="review.dim", expand=False)


class RichScreen:
    """The terminal screen: each card drawn on a cleared screen; acknowledgements of the
    last action shown under the next card."""
    def __init__(self, console: Console, *, clear: bool = True) -> None:
        self.console = console
        self.clear = clear
        self._messages: list[Text] = []
        self._card: ShownCard | None = None
        self._offset = 0
        self._page = 0
        console.push_theme(THEME)

    def _draw(self, renderable: RenderableType) -> None:
        if self.clear:
            self.console.clear()
        # Lines much longer than this are hard to read; wide terminals get a column.
        self.console.print(renderable, width=min(self.console.width, MAX_WIDTH))

    def _draw_card(self, card: ShownCard, revealed: bool) -> None:
        """The card, its answer scrolled to the current offset when the screen is too short."""
        messages, width = self._take_messages(), min(self.console.width, MAX_WIDTH)
        parts = card_parts(card, revealed=revealed, messages=messages)
        fitted = fit(self.console, parts, lambda: card_screen(card, revealed=revealed, messages=messages), revealed=revealed, width=width, height=self.console.height, offset=self._offset)
        self._card, self._offset, self._page = (card if revealed else None), fitted.offset, fitted.page
        self._draw(fitted.renderable)

    def show_card(self, card: ShownCard) -> None:
        self._offset = 0
        self._draw_card(card, revealed=False)

    def show_answer(self, card: ShownCard) -> None:
        if self._card is None or self._card.view.card_id != card.view.card_id:
            self._offset = 0
        self._draw_card(card, revealed=True)

    def scroll(self, lines: int) -> None:
        """Move a long answer by ``lines`` (:data:`srs.app.review.PAGE`: a page; END: to an end)."""
        if self._card is None or not self._page:
            return
        if abs(lines) >= END:
            step = lines
        elif abs(lines) >= PAGE:
            step = (lines // PAGE) * max(self._page - 1, 1)
        else:
            step = lines
        self._offset = max(0, self._offset + step)
        self._draw_card(self._card, revealed=True)

    def _take_messages(self) -> list[Text]:
        messages, self._messages = self._messages, []
        return ([Text()] if messages else []) + messages

    def answered(self, outcome: AnswerOutcome, *, lapses: int) -> None:
        if outcome.buried:
            count = len(outcome.buried)
            self._messages.append(Text(f"Buried {count} sibling{'s' * (count != 1)} of the last card until tomorrow.", style="review.dim"))
        if outcome.leech:
            self._messages.append(
                Text(f"Leech: the last card lapsed {lapses} times; it is tagged leech and suspended. Rewrite the note, then srs cards unsuspend is:leech.", style="review.again")
            )

    def previewed(self, card_id: int, rating: Rating) -> None:
        pass

    def changed(self, change: FlagChange) -> None:
        if change.action == "suspend":
            self._messages.append(Text("Suspended the last card (u to undo).", style="review.dim"))
        else:
            self._messages.append(Text("Buried the last card until tomorrow (u to undo).", style="review.dim"))

    def undone(self, what: str, card_id: int) -> None:
        self._messages.append(Text(f"Undid the {what} of this card.", style="review.dim"))

    def notice(self, text: str) -> None:
        """Shown with the next drawing of the screen (the session redraws after a notice)."""
        self._messages.append(literal(text, style="review.hard"))

    def show_help(self) -> None:
        self._draw(help_screen())

    def show_summary(self, summary: SessionSummary) -> None:
        self._draw(Group(summary_screen(summary), *self._take_messages()))
