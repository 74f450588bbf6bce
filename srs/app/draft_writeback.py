"""Accepted drafts go into the note as explicit ``Q::A`` lines: the Markdown stays the one
source of the cards.

Pure except :func:`write_note_file` (which writes one file, backed up, atomically).

The lines go at the end of the task's notes (indented like them) or at the end of the
section (before the next heading), after a blank line. The result is checked by parsing it
again (:func:`srs.domain.parser.parse_markdown`): each accepted pair must come back as one
``basic`` card with the same question and answer in the same task or section, the note's
automatic card must be gone (explicit cards replace it, so the next ``srs import`` retires
it with its history kept), and every other card of the file must be unchanged. A note
where that does not hold is not written (:class:`WriteBackError`).
"""

from __future__ import annotations

import difflib
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from srs.domain.card_keys import card_key
from srs.domain.draft_protocol import Pair
from srs.domain.parsed import BASIC, SECTION, TASK, ParsedCard, squash
from srs.domain.parser import markdown_parser, parse_markdown
from srs.errors import SrsError
from srs.files import replaced_atomically

_ITEM = re.compile(r"[ \t]*(?:>[ \t]?)*[ \t]*(?:[-*+]|\d{1,9}[.)])[ \t]+")


class WriteBackError(SrsError):
    """A note whose accepted cards cannot be written as asked."""


@dataclass(frozen=True, slots=True)
class Addition:
    """Accepted pairs for the note whose automatic card is ``card``."""
    card: ParsedCard
    pairs: tuple[Pair, ...]


@dataclass(frozen=True, slots=True)
class NoteText:
    """A file's text as lines without line ends, and how to write it back as it was."""
    lines: list[str]
    crlf: bool
    bom: bool
    final_newline: bool

    @classmethod
    def decode(cls, data: bytes) -> NoteText:
        bom = data.startswith(b"\xef\xbb\xbf")
        text = data.decode("utf-8-sig")
        crlf = "\r\n" in text
        text = text.replace("\r\n", "\n")
        return cls(text.split("\n")[:-1] if text.endswith("\n") else text.split("\n"), crlf, bom, text.endswith("\n"))

    def text(self) -> str:
        return "\n".join(self.lines) + ("\n" if self.final_newline else "")

    def encode(self) -> bytes:
        text = self.text()
        if self.crlf:
            text = text.replace("\n", "\r\n")
        return (b"\xef\xbb\xbf" if self.bom else b"") + text.encode("utf-8")


def card_line(pair: Pair) -> str | None:
    """``question::answer``, or None when that line would not read back as exactly this
    one card (a ``::``, a cloze or a code path inside a side)."""
    line = f"{pair.question}::{pair.answer}"
    cards = parse_markdown(line + "\n", "draft.md").cards
    if len(cards) == 1 and cards[0].kind == BASIC and cards[0].question == squash(pair.question) and cards[0].back == pair.answer:
        return line
    return None


def _task_span(tokens: list, lines: list[str], card: ParsedCard) -> tuple[int, str]:
    start = card.line - 1
    item = next((t for t in tokens if t.type == "list_item_open" and t.map and t.map[0] == start), None)
    match = _ITEM.match(lines[start]) if start < len(lines) else None
    if item is None or match is None:
        raise WriteBackError("the task is not where the last import found it (run srs import first)", line=card.line)
    indent = " " * len(match.group().expandtabs(4))
    end = item.map[1]
    for number in range(start + 1, end):
        stripped = lines[number].lstrip(" \t")
        if stripped:
            lead = lines[number][: len(lines[number]) - len(stripped)]
            if len(lead.expandtabs(4)) >= len(indent):
                indent = lead
            break
    return end, indent


def _section_span(tokens: list, lines: list[str], card: ParsedCard) -> tuple[int, str]:
    start = card.line - 1
    headings = [t.map[0] for t in tokens if t.type == "heading_open" and t.map and t.level == 0]
    if card.heading_path and start not in headings:
        raise WriteBackError("the section is not where the last import found it (run srs import first)", line=card.line)
    end = next((h for h in headings if h > start), len(lines))
    return end, ""


def _insert(lines: list[str], addition: Addition, tokens: list) -> list[str]:
    span = _task_span if addition.card.kind == TASK else _section_span
    end, indent = span(tokens, lines, addition.card)
    last = end - 1
    while last >= addition.card.line and not lines[last].strip():
        last -= 1
    new = []
    for pair in addition.pairs:
        text = card_line(pair)
        if text is None:
            raise WriteBackError(f"{pair.question!r} cannot be written as one Q::A line", line=addition.card.line)
        new.append(indent + text)
    after = lines[last + 1 :]
    tail = [""] if after and after[0].strip() else []
    return lines[: last + 1] + [""] + new + tail + after


def _expected_path(card: ParsedCard) -> tuple[str, ...]:
    return card.heading_path + (squash(card.question),) if card.kind == TASK else card.heading_path


def _verify(path: str, before: str, after: str, additions: list[Addition]) -> None:
    old = {card_key(path, c) for c in parse_markdown(before, path).cards}
    new_cards = parse_markdown(after, path).cards
    new = {card_key(path, c) for c in new_cards}
    replaced = {card_key(path, a.card) for a in additions}
    if replaced & new:
        raise WriteBackError("the written cards would not replace the note's card")
    if not (old - replaced) <= new:
        raise WriteBackError("writing the cards would change other cards of the file")
    for addition in additions:
        where = _expected_path(addition.card)
        for pair in addition.pairs:
            if not any(c.kind == BASIC and c.question == squash(pair.question) and c.back == pair.answer and c.heading_path == where for c in new_cards):
                raise WriteBackError(f"{pair.question!r} would not be read back as a card of this note", line=addition.card.line)


def add_cards(path: str, note: NoteText, additions: list[Addition]) -> NoteText:
    """``note`` with the accepted pairs of ``additions`` written in (see the module docstring)."""
    before = note.text()
    tokens = markdown_parser().parse(before)
    lines = list(note.lines)
    for addition in sorted(additions, key=lambda a: a.card.line, reverse=True):
        if addition.card.kind not in (TASK, SECTION):
            raise WriteBackError(f"a {addition.card.kind} card is not a note to draft", line=addition.card.line)
        lines = _insert(lines, addition, tokens)
    result = NoteText(lines, note.crlf, note.bom, note.final_newline or bool(additions))
    _verify(path, before, result.text(), additions)
    return result


def unified_diff(display: str, before: NoteText, after: NoteText) -> str:
    return "".join(
        difflib.unified_diff(
            [line + "\n" for line in before.lines], [line + "\n" for line in after.lines], display, f"{display} (with the accepted cards)", n=2
        )
    )


def write_note_file(path: Path, expected: bytes, content: bytes, backup: Path) -> None:
    """Replace ``path`` by ``content`` when it still holds ``expected`` (else an error: it was
    edited meanwhile); a copy of the old file is kept at ``backup`` first."""
    try:
        current = path.read_bytes()
    except OSError as error:
        raise WriteBackError(f"cannot read ({error.strerror or error})", path=str(path)) from None
    if current != expected:
        raise WriteBackError("changed while drafting; nothing written (run srs draft again)", path=str(path))
    try:
        backup.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, backup)
    except OSError as error:
        raise WriteBackError(f"cannot back up to {backup} ({error.strerror or error}); nothing written", path=str(path)) from None
    with replaced_atomically(path, what="the note") as temporary:
        temporary.write_bytes(content)
        shutil.copymode(path, temporary)
