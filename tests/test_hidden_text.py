"""Bidirectional controls in notes (issue 21, item 6): never sent to the terminal, and ``srs import``
warns with path:line and the characters shown as <U+202E>, so that the writer knows the card reads
differently in srs than in an editor that obeys them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from srs.domain.hidden_text import bidi_notice
from srs.domain.parsed import WARNING

RLO, PDF, LRI, RLI, FSI, PDI, LRE, RLE = "\u202e", "\u202c", "\u2066", "\u2067", "\u2068", "\u2069", "\u202a", "\u202b"


@pytest.mark.parametrize("control", [LRE, RLE, PDF, "\u202d", RLO, LRI, RLI, FSI, PDI])
def test_each_bidi_control_is_named_at_its_line(control: str) -> None:
    notice = bidi_notice(f"# Title\n\nplain::line\nT {control}gnp.exe::a file\n")
    assert notice is not None
    assert (notice.kind, notice.line) == (WARNING, 4)
    assert f"<U+{ord(control):04X}>" in notice.message
    assert "more line" not in notice.message


@pytest.mark.parametrize(
    "text",
    [
        "",
        "plain::line\n",
        "שלום::hello\n",  # Hebrew as written
        "a \u200fmark::b\n",  # right-to-left mark: nudges neutrals only, common in Hebrew notes
        "a \u200emark::b\n",  # left-to-right mark
        "a \u061cmark::b\n",  # Arabic letter mark
        "emoji \u200d join::b\n",  # zero-width joiner
    ],
)
def test_text_without_bidi_controls_has_no_notice(text: str) -> None:
    assert bidi_notice(text) is None


def test_the_first_line_is_named_with_its_characters_once_and_the_other_lines_counted() -> None:
    text = f"a {RLO}b{PDF} {RLO}c::d\nplain\ne {LRI}f{PDI}::g\nh {RLI}i::j\n"
    notice = bidi_notice(text)
    assert notice is not None and notice.line == 1
    assert notice.message.startswith("bidirectional control <U+202E><U+202C> can show")
    assert "(and 2 more lines)" in notice.message
    one_more = bidi_notice(f"x\ny{RLO}::z\nw{PDI}::v\n")
    assert one_more is not None and one_more.line == 2
    assert "(and 1 more line)" in one_more.message
    assert RLO not in notice.message and PDF not in notice.message


def test_a_control_on_the_last_line_without_newline() -> None:
    notice = bidi_notice(f"one\ntwo\nthree {RLO}x")
    assert notice is not None and notice.line == 3


def test_import_warns_with_path_and_line_and_no_screen_gets_the_control(srs, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "files.md").write_text(f"# Files\n\nplain::line\n\nExtension of T {RLO}gnp.exe::a PNG image\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = srs("import", "--dry-run", "notes")
    assert result.exit_code == 0, result.output
    flat = " ".join(result.output.split())
    assert "warning: notes/files.md:5: bidirectional control <U+202E> can show this text in another order" in flat
    assert RLO not in result.output
    report = json.loads(srs("import", "notes", "--json").output)
    problems = [problem for problem in report["problems"] if problem["path"] == "notes/files.md"]
    assert [(p["line"], p["kind"]) for p in problems] == [(5, "warning")]
    for screen in (("cards",), ("status",), ("cards", "--json"), ("card", "2", "--json"), ("card", "2")):
        shown = srs(*screen)
        assert shown.exit_code == 0, shown.output
        assert RLO not in shown.output
    assert "Extension of T gnp.exe" in srs("cards").output
    listed = json.loads(srs("cards", "--json").output)  # JSON keeps the character, escaped
    assert any(card["front"] == f"Extension of T {RLO}gnp.exe" for card in listed["cards"])
    assert "\\u202e" in srs("card", "2", "--json").output
