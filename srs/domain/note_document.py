"""The Markdown file being read: its lines, the same lines *masked* (code spans, math, HTML and
escapes blanked out, so that no card syntax is found there), its headings, study-plan tasks,
front matter and tag lines, and the report items found on the way.

:mod:`srs.domain.parser` fills a :class:`NoteDocument` from markdown-it's tokens; the card
makers (:mod:`srs.domain.section_cards`, :mod:`srs.domain.plan_cards`,
:mod:`srs.domain.explicit_cards`, :mod:`srs.domain.cloze_cards`) read it and add
:class:`Draft` cards. Pure: no I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

from srs.domain.parse_options import ParseOptions
from srs.domain.parsed import ReportItem, squash
from srs.domain.recallable import strip_html

MAX_SCAN_LINE = 20_000  # longer lines are kept as text but not searched for card syntax

# A line's quote markers, list marker and checkbox.
LINE_PREFIX = re.compile(r"[ \t]*(?:>[ \t]?)*[ \t]*(?:(?:[-*+]|\d{1,9}[.)])[ \t]+(?:\[[ xX]\](?:[ \t]+|(?![(\[:])))?)?")
_QUOTE_MARKER = re.compile(r"[ ]{0,3}>[ \t]?")
_TAG = re.compile(r"(?<!\S)#([\w/-]+)")
_TAG_ONLY = re.compile(r"[ \t]*(?:#[\w/-]+[ \t]*)+")
_TRAILING_TAGS = re.compile(r"(?:[ \t]+#[\w/-]+)+[ \t]*$")
SR_COMMENT = re.compile(r"[ \t]*<!--SR:[^\n]*?-->")
_SR_LINE = re.compile(r"[ \t]*<!--SR:[^\n]*?-->[ \t]*")
_HR_TEXT = re.compile(r"[ \t]*([-*_])(?:[ \t]*\1){2,}[ \t]*")


@dataclass(slots=True)
class Heading:
    start: int  # 0-based first line
    end: int  # 0-based line after the heading
    level: int
    text: str


@dataclass(slots=True)
class Task:
    start: int
    end: int
    done: bool
    text: str
    masked_text: str
    path: tuple[str, ...]  # headings, then the list items it is nested in
    quote_depth: int
    first_paragraph_end: int
    title_end: int  # the line after the title (a title may continue on the next lines)
    nested: list[tuple[int, int]] = field(default_factory=list)  # ranges of task items inside


@dataclass(slots=True)
class Line:
    number: int  # 0-based
    text: str
    masked: str
    opaque: bool


@dataclass(slots=True)
class Draft:
    kind: str
    front: str
    back: str
    heading_path: tuple[str, ...]
    question: str
    line: int  # 0-based
    note: str
    variant: str = ""
    tags: tuple[str, ...] = ()


class NoteDocument:
    """One file being read (see the module docstring)."""

    def __init__(self, text: str, path: str, options: ParseOptions) -> None:
        self.options = options
        self.hinted = False  # the hint about another separator is given once per file
        self.text = text
        self.path = path
        self.lines = text.split("\n")
        self.masked = list(self.lines)
        self.opaque = bytearray(len(self.lines))
        self.comment_lines: set[int] = set()  # lines of HTML comment blocks (never shown)
        self.items: list[ReportItem] = []
        self.headings: list[Heading] = []
        self.tasks: list[Task] = []
        self.task_roots: list[tuple[int, int]] = []  # outermost task item ranges
        self.body_start = 0
        self.front_matter: dict[str, Any] = {}
        self.tag_lines: list[tuple[int, tuple[str, ...]]] = []
        self.title_heading: Heading | None = None

    def line(self, number: int, quote_depth: int = 0) -> Line:
        """Line ``number`` inside ``quote_depth`` block quotes, without their markers, leading tabs expanded."""
        text = self.lines[number]
        masked = self.masked[number]
        opaque = bool(self.opaque[number])
        if quote_depth:
            cut = 0
            for _ in range(quote_depth):
                match = _QUOTE_MARKER.match(text, cut)
                if match is None:
                    break
                cut = match.end()
            text, masked = text[cut:], masked[cut:]
        stripped = text.lstrip(" \t")
        lead = len(text) - len(stripped)
        if "\t" in text[:lead]:
            text = expand_leading(text)
            masked = text[: len(text) - len(stripped)] + masked[lead:]
        return Line(number, text, masked, opaque)

    def body(self, lines: list[Line]) -> str:
        """What ``lines`` show as a card side: without comments, tag lines, scheduling comments
        and rules at both ends, dedented."""
        kept = []
        for item in lines:
            if item.number in self.comment_lines:
                continue
            if not item.opaque and "#" in item.masked and is_tag_only(item.masked):
                continue
            if "<!--SR:" in item.text:
                if _SR_LINE.fullmatch(item.text):
                    continue
                kept.append(SR_COMMENT.sub("", item.text))
                continue
            kept.append(item.text)
        while kept and (not kept[0].strip() or _HR_TEXT.fullmatch(kept[0])):
            kept.pop(0)
        while kept and (not kept[-1].strip() or _HR_TEXT.fullmatch(kept[-1])):
            kept.pop()
        return dedent(kept)

    def line_tags(self, lines: list[Line]) -> tuple[str, ...]:
        tags: list[str] = []
        for item in lines:
            if not item.opaque and "#" in item.masked and not is_tag_only(item.masked):
                tags.extend(tags_in(item.masked))
        return tuple(tags)

    def heading_tags(self, line: int) -> tuple[str, ...]:
        for heading in self.headings:
            if heading.start == line:
                return tuple(tag for n in range(heading.start, heading.end) for tag in tags_in(self.masked[n]))
        return ()

    def context_tags(self, line: int) -> tuple[str, ...]:
        found: tuple[str, ...] = ()
        for number, tags in self.tag_lines:
            if number >= line:
                break
            found = tags
        return found

    def collect_tag_lines(self) -> None:
        for number in range(self.body_start, len(self.lines)):
            masked = self.masked[number]
            if "#" in masked and not self.opaque[number] and is_tag_only(masked):
                self.tag_lines.append((number, unique_tags(tags_in(masked))))

    def sections(self) -> list[tuple[tuple[str, ...], str, int, int, int]]:
        """(heading path, heading text, heading line, body start, body end) for every section."""
        sections: list[tuple[tuple[str, ...], str, int, int, int]] = []
        path: list[Heading] = []
        first = self.headings[0].start if self.headings else len(self.lines)
        sections.append(((), "", self.body_start, self.body_start, first))
        for index, heading in enumerate(self.headings):
            while path and path[-1].level >= heading.level:
                path.pop()
            path.append(heading)
            end = self.headings[index + 1].start if index + 1 < len(self.headings) else len(self.lines)
            sections.append((tuple(h.text for h in path), heading.text, heading.start, heading.end, end))
        return sections

    def crumbs(self, title: str, path: tuple[str, ...]) -> list[str]:
        rest = list(path)
        heading = self.title_heading
        if rest and heading is not None and rest[0] == heading.text and squash(heading.text) == title:
            rest = rest[1:]
        # Raw HTML (an `<a name>` anchor) never shows in a front; an empty heading adds no crumb.
        return [strip_html(title) or PurePath(self.path).stem or "note"] + [text for text in (strip_html(squash(part)) for part in rest) if text]


def expand_leading(line: str) -> str:
    """Leading tabs expanded to 4-column stops (the rest of the line untouched)."""
    if "\t" not in line:
        return line
    stripped = line.lstrip(" \t")
    lead = line[: len(line) - len(stripped)]
    return lead.expandtabs(4) + stripped


def dedent(lines: list[str]) -> str:
    """Lines with their common indentation removed, blank lines at both ends dropped."""
    lines = [expand_leading(line).rstrip() for line in lines]
    while lines and not lines[0].strip():
        lines.pop(0)
    while lines and not lines[-1].strip():
        lines.pop()
    if not lines:
        return ""
    indent = min(len(line) - len(line.lstrip(" ")) for line in lines if line.strip())
    return "\n".join(line[indent:] for line in lines)


def tags_in(masked: str) -> list[str]:
    return [tag.strip("/-") for tag in _TAG.findall(masked) if any(ch.isalpha() for ch in tag)]


def without_trailing_tags(heading: str) -> str:
    """``Attention #paper #nlp`` -> ``Attention``: a heading's tags are the card's tags, not
    part of where it stands (``Section #1`` keeps its number: a tag needs a letter)."""
    match = _TRAILING_TAGS.search(heading)
    if match is None or not heading[: match.start()].strip():
        return heading
    if len(tags_in(match.group())) != match.group().count("#"):
        return heading
    return heading[: match.start()].rstrip()


def is_tag_only(masked: str) -> bool:
    body = masked[LINE_PREFIX.match(masked).end() :]  # type: ignore[union-attr]
    return bool(body.strip()) and _TAG_ONLY.fullmatch(body) is not None and bool(tags_in(body))


def unique_tags(items: list[str]) -> tuple[str, ...]:
    seen: dict[str, str] = {}
    for item in items:
        if item and item.lower() not in seen:
            seen[item.lower()] = item
    return tuple(seen.values())
