"""The Markdown parser: study plans, note sections, every explicit card syntax, and what is never a card."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import FIXTURES, shared_path

from srs.domain import cloze_cards, explicit_cards, front_matter, markdown_masking, note_document, parse_options, parsed, parser, plan_cards, section_cards
from srs.domain.parsed import BASIC, CLOZE, NOTHING_TO_RECALL, PENDING, REVERSED, SECTION, SKIPPED, TASK, WARNING
from srs.domain.parser import parse_markdown
from srs.store.models import CardKind

IMPORT = FIXTURES / "import"


def cards(text: str, path: str = "notes/test.md") -> list[tuple[str, str, str]]:
    return [(card.kind, card.front, card.back) for card in parse_markdown(text, path).cards]


def test_kinds_match_the_stored_enum() -> None:
    assert {TASK, SECTION, BASIC, REVERSED, CLOZE} <= {kind.value for kind in CardKind}


# -- study plans ---------------------------------------------------------------------------


def test_plan_fixture_gives_one_card_per_completed_task_with_notes() -> None:
    parsed = parse_markdown((IMPORT / "plan.md").read_text(encoding="utf-8"), "plan.md")
    assert parsed.is_plan
    assert parsed.title == "2026 春季学习计划"
    tasks = [card for card in parsed.cards if card.kind == TASK]
    assert len(tasks) == 5 == len(parsed.cards)
    weeks = [card.heading_path[1] for card in tasks]
    assert weeks == ["第一周(3.2~3.8)", "第一周(3.2~3.8)", "第二周(3.9~3.15)", "第二周(3.9~3.15)", "第二周(3.9~3.15)"]
    for card in tasks:
        first_line = card.front.splitlines()[0]
        assert first_line.startswith("2026 春季学习计划 › 第")  # title › week with dates › task
        assert card.question in first_line
    first = tasks[0]
    assert first.front == "2026 春季学习计划 › 第一周(3.2~3.8) › 复习概率论中的期望与方差\n\n学到了什么？"
    assert first.back.startswith("$E[aX + b] = aE[X] + b$")
    english = tasks[1]
    assert english.front.endswith("Set up a Python environment with uv\n\nWhat did you learn?")
    assert "[uv docs](https://docs.astral.sh/uv/)" in english.back  # links stay Markdown
    assert "![profiler trace](images/trace.png)" in tasks[3].back  # images keep their path
    nested = tasks[4]
    assert nested.heading_path[-1] == "阅读 KV cache 相关博客"
    assert "阅读 KV cache 相关博客 › 理解 prefill 和 decode 的区别" in nested.front
    items = {(item.kind, item.message) for item in parsed.items}
    assert {message for kind, message in items if kind == PENDING} == {"读 Triton 教程", "计算 7B 模型的 KV cache 大小", "准备组会"}
    assert {message for kind, message in items if kind == NOTHING_TO_RECALL} == {"整理书桌", "写周报"}  # a parent of sub-tasks only is not "no notes"
    assert all(item.line for item in parsed.items)


def test_same_task_in_two_weeks_gives_two_distinct_cards() -> None:
    parsed = parse_markdown((IMPORT / "plan.md").read_text(encoding="utf-8"), "plan.md")
    same = [card for card in parsed.cards if card.question == "复习概率论中的期望与方差"]
    assert len(same) == 2
    assert same[0].heading_path != same[1].heading_path
    assert same[0].note != same[1].note


@pytest.mark.parametrize("marker", ["-", "*", "+", "1.", "3)"])
def test_task_markers(marker: str) -> None:
    text = f"# P\n\n## Week 1 (1.1~1.7)\n\n{marker} [x] learn it\n\n   what I learned\n"
    parsed = parse_markdown(text, "p.md")
    assert [(c.kind, c.back) for c in parsed.cards] == [(TASK, "what I learned")]


def test_unchecked_task_and_task_without_notes_give_no_card() -> None:
    text = "# P\n\n- [ ] later\n\n  notes already\n- [x] done, nothing written\n"
    parsed = parse_markdown(text, "p.md")
    assert parsed.cards == ()
    assert [(i.kind, i.line, i.message) for i in parsed.items] == [(PENDING, 3, "later"), (NOTHING_TO_RECALL, 6, "done, nothing written")]


def test_plan_file_has_no_section_cards_but_keeps_explicit_ones() -> None:
    text = "# Plan\n\nSome preface that is not a card.\n\n## Week\n\n- [x] task\n\n  notes\n\nOutside::explicit card\n"
    got = cards(text)
    assert got == [(TASK, "Plan › Week › task\n\nWhat did you learn?", "notes"), (BASIC, "Outside", "explicit card")]


def test_explicit_cards_in_task_notes_replace_the_task_card() -> None:
    text = "# Plan\n\n- [x] Read about warps\n\n  Warp size::32\n  More prose.\n"
    assert cards(text) == [(BASIC, "Warp size", "32")]


def test_task_continuation_line_is_notes() -> None:
    text = "- [x] Read paper\n  learned that tiling helps\n"
    assert cards(text, "plan.md") == [(TASK, "plan › Read paper\n\nWhat did you learn?", "learned that tiling helps")]


def test_tasks_inside_code_are_not_tasks() -> None:
    text = "# Notes\n\n```\n- [x] not a task\n\n  notes\n```\n"
    parsed = parse_markdown(text, "n.md")
    assert not parsed.is_plan
    assert [c.kind for c in parsed.cards] == [SECTION]


# -- notes -----------------------------------------------------------------------------------


def test_paper_fixture_sections() -> None:
    parsed = parse_markdown((IMPORT / "paper.md").read_text(encoding="utf-8"), "paper.md")
    assert parsed.title == "Speculative Decoding"
    assert parsed.tags == ("paper", "inference")
    fronts = [card.front for card in parsed.cards]
    assert fronts == [
        "Speculative Decoding",
        "Speculative Decoding › Acceptance rule",
        "Speculative Decoding › Code that looks like cards",
        "Speculative Decoding › Setext heading",
    ]  # "Empty section" has no body; "# this is a comment" inside code is no heading
    assert all(card.kind == SECTION for card in parsed.cards)
    assert "decoding" in parsed.cards[0].tags and "paper" in parsed.cards[0].tags
    code = parsed.cards[2].back
    assert 'speedup::expected = "not a card"' in code and "indented::code" in code  # kept as written


def test_title_fallbacks() -> None:
    assert parse_markdown("---\ntitle: From YAML\n---\n# Heading\n\nbody\n", "f.md").title == "From YAML"
    assert parse_markdown("# First heading\n\nbody\n", "dir/file.md").title == "First heading"
    assert parse_markdown("just text\n", "dir/file name.md").title == "file name"
    # A "# " heading further down is a section, not the title.
    parsed = parse_markdown("Intro text.\n\n# Later heading\n\nbody\n", "dir/note.md")
    assert parsed.title == "note"
    assert [c.front for c in parsed.cards] == ["note", "note › Later heading"]


def test_section_paths_nest() -> None:
    text = "# T\n\n## A\n\na body\n\n### B\n\nb body\n\n## C\n\nc body\n"
    assert [c.front for c in parse_markdown(text, "t.md").cards] == ["T › A", "T › A › B", "T › C"]


def test_explicit_cards_replace_section_card() -> None:
    text = "# T\n\n## A\n\nprose\n\nQ::A\n\n## B\n\nonly prose\n"
    assert cards(text) == [(BASIC, "Q", "A"), (SECTION, "T › B", "only prose")]


# -- explicit cards: the plugin's documented examples ------------------------------------------


DOC_BASIC = "the question goes on this side::answer goes here!"
DOC_BIDIRECTIONAL = "info 1:::info 2"
DOC_MULTILINE = 'As per the definition\nof "multiline" the prompt\ncan be on multiple lines\n?\nsame goes for\nthe answer'
DOC_MULTILINE_BIDIRECTIONAL = "info 1A\ninfo 1B\ninfo 1C\n??\ninfo 2A\ninfo 2B"
DOC_CLOZE_SINGLE = "The first female prime minister of Australia was ==Julia Gillard=="
DOC_CLOZE_MULTIPLE = "The first female ==prime minister== of Australia was ==Julia Gillard=="
DOC_CLOZE_HINT = "This ==note== doesn't need to have ==number==^[hint] on clozes"
DOC_CLOZE_CLASSIC = (
    "This is a ==cloze==^[a hint][^1]. This is ==too, but without hint==[^2]. "
    "And this one is asked ==together with the first cloze==[^1]."
)
DOC_CLOZE_OVERLAP = (
    "==Some context for items 2 and 4, but that could spoil items 1 and 3. Note that this doesn't even need to be asked==[^hshs]\n"
    ".\n- ==Item 1==[^ashh]\n- ==Item 2==[^hash]\n- ==Item 3==[^hhas]\n- ==Item 4==[^hhha]"
)


def test_documented_single_line_basic() -> None:
    assert cards(DOC_BASIC) == [(BASIC, "the question goes on this side", "answer goes here!")]


def test_documented_single_line_bidirectional() -> None:
    parsed = parse_markdown(DOC_BIDIRECTIONAL, "d.md")
    assert [(c.kind, c.front, c.back) for c in parsed.cards] == [(BASIC, "info 1", "info 2"), (REVERSED, "info 2", "info 1")]
    assert parsed.cards[0].note == parsed.cards[1].note  # siblings


def test_documented_multiline_basic() -> None:
    assert cards(DOC_MULTILINE) == [
        (BASIC, 'As per the definition\nof "multiline" the prompt\ncan be on multiple lines', "same goes for\nthe answer")
    ]


def test_documented_multiline_bidirectional() -> None:
    parsed = parse_markdown(DOC_MULTILINE_BIDIRECTIONAL, "d.md")
    assert [(c.kind, c.front, c.back) for c in parsed.cards] == [
        (BASIC, "info 1A\ninfo 1B\ninfo 1C", "info 2A\ninfo 2B"),
        (REVERSED, "info 2A\ninfo 2B", "info 1A\ninfo 1B\ninfo 1C"),
    ]
    assert parsed.cards[0].note == parsed.cards[1].note


def test_documented_single_cloze() -> None:
    assert cards(DOC_CLOZE_SINGLE) == [
        (CLOZE, "The first female prime minister of Australia was [...]", "The first female prime minister of Australia was Julia Gillard")
    ]


def test_documented_multiple_clozes_are_siblings() -> None:
    parsed = parse_markdown(DOC_CLOZE_MULTIPLE, "d.md")
    back = "The first female prime minister of Australia was Julia Gillard"
    assert [(c.front, c.back) for c in parsed.cards] == [
        ("The first female [...] of Australia was Julia Gillard", back),
        ("The first female prime minister of Australia was [...]", back),
    ]
    assert len({c.note for c in parsed.cards}) == 1


def test_documented_cloze_hints() -> None:
    back = "This note doesn't need to have number on clozes"
    assert [(c.front, c.back) for c in parse_markdown(DOC_CLOZE_HINT, "d.md").cards] == [
        ("This [...] doesn't need to have number on clozes", back),
        ("This note doesn't need to have [hint] on clozes", back),
    ]


def test_documented_classic_clozes() -> None:
    back = "This is a cloze. This is too, but without hint. And this one is asked together with the first cloze."
    got = [(c.variant, c.front, c.back) for c in parse_markdown(DOC_CLOZE_CLASSIC, "d.md").cards]
    # The docs print the second front as "This [...]." dropping the word "is" by mistake.
    assert got == [
        ("1", "This is a [a hint]. This is too, but without hint. And this one is asked [...].", back),
        ("2", "This is a cloze. This is [...]. And this one is asked together with the first cloze.", back),
    ]


def test_documented_overlapping_clozes() -> None:
    got = parse_markdown(DOC_CLOZE_OVERLAP, "d.md").cards
    assert len(got) == 4
    context = "Some context for items 2 and 4, but that could spoil items 1 and 3. Note that this doesn't even need to be asked"
    # Asking item 1, all other text is hidden.
    assert got[0].front == "[...]\n.\n- [...]\n- [...]\n- [...]\n- [...]"
    # Asking item 2: only item 1 and the context are shown.
    assert got[1].front == f"{context}\n.\n- Item 1\n- [...]\n- [...]\n- [...]"
    # Asking item 3: only item 2 is shown.
    assert got[2].front == "[...]\n.\n- [...]\n- Item 2\n- [...]\n- [...]"
    # Asking item 4: item 3 and the context are shown.
    assert got[3].front == f"{context}\n.\n- [...]\n- [...]\n- Item 3\n- [...]"
    assert got[3].back == f"{context}\n.\n- [...]\n- [...]\n- Item 3\n- Item 4"  # h stays hidden on the back


def test_documented_deck_tags_follow_the_plugins_scoping() -> None:
    text = (
        "#flashcards/deckA\nQuestion1 (in deckA)::Answer1\nQuestion2 (also in deckA)::Answer2\nQuestion3 (also in deckA)::Answer3\n\n"
        "#flashcards/deckB Question4 (in deckB)::Answer4\n\nQuestion6 (in deckA)::Answer6\n"
    )
    got = {c.front: c.tags for c in parse_markdown(text, "d.md").cards}
    assert got["Question1 (in deckA)"] == ("flashcards/deckA",)
    assert got["Question3 (also in deckA)"] == ("flashcards/deckA",)
    assert got["Question4 (in deckB)"] == ("flashcards/deckB",)  # question specific: deckB only, removed from the question
    assert got["Question6 (in deckA)"] == ("flashcards/deckA",)


def test_documented_multi_tag_line() -> None:
    text = "#flashcards/language/words #flashcards/trivia #flashcards/learned-from-tv\nA group of cats is called a::clowder\n"
    (card,) = parse_markdown(text, "d.md").cards
    assert (card.front, card.back) == ("A group of cats is called a", "clowder")
    assert card.tags == ("flashcards/language/words", "flashcards/trivia", "flashcards/learned-from-tv")


def _doc_examples(name: str) -> list[str]:
    path = shared_path("corpora", "obsidian-spaced-repetition", "docs", "docs", "en", "flashcards", name)
    text = path.read_text(encoding="utf-8")
    return [block.strip("\n") for block in re.findall(r"```(?:markdown)?\n(.*?)```", text, flags=re.S)]


def test_examples_read_from_the_plugin_docs_match_ours() -> None:
    qa = _doc_examples("q-and-a-cards.md")
    assert qa == [DOC_BASIC, DOC_BIDIRECTIONAL, DOC_MULTILINE, DOC_MULTILINE_BIDIRECTIONAL]
    cloze = _doc_examples("cloze-cards.md")
    for example in (DOC_CLOZE_SINGLE, DOC_CLOZE_MULTIPLE, DOC_CLOZE_HINT, DOC_CLOZE_CLASSIC, DOC_CLOZE_OVERLAP):
        assert example in cloze
    # Inside the docs they are code blocks: importing the docs themselves makes none of them a card.
    docs = shared_path("corpora", "obsidian-spaced-repetition", "docs", "docs", "en", "flashcards", "q-and-a-cards.md")
    parsed = parse_markdown(docs.read_text(encoding="utf-8"), str(docs))
    assert all(card.kind == SECTION for card in parsed.cards)


def test_card_notes_from_the_plugins_test_vault() -> None:
    vault = shared_path("corpora", "obsidian-spaced-repetition", "tests", "vaults")
    d = parse_markdown((vault / "notes5" / "D.md").read_text(encoding="utf-8"), "D.md")
    assert [(c.front, c.back) for c in d.cards] == [("This is question 1", "This is answer 1"), ("This is question 2", "This is answer 2")]
    a = parse_markdown((vault / "notes7" / "A.md").read_text(encoding="utf-8"), "A.md")
    assert [(c.front, c.back, c.tags) for c in a.cards] == [("question", "A", ("review",))]


# -- explicit cards: our fixture ---------------------------------------------------------------


def test_flashcards_fixture() -> None:
    parsed = parse_markdown((IMPORT / "flashcards.md").read_text(encoding="utf-8"), "flashcards.md")
    assert parsed.deck == "Explicit::Mixed"
    got = [(c.kind, c.variant, c.front, c.back) for c in parsed.cards]
    assert got[:7] == [
        (BASIC, "", "Which GPU memory is on chip?", "Shared memory (SRAM)"),
        (BASIC, "", "KV cache", "the keys and values of past tokens kept for decoding"),
        (REVERSED, "", "the keys and values of past tokens kept for decoding", "KV cache"),
        (BASIC, "", "What does HBM stand for?", "High-bandwidth memory"),
        (BASIC, "", "Why subtract the maximum before a softmax?", "To avoid overflow in the exponentials;\nthe result does not change."),
        (BASIC, "", "Prefill", "Processing the whole prompt in one forward pass"),
        (REVERSED, "", "Processing the whole prompt in one forward pass", "Prefill"),
    ]
    assert parsed.cards[3].tags == ("gpu",)
    anki = [c for c in parsed.cards if c.variant.startswith("c")]
    assert [(c.variant, c.front) for c in anki] == [
        ("c1", "A request's KV cache lives in blocks of [...] tokens, mapped by a block table."),
        ("c2", "A request's KV cache lives in blocks of 16 tokens, mapped by a [a per-request structure]."),
    ]
    assert {c.back for c in anki} == {"A request's KV cache lives in blocks of 16 tokens, mapped by a block table."}
    classic = [c for c in parsed.cards if c.variant in ("1", "2")]
    assert [c.front for c in classic] == [
        "Classic clozes share a number: first, [...] and also first.",
        "Classic clozes share a number: [...], second and [...].",
    ]
    overlap = [c for c in parsed.cards if c.variant.startswith("o")]
    assert [c.front for c in overlap] == ["[...]\n- [...]\n- Item B", "Context\n- Item A\n- [...]"]
    assert len(parsed.cards) == 15


def test_multiline_card_with_code_and_blank_line_inside_the_fence() -> None:
    text = "What does this print?\n```python\nprint(1)\n\nprint(2)\n```\n?\n1 then 2\n"
    (card,) = parse_markdown(text, "c.md").cards
    assert card.front == "What does this print?\n```python\nprint(1)\n\nprint(2)\n```"
    assert card.back == "1 then 2"


def test_latex_stays_source_and_cloze_can_hold_math() -> None:
    text = "Softmax\n?\n$$\\frac{e^{x_i}}{\\sum_j e^{x_j}}$$\n\nThe derivative is ==$\\sigma(1-\\sigma)$==.\n"
    got = cards(text)
    assert got[0] == (BASIC, "Softmax", "$$\\frac{e^{x_i}}{\\sum_j e^{x_j}}$$")
    assert got[1] == (CLOZE, "The derivative is [...].", "The derivative is $\\sigma(1-\\sigma)$.")


def test_scheduling_comments_of_the_plugin_are_dropped() -> None:
    assert cards("Q::A <!--SR:!2024-05-22,1,230-->\n") == [(BASIC, "Q", "A")]


def test_card_inside_html_comment_is_ignored() -> None:
    assert cards("<!--Card text::answer <!--SR:2021-08-20,13,290--> -->\n") == []


def test_card_with_empty_side_is_reported() -> None:
    parsed = parse_markdown("# T\n\nTerm::\n\n?\nanswer\n", "t.md")
    assert parsed.cards == ()
    assert [(i.kind, i.line) for i in parsed.items] == [(SKIPPED, 3), (SKIPPED, 5)]


# -- what is never a card -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "Use std::move to hand over ownership.",
        "The stream type is c10::cuda::Stream in PyTorch.",
        "Rust keeps it in std::collections::HashMap today.",
        "Call Vec::new() for an empty vector.",
        "tokio::spawn runs a future on the runtime.",
        "my_crate::helper is private.",
        "It takes a const std::string& argument.",
        "Pass &Foo::bar as the callback.",
        "Escaped std\\::thing is text.",
        "A::B::C is a chain.",
        "Colons::::four are no separator.",
        "`std::move` in inline code",
        "math $a::b$ inline",
        "html <!-- q::a --> comment",
        "Anki cloze {{c1::Paris}} only",
        "The server listens on http://[::1]:8080/ locally.",
        "Python slicing a[::2] takes every other item.",
        "a[::-1] reverses a list and x[1::3] steps by three.",
        "The IPv6 loopback address is ::1 here.",
    ],
)
def test_prose_with_double_colons_is_not_a_card(line: str) -> None:
    assert [c for c in cards(f"{line}\n") if c[0] in (BASIC, REVERSED)] == []


@pytest.mark.parametrize(
    ("line", "question", "answer"),
    [
        ("ReLU::max(0, x)", "ReLU", "max(0, x)"),
        ("Attention cost per layer::O(n^2 d)", "Attention cost per layer", "O(n^2 d)"),
        ("Type of a list of ints::list[int]", "Type of a list of ints", "list[int]"),
        ("Parameters of GPT-3::175B", "Parameters of GPT-3", "175B"),
        ("Capital of Germany ::Berlin", "Capital of Germany", "Berlin"),
        ("Year of the battle of Hastings ::1066", "Year of the battle of Hastings", "1066"),
    ],
)
def test_an_answer_that_starts_with_a_call_or_an_index_is_still_a_card(line: str, question: str, answer: str) -> None:
    assert cards(f"{line}\n") == [(BASIC, question, answer)]


def test_code_blocks_comments_and_math_hide_every_syntax() -> None:
    hidden = "Q::A\nQ:::A\nq\n?\na\n==cloze== {{c1::x}}\n#tag\n# heading\n- [x] task\n\n  notes\n"
    indented = "\n".join("    " + line if line else "" for line in hidden.splitlines())
    text = f"# T\n\n```\n{hidden}```\n\n~~~md\n{hidden}~~~\n\n{indented}\n\n<!--\n{hidden}-->\n\n$$\n{hidden}$$\n"
    parsed = parse_markdown(text, "t.md")
    assert not parsed.is_plan
    assert [(c.kind, c.front) for c in parsed.cards] == [(SECTION, "T")]
    assert parsed.cards[0].tags == ()


def test_inline_code_span_with_longer_backtick_fence() -> None:
    assert cards("``a::b ` c::d`` and text\n") == [(SECTION, "test", "``a::b ` c::d`` and text")]


def test_a_headings_tags_are_card_tags_not_part_of_its_front() -> None:
    parsed = parse_markdown("# Note\n\n## Attention #paper #nlp\n\nbody text\n\n## Section #1\n\nmore\n", "n.md")
    assert [(c.front, c.tags) for c in parsed.cards] == [("Note › Attention", ("paper", "nlp")), ("Note › Section #1", ())]


def test_every_card_under_a_tagged_heading_has_its_tags() -> None:
    text = "# Note #paper\n\n## Attention #nlp\n\n- [x] read it\n\n  notes here\n\nQ::A\n\n# Other\n\n- [x] more\n\n  notes\n"
    parsed = parse_markdown(text, "n.md")
    assert [(c.kind, c.tags) for c in parsed.cards] == [(TASK, ("paper", "nlp")), (BASIC, ("paper", "nlp")), (TASK, ())]


def test_tags_in_code_are_not_tags() -> None:
    (card,) = parse_markdown("# T\n\nuse `#include` and #real-tag, not C# or #123\n", "t.md").cards
    assert card.tags == ("real-tag",)


# -- bad input ----------------------------------------------------------------------------------


def test_crlf_and_lone_cr_line_endings() -> None:
    text = "# P\r\n\r\n- [x] task\r\n\r\n  notes\r\n\r\nQ::A\r"
    assert [(c.kind, c.back) for c in parse_markdown(text, "p.md").cards] == [(TASK, "notes"), (BASIC, "A")]


def test_zero_width_spaces_and_bom_are_ignored() -> None:
    text = "\ufeff# P\n\n\u200b- [x] ta\u200bsk\n\n  no\u2060tes\n"
    (card,) = parse_markdown(text, "p.md").cards
    assert card.question == "task" and card.back == "notes"


def test_tabs_and_spaces_mixed_in_nesting() -> None:
    text = "# P\n\n- [x] outer\n\tnotes with a tab\n\t- [x] inner\n\t  \tinner notes\n  - [ ] pending inner\n"
    parsed = parse_markdown(text, "p.md")
    got = {c.question: c.back for c in parsed.cards}
    assert got == {"outer": "notes with a tab", "inner": "inner notes"}
    assert [i.message for i in parsed.items if i.kind == PENDING] == ["pending inner"]


def test_broken_front_matter_is_reported_and_the_rest_imported() -> None:
    text = "---\ntitle: [unclosed\ndeck: X\n---\n# Real title\n\nbody\n"
    parsed = parse_markdown(text, "b.md")
    assert parsed.title == "Real title" and parsed.deck is None
    (item,) = parsed.items
    assert item.kind == WARNING and item.line == 2 and "front matter" in item.message  # the unclosed [ is on line 2
    assert [c.back for c in parsed.cards] == ["body"]


def test_front_matter_that_is_not_a_mapping() -> None:
    parsed = parse_markdown("---\n- a\n- b\n---\nQ::A\n", "b.md")
    assert [i.kind for i in parsed.items] == [WARNING]
    assert [(c.front, c.back) for c in parsed.cards] == [("Q", "A")]


def test_unclosed_front_matter() -> None:
    parsed = parse_markdown("---\ntitle: x\n\nQ::A\n", "u.md")
    assert [(i.kind, i.line) for i in parsed.items] == [(WARNING, 1)]
    assert [(c.front, c.back) for c in parsed.cards] == [("Q", "A")]


def test_unclosed_code_fence_is_read_as_code_to_the_end() -> None:
    text = "# T\n\nQ::A\n\n```python\nx = 1\n\nLater::not a card\n"
    parsed = parse_markdown(text, "u.md")
    assert [(c.front, c.back) for c in parsed.cards] == [("Q", "A")]
    (item,) = parsed.items
    assert item.kind == WARNING and item.line == 5 and item.message.endswith("never closed; read as code up to the end of the file")


def test_empty_and_whitespace_files() -> None:
    for text in ("", "\n\n", "   \t\n", "---\n---\n"):
        parsed = parse_markdown(text, "e.md")
        assert parsed.cards == () and not parsed.is_plan


def test_deep_nesting_and_long_lines_do_not_break() -> None:
    deep = "> " * 200 + "Q::A\n" + "- " * 200 + "[x] t\n" + "=" * 100_000 + "\n" + "==a" * 5000 + "\n"
    parse_markdown(deep, "d.md")


def test_corpora_parse_without_problems() -> None:
    corpora = shared_path("corpora")
    files = sorted(corpora.rglob("*.md"))
    assert len(files) > 70
    total = 0
    for path in files:
        parsed = parse_markdown(path.read_text(encoding="utf-8"), str(path))
        assert not [item for item in parsed.items if item.kind == SKIPPED and "parse" in item.message]
        total += len(parsed.cards)
    assert total > 200


def test_seed_plan_format() -> None:
    seed = shared_path("seeds", "000_61611e24f24798e5.txt")
    parsed = parse_markdown(seed.read_text(encoding="utf-8"), "plan.md")
    assert parsed.is_plan
    assert len(parsed.cards) == 16 and all(card.kind == TASK for card in parsed.cards)
    assert all(re.search(r"\(\d+\.\d+~\d+\.\d+\)", card.front) for card in parsed.cards)  # week with its dates
    assert sum(item.kind == PENDING for item in parsed.items) == 1
    assert sum(item.kind == NOTHING_TO_RECALL for item in parsed.items) == 2


PARSER_MODULES = (
    parser, parsed, parse_options, note_document, markdown_masking, front_matter, section_cards, plan_cards, explicit_cards, cloze_cards
)


def test_parser_is_pure_and_light() -> None:
    for module in PARSER_MODULES:
        source = Path(module.__file__).read_text(encoding="utf-8")
        for forbidden in ("import sqlalchemy", "from sqlalchemy", "open(", "datetime.now", "import rich"):
            assert forbidden not in source, (module.__name__, forbidden)


def test_the_parser_modules_import_only_each_other_and_pure_code() -> None:
    """Every srs module the parser's modules import is one of them, or pure domain code."""
    names = {module.__name__ for module in PARSER_MODULES}
    for module in PARSER_MODULES:
        imported = set(re.findall(r"^from (srs\.[\w.]+) import", Path(module.__file__).read_text(encoding="utf-8"), re.M))
        assert imported <= names | {"srs.domain.recallable"}, (module.__name__, imported - names)


def test_a_line_past_the_scan_limit_is_reported_not_silently_dropped() -> None:
    """Issue 21, defect 9: a 1 MB ``Q::A`` line was silently not a card (the scan limit)."""
    long_line = "What is " + "very " * 200_000 + "long?::An answer"
    parsed = parse_markdown(f"# Notes\n\nShort?::Yes\n\n{long_line}\n\nText with {'w ' * 15_000} no card syntax.\n", "notes.md")
    assert [card.question for card in parsed.cards] == ["Short?"]
    warnings = [(item.line, item.message) for item in parsed.items if item.kind == WARNING]
    assert warnings == [(5, "line of 1,000,024 characters not read for cards (longer than 20,000): split it")]


def test_a_line_just_under_the_scan_limit_is_still_a_card() -> None:
    line = "Q" * (20_000 - 3) + "::A"
    assert len(line) == 20_000
    parsed = parse_markdown(line + "\n", "notes.md")
    assert len(parsed.cards) == 1 and not [item for item in parsed.items if item.kind == WARNING]


# Each exception of the ``::`` rule alone makes a line code (no Q::A card), and the same line
# without it is a card: removing any one clause of the rule fails here (issue 21).
CODE_PATH_EXCEPTIONS = {
    "namespace on the left": ("std::move is a function", "Stdx::move is a function"),
    "_ on the left": ("my_ns::Thing is here", "myns::Thing is here"),
    "_ on the right": ("Foo::bar_baz is the call", "Foo::barbaz is the call"),
    "< after": ("Foo::Bar<&str> is a type", "Foo::Bar &str is a type"),
    "! after": ("Foo::mac! is used", "Foo::mac is used"),
    "; after": ("Foo::bar; then more", "Foo::bar then more"),
    "{ after": ("Foo::Bar{} is made", "Foo::Bar is made"),
    "() after": ("Foo::bar() is a call", "Foo::bar is a call"),
    "& before": ("&Foo::bar is a pointer", "Foo::bar is a pointer"),
    "* before": ("*Foo::bar is deref", "Foo::bar is deref"),
    "< before": ("<Foo::bar is less", "Foo::bar is less"),
    "( before": ("(Foo::bar is in parens", "Foo::bar is in parens"),
    "~ before": ("~Foo::bar is a destructor", "Foo::bar is a destructor"),
    ": before": (":Foo::bar is nested", "Foo::bar is nested"),
}


@pytest.mark.parametrize("case", sorted(CODE_PATH_EXCEPTIONS))
def test_each_code_path_exception_of_the_separator_rule(case: str) -> None:
    code, card = CODE_PATH_EXCEPTIONS[case]
    assert [c.kind for c in parse_markdown(code + "\n", "n.md").cards] == [SECTION], code
    assert [(c.kind, c.question) for c in parse_markdown(card + "\n", "n.md").cards] == [(BASIC, card.split("::")[0])], card


def test_a_task_or_title_of_raw_html_only_shows_no_html_in_the_front() -> None:
    """Found by the shape property test: `- [x]<a name='x'></a>` fell back to the raw anchor."""
    parsed = parse_markdown("# <a name='top'></a>\n\n## Week 1\n\n- [x]<a name='x'></a>\n\n  gradient descent steps\n", "/n/plan.md")
    (card,) = [card for card in parsed.cards if card.kind == TASK]
    assert "<a" not in card.front
    assert card.front.startswith("plan › Week 1 › task on line 5")


@pytest.mark.parametrize("marker", ["-\t", "- ", "1.\t", "*  "])
def test_a_tab_after_the_list_marker_counts_to_the_next_tab_stop(marker: str) -> None:
    """A task title wrapped onto a lazy line is one title whatever white space follows the
    marker; a tab after it reaches column 4 (CommonMark), so notes indented to the item's text
    column are its notes (before: a tab made the marker unknown, the title stopped at the first
    line and its continuation became the back)."""
    text = f"# Week 3\n\n{marker}[x] Read the\nattention paper\n\n    Scaled dot-product attention.\n"
    [card] = parse_markdown(text, "plan.md").cards
    assert card.kind == TASK
    assert card.front.startswith("Week 3 › Read the attention paper")
    assert card.back == "Scaled dot-product attention."


def test_list_item_content_column() -> None:
    assert plan_cards.content_column("- [x] a") == 2
    assert plan_cards.content_column("-\t[x] a") == 4
    assert plan_cards.content_column("10.\t[x] a") == 4
    assert plan_cards.content_column("  -    [x] a") == 7  # four spaces after the marker: all count
    assert plan_cards.content_column("-      [x] a") == 2  # more than four: the text starts one column after it
    assert plan_cards.content_column("no marker") == 0
