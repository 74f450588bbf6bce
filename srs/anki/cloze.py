"""Anki cloze notes <-> srs cloze cards. Pure: no I/O.

srs stores a cloze card as two finished sides (as :mod:`srs.domain.parser` makes them): the front is
the note's text with this card's deletions replaced by ``[...]`` (or ``[hint]``) and the other
deletions shown, the back is the text with every deletion shown. Anki keeps ONE note text
with ``{{cN::answer::hint}}`` markup and makes card N from it.

* :func:`cloze_sides` makes the two sides of card N from Anki's text (import).
* :func:`rebuild_cloze_note` goes back (export): each sibling's front is aligned with the
  shared back (a placeholder is one token that never matches a character, so it lines up
  with the deleted answer), the answers become ``{{cN::...}}``, and the result is accepted
  only if rendering every card from it gives exactly that card's front and back again.
  Otherwise (overlapping deletions, fronts that disagree) there is no cloze note to make and
  the caller exports the cards as basic notes.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher

# {{c1::answer}} / {{c1::answer::hint}}; the answer may not contain "}}".
ANKI_CLOZE = re.compile(r"\{\{c(\d+)::(.*?)(?:::((?:(?!\}\}).)*?))?\}\}", re.S)
_PLACEHOLDER = re.compile(r"(?<!\\)\[([^\]\n]*)\]")
MAX_REBUILD_CHARS = 20_000  # alignment is quadratic; longer notes are exported as basic notes


def cloze_sides(text: str, number: int) -> tuple[str, str]:
    """Front and back of card ``number`` of an Anki cloze ``text``."""

    def front(match: re.Match[str]) -> str:
        if int(match.group(1)) == number:
            hint = (match.group(3) or "").strip()
            return f"[{hint}]" if hint else "[...]"
        return match.group(2)

    return ANKI_CLOZE.sub(front, text), ANKI_CLOZE.sub(lambda m: m.group(2), text)


def anki_numbers(text: str) -> list[int]:
    """The cloze numbers in an Anki cloze text, sorted, without repeats."""
    return sorted({int(m.group(1)) for m in ANKI_CLOZE.finditer(text)})


@dataclass(frozen=True)
class ClozeCard:
    """One srs cloze card of a note: its sides and, when known, its Anki number."""

    front: str
    back: str
    number: int | None = None  # "c2" variants, Anki imports; None: numbered in text order


@dataclass(frozen=True)
class ClozeNote:
    text: str  # with {{cN::...}} markup
    extra: str  # text the back shows after the note text (Anki's "Back Extra")
    numbers: tuple[int, ...]  # the Anki number of each card, in the order given


def _tokens(front: str) -> list[str]:
    """Characters, except that each ``[...]``/``[hint]`` placeholder is one token."""
    tokens: list[str] = []
    start = 0
    for match in _PLACEHOLDER.finditer(front):
        tokens.extend(front[start : match.start()])
        tokens.append(match.group(0))
        start = match.end()
    tokens.extend(front[start:])
    return tokens


def _deletions(front: str, text: str) -> list[tuple[int, int, str]] | None:
    """``(start, end, hint)`` spans of ``text`` that ``front`` hides, or None if it is not
    ``text`` with some spans replaced by placeholders."""
    tokens = _tokens(front)
    matcher = SequenceMatcher(None, list(text), tokens, autojunk=False)
    spans: list[tuple[int, int, str]] = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            continue
        hidden = tokens[j1:j2]
        if op == "replace" and len(hidden) == 1 and len(hidden[0]) > 1 and hidden[0].startswith("["):
            answer = text[i1:i2]
            if answer == hidden[0]:  # a literal "[x]" in both sides
                continue
            if not answer.strip():
                return None
            hint = hidden[0][1:-1].strip()
            spans.append((i1, i2, "" if hint == "..." else hint))
            continue
        return None
    return spans


def rebuild_cloze_note(cards: Sequence[ClozeCard]) -> ClozeNote | None:
    """The Anki cloze note that ``cards`` (siblings of one srs cloze note) come from, or None."""
    if not cards:
        return None
    back = cards[0].back
    if len(back) > MAX_REBUILD_CHARS or any(card.back != back for card in cards):
        return None
    # The back may end with extra text that no front shows (Anki's "Back Extra").
    found = _rebuild(cards, back, "")
    if found is None and "\n\n" in back:
        head, _, tail = back.rpartition("\n\n")
        found = _rebuild(cards, head, tail.strip())
    return found


def _rebuild(cards: Sequence[ClozeCard], text: str, extra: str) -> ClozeNote | None:
    per_card: list[list[tuple[int, int, str]]] = []
    for card in cards:
        spans = _deletions(card.front, text)
        if not spans:
            return None
        per_card.append(spans)
    # Numbers: given ones kept, the others in text order after the largest given one.
    numbers: list[int | None] = [card.number for card in cards]
    taken = {n for n in numbers if n is not None}
    following = max(taken, default=0) + 1
    for index in sorted((i for i, n in enumerate(numbers) if n is None), key=lambda i: per_card[i][0][0]):
        numbers[index] = following
        following += 1
    # Every span belongs to one number; spans of different numbers must not overlap.
    owner: dict[tuple[int, int], tuple[int, str]] = {}
    for spans, number in zip(per_card, numbers):
        assert number is not None
        for start, end, hint in spans:
            previous = owner.get((start, end))
            if previous is not None and previous[0] != number:
                return None
            owner[(start, end)] = (number, hint)
    ordered = sorted(owner.items())
    for (first, second) in zip(ordered, ordered[1:]):
        if first[0][1] > second[0][0]:
            return None
    pieces: list[str] = []
    cursor = 0
    for (start, end), (number, hint) in ordered:
        pieces.append(text[cursor:start])
        answer = text[start:end]
        if "}}" in answer or "::" in answer:
            return None
        pieces.append(f"{{{{c{number}::{answer}{'::' + hint if hint else ''}}}}}")
        cursor = end
    pieces.append(text[cursor:])
    rebuilt = "".join(pieces)
    final = tuple(int(n) for n in numbers if n is not None)
    for card, number in zip(cards, final):
        front, full = cloze_sides(rebuilt, number)
        if front != card.front or full != text:
            return None
    return ClozeNote(rebuilt, extra, final)
