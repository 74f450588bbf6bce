"""The parser's edges pinned where a mutant went unnoticed (make mutate, area parser), through the
public names of srs.domain.parser only (its private helpers may move between modules): the text as
read (line endings, invisible characters, NUL), the one notice about what was changed and its line,
the parse options' signature, and how headings and questions are squashed."""

from __future__ import annotations

from srs.domain.parser import (
    CRUMB,
    WARNING,
    ParseOptions,
    heading_text,
    normalise_text,
    parse_markdown,
    squash,
)

# --- the text as read ------------------------------------------------------------------------------


def test_line_endings_become_lf() -> None:
    assert normalise_text("a\r\nb\rc\n") == "a\nb\nc\n"
    assert normalise_text("a\r\n\r\nb") == "a\n\nb"
    assert normalise_text("plain\ntext") == "plain\ntext"


def test_invisible_characters_go_and_nul_becomes_the_replacement_character() -> None:
    assert normalise_text("ta\u200bsk no\u2060tes \ufeffend") == "task notes end"
    assert normalise_text("a\x00b") == "a\ufffdb"
    assert normalise_text("keep \u200d joiner") == "keep \u200d joiner"  # the zero-width joiner shapes emoji: kept


def test_invisible_characters_at_a_line_start_take_the_blanks_after_them() -> None:
    # blanks after an invisible character went after visible text for the writer: not indentation
    assert normalise_text("\u200b    code?\n") == "code?\n"
    assert normalise_text("  \u200b\t x\n") == "  x\n"
    assert normalise_text("a\n\u2060\u200b  b\n") == "a\nb\n"
    assert normalise_text("a \u200b  b") == "a   b"  # inside a line only the character goes


# --- the one notice about what was changed ------------------------------------------------------------


def notices(text: str) -> list[tuple[str, int | None, str]]:
    return [(item.kind, item.line, item.message) for item in parse_markdown(text, "n.md").items if item.kind == WARNING]


def test_the_notice_names_crlf_or_cr_at_the_first_line_changed() -> None:
    assert notices("# T\n\nQ::A\r\nR::B\r\n") == [(WARNING, 3, "CRLF line endings read as LF")]
    assert notices("# T\rQ::A\r") == [(WARNING, 1, "CR line endings read as LF")]
    assert notices("# T\n\nQ::A\n") == []


def test_the_notice_names_removed_invisible_characters_at_their_line() -> None:
    assert notices("# T\n\nQ::A\n\nR\u200b::B\n") == [(WARNING, 5, "zero-width characters removed")]
    assert notices("# T\n\u2060Q::A\n") == [(WARNING, 2, "zero-width characters removed")]
    assert notices("\u200b# T\n\nQ::A\n") == [(WARNING, 1, "zero-width characters removed")]  # a zero-width space first is news
    assert notices("\ufeff# T\n\nQ::A\n") == []  # a byte order mark that starts the file is not
    assert notices("# T\n\nQ::A \ufeff\n") == [(WARNING, 3, "zero-width characters removed")]


def test_both_changes_make_one_notice_at_the_first() -> None:
    assert notices("# T\n\nQ::\u200bA\nR::B\r\n") == [(WARNING, 3, "CRLF line endings read as LF; zero-width characters removed")]
    assert notices("# T\r\n\nQ::\u200bA\n") == [(WARNING, 1, "CRLF line endings read as LF; zero-width characters removed")]


# --- options -------------------------------------------------------------------------------------------


def test_default_options_have_no_signature_and_others_one_each() -> None:
    assert ParseOptions().signature() == ""
    signatures = {
        ParseOptions(max_chars=10).signature(),
        ParseOptions(single_line=";;").signature(),
        ParseOptions(single_line_reversed=";;;").signature(),
        ParseOptions(multiline="??").signature(),
        ParseOptions(multiline_reversed="???").signature(),
        ParseOptions(highlights_to_clozes=False).signature(),
        ParseOptions(bold_to_clozes=True).signature(),
        ParseOptions(curly_to_clozes=True).signature(),
    }
    assert len(signatures) == 8
    assert all(len(s) == 16 and all(c in "0123456789abcdef" for c in s) for s in signatures)
    assert ParseOptions(max_chars=10).signature() == ParseOptions(max_chars=10).signature()


def test_default_separators_are_the_plugins_double_and_triple_colon() -> None:
    assert ParseOptions().default_separators
    assert ParseOptions(multiline="???").default_separators  # only the single-line separators count
    assert not ParseOptions(single_line=";;").default_separators
    assert not ParseOptions(single_line_reversed=";;;").default_separators


# --- squashing -----------------------------------------------------------------------------------------


def test_squash_and_heading_text() -> None:
    assert squash("  a \t b\n\nc  ") == "a b c"
    assert squash("") == ""
    assert CRUMB == " › "
    assert heading_text(["Week  1", " Day\t2 "]) == "Week 1 › Day 2"
    assert heading_text([]) == ""
    assert heading_text(["One"]) == "One"
