"""Study plans (a file holding ``- [x]`` / ``- [ ]`` task items): each completed task with
notes under it gives a ``task`` card, front ``title › headings › task`` and a prompt, back the
notes. Unchecked tasks and completed tasks without notes give report items; a task that only
explains the checkbox notation is neither."""

from __future__ import annotations

import re

from srs.domain.explicit_cards import explicit_cards
from srs.domain.note_document import Draft, Line, NoteDocument, Task, tags_in
from srs.domain.parsed import CRUMB, NOTHING_TO_RECALL, PENDING, TASK, ReportItem, squash
from srs.domain.recallable import strip_html
from srs.domain.section_cards import recallable

PLAN_PROMPT_EN = "What did you learn?"
PLAN_PROMPT_ZH = "学到了什么？"

_CHECKBOX = re.compile(r"\[([ xX])\](?:[ \t]+|$|(?![(\[:]))")  # `[x]Title` too, not a link `[x](url)`
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")
# A task that explains the checkbox notation (`- [ ] means not done`, `- [x] 表示已完成`).
_LEGEND = re.compile(
    r"[\s:：=\-–—>→]*(?:(?:means?|is|=|:|：|-|–|—|->|→|stands for|denotes|indicates|表示|代表|意味着|意思是|为|是|即)[\s:：]*)?"
    r"(?:not |un|still )?(?:yet )?(?:done|finished|completed?|complete|to ?do|pending|in progress|open|checked|unchecked|"
    r"未完成|已完成|完成|未做|已做|进行中|待办|待完成|没完成|完成了)[\s.。!！]*",
    re.IGNORECASE,
)


_LIST_MARKER = re.compile(r"([ ]*(?:[-*+]|\d{1,9}[.)]))[ \t]+")


def content_column(text: str) -> int:
    """The column where a list item's text starts after its marker (0 without one), as
    CommonMark counts it: tabs to 4-column stops, and after more than 4 columns of white
    space the text starts one column after the marker (the rest is the text's indentation)."""
    match = _LIST_MARKER.match(text)
    if match is None:
        return 0
    marker = len(match.group(1))
    width = len(match.group().expandtabs(4))
    return width if width - marker <= 4 else marker + 1


def read_task(doc: NoteDocument, tmap: list[int], paragraph_end: int, content: str, path: tuple[str, ...], quote_depth: int) -> Task | None:
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
    first = doc.line(start, quote_depth).text
    indent = content_column(first)
    title_end = start + 1
    for offset, part in enumerate(content_lines[1:], 1):
        number = start + offset
        if number >= min(paragraph_end, len(doc.lines)):
            break
        raw = doc.line(number, quote_depth).text
        lazy = len(raw) - len(raw.lstrip(" ")) < indent
        if not (lazy or _unclosed(title)):
            break
        title = f"{title} {part.strip()}"
        title_end = number + 1
    return Task(
        start=start,
        end=min(tmap[1], len(doc.lines)),
        done=match.group(1) != " ",
        text=title,
        masked_text="",
        path=path,
        quote_depth=quote_depth,
        first_paragraph_end=paragraph_end,
        title_end=title_end,
    )


def plan_cards(doc: NoteDocument, title: str, drafts: list[Draft]) -> None:
    """The cards of a study plan, added to ``drafts``: explicit cards outside the tasks, then
    each task's explicit cards or its own card; pending and empty tasks as report items."""
    covered = bytearray(len(doc.lines))
    for start, end in doc.task_roots:
        covered[start:end] = b"\x01" * (end - start)
    # Explicit cards outside the tasks, section by section.
    for path, _heading, _heading_line, start, end in doc.sections():
        outside = [doc.line(n) for n in range(start, end) if not covered[n]]
        explicit_cards(doc, outside, path, drafts)
    for task in doc.tasks:
        if is_legend(doc, task):
            continue
        notes = task_notes(doc, task)
        explicit = explicit_cards(doc, notes, task.path + (squash(task.text),), drafts)
        line = task.start
        if not task.done:
            doc.items.append(ReportItem(PENDING, line + 1, task.text))
            continue
        if explicit:
            continue
        body = doc.body(notes)
        if not body:
            if not task.nested:  # a parent of sub-tasks only: they are the cards
                doc.items.append(ReportItem(NOTHING_TO_RECALL, line + 1, task.text))
            continue
        # A title of raw HTML only (an anchor) is named by its line: HTML never shows in a front.
        crumbs = doc.crumbs(title, task.path) + [strip_html(squash(task.text)) or f"task on line {line + 1}"]
        if not recallable(doc, body, "", line, "task notes", task.text):
            continue
        prompt = PLAN_PROMPT_ZH if _CJK.search(task.text) else PLAN_PROMPT_EN
        first = doc.line(task.start, task.quote_depth)
        tags = tuple(tags_in(first.masked)) + doc.line_tags(notes)
        drafts.append(
            Draft(
                kind=TASK,
                front=f"{CRUMB.join(crumbs)}\n\n{prompt}",
                back=body,
                heading_path=task.path,
                question=squash(task.text),
                line=line,
                note=f"task\x1f{CRUMB.join(task.path)}\x1f{squash(task.text)}",
                tags=doc.context_tags(line) + tags,
            )
        )


def is_legend(doc: NoteDocument, task: Task) -> bool:
    """`- [ ] means not done`, `- [x] 表示已完成`: the checkbox notation explained (a status
    word, no notes, no sub-tasks), neither pending work nor a card."""
    return bool(_LEGEND.fullmatch(task.text)) and not task.nested and not doc.body(task_notes(doc, task))


def task_notes(doc: NoteDocument, task: Task) -> list[Line]:
    """The lines under a task (its first line and nested tasks excluded), dedented."""
    if task.nested:
        numbers = [n for n in range(task.title_end, task.end) if not _inside(n, task.nested)]
    else:
        numbers = list(range(task.title_end, task.end))
    lines = [doc.line(n, task.quote_depth) for n in numbers]
    # The item's content column: where the text after the list marker starts.
    first = doc.line(task.start, task.quote_depth)
    indent = content_column(first.text)
    result = []
    for item in lines:
        lead = len(item.text) - len(item.text.lstrip(" "))
        cut = min(lead, indent)
        result.append(Line(item.number, item.text[cut:], item.masked[cut:], item.opaque))
    return result


def _unclosed(title: str) -> bool:
    """A title cut inside a link, a bracket or a code span."""
    return title.count("[") > title.count("]") or title.count("(") > title.count(")") or title.count("`") % 2 == 1


def _inside(number: int, ranges: list[tuple[int, int]]) -> bool:
    return any(start <= number < end for start, end in ranges)
