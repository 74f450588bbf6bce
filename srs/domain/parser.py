"""Markdown notes -> cards: study-plan tasks, heading sections and explicit flashcards.

Pure: text in, :class:`ParsedFile` out; no I/O, no clock. The block structure (headings,
list items, code, math, HTML, tables, front matter) comes from markdown-it-py tokens, and
the text inside code spans, code blocks, math, HTML comments and tables is *masked* before
any card syntax is looked for, so nothing there ever becomes a card, a tag or a heading.

Three sources of cards, in one pass:

* **Study plans** (a file holding ``- [x]`` / ``- [ ]`` task items): each completed task
  with notes under it gives a ``task`` card, front ``title › headings › task`` and a prompt,
  back the notes. Unchecked tasks and completed tasks without notes give report items.
* **Notes** (any other file): each heading section with a body gives a ``section`` card,
  front ``title › heading path``, back the body.
* **Explicit cards** anywhere, in the Obsidian spaced-repetition plugin's syntax:
  ``Q::A``, ``Q:::A`` (both directions), multi-line ``?`` / ``??`` blocks, cloze deletions
  ``==text==`` (with ``^[hint]``, ``[^1]`` sequence numbers and ``[^ash]`` overlapping
  actions) and ``{{c1::text::hint}}``. Explicit cards in a task's notes or a section
  replace that task's or section's automatic card.

When ``::`` is a separator (the rule keeping ``std::move`` or ``c10::cuda::Stream`` out):
outside code and math, a line is a ``Q::A`` card only when it holds exactly one run of two
or three colons, both sides are non-empty, and the separator is not inside a code path. A
code path is ``X::Y`` written without spaces where ``X`` is a well-known namespace
(:data:`CODE_NAMESPACES`), or ``X`` or ``Y`` contains ``_``, or ``Y`` is followed by one of
``< ! ; {`` or by ``()``, or ``X`` is preceded by one of ``& * < ( ~ :``. A ``::`` inside a
URL, a slice (``a[::2]``, ``x[1::3]``) or an IPv6 address written as a word (``::1``,
``::ffff:``) is no separator either.
``\\::`` never separates. So ``ReLU::max(0, x)`` and ``Type::list[int]`` are cards (an answer
may start with a call or an index) while ``Vec::new()`` in a sentence is code.
"""

from __future__ import annotations

import bisect
import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import PurePath
from typing import Any

from srs.domain.recallable import DEFAULT_MAX_CHARS, TOO_LONG_ADVICE, is_reference_only, strip_html

PARSER_VERSION = 3  # a new version makes the next import read every file again

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
MAX_SCAN_LINE = 20_000  # longer lines are kept as text but not searched for card syntax
MAX_FRONT_MATTER = 64 * 1024

# Namespaces whose ``X::Y`` paths are code, never a ``Q::A`` separator.
CODE_NAMESPACES = frozenset(
    {
        "std", "core", "alloc", "crate", "self", "super", "Self", "boost", "absl", "c10",
        "at", "torch", "cv", "Eigen", "llvm", "clang", "tokio", "serde", "folly", "thrust",
        "cub", "cutlass", "cute", "triton", "tbb", "fmt", "spdlog", "grpc", "google", "nlohmann",
        "sycl", "Kokkos", "ggml", "pybind11", "mlir", "ray", "caffe2", "aten", "detail",
    }
)

PLAN_PROMPT_EN = "What did you learn?"
PLAN_PROMPT_ZH = "学到了什么？"

_OPAQUE_BLOCKS = frozenset(
    {"fence", "code_block", "html_block", "math_block", "math_block_label", "amsmath", "front_matter"}
)
_INVISIBLE = {"\u200b": "", "\u2060": "", "\ufeff": ""}
_INVISIBLE_TABLE = str.maketrans(_INVISIBLE)
_INVISIBLE_LEAD = re.compile(r"^([ \t]*)[\u200b\u2060\ufeff]+[ \t]*", re.MULTILINE)
_INVISIBLE_ANYWHERE = re.compile(r"(?<!\A)[\u200b\u2060\ufeff]|\A[\u200b\u2060]")  # a BOM that starts the file is no news
_CHECKBOX = re.compile(r"\[([ xX])\](?:[ \t]+|$|(?![(\[:]))")  # `[x]Title` too, not a link `[x](url)`
_LINE_PREFIX = re.compile(r"[ \t]*(?:>[ \t]?)*[ \t]*(?:(?:[-*+]|\d{1,9}[.)])[ \t]+(?:\[[ xX]\](?:[ \t]+|(?![(\[:])))?)?")
_QUOTE_MARKER = re.compile(r"[ ]{0,3}>[ \t]?")
_SEPARATOR_LINE = re.compile(r"[ \t]*(?:>[ \t]?)*[ \t]*(\?\??)[ \t]*")
_COLONS = re.compile(r":{2,}")
_IDENT_BEFORE = re.compile(r"[A-Za-z0-9_]+$")
_IDENT_AFTER = re.compile(r"[A-Za-z0-9_]+")
# The character before ``::`` and the one after: a slice (``[::``, ``::]``) or the IPv6
# loopback or mapped-address prefix written as a word (``::1``, ``::ffff:``) is no separator.
_SLICE_OR_ADDRESS = re.compile(r"[\[(:]::|.::[\])]|\s::(?:1(?![\w.:])|ffff:)")
_ESCAPE = re.compile(r"\\[!-/:-@\[-`{-~]")
_TAG = re.compile(r"(?<!\S)#([\w/-]+)")
_TAG_ONLY = re.compile(r"[ \t]*(?:#[\w/-]+[ \t]*)+")
_TRAILING_TAGS = re.compile(r"(?:[ \t]+#[\w/-]+)+[ \t]*$")
_LEADING_TAGS = re.compile(r"^((?:#[\w/-]+[ \t]+)+)")
_SR_COMMENT = re.compile(r"[ \t]*<!--SR:[^\n]*?-->")
_SR_LINE = re.compile(r"[ \t]*<!--SR:[^\n]*?-->[ \t]*")
_HIGHLIGHT = re.compile(
    r"==(?=[^\s=])(?P<answer>[^\n]*?[^\s=])==(?:\^\[(?P<hint>[^\]\n]*)\])?(?:\[\^(?P<seq>[^\]\s]+)\])?"
)
_WORD = re.compile(r"\w")
_BOLD = re.compile(r"\*\*(?=[^\s*])(?P<answer>[^\n]*?[^\s*])\*\*")
_CURLY = re.compile(r"\{\{(?!c\d{1,3}::)(?P<answer>[^{}\n]*?[^\s{}])\}\}")
_ANKI_CLOZE = re.compile(r"\{\{c(?P<num>\d{1,3})::(?P<body>.+?)\}\}")
_BRACES = re.compile(r"\{\{.*?\}\}")
_OVERLAP_SEQ = re.compile(r"[ahs]+")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")
# A task that explains the checkbox notation (`- [ ] means not done`, `- [x] 表示已完成`).
_LEGEND = re.compile(
    r"[\s:：=\-–—>→]*(?:(?:means?|is|=|:|：|-|–|—|->|→|stands for|denotes|indicates|表示|代表|意味着|意思是|为|是|即)[\s:：]*)?"
    r"(?:not |un|still )?(?:yet )?(?:done|finished|completed?|complete|to ?do|pending|in progress|open|checked|unchecked|"
    r"未完成|已完成|完成|未做|已做|进行中|待办|待完成|没完成|完成了)[\s.。!！]*",
    re.IGNORECASE,
)
# Letters of scripts other than Latin (Greek, Cyrillic, Hebrew, Arabic, Indic, Thai, CJK, Hangul).
_OTHER_SCRIPT = re.compile(r"[\u0370-\u03ff\u0400-\u04ff\u0590-\u06ff\u0900-\u0e7f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")
_HR_TEXT = re.compile(r"[ \t]*([-*_])(?:[ \t]*\1){2,}[ \t]*")


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


def _new_parser(*, inline: bool) -> Any:
    from markdown_it import MarkdownIt
    from mdit_py_plugins.dollarmath import dollarmath_plugin
    from mdit_py_plugins.front_matter import front_matter_plugin

    md = MarkdownIt("commonmark").use(front_matter_plugin).use(dollarmath_plugin, double_inline=True).enable("table")
    if not inline:
        md.disable("inline")
    return md


@lru_cache(maxsize=1)
def markdown_parser() -> Any:
    """The MarkdownIt configuration the importer reads notes with: CommonMark, tables, front
    matter, dollar math."""
    return _new_parser(inline=True)


@lru_cache(maxsize=1)
def _block_parser() -> Any:
    """:func:`markdown_parser` without the inline pass, reused for every file.

    :class:`_FileParser` runs the inline parser itself, only on paragraphs and headings that
    can hold a code span, inline math or HTML (those with a backtick, a dollar sign or a
    ``<``): the inline tokens of the others cannot hide anything from the card syntax.
    """
    return _new_parser(inline=False)


def normalise_text(text: str) -> str:
    """Line endings to ``\\n``; zero-width spaces, word joiners and BOMs removed; NUL -> U+FFFD."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "\u200b" in text or "\u2060" in text or "\ufeff" in text:
        # Invisible characters at a line start, then blanks: the blanks went after visible
        # text for its writer, so they must not make the line indented code.
        text = _INVISIBLE_LEAD.sub(r"\1", text).translate(_INVISIBLE_TABLE)
    if "\x00" in text:
        text = text.replace("\x00", "\ufffd")
    return text


@dataclass(frozen=True, slots=True)
class ParseOptions:
    """What a user can change about how notes are read (``srs config``)."""

    max_chars: int = DEFAULT_MAX_CHARS  # longer section bodies and task notes are not cards; 0: no limit
    # The card syntax, as the Obsidian spaced-repetition plugin's settings name it (a vault's
    # .obsidian/plugins/obsidian-spaced-repetition/data.json, or srs config).
    single_line: str = "::"
    single_line_reversed: str = ":::"
    multiline: str = "?"
    multiline_reversed: str = "??"
    highlights_to_clozes: bool = True
    bold_to_clozes: bool = False
    curly_to_clozes: bool = False

    def signature(self) -> str:
        """Empty for the defaults; else what must be stored so that a change re-reads every file."""
        if self == ParseOptions():
            return ""
        return hashlib.sha256(repr(tuple(getattr(self, name) for name in self.__slots__)).encode()).hexdigest()[:16]

    @property
    def default_separators(self) -> bool:
        return (self.single_line, self.single_line_reversed) == ("::", ":::")


def parse_markdown(text: str, path: str, options: ParseOptions | None = None) -> ParsedFile:
    """Parse one Markdown file; ``path`` is only used for the title fallback and messages."""
    parser = _FileParser(normalise_text(text), path, options or ParseOptions())
    notice = _normalised_notice(text)
    if notice is not None:
        parser.items.append(notice)
    return parser.run()


def _normalised_notice(text: str) -> ReportItem | None:
    """The one warning line of a file whose line endings or invisible characters were changed."""
    what = []
    if "\r" in text:
        what.append("CRLF line endings read as LF" if "\r\n" in text else "CR line endings read as LF")
    invisible = _INVISIBLE_ANYWHERE.search(text)
    if invisible is not None:
        what.append("zero-width characters removed")
    if not what:
        return None
    first = min(
        (text.index("\r") if "\r" in text else len(text)), (invisible.start() if invisible is not None else len(text))
    )
    line = text.count("\n", 0, first) + 1
    return ReportItem(WARNING, line, "; ".join(what))


# --------------------------------------------------------------------------------------------
# Small helpers


def squash(text: str) -> str:
    """Whitespace runs to one space, trimmed (how questions are compared)."""
    return " ".join(text.split())


def heading_text(path: Sequence[str]) -> str:
    """How a heading path is stored (``Card.heading_path``) and enters a card's key."""
    return CRUMB.join(squash(part) for part in path)


def _expand_leading(line: str) -> str:
    """Leading tabs expanded to 4-column stops (the rest of the line untouched)."""
    if "\t" not in line:
        return line
    stripped = line.lstrip(" \t")
    lead = line[: len(line) - len(stripped)]
    return lead.expandtabs(4) + stripped


def _dedent(lines: list[str]) -> str:
    """Lines with their common indentation removed, blank lines at both ends dropped."""
    lines = [_expand_leading(line).rstrip() for line in lines]
    while lines and not lines[0].strip():
        lines.pop(0)
    while lines and not lines[-1].strip():
        lines.pop()
    if not lines:
        return ""
    indent = min(len(line) - len(line.lstrip(" ")) for line in lines if line.strip())
    return "\n".join(line[indent:] for line in lines)


def _tags_in(masked: str) -> list[str]:
    return [tag.strip("/-") for tag in _TAG.findall(masked) if any(ch.isalpha() for ch in tag)]


def _without_trailing_tags(heading: str) -> str:
    """``Attention #paper #nlp`` -> ``Attention``: a heading's tags are the card's tags, not
    part of where it stands (``Section #1`` keeps its number: a tag needs a letter)."""
    match = _TRAILING_TAGS.search(heading)
    if match is None or not heading[: match.start()].strip():
        return heading
    if len(_tags_in(match.group())) != match.group().count("#"):
        return heading
    return heading[: match.start()].rstrip()


def _is_tag_only(masked: str) -> bool:
    body = masked[_LINE_PREFIX.match(masked).end() :]  # type: ignore[union-attr]
    return bool(body.strip()) and _TAG_ONLY.fullmatch(body) is not None and bool(_tags_in(body))


def _unique(items: list[str]) -> tuple[str, ...]:
    seen: dict[str, str] = {}
    for item in items:
        if item and item.lower() not in seen:
            seen[item.lower()] = item
    return tuple(seen.values())


@lru_cache(maxsize=16)
def _backtick_run(length: int) -> re.Pattern[str]:
    return re.compile(rf"(?<!`)`{{{length}}}(?!`)")


def _protected_spans(content: str, children: list[Any]) -> list[tuple[int, int]]:
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


# --------------------------------------------------------------------------------------------
# The parse of one file


@dataclass(slots=True)
class _Heading:
    start: int  # 0-based first line
    end: int  # 0-based line after the heading
    level: int
    text: str


@dataclass(slots=True)
class _Task:
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
class _Line:
    number: int  # 0-based
    text: str
    masked: str
    opaque: bool


@dataclass(slots=True)
class _Draft:
    kind: str
    front: str
    back: str
    heading_path: tuple[str, ...]
    question: str
    line: int  # 0-based
    note: str
    variant: str = ""
    tags: tuple[str, ...] = ()


@dataclass(slots=True)
class _Deletion:
    line: int  # index in the note's lines
    start: int
    end: int
    answer: str
    hint: str
    label: str  # "c1", "1", "=answer" ...
    overlap: str  # the a/h/s actions of an overlapping deletion, else ""


class _FileParser:
    def __init__(self, text: str, path: str, options: ParseOptions) -> None:
        self.options = options
        self.hinted = False  # the hint about another separator is given once per file
        self.text = text
        self.path = path
        self.lines = text.split("\n")
        self.masked = list(self.lines)
        self.opaque = bytearray(len(self.lines))
        self.hr_lines: set[int] = set()
        self.comment_lines: set[int] = set()  # lines of HTML comment blocks (never shown)
        self.items: list[ReportItem] = []
        self.headings: list[_Heading] = []
        self.tasks: list[_Task] = []
        self.task_roots: list[tuple[int, int]] = []  # outermost task item ranges
        self.body_start = 0
        self.front_matter: dict[str, Any] = {}
        self.tag_lines: list[tuple[int, tuple[str, ...]]] = []
        self.title_heading: _Heading | None = None

    # -- structure ---------------------------------------------------------------------------

    def run(self) -> ParsedFile:
        try:
            self.md = _block_parser()
            tokens = self.md.parse(self.text)
        except Exception as error:  # markdown-it should not fail; never let it stop an import
            self.items.append(ReportItem(SKIPPED, None, f"cannot parse as Markdown ({type(error).__name__}: {error})"))
            return ParsedFile(self.path, PurePath(self.path).stem, None, (), False, (), tuple(self.items))
        self._walk(tokens)
        self._mask_escapes()
        self._check_unclosed_front_matter(tokens)
        self.title_heading = self._title_heading()
        title = self._title()
        self._collect_tag_lines()
        drafts: list[_Draft] = []
        is_plan = any(not self._is_legend(task) for task in self.tasks)
        if is_plan:
            self._plan_cards(title, drafts)
        else:
            self._section_cards(title, drafts)
        cards = self._finish(drafts)
        deck = self.front_matter.get("deck")
        return ParsedFile(
            path=self.path,
            title=title,
            deck=deck if isinstance(deck, str) and deck.strip() else None,
            tags=self._front_matter_tags(),
            is_plan=is_plan,
            cards=cards,
            items=tuple(sorted(self.items, key=lambda item: (item.line or 0))),
        )

    def _walk(self, tokens: list[Any]) -> None:
        path: list[_Heading] = []
        items: list[tuple[Any, _Task | None, str]] = []  # open list items: token, task, first-line text
        quote_depth = 0
        count = len(tokens)
        for index, token in enumerate(tokens):
            kind = token.type
            tmap = token.map
            if kind == "inline":
                content = token.content
                if tmap and not self.opaque[tmap[0]] and ("`" in content or "$" in content or "<" in content):
                    children: list[Any] = []
                    self.md.inline.parse(content, self.md, {}, children)
                    spans = _protected_spans(content, children)
                    if spans:
                        self._mask_inline(content, tmap[0], spans)
            elif kind in _OPAQUE_BLOCKS or kind == "table_open":
                if tmap:
                    for number in range(tmap[0], min(tmap[1], len(self.lines))):
                        self.opaque[number] = 1
                if kind == "html_block" and tmap and token.content.lstrip().startswith("<!--"):
                    self.comment_lines.update(range(tmap[0], min(tmap[1], len(self.lines))))
                if kind == "front_matter":
                    self._read_front_matter(token)
                elif kind == "fence":
                    self._check_fence(token)
            elif kind == "heading_open":
                if token.level == 0 and tmap and index + 1 < count:
                    inline = tokens[index + 1]
                    heading = _Heading(tmap[0], tmap[1], int(token.tag[1:]), _without_trailing_tags(inline.content.strip()))
                    self.headings.append(heading)
                    while path and path[-1].level >= heading.level:
                        path.pop()
                    path.append(heading)
            elif kind == "hr":
                if tmap:
                    self.hr_lines.add(tmap[0])
            elif kind == "blockquote_open":
                quote_depth += 1
            elif kind == "blockquote_close":
                quote_depth -= 1
            elif kind == "list_item_open":
                task = None
                first_line = ""
                if (
                    tmap
                    and index + 2 < count
                    and tokens[index + 1].type == "paragraph_open"
                    and tokens[index + 1].map
                    and tokens[index + 1].map[0] == tmap[0]
                ):
                    inline = tokens[index + 2]
                    first_line = inline.content.split("\n", 1)[0]
                    ancestors = tuple(text for _tok, _task, text in items if text)
                    task = self._task(tmap, tokens[index + 1].map[1], inline.content, tuple(h.text for h in path) + ancestors, quote_depth)
                    if task is not None:
                        for _tok, outer, _text in reversed(items):  # the innermost task holding it
                            if outer is not None:
                                outer.nested.append((task.start, task.end))
                                break
                        else:
                            self.task_roots.append((task.start, task.end))
                        self.tasks.append(task)
                        first_line = task.text
                items.append((token, task, squash(first_line)))
            elif kind == "list_item_close":
                if items:
                    items.pop()

    def _task(self, tmap: list[int], paragraph_end: int, content: str, path: tuple[str, ...], quote_depth: int) -> _Task | None:
        """The task a list item starts with (``[x]`` with or without a space after it), else None.

        The title is the item's first line, continued by the next lines of its first paragraph
        while they are lazy continuations (indented less than the item's text) or while the
        title holds an unclosed link, bracket or code span: a long link wrapped over two lines is
        one title. A line indented under the item starts the notes."""
        content_lines = content.split("\n")
        match = _CHECKBOX.match(content_lines[0])
        if match is None or not content_lines[0][match.end() :].strip():
            return None
        title = content_lines[0][match.end() :].strip()
        start = tmap[0]
        first = self._line(start, quote_depth).text
        marker = re.match(r"[ ]*(?:[-*+]|\d{1,9}[.)])[ ]{1,4}", first)
        indent = len(marker.group()) if marker else 0
        title_end = start + 1
        for offset, part in enumerate(content_lines[1:], 1):
            number = start + offset
            if number >= min(paragraph_end, len(self.lines)):
                break
            raw = self._line(number, quote_depth).text
            lazy = len(raw) - len(raw.lstrip(" ")) < indent
            if not (lazy or _unclosed(title)):
                break
            title = f"{title} {part.strip()}"
            title_end = number + 1
        return _Task(
            start=start,
            end=min(tmap[1], len(self.lines)),
            done=match.group(1) != " ",
            text=title,
            masked_text="",
            path=path,
            quote_depth=quote_depth,
            first_paragraph_end=paragraph_end,
            title_end=title_end,
        )

    def _mask_inline(self, content: str, first_line: int, spans: list[tuple[int, int]]) -> None:
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
                if number >= len(self.lines):
                    break
                if index not in columns:
                    core = part.strip()
                    position = self.lines[number].rfind(core) if core else -1
                    columns[index] = None if position < 0 else position - (len(part) - len(part.lstrip()))
                column = columns[index]
                current = self.masked[number]
                if column is None:  # could not place the span: keep the whole line out of reach
                    self.masked[number] = "\x00" * len(current)
                    continue
                a = max(0, column + max(start, line_start) - line_start)
                b = min(len(current), column + min(end, line_end) - line_start)
                if b > a:
                    self.masked[number] = current[:a] + "\x00" * (b - a) + current[b:]

    def _mask_escapes(self) -> None:
        for number, line in enumerate(self.masked):
            if "\\" in line and not self.opaque[number]:
                self.masked[number] = _ESCAPE.sub("\x00\x00", line)

    def _read_front_matter(self, token: Any) -> None:
        import yaml

        if token.map:
            self.body_start = token.map[1]
        content = token.content
        if len(content) > MAX_FRONT_MATTER:
            self.items.append(ReportItem(WARNING, 1, "front matter larger than 64 KB ignored"))
            return
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        try:
            data = yaml.load(content, Loader=loader) if content.strip() else {}  # noqa: S506 (a safe loader)
        except yaml.YAMLError as error:
            # Where the broken construct starts (an unclosed bracket...), else where YAML gave up.
            mark = getattr(error, "context_mark", None) or getattr(error, "problem_mark", None)
            line = 2 + mark.line if mark is not None else 1
            problem = getattr(error, "problem", None) or str(error).splitlines()[0]
            self.items.append(ReportItem(WARNING, line, f"broken front matter ignored (YAML: {problem})"))
            return
        except Exception as error:  # pathological YAML (recursion, huge numbers...)
            self.items.append(ReportItem(WARNING, 1, f"broken front matter ignored ({type(error).__name__})"))
            return
        if data is None:
            data = {}
        if not isinstance(data, dict):
            self.items.append(ReportItem(WARNING, 1, "front matter is not a set of key: value pairs; ignored"))
            return
        self.front_matter = {str(key): value for key, value in data.items()}

    def _check_unclosed_front_matter(self, tokens: list[Any]) -> None:
        if self.lines and self.lines[0].rstrip() == "---" and not (tokens and tokens[0].type == "front_matter"):
            if len(self.lines) > 1 and re.match(r"[\w-]+\s*:", self.lines[1]):
                self.items.append(ReportItem(WARNING, 1, "front matter is not closed (no second ---); read as text"))

    def _check_fence(self, token: Any) -> None:
        start, end = token.map
        last = self.lines[end - 1].strip() if end - 1 < len(self.lines) else ""
        marker = token.markup
        closed = end - 1 > start and last.startswith(marker[0] * len(marker)) and not last.strip(marker[0])
        if not closed:
            rest_blank = all(not line.strip() for line in self.lines[end:])
            where = "the end of the file" if rest_blank else f"line {end}"
            self.items.append(ReportItem(WARNING, start + 1, f"code fence {marker} is never closed; read as code up to {where}"))

    def _front_matter_tags(self) -> tuple[str, ...]:
        raw = self.front_matter.get("tags", self.front_matter.get("tag"))
        if raw is None:
            return ()
        values = raw if isinstance(raw, list) else re.split(r"[,\s]+", str(raw))
        tags: list[str] = []
        for value in values:
            if isinstance(value, (str, int, float)):
                text = str(value).strip().lstrip("#").replace(" ", "-")
                if text:
                    tags.append(text)
        return _unique(tags)

    def _title(self) -> str:
        title = self.front_matter.get("title")
        if isinstance(title, (str, int, float)) and str(title).strip():
            return squash(str(title))
        heading = self.title_heading
        if heading is not None and strip_html(squash(heading.text)):  # not a heading of HTML only
            return squash(heading.text)
        return PurePath(self.path).stem or self.path

    def _title_heading(self) -> _Heading | None:
        """The first heading, when it is a ``# `` heading that starts the note.

        Only blank lines, tag lines and HTML comments may come before it; a ``# `` heading
        further down is a section, and the file name is the title.
        """
        if not self.headings or self.headings[0].level != 1 or not self.headings[0].text:
            return None
        first = self.headings[0]
        for number in range(self.body_start, first.start):
            masked = self.masked[number]
            if not masked.strip() or self.lines[number].lstrip().startswith("<!--"):
                continue
            if not self.opaque[number] and "#" in masked and _is_tag_only(masked):
                continue
            return None
        return first

    def _collect_tag_lines(self) -> None:
        for number in range(self.body_start, len(self.lines)):
            masked = self.masked[number]
            if "#" in masked and not self.opaque[number] and _is_tag_only(masked):
                self.tag_lines.append((number, _unique(_tags_in(masked))))

    def _context_tags(self, line: int) -> tuple[str, ...]:
        found: tuple[str, ...] = ()
        for number, tags in self.tag_lines:
            if number >= line:
                break
            found = tags
        return found

    def _line(self, number: int, quote_depth: int = 0) -> _Line:
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
            text = _expand_leading(text)
            masked = text[: len(text) - len(stripped)] + masked[lead:]
        return _Line(number, text, masked, opaque)

    # -- sections ----------------------------------------------------------------------------

    def _sections(self) -> list[tuple[tuple[str, ...], str, int, int, int]]:
        """(heading path, heading text, heading line, body start, body end) for every section."""
        sections = []
        path: list[_Heading] = []
        first = self.headings[0].start if self.headings else len(self.lines)
        sections.append(((), "", self.body_start, self.body_start, first))
        for index, heading in enumerate(self.headings):
            while path and path[-1].level >= heading.level:
                path.pop()
            path.append(heading)
            end = self.headings[index + 1].start if index + 1 < len(self.headings) else len(self.lines)
            sections.append((tuple(h.text for h in path), heading.text, heading.start, heading.end, end))
        return sections

    def _crumbs(self, title: str, path: tuple[str, ...]) -> list[str]:
        rest = list(path)
        heading = self.title_heading
        if rest and heading is not None and rest[0] == heading.text and squash(heading.text) == title:
            rest = rest[1:]
        # Raw HTML (an `<a name>` anchor) never shows in a front; an empty heading adds no crumb.
        return [strip_html(title) or PurePath(self.path).stem or "note"] + [text for text in (strip_html(squash(part)) for part in rest) if text]

    def _section_cards(self, title: str, drafts: list[_Draft]) -> None:
        for path, heading, heading_line, start, end in self._sections():
            lines = [self._line(number) for number in range(start, end)]
            explicit = self._explicit_cards(lines, path, drafts)
            if explicit:
                continue
            body = self._body(lines)
            if not body:
                continue
            line = heading_line if path else next((item.number for item in lines if item.text.strip()), start)
            if not self._recallable(body, heading, line, "section", CRUMB.join(self._crumbs(title, path))):
                continue
            tags = self._heading_tags(heading_line) + self._line_tags(lines)
            drafts.append(
                _Draft(
                    kind=SECTION,
                    front=CRUMB.join(self._crumbs(title, path)),
                    back=body,
                    heading_path=path,
                    question=squash(heading),
                    line=line,
                    note=f"section\x1f{CRUMB.join(path)}",
                    tags=self._context_tags(line) + tags,
                )
            )

    def _recallable(self, body: str, heading: str, line: int, what: str, label: str) -> bool:
        """False (and a report item) for a body that is only references, or too long to recall."""
        if what == "section" and is_reference_only(body, heading):
            self.items.append(ReportItem(REFERENCE_ONLY, line + 1, label))
            return False
        limit = self.options.max_chars
        if limit and len(body) > limit:
            self.items.append(ReportItem(TOO_LONG, line + 1, f"{what} of {len(body)} characters: {TOO_LONG_ADVICE}"))
            return False
        return True

    def _heading_tags(self, line: int) -> tuple[str, ...]:
        for heading in self.headings:
            if heading.start == line:
                return tuple(tag for n in range(heading.start, heading.end) for tag in _tags_in(self.masked[n]))
        return ()

    def _line_tags(self, lines: list[_Line]) -> tuple[str, ...]:
        tags: list[str] = []
        for item in lines:
            if not item.opaque and "#" in item.masked and not _is_tag_only(item.masked):
                tags.extend(_tags_in(item.masked))
        return tuple(tags)

    def _body(self, lines: list[_Line]) -> str:
        kept = []
        for item in lines:
            if item.number in self.comment_lines:
                continue
            if not item.opaque and "#" in item.masked and _is_tag_only(item.masked):
                continue
            if "<!--SR:" in item.text:
                if _SR_LINE.fullmatch(item.text):
                    continue
                kept.append(_SR_COMMENT.sub("", item.text))
                continue
            kept.append(item.text)
        while kept and (not kept[0].strip() or _HR_TEXT.fullmatch(kept[0])):
            kept.pop(0)
        while kept and (not kept[-1].strip() or _HR_TEXT.fullmatch(kept[-1])):
            kept.pop()
        return _dedent(kept)

    # -- study plans -------------------------------------------------------------------------

    def _plan_cards(self, title: str, drafts: list[_Draft]) -> None:
        covered = bytearray(len(self.lines))
        for start, end in self.task_roots:
            covered[start:end] = b"\x01" * (end - start)
        # Explicit cards outside the tasks, section by section.
        for path, _heading, _heading_line, start, end in self._sections():
            outside = [self._line(n) for n in range(start, end) if not covered[n]]
            self._explicit_cards(outside, path, drafts)
        for task in self.tasks:
            if self._is_legend(task):
                continue
            notes = self._task_notes(task)
            explicit = self._explicit_cards(notes, task.path + (squash(task.text),), drafts)
            line = task.start
            if not task.done:
                self.items.append(ReportItem(PENDING, line + 1, task.text))
                continue
            if explicit:
                continue
            body = self._body(notes)
            if not body:
                if not task.nested:  # a parent of sub-tasks only: they are the cards
                    self.items.append(ReportItem(NOTHING_TO_RECALL, line + 1, task.text))
                continue
            # A title of raw HTML only (an anchor) is named by its line: HTML never shows in a front.
            crumbs = self._crumbs(title, task.path) + [strip_html(squash(task.text)) or f"task on line {line + 1}"]
            if not self._recallable(body, "", line, "task notes", task.text):
                continue
            prompt = PLAN_PROMPT_ZH if _CJK.search(task.text) else PLAN_PROMPT_EN
            first = self._line(task.start, task.quote_depth)
            tags = tuple(_tags_in(first.masked)) + self._line_tags(notes)
            drafts.append(
                _Draft(
                    kind=TASK,
                    front=f"{CRUMB.join(crumbs)}\n\n{prompt}",
                    back=body,
                    heading_path=task.path,
                    question=squash(task.text),
                    line=line,
                    note=f"task\x1f{CRUMB.join(task.path)}\x1f{squash(task.text)}",
                    tags=self._context_tags(line) + tags,
                )
            )

    def _is_legend(self, task: _Task) -> bool:
        """`- [ ] means not done`, `- [x] 表示已完成`: the checkbox notation explained (a status
        word, no notes, no sub-tasks), neither pending work nor a card."""
        return bool(_LEGEND.fullmatch(task.text)) and not task.nested and not self._body(self._task_notes(task))

    def _task_notes(self, task: _Task) -> list[_Line]:
        """The lines under a task (its first line and nested tasks excluded), dedented."""
        if task.nested:
            numbers = [n for n in range(task.title_end, task.end) if not _inside(n, task.nested)]
        else:
            numbers = list(range(task.title_end, task.end))
        lines = [self._line(n, task.quote_depth) for n in numbers]
        # The item's content column: where the text after the list marker starts.
        first = self._line(task.start, task.quote_depth)
        marker = re.match(r"[ ]*(?:[-*+]|\d{1,9}[.)])[ ]{1,4}", first.text)
        indent = len(marker.group()) if marker else 0
        result = []
        for item in lines:
            lead = len(item.text) - len(item.text.lstrip(" "))
            cut = min(lead, indent)
            result.append(_Line(item.number, item.text[cut:], item.masked[cut:], item.opaque))
        return result

    # -- explicit cards ----------------------------------------------------------------------

    def _explicit_cards(self, lines: list[_Line], path: tuple[str, ...], drafts: list[_Draft]) -> bool:
        """Cards written explicitly in ``lines``; True if there were any."""
        found = False
        for run in _runs(lines):
            if self._multiline_card(run, path, drafts):
                found = True
                continue
            remaining: list[_Line] = []
            for item in run:
                if not item.opaque and len(item.masked) > MAX_SCAN_LINE:
                    self._too_long(item)
                if not item.opaque and len(item.masked) <= MAX_SCAN_LINE and self._single_line_card(item, path, drafts):
                    found = True
                    continue
                if not item.opaque and "#" in item.masked and _is_tag_only(item.masked):
                    continue
                remaining.append(item)
            if remaining and self._cloze_note(remaining, path, drafts):
                found = True
        return found

    def _too_long(self, item: _Line) -> None:
        """A line past the scan limit is not read for cards: said, if it could hold one."""
        if any(mark in item.masked for mark in ("::", "{{c", "==")):
            message = f"line of {len(item.masked):,} characters not read for cards (longer than {MAX_SCAN_LINE:,}): split it"
            self.items.append(ReportItem(WARNING, item.number + 1, message))

    def _multiline_card(self, run: list[_Line], path: tuple[str, ...], drafts: list[_Draft]) -> bool:
        for index, item in enumerate(run):
            if item.opaque:
                continue
            match = _SEPARATOR_LINE.fullmatch(item.masked) if self.options.multiline == "?" else None
            if match is None and self.options.multiline != "?":
                match = self._custom_separator_line(item.masked)
            if match is None:
                continue
            question = self._body(run[:index])
            answer = self._body(run[index + 1 :])
            line = run[0].number
            if not question or not answer:
                side = "question" if not question else "answer"
                self.items.append(ReportItem(SKIPPED, item.number + 1, f"`{match.group(1)}` card has no {side}"))
                return True
            tags = self._context_tags(line) + self._line_tags(run)
            self._pair(question, answer, match.group(1) == self.options.multiline_reversed, path, line, tags, drafts)
            return True
        return False

    def _custom_separator_line(self, masked: str) -> re.Match[str] | None:
        """A line made only of the vault's multi-line separator (or its reversed one)."""
        options = self.options
        choices = sorted({options.multiline, options.multiline_reversed} - {""}, key=len, reverse=True)
        pattern = r"[ \t]*(?:>[ \t]?)*[ \t]*(" + "|".join(re.escape(choice) for choice in choices) + r")[ \t]*"
        return re.fullmatch(pattern, masked) if choices else None

    def _single_line_card(self, item: _Line, path: tuple[str, ...], drafts: list[_Draft]) -> bool:
        if not self.options.default_separators:
            return self._custom_single_line_card(item, path, drafts)
        masked = item.masked
        if ":" not in masked:
            if ";;" in masked:
                self._hint_other_separator(item, ";;")
            return False
        prefix = _LINE_PREFIX.match(masked).end()  # type: ignore[union-attr]
        body = masked[prefix:]
        if "{{" in body:
            body = _BRACES.sub(lambda m: "\x00" * len(m.group()), body)
        runs = list(_COLONS.finditer(body))
        if len(runs) != 1:
            return False
        run = runs[0]
        width = len(run.group())
        if width > 3 or _is_code_path(body, run.start(), run.end(), width):
            return False
        text = item.text[prefix:]
        question = text[: run.start()].strip()
        answer = _SR_COMMENT.sub("", text[run.end() :]).strip()
        if not question or not answer:
            side = "question" if not question else "answer"
            self.items.append(ReportItem(SKIPPED, item.number + 1, f"`{run.group()}` card has no {side}"))
            return True
        tags = list(self._context_tags(item.number))
        leading = _LEADING_TAGS.match(question)
        if leading and question[leading.end() :].strip():
            tags = list(_tags_in(leading.group()))  # question specific: instead of the context's
            question = question[leading.end() :].strip()
        tags.extend(_tags_in(masked[prefix:]))
        self._pair(question, answer, width == 3, path, item.number, tuple(tags), drafts)
        return True

    def _custom_single_line_card(self, item: _Line, path: tuple[str, ...], drafts: list[_Draft]) -> bool:
        """``Q<sep>A`` with the separators a vault (or srs config) chose: the longer of the two
        first, exactly once on the line, outside code."""
        options = self.options
        masked = item.masked
        prefix = _LINE_PREFIX.match(masked).end()  # type: ignore[union-attr]
        body = masked[prefix:]
        for separator, both in sorted(
            ((options.single_line_reversed, True), (options.single_line, False)), key=lambda pair: len(pair[0]), reverse=True
        ):
            if not separator or body.count(separator) != 1:
                continue
            start = body.index(separator)
            text = item.text[prefix:]
            question = text[:start].strip()
            answer = _SR_COMMENT.sub("", text[start + len(separator) :]).strip()
            if not question or not answer:
                return False
            tags = self._context_tags(item.number) + tuple(_tags_in(masked[prefix:]))
            self._pair(question, answer, both, path, item.number, tags, drafts)
            return True
        if "::" in body and len(list(_COLONS.finditer(body))) == 1:
            self._hint_other_separator(item, "::")
        return False

    def _hint_other_separator(self, item: _Line, separator: str) -> None:
        """Once per file: a line that would be a card with another known separator."""
        if self.hinted:
            return
        prefix = _LINE_PREFIX.match(item.masked).end()  # type: ignore[union-attr]
        body = item.masked[prefix:]
        question, _, answer = body.partition(separator)
        if (
            len(body) > 300
            or answer.startswith(separator[0])
            or not _WORD.search(question)
            or not _WORD.search(answer)
            or question.rstrip()[-1:] in "(["
            or answer.lstrip()[:1] in ")]"
        ):
            return  # `for (;;)`, `a;;;b`: not a card attempt
        self.hinted = True
        used = self.options.single_line
        self.items.append(
            ReportItem(
                WARNING,
                item.number + 1,
                f"hint: this line would be a card with the separator `{separator}`; cards here use `{used}`",
            )
        )

    def _pair(
        self, question: str, answer: str, both: bool, path: tuple[str, ...], line: int, tags: tuple[str, ...], drafts: list[_Draft]
    ) -> None:
        note = f"qa\x1f{CRUMB.join(path)}\x1f{squash(question)}"
        drafts.append(_Draft(BASIC, question, answer, path, squash(question), line, note, tags=tags))
        if both:
            drafts.append(_Draft(REVERSED, answer, question, path, squash(answer), line, note, tags=tags))

    @staticmethod
    def _plain_deletions(index: int, item: _Line, pattern: re.Pattern[str], deletions: list[_Deletion]) -> None:
        """``**bold**`` or ``{{curly}}`` deletions (when a vault turns them into clozes)."""
        for match in pattern.finditer(item.masked):
            if not _overlaps(deletions, index, match.start(), match.end()):
                answer = item.text[match.start("answer") : match.end("answer")]
                deletions.append(_Deletion(index, match.start(), match.end(), answer, "", f"={squash(answer)}", ""))

    def _cloze_note(self, lines: list[_Line], path: tuple[str, ...], drafts: list[_Draft]) -> bool:
        deletions: list[_Deletion] = []
        for index, item in enumerate(lines):
            if item.opaque or len(item.masked) > MAX_SCAN_LINE:
                continue
            masked = item.masked
            if "{{c" in masked:
                for match in _ANKI_CLOZE.finditer(masked):
                    body = item.text[match.start("body") : match.end("body")]
                    answer, _, hint = body.partition("::")
                    deletions.append(
                        _Deletion(index, match.start(), match.end(), answer, hint, f"c{int(match.group('num'))}", "")
                    )
            if self.options.bold_to_clozes and "**" in masked:
                self._plain_deletions(index, item, _BOLD, deletions)
            if self.options.curly_to_clozes and "{{" in masked:
                self._plain_deletions(index, item, _CURLY, deletions)
            if self.options.highlights_to_clozes and "==" in masked:
                for match in _HIGHLIGHT.finditer(masked):
                    if _overlaps(deletions, index, match.start(), match.end()):
                        continue
                    answer = item.text[match.start("answer") : match.end("answer")]
                    hint = item.text[match.start("hint") : match.end("hint")] if match.group("hint") is not None else ""
                    seq = match.group("seq") or ""
                    if seq and _OVERLAP_SEQ.fullmatch(seq):
                        label, overlap = "", seq
                    elif seq:
                        label, overlap = seq, ""
                    else:
                        label, overlap = f"={squash(answer)}", ""
                    deletions.append(_Deletion(index, match.start(), match.end(), answer, hint, label, overlap))
        if not deletions:
            return False
        labels = _cloze_labels(deletions)
        steps = max((len(d.overlap) for d in deletions), default=0)
        variants: list[tuple[str, dict[int, str]]] = []
        for label in labels:
            variants.append((label, {i: ("a" if d.label == label else "s") for i, d in enumerate(deletions)}))
        for step in range(steps):
            actions = {}
            for i, d in enumerate(deletions):
                actions[i] = (d.overlap[step] if step < len(d.overlap) else "s") if d.overlap else "s"
            variants.append((f"o{step + 1}", actions))
        source = self._body(lines)
        line = lines[0].number
        tags = self._context_tags(line) + self._line_tags(lines)
        note = f"cloze\x1f{CRUMB.join(path)}\x1f{squash(source)}"
        for label, actions in variants:
            if "a" not in actions.values():
                continue
            front = self._body(_render_cloze(lines, deletions, actions, front=True))
            back = self._body(_render_cloze(lines, deletions, actions, front=False))
            if not front or not back:  # e.g. the note was only a scheduling comment once rendered
                continue
            drafts.append(_Draft(CLOZE, front, back, path, squash(source), line, note, variant=label, tags=tags))
        return True

    # -- results -----------------------------------------------------------------------------

    def _finish(self, drafts: list[_Draft]) -> tuple[ParsedCard, ...]:
        drafts.sort(key=lambda d: d.line)
        seen: dict[tuple[str, str, str, str], int] = {}
        note_lines: dict[str, list[int]] = {}
        base = self._front_matter_tags()
        starts_of_headings, heading_tags = self._enclosing_heading_tags()
        cards = []
        for draft in drafts:
            under = bisect.bisect_right(starts_of_headings, draft.line) - 1
            inherited = heading_tags[under] if under >= 0 else ()
            # Repeats are counted on what enters the key (squashed heading path and question), so
            # that two cards can never share a key: e.g. a preamble (no heading) and a section
            # under an empty heading (``##``) both have the heading text "".
            identity = (draft.kind, heading_text(draft.heading_path), squash(draft.question), draft.variant)
            occurrence = seen.get(identity, 0) + 1
            seen[identity] = occurrence
            starts = note_lines.setdefault(draft.note, [])
            if draft.line not in starts:
                starts.append(draft.line)
            cards.append(
                ParsedCard(
                    kind=draft.kind,
                    front=draft.front,
                    back=draft.back,
                    heading_path=draft.heading_path,
                    question=draft.question,
                    line=draft.line + 1,
                    note=_note_id(f"{draft.note}\x1f{starts.index(draft.line) + 1}"),
                    variant=draft.variant,
                    occurrence=occurrence,
                    tags=_unique(list(base) + list(inherited) + list(draft.tags)),
                )
            )
        return tuple(cards)

    def _enclosing_heading_tags(self) -> tuple[list[int], list[tuple[str, ...]]]:
        """Each heading's first line, and the tags of that heading and of those above it: a
        heading's ``#tags`` are the tags of every card under it."""
        starts: list[int] = []
        tags: list[tuple[str, ...]] = []
        stack: list[tuple[int, tuple[str, ...]]] = []
        for heading in self.headings:
            while stack and stack[-1][0] >= heading.level:
                stack.pop()
            own = tuple(tag for n in range(heading.start, heading.end) for tag in _tags_in(self.masked[n]))
            stack.append((heading.level, own))
            starts.append(heading.start)
            tags.append(tuple(tag for _, level_tags in stack for tag in level_tags))
        return starts, tags


def _note_id(text: str) -> str:
    """A short, stable name for a note (task, section, card pair or cloze note) in its file."""
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=12).hexdigest()


def _unclosed(title: str) -> bool:
    """A title cut inside a link, a bracket or a code span."""
    return title.count("[") > title.count("]") or title.count("(") > title.count(")") or title.count("`") % 2 == 1


def _inside(number: int, ranges: list[tuple[int, int]]) -> bool:
    return any(start <= number < end for start, end in ranges)


def _runs(lines: list[_Line]) -> list[list[_Line]]:
    """Groups of consecutive lines without a blank line (code blocks never break a group)."""
    runs: list[list[_Line]] = []
    current: list[_Line] = []
    previous = -2
    for item in lines:
        blank = not item.opaque and not item.text.strip()
        if blank or item.number != previous + 1:
            if current:
                runs.append(current)
            current = []
        if not blank:
            current.append(item)
        previous = item.number
    if current:
        runs.append(current)
    return runs


def _is_code_path(body: str, start: int, end: int, width: int) -> bool:
    """Is the ``::`` at ``body[start:end]`` part of ``X::Y`` code rather than a separator?"""
    word_start = max(body.rfind(" ", 0, start), body.rfind("\t", 0, start)) + 1
    word_end = min((i for i in (body.find(" ", end), body.find("\t", end)) if i >= 0), default=len(body))
    if "://" in body[word_start:word_end]:  # a URL such as http://[::1]:8080/
        return True
    if width != 2:
        return False
    if _SLICE_OR_ADDRESS.match(" " + body, start) or body.rfind("[", word_start, start) > body.rfind("]", word_start, start):
        return True  # a slice (inside an open [ of the same word) or an IPv6 address  # a[::2], x[1::3], ::1, fe80::1, 10::30
    before = _IDENT_BEFORE.search(body, 0, start)
    after = _IDENT_AFTER.match(body, end)
    if before is None or after is None:
        return False
    left, right = before.group(), after.group()
    if left in CODE_NAMESPACES or "_" in left or "_" in right:
        return True
    if _OTHER_SCRIPT.search(body, 0, before.start()) or _OTHER_SCRIPT.search(body, after.end()):
        return True  # `可以用 ns::call(g) 来同步`: Latin identifiers glued inside prose of another script
    following = body[after.end() : after.end() + 2]
    if following[:1] and following[:1] in "<!;{" or following == "()":
        return True
    preceding = body[before.start() - 1 : before.start()] if before.start() else ""
    return bool(preceding) and preceding in "&*<(~:"


def _cloze_labels(deletions: list[_Deletion]) -> list[str]:
    """One card per label: Anki numbers in order, then sequence labels, then simple deletions."""
    anki = sorted({d.label for d in deletions if d.label.startswith("c") and d.label[1:].isdigit()}, key=lambda x: int(x[1:]))
    sequence: list[str] = []
    simple: list[str] = []
    for deletion in deletions:
        label = deletion.label
        if not label or label in anki:
            continue
        target = simple if label.startswith("=") else sequence
        if label not in target:
            target.append(label)
    if all(label.isdigit() for label in sequence):
        sequence.sort(key=int)
    return anki + sequence + simple


def _overlaps(deletions: list[_Deletion], line: int, start: int, end: int) -> bool:
    return any(d.line == line and d.start < end and start < d.end for d in deletions)


def _render_cloze(lines: list[_Line], deletions: list[_Deletion], actions: dict[int, str], *, front: bool) -> list[_Line]:
    rendered = []
    for index, item in enumerate(lines):
        mine = sorted(((i, d) for i, d in enumerate(deletions) if d.line == index), key=lambda pair: pair[1].start)
        if not mine:
            rendered.append(item)
            continue
        parts = []
        cursor = 0
        for number, deletion in mine:
            parts.append(item.text[cursor : deletion.start])
            action = actions[number]
            if action == "a":
                parts.append((f"[{deletion.hint}]" if deletion.hint else "[...]") if front else deletion.answer)
            elif action == "h":
                parts.append("[...]")
            else:
                parts.append(deletion.answer)
            cursor = deletion.end
        parts.append(item.text[cursor:])
        rendered.append(_Line(item.number, "".join(parts), item.masked, item.opaque))
    return rendered
