"""The importer over every Markdown file we have: ../shared/corpora, decks/ and our fixtures (issue 20).

Invariants, per file and per import: no exception and no problem of kind "skipped" caused by srs,
no two cards with one key, every front and back non-empty, no raw HTML in a section's or a task's
front, no section or task back over the length limit, no card from inside a code block; and a
second import of each folder changes nothing.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import FIXTURES, SHARED

from srs.app.importing import import_notes
from srs.domain import identity
from srs.domain.parsed import SECTION, TASK
from srs.domain.parser import parse_markdown
from srs.domain.recallable import DEFAULT_MAX_CHARS

REPO = Path(__file__).resolve().parents[1]
_HTML_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>")
_CODE_SPAN = re.compile(r"(`+).+?\1")


def _folders() -> list[tuple[str, Path]]:
    folders = [("decks", REPO / "decks"), ("fixtures", FIXTURES)]
    corpora = SHARED / "corpora"
    if corpora.is_dir():
        folders += [(f"corpora/{path.name}", path) for path in sorted(corpora.iterdir()) if path.is_dir()]
    return folders


def _markdown_files(folder: Path) -> list[Path]:
    return sorted(path for path in folder.rglob("*") if path.suffix.lower() in (".md", ".markdown") and path.is_file())


def _code_lines(text: str) -> set[int]:
    """1-based lines inside fenced or indented code, by markdown-it itself."""
    from srs.domain.parser import markdown_parser, normalise_text

    lines: set[int] = set()
    for token in markdown_parser().parse(normalise_text(text)):
        if token.type in ("fence", "code_block") and token.map:
            lines.update(range(token.map[0] + 1, token.map[1] + 1))
    return lines


def _check_file(path: Path) -> tuple[int, list[str]]:
    """(cards, broken invariants) for one file."""
    text = path.read_bytes().decode("utf-8-sig", errors="replace")
    parsed = parse_markdown(text, str(path))
    broken = [f"{path}: skipped: {item.message}" for item in parsed.items if item.kind == "skipped" and "cannot parse" in item.message]
    keys: dict[str, int] = {}
    code = _code_lines(text)
    for card in parsed.cards:
        placed = identity.incoming(str(path), card, deck="d", tags=card.tags)
        where = f"{path}:{card.line}"
        if placed.key in keys:
            broken.append(f"{where}: same key as line {keys[placed.key]}")
        keys[placed.key] = card.line
        if not card.front.strip() or not card.back.strip():
            broken.append(f"{where}: empty front or back")
        if card.kind in (SECTION, TASK):
            if _HTML_TAG.search(_CODE_SPAN.sub("", card.front)):
                broken.append(f"{where}: raw HTML in the front {card.front[:80]!r}")
            if len(card.back) > DEFAULT_MAX_CHARS:
                broken.append(f"{where}: back of {len(card.back)} characters")
        if card.line in code:
            broken.append(f"{where}: a {card.kind} card from inside a code block")
    return len(parsed.cards), broken


@pytest.mark.parametrize(("name", "folder"), _folders(), ids=[name for name, _ in _folders()])
def test_every_file_keeps_the_invariants(name: str, folder: Path) -> None:
    files = _markdown_files(folder)
    assert files, f"no Markdown in {folder}"
    total = 0
    broken: list[str] = []
    for path in files:
        cards, problems = _check_file(path)
        total += cards
        broken += problems
    assert broken == [], "\n".join(broken[:20])
    assert total > 0


@pytest.mark.parametrize(("name", "folder"), _folders(), ids=[name for name, _ in _folders()])
def test_every_folder_imports_and_reimports_unchanged(name: str, folder: Path, collection, now, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    first = import_notes(collection, [folder], now=now, cwd=tmp_path, workers=1)
    srs_failures = [str(p) for p in first.problems if "please report this" in p.reason or "not imported (" in p.reason]
    assert srs_failures == []
    assert first.totals.new > 0
    second = import_notes(collection, [], now=now, cwd=tmp_path, workers=1)
    assert not second.changed and second.totals.unchanged == first.totals.new


def test_the_shared_corpora_are_swept_where_present() -> None:
    if not (SHARED / "corpora").is_dir():
        pytest.skip("../shared/corpora not present")
    assert len([name for name, _ in _folders() if name.startswith("corpora/")]) >= 2
