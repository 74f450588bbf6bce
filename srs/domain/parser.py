"""Markdown notes -> cards: study-plan tasks, heading sections and explicit flashcards.

Pure: text in, :class:`~srs.domain.parsed.ParsedFile` out; no I/O, no clock. The block
structure (headings, list items, code, math, HTML, tables, front matter) comes from
markdown-it-py tokens, and the text inside code spans, code blocks, math, HTML comments and
tables is *masked* before any card syntax is looked for, so nothing there ever becomes a
card, a tag or a heading.

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

This module reads the file into a :class:`~srs.domain.note_document.NoteDocument` (the walk
of markdown-it's tokens, the title, the tags) and gathers the cards that
:mod:`srs.domain.plan_cards`, :mod:`srs.domain.section_cards`, :mod:`srs.domain.explicit_cards`
(where the rule telling a ``Q::A`` separator from code is) and :mod:`srs.domain.cloze_cards`
make of it. What it gives is in :mod:`srs.domain.parsed`, what a user can change in
:mod:`srs.domain.parse_options`.
"""

from __future__ import annotations

import bisect
import hashlib
import re
from functools import lru_cache
from pathlib import PurePath
from typing import Any

from srs.domain.front_matter import check_unclosed_front_matter, front_matter_tags, read_front_matter
from srs.domain.markdown_masking import mask_escapes, mask_inline, protected_spans
from srs.domain.note_document import Draft, Heading, NoteDocument, Task, is_tag_only, tags_in, unique_tags, without_trailing_tags
from srs.domain.parse_options import ParseOptions
from srs.domain.parsed import SKIPPED, WARNING, ParsedCard, ParsedFile, ReportItem, heading_text, squash
from srs.domain.plan_cards import is_legend, plan_cards, read_task
from srs.domain.recallable import strip_html
from srs.domain.section_cards import section_cards

PARSER_VERSION = 4  # a new version makes the next import read every file again

_OPAQUE_BLOCKS = frozenset(
    {"fence", "code_block", "html_block", "math_block", "math_block_label", "amsmath", "front_matter"}
)
_INVISIBLE = {"\u200b": "", "\u2060": "", "\ufeff": ""}
_INVISIBLE_TABLE = str.maketrans(_INVISIBLE)
_INVISIBLE_LEAD = re.compile(r"^([ \t]*)[\u200b\u2060\ufeff]+[ \t]*", re.MULTILINE)
_INVISIBLE_ANYWHERE = re.compile(r"(?<!\A)[\u200b\u2060\ufeff]|\A[\u200b\u2060]")  # a BOM that starts the file is no news


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

    :class:`_Walker` runs the inline parser itself, only on paragraphs and headings that
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


def parse_markdown(text: str, path: str, options: ParseOptions | None = None) -> ParsedFile:
    """Parse one Markdown file; ``path`` is only used for the title fallback and messages."""
    doc = NoteDocument(normalise_text(text), path, options or ParseOptions())
    notice = _normalised_notice(text)
    if notice is not None:
        doc.items.append(notice)
    return _parse(doc)


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


def _parse(doc: NoteDocument) -> ParsedFile:
    """The document's structure read, then its cards: a study plan's or a note's."""
    try:
        md = _block_parser()
        tokens = md.parse(doc.text)
    except Exception as error:  # markdown-it should not fail; never let it stop an import
        doc.items.append(ReportItem(SKIPPED, None, f"cannot parse as Markdown ({type(error).__name__}: {error})"))
        return ParsedFile(doc.path, PurePath(doc.path).stem, None, (), False, (), tuple(doc.items))
    _Walker(doc, md, tokens).walk()
    mask_escapes(doc)
    check_unclosed_front_matter(doc, tokens)
    doc.title_heading = _title_heading(doc)
    title = _title(doc)
    doc.collect_tag_lines()
    drafts: list[Draft] = []
    is_plan = any(not is_legend(doc, task) for task in doc.tasks)
    if is_plan:
        plan_cards(doc, title, drafts)
    else:
        section_cards(doc, title, drafts)
    cards = _finish(doc, drafts)
    deck = doc.front_matter.get("deck")
    return ParsedFile(
        path=doc.path,
        title=title,
        deck=deck if isinstance(deck, str) and deck.strip() else None,
        tags=front_matter_tags(doc),
        is_plan=is_plan,
        cards=cards,
        items=tuple(sorted(doc.items, key=lambda item: (item.line or 0))),
    )


class _Walker:
    """markdown-it's block tokens, in order, into a document's structure: opaque lines and
    masked inline code, headings, study-plan tasks (nested in list items and block quotes),
    front matter, unclosed code fences."""

    def __init__(self, doc: NoteDocument, md: Any, tokens: list[Any]) -> None:
        self.doc = doc
        self.md = md
        self.tokens = tokens
        self.path: list[Heading] = []  # the headings above
        self.items: list[tuple[Any, Task | None, str]] = []  # open list items: token, task, first-line text
        self.quote_depth = 0

    def walk(self) -> None:
        tokens = self.tokens
        count = len(tokens)
        for index, token in enumerate(tokens):
            kind = token.type
            tmap = token.map
            if kind == "inline":
                self._inline(token)
            elif kind in _OPAQUE_BLOCKS or kind == "table_open":
                self._opaque(token)
            elif kind == "heading_open":
                if token.level == 0 and tmap and index + 1 < count:
                    self._heading(tmap, int(token.tag[1:]), tokens[index + 1])
            elif kind == "blockquote_open":
                self.quote_depth += 1
            elif kind == "blockquote_close":
                self.quote_depth -= 1
            elif kind == "list_item_open":
                self._list_item(index)
            elif kind == "list_item_close":
                if self.items:
                    self.items.pop()

    def _inline(self, token: Any) -> None:
        """Code spans, inline math and inline HTML masked (only in text that can hold them)."""
        content = token.content
        tmap = token.map
        if tmap and not self.doc.opaque[tmap[0]] and ("`" in content or "$" in content or "<" in content):
            children: list[Any] = []
            self.md.inline.parse(content, self.md, {}, children)
            spans = protected_spans(content, children)
            if spans:
                mask_inline(self.doc, content, tmap[0], spans)

    def _opaque(self, token: Any) -> None:
        """A code, math or HTML block, a table or the front matter: lines never read for cards."""
        doc = self.doc
        kind = token.type
        tmap = token.map
        if tmap:
            for number in range(tmap[0], min(tmap[1], len(doc.lines))):
                doc.opaque[number] = 1
        if kind == "html_block" and tmap and token.content.lstrip().startswith("<!--"):
            doc.comment_lines.update(range(tmap[0], min(tmap[1], len(doc.lines))))
        if kind == "front_matter":
            read_front_matter(doc, token)
        elif kind == "fence":
            self._check_fence(token)

    def _heading(self, tmap: list[int], level: int, inline: Any) -> None:
        """A heading (its trailing tags are tags, not part of its text), and where it stands."""
        heading = Heading(tmap[0], tmap[1], level, without_trailing_tags(inline.content.strip()))
        self.doc.headings.append(heading)
        path = self.path
        while path and path[-1].level >= heading.level:
            path.pop()
        path.append(heading)

    def _list_item(self, index: int) -> None:
        """A list item opens: a task if its first paragraph starts with a checkbox."""
        tokens = self.tokens
        token = tokens[index]
        tmap = token.map
        items = self.items
        task = None
        first_line = ""
        if (
            tmap
            and index + 2 < len(tokens)
            and tokens[index + 1].type == "paragraph_open"
            and tokens[index + 1].map
            and tokens[index + 1].map[0] == tmap[0]
        ):
            inline = tokens[index + 2]
            first_line = inline.content.split("\n", 1)[0]
            ancestors = tuple(text for _tok, _task, text in items if text)
            path = tuple(h.text for h in self.path) + ancestors
            task = read_task(self.doc, tmap, tokens[index + 1].map[1], inline.content, path, self.quote_depth)
            if task is not None:
                self._add_task(task)
                first_line = task.text
        items.append((token, task, squash(first_line)))

    def _add_task(self, task: Task) -> None:
        """A task, nested in the innermost open task item, else a root."""
        for _tok, outer, _text in reversed(self.items):  # the innermost task holding it
            if outer is not None:
                outer.nested.append((task.start, task.end))
                break
        else:
            self.doc.task_roots.append((task.start, task.end))
        self.doc.tasks.append(task)

    def _check_fence(self, token: Any) -> None:
        """A warning for a code fence never closed (the rest of the file is read as code)."""
        start, end = token.map
        last = self.doc.lines[end - 1].strip() if end - 1 < len(self.doc.lines) else ""
        marker = token.markup
        closed = end - 1 > start and last.startswith(marker[0] * len(marker)) and not last.strip(marker[0])
        if not closed:
            rest_blank = all(not line.strip() for line in self.doc.lines[end:])
            where = "the end of the file" if rest_blank else f"line {end}"
            self.doc.items.append(ReportItem(WARNING, start + 1, f"code fence {marker} is never closed; read as code up to {where}"))


def _title(doc: NoteDocument) -> str:
    """The front matter's ``title:``, else the title heading, else the file name."""
    title = doc.front_matter.get("title")
    if isinstance(title, (str, int, float)) and str(title).strip():
        return squash(str(title))
    heading = doc.title_heading
    if heading is not None and strip_html(squash(heading.text)):  # not a heading of HTML only
        return squash(heading.text)
    return PurePath(doc.path).stem or doc.path


def _title_heading(doc: NoteDocument) -> Heading | None:
    """The first heading, when it is a ``# `` heading that starts the note.

    Only blank lines, tag lines and HTML comments may come before it; a ``# `` heading
    further down is a section, and the file name is the title.
    """
    if not doc.headings or doc.headings[0].level != 1 or not doc.headings[0].text:
        return None
    first = doc.headings[0]
    for number in range(doc.body_start, first.start):
        masked = doc.masked[number]
        if not masked.strip() or doc.lines[number].lstrip().startswith("<!--"):
            continue
        if not doc.opaque[number] and "#" in masked and is_tag_only(masked):
            continue
        return None
    return first


def _finish(doc: NoteDocument, drafts: list[Draft]) -> tuple[ParsedCard, ...]:
    """The drafts in line order as cards: repeats numbered, notes named, tags inherited."""
    drafts.sort(key=lambda d: d.line)
    seen: dict[tuple[str, str, str, str], int] = {}
    note_lines: dict[str, list[int]] = {}
    base = front_matter_tags(doc)
    starts_of_headings, heading_tags = _enclosing_heading_tags(doc)
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
                tags=unique_tags(list(base) + list(inherited) + list(draft.tags)),
            )
        )
    return tuple(cards)


def _enclosing_heading_tags(doc: NoteDocument) -> tuple[list[int], list[tuple[str, ...]]]:
    """Each heading's first line, and the tags of that heading and of those above it: a
    heading's ``#tags`` are the tags of every card under it."""
    starts: list[int] = []
    tags: list[tuple[str, ...]] = []
    stack: list[tuple[int, tuple[str, ...]]] = []
    for heading in doc.headings:
        while stack and stack[-1][0] >= heading.level:
            stack.pop()
        own = tuple(tag for n in range(heading.start, heading.end) for tag in tags_in(doc.masked[n]))
        stack.append((heading.level, own))
        starts.append(heading.start)
        tags.append(tuple(tag for _, level_tags in stack for tag in level_tags))
    return starts, tags


def _note_id(text: str) -> str:
    """A short, stable name for a note (task, section, card pair or cloze note) in its file."""
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=12).hexdigest()
