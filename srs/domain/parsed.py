"""What the parser (:mod:`srs.domain.parser`) gives: a parsed file, its cards and its report
items, with their kinds, and how a card's heading path and question are compared."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

# Card kinds (the values of srs.store.models.CardKind; kept here so the parser stays light).
TASK = "task"
SECTION = "section"
BASIC = "basic"
REVERSED = "reversed"
CLOZE = "cloze"

# Report item kinds.
PENDING = "pending"  # an unchecked task
NOTHING_TO_RECALL = "nothing_to_recall"  # a completed task without notes
SKIPPED = "skipped"  # something that looked like a card but could not be one
WARNING = "warning"  # the file was read as well as it could be
REFERENCE_ONLY = "reference_only"  # a section of links, images or citations only: not a card
TOO_LONG = "too_long"  # a section or task notes over the length limit: not a card
NOT_CARDS = (REFERENCE_ONLY, TOO_LONG)

CRUMB = " › "


@dataclass(frozen=True, slots=True)
class ParsedCard:
    """One card as written in a file (placed in a collection by :mod:`srs.domain.identity`).

    ``heading_path`` holds the headings above the card (the title heading included) and,
    for tasks, the list items the task is nested in. ``question`` is what identifies the
    card within its heading path (task text, heading, question side, cloze note text);
    ``variant`` tells apart the cards one note makes (cloze number, overlap step).
    ``note`` (a digest of what the note is) groups siblings within the file; ``occurrence`` numbers repeats of the same
    (kind, heading path, question, variant) in one file, from 1.
    """

    kind: str
    front: str
    back: str
    heading_path: tuple[str, ...]
    question: str
    line: int  # 1-based
    note: str
    variant: str = ""
    occurrence: int = 1
    tags: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ReportItem:
    kind: str  # PENDING, NOTHING_TO_RECALL, SKIPPED or WARNING
    line: int | None
    message: str


@dataclass(frozen=True, slots=True)
class ParsedFile:
    path: str
    title: str
    deck: str | None  # ``deck:`` of the front matter
    tags: tuple[str, ...]  # ``tags:`` of the front matter
    is_plan: bool
    cards: tuple[ParsedCard, ...]
    items: tuple[ReportItem, ...]


def squash(text: str) -> str:
    """Whitespace runs to one space, trimmed (how questions are compared)."""
    return " ".join(text.split())


def heading_text(path: Sequence[str]) -> str:
    """How a heading path is stored (``Card.heading_path``) and enters a card's key."""
    return CRUMB.join(squash(part) for part in path)
