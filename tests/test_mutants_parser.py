"""The parser's edges pinned where a mutant went unnoticed (make mutate, area parser), through the
public names of srs.domain.parser only (its private helpers may move between modules): the text as
read (line endings, invisible characters, NUL), the one notice about what was changed and its line,
the parse options' signature, and how headings and questions are squashed."""

from __future__ import annotations

import pytest

from srs.domain.parse_options import ParseOptions
from srs.domain.parsed import WARNING, heading_text, squash
from srs.domain.parser import normalise_text, parse_markdown

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
    assert heading_text(["Week  1", " Day\t2 "]) == "Week 1 › Day 2"
    assert heading_text([]) == ""
    assert heading_text(["One"]) == "One"


# --- what the parser reads and reports -----------------------------------------------------------------


def read(text: str, options: ParseOptions | None = None) -> tuple[list[tuple[str, str, str, tuple[str, ...], int]], list[tuple[str, int | None, str]]]:
    parsed = parse_markdown(text, "n.md", options)
    return [(c.kind, c.front, c.back, c.tags, c.line) for c in parsed.cards], [(i.kind, i.line, i.message) for i in parsed.items]


def test_a_separator_inside_a_table_cell_is_table_text_not_a_card() -> None:
    cards, _ = read("| a | b |\n|---|---|\n| Q::A | x |\n")
    assert [kind for kind, *_ in cards] == ["section"]


def test_tabs_in_task_notes_are_four_columns() -> None:
    cards, _ = read("# P\n\n- [x] task\n\n    line one\n\tline two\n")
    assert [(kind, back) for kind, _front, back, _tags, _line in cards] == [("task", "line one\nline two")]


def test_heading_tags_are_kept_once_whatever_their_case() -> None:
    cards, _ = read("# T #Tag #tag #TAG\n\nQ::A\n")
    assert [(kind, front, tags) for kind, front, _back, tags, _line in cards] == [("basic", "Q", ("Tag",))]


def test_front_matter_problems_are_warnings_at_their_line() -> None:
    cards, items = read("---\ntitle: x\n  bad: [\n---\n# T\n\nQ::A\n")
    assert items == [("warning", 3, "broken front matter ignored (YAML: mapping values are not allowed in this context)")]
    assert [(front, line) for _kind, front, _back, _tags, line in cards] == [("Q", 7)]
    _, items = read("---\n" + "k: v\n" * 20000 + "---\nQ::A\n")
    assert items == [("warning", 1, "front matter larger than 64 KB ignored")]


def test_sections_too_long_or_of_references_only_are_reported_at_their_heading() -> None:
    cards, items = read("# Intro\n\nshort\n\n# Long\n\n" + "word " * 500 + "\n", ParseOptions(max_chars=100))
    assert items == [("too_long", 5, "section of 2499 characters: too long to recall; split it with headings or write explicit cards")]
    assert [front for _kind, front, *_ in cards] == ["Intro"]
    _, items = read("# T\n\n[link](http://x)\n\n![img](a.png)\n")
    assert items == [("reference_only", 1, "T")]


def test_a_card_with_an_empty_side_names_the_side() -> None:
    assert read("::A\n\nQ::\n") == ([], [("skipped", 1, "`::` card has no question"), ("skipped", 3, "`::` card has no answer")])


def test_bold_and_curly_clozes_when_switched_on() -> None:
    expected = [
        ("cloze", "The [...] of France is Paris.", "The capital of France is Paris.", (), 1),
        ("cloze", "The capital of France is [...].", "The capital of France is Paris.", (), 1),
    ]
    assert read("The **capital** of France is **Paris**.\n", ParseOptions(bold_to_clozes=True))[0] == expected
    assert read("The {{capital}} of France is {{Paris}}.\n", ParseOptions(curly_to_clozes=True))[0] == expected
    assert [kind for kind, *_ in read("The **capital** of France is **Paris**.\n")[0]] == ["section"]  # off by default
    assert [kind for kind, *_ in read("The {{capital}} of France is {{Paris}}.\n")[0]] == ["section"]


def test_other_separators_and_the_hint_about_the_default_ones() -> None:
    options = ParseOptions(single_line=";;", single_line_reversed=";;;")
    cards, items = read("Q;;A\n\nR;;;S\n", options)
    assert [(kind, front, back, line) for kind, front, back, _tags, line in cards] == [("basic", "Q", "A", 1), ("basic", "R", "S", 3), ("reversed", "S", "R", 3)]
    assert items == []
    cards, items = read("Q::A\n", options)
    assert [kind for kind, *_ in cards] == ["section"]
    assert items == [("warning", 1, "hint: this line would be a card with the separator `::`; cards here use `;;`")]
    cards, _ = read("Question\n%%\nAnswer\n", ParseOptions(multiline="%%", multiline_reversed="%%%"))
    assert [(kind, front, back) for kind, front, back, _tags, _line in cards] == [("basic", "Question", "Answer")]


def test_a_title_cut_inside_brackets_parentheses_or_code_goes_on_on_the_next_line() -> None:
    def task(text: str) -> tuple[str, str]:
        (card,) = parse_markdown(text, "n.md").cards
        return card.front.split("\n")[0], card.back

    assert task("- [x] Read (the paper\n  continued)\n\n  notes\n") == ("n › Read (the paper continued)", "notes")
    assert task("- [x] Read `the\n  code`\n\n  notes\n") == ("n › Read `the code`", "notes")
    assert task("- [x] Read [the\n  link]\n\n  notes\n") == ("n › Read [the link]", "notes")
    assert task("- [x] Read the\n  paper\n\n  notes\n") == ("n › Read the", "paper\n\nnotes")  # a closed title ends at its line


def test_a_separator_on_a_line_with_another_script_is_code_before_or_after_it() -> None:
    for line in ("中文 a::b\n", "a::b 中文\n", "Ελληνικά x::y\n"):
        assert [kind for kind, *_ in read(line)[0]] == ["section"], line
    assert [kind for kind, *_ in read("relu::max\n")[0]] == ["basic"]


# --- front matter and the title ------------------------------------------------------------------------


def file_tags(text: str) -> tuple[str, ...]:
    return parse_markdown(text, "dir/n.md").tags


def test_front_matter_tags_as_a_list_a_string_or_one_tag() -> None:
    assert file_tags('---\ntags: [Physics, "#waves", 3, {a: 1}, " two words "]\n---\nQ::A\n') == ("Physics", "waves", "3", "two-words")
    assert file_tags('---\ntags: "#a, b  c"\n---\nQ::A\n') == ("a", "b", "c")
    assert file_tags("---\ntag: solo\n---\nQ::A\n") == ("solo",)
    assert file_tags("---\ntags: [x, X]\n---\nQ::A\n") == ("x",)
    assert file_tags("---\ntitle: T\n---\nQ::A\n") == ()
    (card,) = parse_markdown('---\ntags: [a, b]\n---\nQ::A\n', "dir/n.md").cards
    assert card.tags == ("a", "b")


def test_the_title_is_the_front_matters_then_a_first_heading_then_the_file_name() -> None:
    parsed = parse_markdown("#deck-tag\n\n<!-- c -->\n\n# Title\n\n## S\n\nbody\n", "dir/n.md")
    assert parsed.title == "Title" and [(c.front, c.tags) for c in parsed.cards] == [("Title › S", ("deck-tag",))]
    parsed = parse_markdown("intro\n\n# Title\n\n## S\n\nbody\n", "dir/n.md")  # text before it: a section, not the title
    assert parsed.title == "n" and [c.front for c in parsed.cards] == ["n", "n › Title › S"]
    assert parse_markdown("---\ntitle: FM\n---\n# H\n\nbody\n", "dir/n.md").title == "FM"


def test_multiline_cards_with_an_empty_side_name_the_side() -> None:
    assert read("Question\n?\n\nQ2\n?\nA2\n") == ([("basic", "Q2", "A2", (), 4)], [("skipped", 2, "`?` card has no answer")])
    assert read("?\nAnswer\n") == ([], [("skipped", 1, "`?` card has no question")])


def test_an_indented_comment_before_the_first_heading_keeps_it_the_title() -> None:
    assert parse_markdown("  <!-- note -->\n# Title\n\nQ::A\n", "dir/n.md").title == "Title"
    assert parse_markdown("<!-- note -->\n\n# Title\n\nQ::A\n", "dir/n.md").title == "Title"


def test_task_notes_inside_a_block_quote() -> None:
    cards, _ = read("# T\n\n> - [x] task\n>\n>   notes here\n")
    assert [(kind, front, back, line) for kind, front, back, _tags, line in cards] == [("task", "T › task\n\nWhat did you learn?", "notes here", 3)]


def test_section_bodies_drop_scheduling_comments_and_tag_lines_and_keep_heading_tags() -> None:
    assert read("# T\n\nbody line <!--SR:!2026-01-01,3,250-->\nmore\n")[0] == [("section", "T", "body line\nmore", (), 1)]
    assert read("# T\n\nbody line\n#tag1 #tag2\n")[0] == [("section", "T", "body line", (), 1)]
    assert read("# T\n\n## S #tagged\n\nbody\n")[0] == [("section", "T › S", "body", ("tagged",), 3)]


def test_a_legend_line_is_not_a_task_unless_it_has_notes() -> None:
    assert [kind for kind, *_ in read("- [x] means done\n")[0]] == ["section"]
    assert [(kind, back) for kind, _front, back, _tags, _line in read("- [x] means done\n\n  notes\n")[0]] == [("task", "notes")]


def test_multiline_cards_switched_off_leave_the_question_mark_as_text() -> None:
    cards, items = read("Question\n?\nAnswer\n", ParseOptions(multiline="", multiline_reversed=""))
    assert cards == [("section", "n", "Question\n?\nAnswer", (), 1)] and items == []


def test_single_line_cards_in_a_list_and_around_braces() -> None:
    assert read("- Q::A\n")[0] == [("basic", "Q", "A", (), 1)]
    assert read("Capital {{c1::Paris}}::x\n")[0] == [("basic", "Capital {{c1::Paris}}", "x", (), 1)]


def test_front_matter_a_yaml_reader_cannot_build_is_a_warning_at_its_first_line() -> None:
    cards, items = read("---\ndate: 2026-13-45\n---\nQ::A\n")
    assert items == [("warning", 1, "broken front matter ignored (ValueError)")]
    assert [front for _kind, front, *_ in cards] == ["Q"]


def test_the_hint_leaves_out_a_separator_inside_brackets_or_parentheses() -> None:
    options = ParseOptions(single_line=";;", single_line_reversed=";;;")
    hint = "hint: this line would be a card with the separator `::`; cards here use `;;`"
    assert read("see f::x here\n", options)[1] == [("warning", 1, hint)]
    assert read("see f(::x here\n", options)[1] == []
    assert read("see a [::x here\n", options)[1] == []
    assert read("see f::)x here\n", options)[1] == []
    assert read("see f::]x here\n", options)[1] == []
    assert read("first::line\nsecond::line\n", options)[1] == [("warning", 1, hint)]  # once per file


def test_a_nested_task_takes_its_parent_items_text_into_its_path_and_nothing_from_an_empty_item() -> None:
    def fronts(text: str) -> list[str]:
        return [c.front for c in parse_markdown(text, "dir/n.md").cards]

    assert fronts("# T\n\n- Parent item\n  - [x] task\n\n    notes\n") == ["T › Parent item › task\n\nWhat did you learn?"]
    assert fronts("# T\n\n-\n  - [x] task\n\n    notes\n") == ["T › task\n\nWhat did you learn?"]
    assert fronts("# T\n\n- ```\n  code\n  ```\n  - [x] task\n\n    notes\n") == ["T › task\n\nWhat did you learn?"]


def test_overlapping_clozes_of_unequal_length_show_a_deletion_past_its_sequence() -> None:
    # step by step: h hides, a asks, s shows; a deletion whose sequence is shorter than the
    # longest is shown in the later steps
    text = "Context ==C==[^hs] then ==one==[^as] and ==two==[^ha] and ==three==[^hha]\n"
    assert [(c.front, c.back) for c in parse_markdown(text, "d.md").cards] == [
        ("Context [...] then [...] and [...] and [...]", "Context [...] then one and [...] and [...]"),
        ("Context C then one and [...] and [...]", "Context C then one and two and [...]"),
        ("Context C then one and two and [...]", "Context C then one and two and three"),
    ]


# --- block quotes and markdown-it's own failures -------------------------------------------------------


def test_a_block_quote_that_closed_strips_no_quote_marker_from_later_notes() -> None:
    # after a quote ends the text is at depth 0 again: a quote inside a task's notes stays a quote
    cards, _ = read("> quote\n\n- [x] task\n\n  > a quoted note\n")
    assert [(kind, back, line) for kind, _front, back, _tags, line in cards] == [("task", "> a quoted note", 3)]
    # a task one quote deep after a deeper quote closed: its notes lose one marker, not two
    cards, _ = read("# T\n\n> > deep\n>\n> - [x] task\n>\n>   > quoted note\n")
    assert [(kind, back, line) for kind, _front, back, _tags, line in cards] == [("task", "> quoted note", 5)]


def test_markdown_it_failing_skips_the_file_with_one_line_and_no_cards(monkeypatch: pytest.MonkeyPatch) -> None:
    from markdown_it import MarkdownIt

    def fail(self: MarkdownIt, src: str, env: object = None) -> list[object]:
        raise RecursionError("too deep")

    monkeypatch.setattr(MarkdownIt, "parse", fail)
    parsed = parse_markdown("---\ntitle: FM\ntags: [a]\n---\n# Head\n\nQ::A\n", "dir/note.md")
    assert [(i.kind, i.line, i.message) for i in parsed.items] == [("skipped", None, "cannot parse as Markdown (RecursionError: too deep)")]
    assert (parsed.path, parsed.title, parsed.deck, parsed.tags, parsed.is_plan, parsed.cards) == ("dir/note.md", "note", None, (), False, ())


def test_a_task_two_quotes_deep_reads_its_notes_without_both_markers() -> None:
    cards, _ = read("# T\n\n> > - [x] task\n> >\n> >   notes\n")
    assert [(kind, back, line) for kind, _front, back, _tags, line in cards] == [("task", "notes", 3)]


# --- masking: code spans, a fresh markdown-it ----------------------------------------------------------


def test_a_tag_inside_a_code_span_is_code_not_a_tag() -> None:
    assert read("# T\n\nbody `code #notag` here\n")[0] == [("section", "T", "body `code #notag` here", (), 1)]
    assert read("# T\n\nbody `code` and `more #notag` here\n")[0] == [("section", "T", "body `code` and `more #notag` here", (), 1)]


def test_the_markdown_parser_reads_double_dollar_math_inline_tables_and_front_matter() -> None:
    from srs.domain.parser import markdown_parser

    markdown_parser.cache_clear()  # built again here, not taken from an earlier test
    try:
        md = markdown_parser()
        children = md.parseInline("a $$x::y$$ b $z$")[0].children
        assert [child.type for child in children] == ["text", "math_inline_double", "text", "math_inline"]
        types = [token.type for token in md.parse("---\nk: v\n---\n| a | b |\n|---|---|\n| 1 | 2 |\n")]
        assert types[0] == "front_matter" and "table_open" in types
    finally:
        markdown_parser.cache_clear()


# --- the text as read, the front matter, what a file gives ---------------------------------------------


def test_a_byte_order_mark_alone_is_removed_too() -> None:
    assert normalise_text("a\ufeffb") == "ab"
    assert normalise_text("a\u2060b") == "ab"


def test_the_deck_is_a_non_blank_string_or_none() -> None:
    def deck(front_matter: str) -> str | None:
        return parse_markdown(f"---\n{front_matter}\n---\nQ::A\n", "n.md").deck

    assert deck("deck: Physics") == "Physics"
    assert deck('deck: "  "') is None
    assert deck("deck: 5") is None
    assert deck("title: T") is None


def test_repeated_cards_count_their_occurrences_from_one() -> None:
    parsed = parse_markdown("Q::A\n\nQ::A\n\nQ::A\n", "n.md")
    assert [(c.front, c.line, c.occurrence) for c in parsed.cards] == [("Q", 1, 1), ("Q", 3, 2), ("Q", 5, 3)]


def test_tags_starting_with_x_keep_their_letters() -> None:
    cards, _ = read("# T #Xenon #topic/\n\nQ::A\n")
    assert [tags for *_, tags, _line in cards] == [("Xenon", "topic")]
    assert file_tags("---\ntags: [Xenon, '#Xray']\n---\nQ::A\n") == ("Xenon", "Xray")


def test_front_matter_with_a_control_character_is_a_warning_at_line_one() -> None:
    cards, items = read("---\ntitle: a\x07b\n---\nQ::A\n")
    assert items == [("warning", 1, "broken front matter ignored (YAML: unacceptable character #x0007: control characters are not allowed)")]
    assert [front for _kind, front, *_ in cards] == ["Q"]


# --- tasks ---------------------------------------------------------------------------------------------


def task_card(text: str) -> tuple[str, str]:
    (card,) = parse_markdown(text, "n.md").cards
    return card.front.split("\n")[0], card.back


def test_a_task_title_in_a_block_quote_continues_on_a_lazy_line_only() -> None:
    assert task_card("> - [x] Read the\n> paper\n>\n>   notes\n") == ("n › Read the paper", "notes")
    assert task_card("> - [x] Read the\n>   paper\n>\n>   notes\n") == ("n › Read the", "paper\n\nnotes")


def test_a_closed_parenthesis_closes_the_title() -> None:
    assert task_card("- [x] Read f(x) now\n  more\n\n  notes\n") == ("n › Read f(x) now", "more\n\nnotes")


def test_task_notes_keep_a_lazy_line_whole_and_a_code_block_as_code() -> None:
    assert task_card("- [x] task\n\n  notes line\nlazy line\n") == ("n › task", "notes line\nlazy line")
    assert task_card("- [x] task\n\n  ```\n  #tag\n  ```\n") == ("n › task", "```\n#tag\n```")


# --- explicit cards ------------------------------------------------------------------------------------


def test_a_cloze_note_keeps_a_code_block_holding_a_tag_line() -> None:
    assert read("The ==capital== is Paris.\n```\n#tag\n```\n")[0] == [
        ("cloze", "The [...] is Paris.\n```\n#tag\n```", "The capital is Paris.\n```\n#tag\n```", (), 1)
    ]


def test_a_long_line_holding_an_anki_cloze_is_reported() -> None:
    line = "x" * 20_000 + " {{c1::y}}"  # 20,010 characters
    _, items = read(line + "\n")
    assert ("warning", 1, "line of 20,010 characters not read for cards (longer than 20,000): split it") in items


def test_multiline_cards_switched_off_leave_an_empty_quote_line_as_text() -> None:
    cards, items = read("> Question\n>\n> Answer\n", ParseOptions(multiline="", multiline_reversed=""))
    assert cards == [("section", "n", "> Question\n>\n> Answer", (), 1)] and items == []


def test_the_hint_about_double_semicolons_and_what_is_no_card_attempt() -> None:
    assert read("Q;;A\n")[1] == [("warning", 1, "hint: this line would be a card with the separator `;;`; cards here use `::`")]
    assert read("for (;;) x;;y\n")[1] == []  # the first `;;` is a C loop
    assert read("a;;;b\n")[1] == []  # three semicolons


def test_a_url_after_the_answers_first_word_leaves_the_card() -> None:
    assert read("Q::A see http://x.org\n")[0] == [("basic", "Q", "A see http://x.org", (), 1)]
    assert read("Q::A\tsee http://x.org\n")[0] == [("basic", "Q", "A\tsee http://x.org", (), 1)]


def test_a_separator_after_a_tab_inside_an_indented_line() -> None:
    assert read("  Q\tx::A\n")[0] == [("basic", "Q\tx", "A", (), 1)]


# --- sections and fences -------------------------------------------------------------------------------


def test_citations_under_a_references_heading_are_references_only() -> None:
    assert read("# References\n\nSmith et al. 2020. A paper.\n") == ([], [("reference_only", 1, "References")])


def test_a_fence_left_open_inside_a_quote_is_read_as_code_up_to_the_quotes_end() -> None:
    cards, items = read("> ```\n> code\n\nafter\n")
    assert items == [("warning", 1, "code fence ``` is never closed; read as code up to line 2")]
    assert [kind for kind, *_ in cards] == ["section"]


def test_a_long_line_holding_a_curly_cloze_is_reported_when_curly_clozes_are_on() -> None:
    line = "x" * 20_000 + " {{capital}}"  # 20,012 characters, no `::` and no `==`
    _, items = read(line + "\n", ParseOptions(curly_to_clozes=True))
    assert ("warning", 1, "line of 20,012 characters not read for cards (longer than 20,000): split it") in items


def test_a_code_span_on_the_third_line_of_a_paragraph_is_masked_where_it_is() -> None:
    text = "# T\n\na much longer first line here\ntwo\nthree `code #notag` end\n"
    assert read(text)[0] == [("section", "T", "a much longer first line here\ntwo\nthree `code #notag` end", (), 1)]


def test_the_longer_multiline_separator_wins_where_both_fit() -> None:
    # "%% " is "%%" and a blank: the line is the reversed separator, not the plain one
    cards, _ = read("Q\n%% \nA\n", ParseOptions(multiline="%%", multiline_reversed="%% "))
    assert [(kind, front, back) for kind, front, back, _tags, _line in cards] == [("basic", "Q", "A"), ("reversed", "A", "Q")]


# --- second sample (the mutants moved when two lines got a pragma) -------------------------------------


def test_a_blank_front_matter_title_gives_way_to_the_heading() -> None:
    assert parse_markdown('---\ntitle: "  "\n---\n# H\n\nbody\n', "n.md").title == "H"


def test_a_section_body_drops_a_comment_and_a_leading_rule_but_keeps_what_follows() -> None:
    assert read("# T\n\n<!-- c -->\n\nbody\n")[0] == [("section", "T", "body", (), 1)]
    assert read("# T\n\n***\n\nbody\n")[0] == [("section", "T", "body", (), 1)]


def test_a_heading_inside_a_quote_or_a_list_item_is_text() -> None:
    assert read("> # Quoted\n\nbody\n")[0] == [("section", "n", "> # Quoted\n\nbody", (), 1)]
    assert read("- # [x] Done heading\n\n  notes\n")[0] == [("section", "n", "- # [x] Done heading\n\n  notes", (), 1)]


def test_a_closed_fence_gives_no_warning_even_when_empty() -> None:
    assert read("```\ncode\n```\n\nQ::A\n") == ([("basic", "Q", "A", (), 5)], [])
    assert read("```\n```\n")[1] == []


def test_a_task_with_a_tab_after_its_list_marker() -> None:
    assert task_card("-\t[x] task\n\n    notes\n") == ("n › task", "notes")


def test_two_equal_math_spans_are_both_masked() -> None:
    assert read("# T\n\nsee $a #nt$ and $a #nt$ end\n")[0] == [("section", "T", "see $a #nt$ and $a #nt$ end", (), 1)]


def test_a_url_outside_the_separators_word_leaves_the_card() -> None:
    assert read("http://x.org Q::A\n")[0] == [("basic", "http://x.org Q", "A", (), 1)]
    assert read("Q::A\thttp://y.org\n")[0] == [("basic", "Q", "A\thttp://y.org", (), 1)]
    assert read("Q::A\thttp://x.org\tz\n")[0] == [("basic", "Q", "A\thttp://x.org\tz", (), 1)]


def test_a_closed_bracket_before_the_separator_is_no_slice() -> None:
    assert read("a[0]b::c\n")[0] == [("basic", "a[0]b", "c", (), 1)]


def test_different_cards_each_occur_once() -> None:
    parsed = parse_markdown("Q::A\n\nR::B\n", "n.md")
    assert [(c.front, c.occurrence) for c in parsed.cards] == [("Q", 1), ("R", 1)]


def test_a_cards_note_does_not_depend_on_the_cards_before_it() -> None:
    def notes(text: str) -> dict[str, str]:
        return {c.front: c.note for c in parse_markdown(text, "n.md").cards}

    both = notes("# A\n\n==x== one\n\n# B\n\n==y== two\n")
    assert both["[...] two"] == notes("# A\n\n# B\n\n==y== two\n")["[...] two"]
    assert len(set(both.values())) == 2
    sections = notes("# T\n\n## A\n\nx\n\n## B\n\ny\n")
    assert sections["T › B"] == notes("# T\n\n## B\n\ny\n")["T › B"]
    tasks = notes("# P\n\n- [x] one\n\n  a\n\n- [x] two\n\n  b\n")
    assert tasks["P › two\n\nWhat did you learn?"] == notes("# P\n\n- [x] two\n\n  b\n")["P › two\n\nWhat did you learn?"]


def test_the_block_parser_built_again_reads_blocks_only() -> None:
    from srs.domain import parser

    parser._block_parser.cache_clear()  # built here, not taken from an earlier test
    try:
        assert read("# T\n\nQ::A\n") == ([("basic", "Q", "A", (), 3)], [])
    finally:
        parser._block_parser.cache_clear()


def test_a_section_body_skips_a_first_tag_line_comment_or_scheduling_comment_and_goes_on() -> None:
    assert read("# T\n\n#tag1 #tag2\nbody line\n")[0] == [("section", "T", "body line", (), 1)]
    assert read("# T\n\n<!--SR:!2026-01-01,3,250-->\nbody line\n")[0] == [("section", "T", "body line", (), 1)]
    assert read("# T\n\n<!-- c -->\nbody line\n")[0] == [("section", "T", "body line", (), 1)]


def test_task_notes_are_cut_at_the_items_own_column_when_the_task_is_not_the_first_line() -> None:
    assert task_card("# P\n\n- [x] task\n\n  notes line\nlazy line\n") == ("P › task", "notes line\nlazy line")


def test_a_slice_followed_by_a_tab_is_code() -> None:
    assert read("x[1::3]\tstep\n")[0] == [("section", "n", "x[1::3]\tstep", (), 1)]


def test_no_hint_for_double_semicolons_with_no_word_before_them_after_the_list_marker() -> None:
    assert read("1. ;;b\n")[1] == []
