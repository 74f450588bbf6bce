"""The line protocol of ``srs review`` without a terminal (README, "Reviewing without a
terminal"): :class:`LineKeys` reads one action per line, :class:`LineScreen` writes one plain
line per event, an ``answered`` line only after the answer is committed."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import IO

from srs.app.review import QUIT, Action, Key, ShownCard
from srs.domain.queue_rules import SessionSummary
from srs.domain.scheduling import Rating
from srs.errors import SrsError
from srs.store.answers import AnswerOutcome
from srs.store.queue import FlagChange
from srs.text import clipped, plain

_LINE_WORDS: dict[str, Key] = {
    **{str(int(r)): Key(Action.ANSWER, r) for r in Rating},
    **{r.name.lower(): Key(Action.ANSWER, r) for r in Rating},
    "u": Key(Action.UNDO),
    "undo": Key(Action.UNDO),
    "s": Key(Action.SUSPEND),
    "suspend": Key(Action.SUSPEND),
    "b": Key(Action.BURY),
    "bury": Key(Action.BURY),
    "e": Key(Action.EDIT),
    "edit": Key(Action.EDIT),
    "?": Key(Action.HELP),
    "help": Key(Action.HELP),
    "q": QUIT,
    "quit": QUIT,
}

LINE_PROTOCOL_HELP = (
    "one action per line: 1 again, 2 hard, 3 good, 4 easy (or the words), "
    "u undo, s suspend, b bury, e edit, ? help, q quit; blank lines and # comments are skipped"
)


class LineKeys:
    """One action per line of a non-terminal input (a pipe or a file): the card's answer
    side needs no reveal. An unknown line is an error (``stdin:LINE: ...``), so a script
    that lost its place stops instead of answering the wrong cards."""

    interactive = False

    def __init__(self, stream: IO[str], name: str = "stdin") -> None:
        self._stream = stream
        self._name = name
        self._line = 0

    def read(self) -> Key | None:
        while True:
            text = self._stream.readline()
            if not text:
                return None
            self._line += 1
            word = text.strip().lower()
            if not word or word.startswith("#"):
                continue
            key = _LINE_WORDS.get(word)
            if key is None:
                raise SrsError(f"unknown action {clipped(text.strip())} ({LINE_PROTOCOL_HELP})", path=self._name, line=self._line)
            return key


def _iso(value: datetime | None) -> str:
    return "none" if value is None else value.isoformat()


def first_line(text: str, width: int = 70) -> str:
    for line in plain(text).splitlines():
        line = " ".join(line.split())
        if line:
            return line if len(line) <= width else line[: width - 1] + "…"
    return ""


class LineScreen:
    """The non-terminal protocol: one plain line per event, written and flushed at once,
    an ``answered`` line only after the answer is committed."""

    def __init__(self, echo: Callable[[str], None]) -> None:
        self._echo = echo  # click.echo from the command

    def show_card(self, card: ShownCard) -> None:
        view = card.view
        self._echo(f"card {view.card_id} {card.kind} {first_line(view.deck, 60)}: {first_line(view.front)}")

    def show_answer(self, card: ShownCard) -> None:
        pass

    def answered(self, outcome: AnswerOutcome, *, lapses: int) -> None:
        self._echo(f"answered {outcome.card_id} {outcome.rating.name.title()} -> due {_iso(outcome.memory.due)} (review {outcome.review_id})")
        if outcome.buried:
            ids = " ".join(str(sibling_id) for sibling_id, _ in outcome.buried)
            self._echo(f"buried siblings of {outcome.card_id} until {_iso(outcome.bury_until)}: {ids}")
        if outcome.leech:
            self._echo(f"leech {outcome.card_id}: {lapses} lapses; tagged leech and suspended")

    def previewed(self, card_id: int, rating: Rating) -> None:
        self._echo(f"previewed {card_id} {rating.name.title()} (schedule unchanged)")

    def changed(self, change: FlagChange) -> None:
        if change.action == "suspend":
            self._echo(f"suspended {change.card_id}")
        else:
            self._echo(f"buried {change.card_id} until {_iso(change.buried_until)}")

    def undone(self, what: str, card_id: int) -> None:
        self._echo(f"undone {what} {card_id}")

    def notice(self, text: str) -> None:
        self._echo(f"note: {text}")

    def show_help(self) -> None:
        self._echo(f"help: {LINE_PROTOCOL_HELP}")

    def show_summary(self, summary: SessionSummary) -> None:
        rate = "-" if summary.again_rate is None else f"{summary.again_rate:.0%}"
        verb = "previewed" if summary.preview else "answered"
        minutes, seconds = divmod(round(summary.seconds), 60)
        self._echo(
            f"done: {summary.answered} {verb}, again {summary.again} ({rate}), time {minutes}:{seconds:02d}; "
            f"next due {_iso(summary.next_due)}; due by end of tomorrow {summary.due_tomorrow}; "
            f"learning later {summary.learning_later}; left {summary.left.total}"
        )
