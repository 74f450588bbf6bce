"""Explicit cards, in the Obsidian spaced-repetition plugin's syntax: ``Q::A``, ``Q:::A`` (both
directions), multi-line ``?`` / ``??`` blocks, the separators a vault chose instead, and cloze
notes (:mod:`srs.domain.cloze_cards`). Explicit cards in a task's notes or a section replace
that task's or section's automatic card.

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

import re

from srs.domain.cloze_cards import cloze_note
from srs.domain.note_document import LINE_PREFIX, MAX_SCAN_LINE, SR_COMMENT, Draft, Line, NoteDocument, is_tag_only, tags_in
from srs.domain.parsed import BASIC, CRUMB, REVERSED, SKIPPED, WARNING, ReportItem, squash

# Namespaces whose ``X::Y`` paths are code, never a ``Q::A`` separator.
CODE_NAMESPACES = frozenset(
    {
        "std", "core", "alloc", "crate", "self", "super", "Self", "boost", "absl", "c10",
        "at", "torch", "cv", "Eigen", "llvm", "clang", "tokio", "serde", "folly", "thrust",
        "cub", "cutlass", "cute", "triton", "tbb", "fmt", "spdlog", "grpc", "google", "nlohmann",
        "sycl", "Kokkos", "ggml", "pybind11", "mlir", "ray", "caffe2", "aten", "detail",
    }
)

_SEPARATOR_LINE = re.compile(r"[ \t]*(?:>[ \t]?)*[ \t]*(\?\??)[ \t]*")
_COLONS = re.compile(r":{2,}")
_IDENT_BEFORE = re.compile(r"[A-Za-z0-9_]+$")
_IDENT_AFTER = re.compile(r"[A-Za-z0-9_]+")
# The character before ``::`` and the one after: a slice (``[::``, ``::]``) or the IPv6
# loopback or mapped-address prefix written as a word (``::1``, ``::ffff:``) is no separator.
_SLICE_OR_ADDRESS = re.compile(r"[\[(:]::|.::[\])]|\s::(?:1(?![\w.:])|ffff:)")
_LEADING_TAGS = re.compile(r"^((?:#[\w/-]+[ \t]+)+)")
_WORD = re.compile(r"\w")
_BRACES = re.compile(r"\{\{.*?\}\}")
# Letters of scripts other than Latin (Greek, Cyrillic, Hebrew, Arabic, Indic, Thai, CJK, Hangul).
_OTHER_SCRIPT = re.compile(r"[\u0370-\u03ff\u0400-\u04ff\u0590-\u06ff\u0900-\u0e7f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")


def explicit_cards(doc: NoteDocument, lines: list[Line], path: tuple[str, ...], drafts: list[Draft]) -> bool:
    """Cards written explicitly in ``lines``; True if there were any."""
    found = False
    for run in _runs(lines):
        if _multiline_card(doc, run, path, drafts):
            found = True
            continue
        remaining: list[Line] = []
        for item in run:
            if not item.opaque and len(item.masked) > MAX_SCAN_LINE:
                _too_long(doc, item)
            if not item.opaque and len(item.masked) <= MAX_SCAN_LINE and _single_line_card(doc, item, path, drafts):
                found = True
                continue
            if not item.opaque and "#" in item.masked and is_tag_only(item.masked):
                continue
            remaining.append(item)
        if remaining and cloze_note(doc, remaining, path, drafts):
            found = True
    return found


def _too_long(doc: NoteDocument, item: Line) -> None:
    """A line past the scan limit is not read for cards: said, if it could hold one."""
    if any(mark in item.masked for mark in ("::", "{{c", "==")):
        message = f"line of {len(item.masked):,} characters not read for cards (longer than {MAX_SCAN_LINE:,}): split it"
        doc.items.append(ReportItem(WARNING, item.number + 1, message))


def _multiline_card(doc: NoteDocument, run: list[Line], path: tuple[str, ...], drafts: list[Draft]) -> bool:
    """A ``?`` / ``??`` block: the lines before the separator line are the question, the
    lines after it the answer. True if ``run`` is one (a card, or a skipped one)."""
    for index, item in enumerate(run):
        if item.opaque:
            continue
        match = _SEPARATOR_LINE.fullmatch(item.masked) if doc.options.multiline == "?" else None
        if match is None and doc.options.multiline != "?":
            match = _custom_separator_line(doc, item.masked)
        if match is None:
            continue
        question = doc.body(run[:index])
        answer = doc.body(run[index + 1 :])
        line = run[0].number
        if not question or not answer:
            side = "question" if not question else "answer"
            doc.items.append(ReportItem(SKIPPED, item.number + 1, f"`{match.group(1)}` card has no {side}"))
            return True
        tags = doc.context_tags(line) + doc.line_tags(run)
        _pair(question, answer, match.group(1) == doc.options.multiline_reversed, path, line, tags, drafts)
        return True
    return False


def _custom_separator_line(doc: NoteDocument, masked: str) -> re.Match[str] | None:
    """A line made only of the vault's multi-line separator (or its reversed one)."""
    options = doc.options
    choices = sorted({options.multiline, options.multiline_reversed} - {""}, key=len, reverse=True)
    pattern = r"[ \t]*(?:>[ \t]?)*[ \t]*(" + "|".join(re.escape(choice) for choice in choices) + r")[ \t]*"
    return re.fullmatch(pattern, masked) if choices else None


def _single_line_card(doc: NoteDocument, item: Line, path: tuple[str, ...], drafts: list[Draft]) -> bool:
    """A ``Q::A`` or ``Q:::A`` line (see the module docstring for when ``::`` separates).
    True if the line is one (a card, or a skipped one)."""
    if not doc.options.default_separators:
        return _custom_single_line_card(doc, item, path, drafts)
    masked = item.masked
    if ":" not in masked:
        if ";;" in masked:
            _hint_other_separator(doc, item, ";;")
        return False
    prefix = LINE_PREFIX.match(masked).end()  # type: ignore[union-attr]
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
    answer = SR_COMMENT.sub("", text[run.end() :]).strip()
    if not question or not answer:
        side = "question" if not question else "answer"
        doc.items.append(ReportItem(SKIPPED, item.number + 1, f"`{run.group()}` card has no {side}"))
        return True
    tags = list(doc.context_tags(item.number))
    leading = _LEADING_TAGS.match(question)
    if leading and question[leading.end() :].strip():
        tags = list(tags_in(leading.group()))  # question specific: instead of the context's
        question = question[leading.end() :].strip()
    tags.extend(tags_in(masked[prefix:]))
    _pair(question, answer, width == 3, path, item.number, tuple(tags), drafts)
    return True


def _custom_single_line_card(doc: NoteDocument, item: Line, path: tuple[str, ...], drafts: list[Draft]) -> bool:
    """``Q<sep>A`` with the separators a vault (or srs config) chose: the longer of the two
    first, exactly once on the line, outside code."""
    options = doc.options
    masked = item.masked
    prefix = LINE_PREFIX.match(masked).end()  # type: ignore[union-attr]
    body = masked[prefix:]
    for separator, both in sorted(
        ((options.single_line_reversed, True), (options.single_line, False)), key=lambda pair: len(pair[0]), reverse=True
    ):
        if not separator or body.count(separator) != 1:
            continue
        start = body.index(separator)
        text = item.text[prefix:]
        question = text[:start].strip()
        answer = SR_COMMENT.sub("", text[start + len(separator) :]).strip()
        if not question or not answer:
            return False
        tags = doc.context_tags(item.number) + tuple(tags_in(masked[prefix:]))
        _pair(question, answer, both, path, item.number, tags, drafts)
        return True
    if "::" in body and len(list(_COLONS.finditer(body))) == 1:
        _hint_other_separator(doc, item, "::")
    return False


def _hint_other_separator(doc: NoteDocument, item: Line, separator: str) -> None:
    """Once per file: a line that would be a card with another known separator."""
    if doc.hinted:
        return
    prefix = LINE_PREFIX.match(item.masked).end()  # type: ignore[union-attr]
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
    doc.hinted = True
    used = doc.options.single_line
    doc.items.append(
        ReportItem(
            WARNING,
            item.number + 1,
            f"hint: this line would be a card with the separator `{separator}`; cards here use `{used}`",
        )
    )


def _pair(
    question: str, answer: str, both: bool, path: tuple[str, ...], line: int, tags: tuple[str, ...], drafts: list[Draft]
) -> None:
    """A basic card, and its reversed sibling when ``both``."""
    note = f"qa\x1f{CRUMB.join(path)}\x1f{squash(question)}"
    drafts.append(Draft(BASIC, question, answer, path, squash(question), line, note, tags=tags))
    if both:
        drafts.append(Draft(REVERSED, answer, question, path, squash(answer), line, note, tags=tags))


def _runs(lines: list[Line]) -> list[list[Line]]:
    """Groups of consecutive lines without a blank line (code blocks never break a group)."""
    runs: list[list[Line]] = []
    current: list[Line] = []
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
    return bool(preceding) and preceding in (
        "&*<(~:"  # pragma: no mutate (an added X can never be the character before an identifier)
    )
