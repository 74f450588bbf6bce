"""Cloze notes: ``==highlight==`` deletions (with ``^[hint]``, ``[^1]`` sequence numbers and
``[^ash]`` overlapping actions), Anki's ``{{c1::text::hint}}``, and, when a vault turns them
into clozes, ``**bold**`` and ``{{curly}}``. One card per deletion label (or overlap step);
the front hides the deletions the card asks for."""

from __future__ import annotations

import re
from dataclasses import dataclass

from srs.domain.note_document import MAX_SCAN_LINE, Draft, Line, NoteDocument
from srs.domain.parse_options import ParseOptions
from srs.domain.parsed import CLOZE, CRUMB, squash

_HIGHLIGHT = re.compile(
    r"==(?=[^\s=])(?P<answer>[^\n]*?[^\s=])==(?:\^\[(?P<hint>[^\]\n]*)\])?(?:\[\^(?P<seq>[^\]\s]+)\])?"
)
_BOLD = re.compile(r"\*\*(?=[^\s*])(?P<answer>[^\n]*?[^\s*])\*\*")
_CURLY = re.compile(r"\{\{(?!c\d{1,3}::)(?P<answer>[^{}\n]*?[^\s{}])\}\}")
_ANKI_CLOZE = re.compile(r"\{\{c(?P<num>\d{1,3})::(?P<body>.+?)\}\}")
_OVERLAP_SEQ = re.compile(r"[ahs]+")


@dataclass(slots=True)
class _Deletion:
    line: int  # index in the note's lines
    start: int
    end: int
    answer: str
    hint: str
    label: str  # "c1", "1", "=answer" ...
    overlap: str  # the a/h/s actions of an overlapping deletion, else ""


def cloze_note(doc: NoteDocument, lines: list[Line], path: tuple[str, ...], drafts: list[Draft]) -> bool:
    """The cards of a cloze note written in ``lines``, added to ``drafts``; False if it holds no deletion."""
    deletions = _deletions(doc.options, lines)
    if not deletions:
        return False
    source = doc.body(lines)
    line = lines[0].number
    tags = doc.context_tags(line) + doc.line_tags(lines)
    note = f"cloze\x1f{CRUMB.join(path)}\x1f{squash(source)}"
    for label, actions in _variants(deletions):
        if "a" not in actions.values():
            continue
        front = doc.body(_render_cloze(lines, deletions, actions, front=True))
        back = doc.body(_render_cloze(lines, deletions, actions, front=False))
        if not front or not back:  # e.g. the note was only a scheduling comment once rendered
            continue
        drafts.append(Draft(CLOZE, front, back, path, squash(source), line, note, variant=label, tags=tags))
    return True


def _deletions(options: ParseOptions, lines: list[Line]) -> list[_Deletion]:
    """The deletions written in ``lines``, in order; the first syntax to claim a span keeps it."""
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
        if options.bold_to_clozes and "**" in masked:
            _plain_deletions(index, item, _BOLD, deletions)
        if options.curly_to_clozes and "{{" in masked:
            _plain_deletions(index, item, _CURLY, deletions)
        if options.highlights_to_clozes and "==" in masked:
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
    return deletions


def _variants(deletions: list[_Deletion]) -> list[tuple[str, dict[int, str]]]:
    """Each card's variant and what it does with each deletion: ``a`` asks, ``h`` hides, ``s`` shows."""
    labels = _cloze_labels(deletions)
    steps = max(
        (len(d.overlap) for d in deletions),
        default=0,  # pragma: no mutate (never used: cloze_note calls this only with deletions)
    )
    variants: list[tuple[str, dict[int, str]]] = []
    for label in labels:
        variants.append((label, {i: ("a" if d.label == label else "s") for i, d in enumerate(deletions)}))
    for step in range(steps):
        actions = {}
        for i, d in enumerate(deletions):
            actions[i] = (d.overlap[step] if step < len(d.overlap) else "s") if d.overlap else "s"
        variants.append((f"o{step + 1}", actions))
    return variants


def _plain_deletions(index: int, item: Line, pattern: re.Pattern[str], deletions: list[_Deletion]) -> None:
    """``**bold**`` or ``{{curly}}`` deletions (when a vault turns them into clozes)."""
    for match in pattern.finditer(item.masked):
        if not _overlaps(deletions, index, match.start(), match.end()):
            answer = item.text[match.start("answer") : match.end("answer")]
            deletions.append(_Deletion(index, match.start(), match.end(), answer, "", f"={squash(answer)}", ""))


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


def _render_cloze(lines: list[Line], deletions: list[_Deletion], actions: dict[int, str], *, front: bool) -> list[Line]:
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
        rendered.append(Line(item.number, "".join(parts), item.masked, item.opaque))
    return rendered
