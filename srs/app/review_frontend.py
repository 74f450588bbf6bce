"""What a review session asks of its front end: key actions in, cards and acknowledgements out.

A :class:`KeySource` turns input into :class:`Key` actions (:mod:`srs.render.keys` reads one
key press per action, :mod:`srs.render.lines` one line per action from a non-terminal stdin,
so a session can be scripted and tested end to end). A :class:`Screen` shows cards and
acknowledges what was done (:mod:`srs.render.lines` prints the line protocol, README
"Reviewing without a terminal"; :mod:`srs.render.review` draws the rich screen). The session
itself: :mod:`srs.app.review`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from typing import Protocol

from srs.domain.queue_rules import CardView, Counts, QueueKind, SessionSummary
from srs.domain.scheduling import Rating
from srs.store.answers import AnswerOutcome
from srs.store.queue import FlagChange

# --- input ------------------------------------------------------------------------------


class Action(StrEnum):
    REVEAL = "reveal"
    ANSWER = "answer"
    UNDO = "undo"
    SUSPEND = "suspend"
    BURY = "bury"
    EDIT = "edit"
    HELP = "help"
    QUIT = "quit"
    REDRAW = "redraw"  # the terminal was resized: draw the screen again
    SCROLL = "scroll"  # move a long answer (Key.lines: lines, or PAGE / END multiples)
    OTHER = "other"  # a key with no meaning (ignored)


@dataclass(frozen=True)
class Key:
    action: Action
    rating: Rating | None = None
    lines: int = 0  # for SCROLL: +-1 a line, +-PAGE a page, +-END to the end


PAGE = 1_000
END = 1_000_000


QUIT = Key(Action.QUIT)


class KeySource(Protocol):
    """Where actions come from. ``interactive``: a person at a terminal (the answer side is
    revealed with a key; help waits for a key)."""
    interactive: bool

    def read(self) -> Key | None:
        """The next action, or None at the end of input."""
        ...


# --- output -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ShownCard:
    """A card on screen, with the header's figures and the answer buttons' intervals."""
    view: CardView
    kind: QueueKind
    counts: Counts
    position: int
    total: int
    intervals: Mapping[Rating, timedelta]
    preview: bool = False
    timezone: str = "UTC"


class Screen(Protocol):
    def show_card(self, card: ShownCard) -> None: ...

    def show_answer(self, card: ShownCard) -> None: ...

    def answered(self, outcome: AnswerOutcome, *, lapses: int) -> None: ...

    def previewed(self, card_id: int, rating: Rating) -> None: ...

    def changed(self, change: FlagChange) -> None: ...

    def undone(self, what: str, card_id: int) -> None: ...

    def notice(self, text: str) -> None: ...

    def show_help(self) -> None: ...

    def show_summary(self, summary: SessionSummary) -> None: ...


def scroll(screen: Screen, lines: int) -> None:
    """Move a long answer on a screen that can (screens without a terminal have nothing to scroll)."""
    move = getattr(screen, "scroll", None)
    if move is not None:
        move(lines)
