"""Masking: the text inside code spans, inline math, inline HTML and backslash escapes is
blanked out (``\\x00``) in a document's masked lines, so that no card syntax, tag or heading is
ever found there. Code blocks, math blocks, HTML blocks and tables are *opaque* lines instead
(:mod:`srs.domain.parser`)."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from srs.domain.note_document import NoteDocument

_ESCAPE = re.compile(r"\\[!-/:-@\[-`{-~]")


@lru_cache(maxsize=16)
def _backtick_run(length: int) -> re.Pattern[str]:
    return re.compile(rf"(?<!`)`{{{length}}}(?!`)")


def protected_spans(content: str, children: list[Any]) -> list[tuple[int, int]]:
    """Where code spans, inline math and inline HTML sit in an inline token's source."""
    spans: list[tuple[int, int]] = []
    cursor = 0
    for child in children:
        kind = child.type
        if kind == "code_inline":
            run = _backtick_run(len(child.markup))
            opening = run.search(content, cursor)
            if opening is None:
                continue
            closing = run.search(content, opening.end())
            if closing is None:
                continue
            spans.append((opening.start(), closing.end()))
            cursor = closing.end()
        elif kind in ("math_inline", "math_inline_double"):
            fence = "$" if kind == "math_inline" else "$$"
            needle = fence + child.content + fence
            start = content.find(needle, cursor)
            if start < 0:
                continue
            spans.append((start, start + len(needle)))
            cursor = start + len(needle)
        elif kind == "html_inline":
            start = content.find(child.content, cursor)
            if start < 0:
                continue
            spans.append((start, start + len(child.content)))
            cursor = start + len(child.content)
    return spans


def mask_inline(doc: NoteDocument, content: str, first_line: int, spans: list[tuple[int, int]]) -> None:
    """The ``spans`` of an inline token's ``content`` (from line ``first_line``) masked in the
    document's lines; a line where a span cannot be placed is masked whole."""
    content_lines = content.split("\n")
    offsets = []
    offset = 0
    for part in content_lines:
        offsets.append(offset)
        offset += len(part) + 1
    columns: dict[int, int | None] = {}
    for start, end in spans:
        for index, part in enumerate(content_lines):
            line_start = offsets[index]
            line_end = line_start + len(part)
            if line_end < start or line_start > end:
                continue
            number = first_line + index
            if number >= len(doc.lines):
                break
            if index not in columns:
                core = part.strip()
                position = doc.lines[number].rfind(core) if core else -1
                columns[index] = None if position < 0 else position - (len(part) - len(part.lstrip()))
            column = columns[index]
            current = doc.masked[number]
            if column is None:  # could not place the span: keep the whole line out of reach
                doc.masked[number] = "\x00" * len(current)
                continue
            a = max(0, column + max(start, line_start) - line_start)
            b = min(len(current), column + min(end, line_end) - line_start)
            if b > a:
                doc.masked[number] = current[:a] + "\x00" * (b - a) + current[b:]


def mask_escapes(doc: NoteDocument) -> None:
    """Backslash escapes (``\\::``, ``\\#``) masked outside opaque lines."""
    for number, line in enumerate(doc.masked):
        if "\\" in line and not doc.opaque[number]:
            doc.masked[number] = _ESCAPE.sub("\x00\x00", line)
