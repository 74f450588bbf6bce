"""Import on real notes (issue 20): no file can abort an import, every plan and note format gives the right cards.

Every fixture in ``tests/fixtures/real_notes/`` is our own text, written in the shape of a class of real
input that once went wrong.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import FIXTURES
from sqlalchemy import select, update

from srs.app import import_files, import_plan
from srs.app.importing import import_notes
from srs.store.models import Card

REAL = FIXTURES / "real_notes"


def report_of(result) -> dict:  # type: ignore[no-untyped-def]
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def active_cards(collection) -> list[tuple[int, str, str, str]]:  # type: ignore[no-untyped-def]
    with collection.read() as session:
        rows = session.execute(
            select(Card.id, Card.key, Card.front, Card.back, Card.source_path).where(Card.retired_at.is_(None)).order_by(Card.id)
        ).all()
    return [tuple(row) for row in rows]


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    notes = tmp_path / "notes"
    notes.mkdir()
    monkeypatch.chdir(tmp_path)
    return notes


def put(folder: Path, *names: str) -> None:
    for name in names:
        shutil.copy(REAL / name, folder / name)


# -- 1. no file can abort an import -------------------------------------------------------------


def test_headings_that_give_the_same_key_text_give_distinct_keys(srs, folder: Path, collection) -> None:  # type: ignore[no-untyped-def]
    """A preamble and an empty heading (``##``, ``## ``), headings equal once squashed, and a heading
    holding the crumb separator: every card gets its own key, and a second import changes nothing."""
    put(folder, "empty_headings.md", "plain.md")
    data = report_of(srs("import", "notes", "--json"))
    assert data["totals"]["new"] == 8 and data["problems"] == []
    cards = active_cards(collection)
    assert len({key for _id, key, *_ in cards}) == len(cards) == 8
    fronts = {back: front for _id, _key, front, back, _path in cards}
    assert fronts["The body under a heading that has no text."] == "empty_headings"  # an empty heading adds no crumb
    again = report_of(srs("import", "--json"))
    assert again["totals"]["unchanged"] == 8 and again["changes"] == []
    # Deleting the preamble renumbers the empty-heading repeats; their cards keep their ids.
    text = (folder / "empty_headings.md").read_text(encoding="utf-8")
    (folder / "empty_headings.md").write_text(text.split("\n", 2)[2], encoding="utf-8")
    third = report_of(srs("import", "--json"))
    assert third["totals"]["retired"] == 1 and third["totals"]["new"] == 0
    assert {row[0] for row in active_cards(collection)} < {row[0] for row in cards}


def test_a_failure_while_planning_one_file_does_not_stop_the_others(srs, folder: Path, collection, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    put(folder, "empty_headings.md", "plain.md")
    real_plan_file = import_plan._plan_file

    def failing(item, where):  # type: ignore[no-untyped-def]
        if where.path.endswith("plain.md"):
            raise ValueError("injected")
        return real_plan_file(item, where)

    monkeypatch.setattr(import_plan, "_plan_file", failing)
    result = srs("import", "notes", env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "skipped: notes/plain.md: not imported (ValueError: injected); the file's cards are kept as they were" in result.output
    assert {Path(path).name for *_rest, path in active_cards(collection)} == {"empty_headings.md"}
    monkeypatch.undo()
    # The failed file was not recorded as read: the next import reads it again.
    data = report_of(srs("import", "--json"))
    assert data["totals"]["new"] == 1 and data["problems"] == []


def test_a_failure_while_parsing_one_file_keeps_its_cards(srs, folder: Path, collection, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    put(folder, "empty_headings.md", "plain.md")
    assert srs("import", "notes").exit_code == 0
    before = active_cards(collection)
    for name in ("empty_headings.md", "plain.md"):
        (folder / name).write_text((folder / name).read_text(encoding="utf-8") + "\nMore text.\n", encoding="utf-8")
    real_parse = import_files.parse_markdown

    def failing(text: str, path: str, *options):  # type: ignore[no-untyped-def]
        if path.endswith("empty_headings.md"):
            raise RecursionError("injected")
        return real_parse(text, path, *options)

    monkeypatch.setattr(import_files, "parse_markdown", failing)
    data = report_of(srs("import", "--json"))
    [problem] = data["problems"]
    assert problem["path"] == "notes/empty_headings.md" and problem["kind"] == "skipped"
    assert data["totals"]["updated"] == 1 and data["totals"]["retired"] == 0
    kept = [row for row in active_cards(collection) if row[4].endswith("empty_headings.md")]
    assert kept == [row for row in before if row[4].endswith("empty_headings.md")]


def test_a_card_whose_key_another_card_holds_skips_only_its_file(srs, folder: Path, collection) -> None:  # type: ignore[no-untyped-def]
    """A damaged collection (a card moved to another path by hand keeps its key): the file whose
    card wants that key is skipped with ``path:line: reason``; the others are imported."""
    put(folder, "plain.md")
    assert srs("import", "notes").exit_code == 0
    with collection.write() as session:
        session.execute(update(Card).values(source_path="/elsewhere/plain.md"))
    put(folder, "empty_headings.md")
    (folder / "plain.md").write_text((folder / "plain.md").read_text(encoding="utf-8") + "\n", encoding="utf-8")
    data = report_of(srs("import", "--json"))
    [problem] = data["problems"]
    assert problem["path"] == "notes/plain.md" and problem["line"] == 3 and "held by card" in problem["reason"]
    assert data["totals"]["new"] == 7


def test_an_unexpected_error_while_writing_is_one_error_line_and_nothing_written(srs, folder: Path, collection, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from srs.store import imports as q

    put(folder, "plain.md")
    assert srs("import", "notes").exit_code == 0
    before = active_cards(collection)
    put(folder, "empty_headings.md")

    def explode(*_args, **_kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(q, "insert_cards", explode)
    result = srs("import")
    assert result.exit_code == 1
    assert result.output.splitlines() == ["Error: internal error during import (RuntimeError: disk on fire); nothing was written"]
    assert active_cards(collection) == before
    monkeypatch.undo()
    assert report_of(srs("import", "--json"))["totals"]["new"] == 7


def test_workers_report_a_failing_file_too(folder: Path, collection, now, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The same isolation when files are parsed by the process pool."""
    for index in range(10):
        (folder / f"n{index}.md").write_text(f"# N{index}\n\n## Part\n\nBody {index}.\n", encoding="utf-8")
    monkeypatch.setattr(import_files, "POOL_MIN_FILES", 4)
    real_parse = import_files.parse_markdown

    def failing(text: str, path: str, *options):  # type: ignore[no-untyped-def]
        if path.endswith("n3.md"):
            raise ValueError("injected")
        return real_parse(text, path, *options)

    monkeypatch.setattr(import_files, "parse_markdown", failing)
    report = import_notes(collection, [folder], now=now, workers=2)
    assert report.totals.new == 9 and [p.path for p in report.problems] == ["notes/n3.md"]


# -- 2. real study plans --------------------------------------------------------------------------


def fronts_and_backs(collection) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {front.split("\n\n")[0]: back for _id, _key, front, back, _path in active_cards(collection)}


def test_checkbox_without_a_space_at_every_level_and_every_marker(srs, folder: Path, collection) -> None:  # type: ignore[no-untyped-def]
    """`1. [x]Title`, `- [x]Title`, `* [x]`, `+ [x]`, `[X]`, four levels: each a task of its own,
    never part of its parent's notes."""
    put(folder, "plan_nospace.md")
    data = report_of(srs("import", "notes", "--json"))
    cards = fronts_and_backs(collection)
    week = "Spring plan › Week 1 (3.2~3.8)"
    assert cards == {
        f"{week} › Read the chapter on probability": "Bayes' rule turns a likelihood into a posterior.",
        f"{week} › Practise matrix calculus": "The gradient of x^T A x is (A + A^T) x.",
        f"{week} › Set up the lab machine": "Installed drivers and checked the GPU with a small benchmark.",
        f"{week} › Set up the lab machine › Install CUDA": "Version matched the driver; the samples compiled.",
        f"{week} › Set up the lab machine › Install CUDA › Run the samples": "deviceQuery listed both cards.",
        f"{week} › Set up the lab machine › Install CUDA › Run the samples › Note the bandwidth": (
            "About 400 GB/s between host and device with pinned memory."
        ),
        f"{week} › Write the weekly summary › Summarise the reading": "Three short paragraphs, one per chapter.",
    }
    assert [item["task"] for item in data["pending"]] == ["Summarise the exercises"]
    assert data["nothing_to_recall"] == []  # "Write the weekly summary" holds sub-tasks only


def test_a_parent_of_sub_tasks_holds_its_own_prose_only(srs, folder: Path, collection) -> None:  # type: ignore[no-untyped-def]
    put(folder, "plan_parent_only_subtasks.md")
    data = report_of(srs("import", "notes", "--json"))
    cards = fronts_and_backs(collection)
    week = "Plan › Week 2 (3.9~3.15)"
    assert cards == {
        f"{week} › Linear algebra review › Eigenvalues": "An eigenvector keeps its direction under the map.",
        f"{week} › Linear algebra review › Singular values": "Every matrix factors as U Σ V^T.",
        f"{week} › Optimisation review": "The week's reading was split in two parts.",
        f"{week} › Optimisation review › Convexity": "A local minimum of a convex function is global.",
    }
    assert not any("[x]" in back or "[X]" in back for back in cards.values())
    assert data["nothing_to_recall"] == [] and data["pending"] == []


def test_a_title_wrapped_over_two_lines_is_one_title(srs, folder: Path, collection) -> None:  # type: ignore[no-untyped-def]
    put(folder, "plan_wrapped_title.md")
    report_of(srs("import", "notes", "--json"))
    cards = fronts_and_backs(collection)
    week = "Plan › Week 3 (3.16~3.22)"
    link = "[a long article about attention mechanisms in sequence models](https://example.org/articles/attention-in-sequence-models)"
    assert cards == {
        f"{week} › Read {link}": "Attention weights are a softmax over query-key scores.",
        f"{week} › Watch the lecture on normalisation layers, a lazy continuation line": (
            "Layer norm normalises over features, batch norm over the batch."
        ),
        f"{week} › Read `a very long code span` title": "Code spans may wrap too.",
        # A line indented under the task, right under it, is still its notes.
        f"{week} › Read the short paper": "A second line indented under the task is notes.",
    }


def test_tasks_in_block_quotes_and_a_legend_of_the_notation(srs, folder: Path, collection) -> None:  # type: ignore[no-untyped-def]
    put(folder, "plan_quotes_legend.md")
    data = report_of(srs("import", "notes", "--json"))
    assert fronts_and_backs(collection) == {
        "Plan › Quoted task about caching": "An LRU cache evicts the least recently used entry.",
        "Plan › Week 4 (3.23~3.29) › Review dynamic programming": "Overlapping subproblems and optimal substructure.",
    }
    # `- [ ] means not done` / `- [x] means done` explain the notation: not pending, no card.
    assert [item["task"] for item in data["pending"]] == ["Review graph algorithms"]
    assert data["nothing_to_recall"] == []


@pytest.mark.parametrize(
    ("legend", "is_legend"),
    [
        ("means not done", True),
        ("means done", True),
        ("表示未完成", True),
        ("= completed", True),
        ("todo", True),
        ("Done reading the book", False),
        ("Means of transport", False),
        ("完成第一章", False),
    ],
)
def test_legend_words(legend: str, is_legend: bool) -> None:
    from srs.domain.parser import parse_markdown

    text = f"# Plan\n\n- [ ] {legend}\n\n## Week\n\n- [x] Real task\n\n  Real notes.\n"
    result = parse_markdown(text, "p.md")
    assert [item.message for item in result.items if item.kind == "pending"] == ([] if is_legend else [legend])
    assert len(result.cards) == 1


def test_a_legend_alone_does_not_make_a_note_a_plan() -> None:
    from srs.domain.parser import parse_markdown

    text = "# Conventions\n\n## Checkboxes\n\n- [ ] means not done\n- [x] means done\n"
    result = parse_markdown(text, "c.md")
    assert not result.is_plan and [card.kind for card in result.cards] == ["section"]


def test_a_link_in_brackets_is_not_a_checkbox() -> None:
    from srs.domain.parser import parse_markdown

    text = "# Notes\n\n## Links\n\n- [x](https://example.org) is a link named x, in a sentence that explains it\n- [x][ref] is one too, in a second sentence\n\n[ref]: https://example.org\n"
    result = parse_markdown(text, "l.md")
    assert not result.is_plan and result.items == () and len(result.cards) == 1


# -- 3. heading edits keep history -----------------------------------------------------------------


def _review_every_card(collection) -> dict[int, int]:  # type: ignore[no-untyped-def]
    """Give every active card two reviews; returns card id -> number of reviews."""
    from datetime import timedelta

    from conftest import NOW
    from factories import add_reviews

    with collection.write() as session:
        for card in session.scalars(select(Card).where(Card.retired_at.is_(None))).all():
            add_reviews(session, card, [(3, NOW - timedelta(days=3)), (3, NOW - timedelta(days=1))])
    return _reviews(collection)


def _reviews(collection) -> dict[int, int]:  # type: ignore[no-untyped-def]
    from srs.store.models import Review

    with collection.read() as session:
        rows = session.execute(select(Review.card_id)).scalars().all()
    counts: dict[int, int] = {}
    for card_id in rows:
        counts[card_id] = counts.get(card_id, 0) + 1
    return counts


HEADING_EDITS = [
    # (file, old text, new text, cards whose front changes)
    ("plan_weeks.md", "### 第五周(6.9~6.15)", "### 第五周(6.9~6.15) 集成学习与强化学习", 2),  # lengthened by a topic
    ("plan_weeks.md", "### 第五周(6.9~6.15)", "### 第五周", 2),  # shortened
    ("plan_weeks.md", "### 第五周(6.9~6.15)", "### Week 5 (6.9~6.15)", 2),  # translated
    ("plan_weeks.md", "### 第五周(6.9~6.15)", "### 第五周(6.10~6.16)", 2),  # the week's dates changed
    ("plan_weeks.md", "# 研究生学习计划", "# 2027 年的计划", 4),  # the title above every week
    ("plan_weeks.md", "### 第六周(6.16~6.22)", "### Sixth week: trees and replay", 2),  # renamed entirely
    ("note_sections.md", "## Optimisers", "## Optimization algorithms for deep networks", 2),  # a section's parent
    ("note_sections.md", "# Optimisation notes", "# Training", 3),  # the title of a note
]


@pytest.mark.parametrize(("name", "old", "new", "changed"), HEADING_EDITS, ids=[f"{e[0]}:{e[2]}" for e in HEADING_EDITS])
def test_a_heading_edit_keeps_every_card_and_its_history(srs, folder: Path, collection, name: str, old: str, new: str, changed: int) -> None:  # type: ignore[no-untyped-def]
    put(folder, name)
    report_of(srs("import", "notes", "--json"))
    before = {row[0]: row for row in active_cards(collection)}
    reviews = _review_every_card(collection)
    text = (folder / name).read_text(encoding="utf-8")
    assert old in text
    (folder / name).write_text(text.replace(old, new), encoding="utf-8")
    data = report_of(srs("import", "--json"))
    assert (data["totals"]["new"], data["totals"]["retired"], data["totals"]["updated"]) == (0, 0, changed), data["changes"]
    after = {row[0]: row for row in active_cards(collection)}
    assert set(after) == set(before)  # the same card ids
    assert sum(after[card_id][2] != before[card_id][2] for card_id in after) == changed  # only the fronts' context changed
    assert all(after[card_id][3] == before[card_id][3] for card_id in after)
    assert _reviews(collection) == reviews


def test_the_same_task_under_two_renamed_weeks_keeps_each_its_own_card(srs, folder: Path, collection) -> None:  # type: ignore[no-untyped-def]
    """The repeated task (复习梯度提升树 in weeks 5 and 6): own text first, so each keeps its card."""
    put(folder, "plan_weeks.md")
    report_of(srs("import", "notes", "--json"))
    by_back = {row[3]: row[0] for row in active_cards(collection)}
    text = (folder / "plan_weeks.md").read_text(encoding="utf-8")
    text = text.replace("### 第五周(6.9~6.15)", "### Week 6 (6.16~6.22)").replace("### 第六周(6.16~6.22)", "### Week 5 (6.9~6.15)")
    (folder / "plan_weeks.md").write_text(text, encoding="utf-8")
    data = report_of(srs("import", "--json"))
    assert (data["totals"]["new"], data["totals"]["retired"]) == (0, 0)
    assert {row[3]: row[0] for row in active_cards(collection)} == by_back


def test_a_heading_renamed_and_an_answer_lightly_edited_keep_the_cards(srs, folder: Path, collection) -> None:  # type: ignore[no-untyped-def]
    put(folder, "plan_weeks.md")
    report_of(srs("import", "notes", "--json"))
    text = (folder / "plan_weeks.md").read_text(encoding="utf-8")
    text = text.replace("### 第五周(6.9~6.15)", "### Week five").replace(
        "对数似然技巧把期望的梯度写成梯度的期望，于是可以用采样来估计。", "对数似然技巧把期望的梯度写成梯度的期望，于是可以用蒙特卡洛采样来估计。"
    )
    (folder / "plan_weeks.md").write_text(text, encoding="utf-8")
    data = report_of(srs("import", "--json"))
    assert (data["totals"]["new"], data["totals"]["retired"], data["totals"]["updated"]) == (0, 0, 2)


# -- 5. invisible characters, 6. `::` in prose, 7. cards nobody can recall ------------------------


def test_zero_width_characters_at_a_line_start_do_not_make_code(srs, folder: Path, collection) -> None:  # type: ignore[no-untyped-def]
    put(folder, "log_crlf_zero_width.md")
    data = report_of(srs("import", "notes", "--json"))
    backs = {front: back for front, back in fronts_and_backs(collection).items()}
    assert backs == {
        "Learning log › Day 1": (
            "Today the cache lines made sense: 64 bytes move together.\n\n"
            "A plain paragraph in the middle.\n\n"
            "False sharing happens when two threads write one line."
        ),
        "Learning log › Day 2": "Prefetching hides latency when the access pattern is regular.",
    }
    # One warning line for the file: what was changed, where it starts.
    assert [(p["line"], p["reason"], p["kind"]) for p in data["problems"]] == [
        (1, "CRLF line endings read as LF; zero-width characters removed", "warning")
    ]


def test_a_namespace_call_inside_prose_of_another_script_is_not_a_card(srs, folder: Path, collection) -> None:  # type: ignore[no-untyped-def]
    put(folder, "notes_cjk_code.md")
    report_of(srs("import", "notes", "--json"))
    cards = fronts_and_backs(collection)
    assert cards == {
        "并行编程笔记 › 同步": "可以用 ns::sync(stream) 来等待这一段工作完成，然后再读结果。",
        "ReLU": "max(0, x)",
        "A group of cats is called a": "clowder",
    }


def test_reference_only_and_too_long_sections_are_reported_not_cards(srs, folder: Path, collection) -> None:  # type: ignore[no-untyped-def]
    put(folder, "paper_templated.md")
    data = report_of(srs("import", "notes", "--json"))
    # Raw HTML never shows in a front.
    assert fronts_and_backs(collection) == {
        "A survey of retrieval models › Summary": "Dense retrievers embed queries and passages in one space and search by inner product."
    }
    not_cards = data["not_cards"]
    assert [(item["line"], item["what"]) for item in not_cards["reference_only"]] == [
        (69, "A survey of retrieval models › References"),
        (75, "A survey of retrieval models › Links"),
    ]
    [long] = not_cards["too_long"]
    assert long["path"] == "notes/paper_templated.md" and long["line"] == 7
    assert long["what"].startswith("section of 2898 ") and long["what"].endswith(
        "characters: too long to recall; split it with headings or write explicit cards"
    )
    text = srs("import", env={"COLUMNS": "200"}).output  # unchanged: still listed, from what was stored
    assert f"not a card: notes/paper_templated.md:7: {long['what']}" in text
    assert "2 sections of links, images or citations only: not cards (srs import --json lists them)" in text


def test_the_length_limit_is_a_setting(srs, folder: Path, collection) -> None:  # type: ignore[no-untyped-def]
    put(folder, "paper_templated.md")
    report_of(srs("import", "notes", "--json"))
    assert srs("config", "set", "import_max_chars", "0").exit_code == 0
    data = report_of(srs("import", "--json"))  # another limit re-reads every file
    assert data["totals"]["new"] == 1 and data["not_cards"]["too_long"] == []
    assert srs("config", "set", "import_max_chars", "-5").exit_code != 0
    assert srs("config", "set", "import_max_chars", "2000").exit_code == 0
    data = report_of(srs("import", "--json"))
    assert data["totals"]["retired"] == 1 and len(data["not_cards"]["too_long"]) == 1


# -- 8. decks at a root ------------------------------------------------------------------------------


def _flat_vault(folder: Path, files: int) -> None:
    for index in range(files):
        (folder / f"note {index}.md").write_text(f"# Note {index}\n\n## Idea\n\nThe idea of note {index}.\n", encoding="utf-8")
    (folder / "Maths").mkdir()
    (folder / "Maths" / "limits.md").write_text("# Limits\n\n## Squeeze\n\nBounded on both sides.\n", encoding="utf-8")


def test_a_flat_folder_is_one_deck_and_sub_folders_are_decks(srs, folder: Path, collection) -> None:  # type: ignore[no-untyped-def]
    _flat_vault(folder, 12)
    data = report_of(srs("import", "notes", "--json"))
    assert {name: counts["new"] for name, counts in data["decks"].items()} == {"notes": 12, "Maths": 1}
    status = srs("status", env={"COLUMNS": "120"}).output
    assert "note 3" not in status
    data = report_of(srs("import", "notes", "--deck", "Vault", "--json"))
    assert {name: counts["updated"] for name, counts in data["decks"].items()} == {"Vault": 12, "Vault::Maths": 1}


def test_decks_of_an_older_collection_are_merged_with_their_history(srs, folder: Path, collection, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A collection imported when a file at the top of a root was a deck of its own."""
    _flat_vault(folder, 3)
    real_deck_for = import_files.deck_for

    def one_deck_per_file(path, root_path, root_deck, front_matter_deck):  # type: ignore[no-untyped-def]
        if path.parent == root_path and not root_deck and not front_matter_deck:
            return path.stem
        return real_deck_for(path, root_path, root_deck, front_matter_deck)

    monkeypatch.setattr(import_files, "deck_for", one_deck_per_file)  # the cards of a parsed file
    monkeypatch.setattr(import_plan, "deck_for", one_deck_per_file)  # a file without cards
    report_of(srs("import", "notes", "--json"))
    monkeypatch.undo()
    from srs.store import imports as q

    with collection.write() as session:
        q.set_parser_version(session, 2)  # the version of that parser: the new one re-reads every file
    before = {row[0] for row in active_cards(collection)}
    reviews = _review_every_card(collection)
    data = report_of(srs("import", "--json"))
    assert data["deck_changes"] == [
        {"old": f"note {index}", "new": "notes", "cards": 1, "merged": True} for index in range(3)
    ]
    assert (data["totals"]["new"], data["totals"]["retired"]) == (0, 0)
    assert {row[0] for row in active_cards(collection)} == before and _reviews(collection) == reviews
    status = srs("status", env={"COLUMNS": "120"}).output
    assert "note 1" not in status and "notes" in status  # the emptied decks are gone
    assert report_of(srs("import", "--json"))["deck_changes"] == []


# -- 4. an Obsidian vault's own settings ----------------------------------------------------------


def _vault(folder: Path, settings: dict) -> Path:  # type: ignore[type-arg]
    plugin = folder / ".obsidian" / "plugins" / "obsidian-spaced-repetition"
    plugin.mkdir(parents=True)
    (plugin / "data.json").write_text(json.dumps({"settings": settings, "buryDate": "", "buryList": []}), encoding="utf-8")
    return plugin / "data.json"


VAULT_SETTINGS = {
    "singleLineCardSeparator": ";;",
    "singleLineReversedCardSeparator": ";;;",
    "multilineCardSeparator": "%%",
    "multilineReversedCardSeparator": "%%%",
    "convertBoldTextToClozes": True,
    "flashcardTags": ["#flashcards"],
}


def test_a_vault_is_read_with_its_own_separators_and_cloze_settings(srs, folder: Path, collection) -> None:  # type: ignore[no-untyped-def]
    _vault(folder, VAULT_SETTINGS)
    put(folder, "vault_cards.md")
    data = report_of(srs("import", "notes", "--json"))
    cards = sorted((front, back) for _id, _key, front, back, _path in active_cards(collection))
    assert cards == sorted(
        [
            ("Capital of Kenya", "Nairobi"),
            ("Cat", "Gato"),
            ("Gato", "Cat"),
            ("The [...] turns sound into nerve signals.", "The cochlea turns sound into nerve signals."),
            ("Which layer routes packets?", "The network layer."),
        ]
    )
    assert data["vaults"] == [
        "notes: Obsidian vault; its spaced-repetition settings are used (singleLineCardSeparator=;;, "
        "singleLineReversedCardSeparator=;;;, multilineCardSeparator=%%, multilineReversedCardSeparator=%%%, convertBoldTextToClozes=True)"
    ]
    # `Ohm's law::V = IR` is a card under the default separator: one hint for the file, not silence.
    [hint] = [p for p in data["problems"] if p["reason"].startswith("hint:")]
    assert hint["line"] == 7 and "`::`" in hint["reason"] and "`;;`" in hint["reason"]
    assert report_of(srs("import", "--json"))["totals"]["unchanged"] == 5


def test_changing_the_vault_settings_reads_the_notes_again(srs, folder: Path, collection) -> None:  # type: ignore[no-untyped-def]
    settings_file = _vault(folder, VAULT_SETTINGS)
    put(folder, "vault_cards.md")
    report_of(srs("import", "notes", "--json"))
    settings_file.write_text(json.dumps({"settings": {}}), encoding="utf-8")  # back to the defaults
    data = report_of(srs("import", "--json"))
    fronts = {front for _id, _key, front, _back, _path in active_cards(collection)}
    assert "Ohm's law" in fronts and "Capital of Kenya" not in fronts
    assert data["totals"]["new"] >= 1 and data["totals"]["retired"] >= 1


def test_a_broken_vault_settings_file_is_a_warning_and_the_defaults(srs, folder: Path, collection) -> None:  # type: ignore[no-untyped-def]
    settings_file = _vault(folder, VAULT_SETTINGS)
    settings_file.write_text("{not json", encoding="utf-8")
    put(folder, "vault_cards.md")
    data = report_of(srs("import", "notes", "--json"))
    assert any("data.json: cannot be read" in p["reason"] and p["kind"] == "warning" for p in data["problems"])
    assert "Ohm's law" in {front for _id, _key, front, _back, _path in active_cards(collection)}


def test_a_hint_for_a_card_written_with_another_separator_outside_a_vault(srs, folder: Path) -> None:  # type: ignore[no-untyped-def]
    put(folder, "vault_cards.md")
    data = report_of(srs("import", "notes", "--json"))
    hints = [p for p in data["problems"] if p["reason"].startswith("hint:")]
    assert [(h["line"], h["reason"]) for h in hints] == [
        (5, "hint: this line would be a card with the separator `;;`; cards here use `::`")
    ]  # once per file


def test_srs_config_sets_the_card_syntax_per_root(srs, tmp_path: Path, folder: Path, collection) -> None:  # type: ignore[no-untyped-def]
    other = tmp_path / "other"
    other.mkdir()
    put(folder, "vault_cards.md")
    shutil.copy(REAL / "vault_cards.md", other / "vault_cards.md")
    result = srs("config", "set", "import_separator", ";;", "--root", "notes")
    assert result.exit_code == 0 and result.output.strip() == "import_separator = ;; (notes under notes)"
    assert srs("config", "set", "import_reversed", ";;;", "--root", "notes").exit_code == 0
    assert srs("config", "set", "import_bold_clozes", "on", "--root", "notes").exit_code == 0
    bad = srs("config", "set", "new_per_day", "3", "--root", "notes")
    assert bad.exit_code == 1 and "not set per folder" in bad.output
    assert srs("config", "set", "import_separator", "a b").exit_code == 1
    report_of(srs("import", "notes", "other", "--json"))
    fronts: dict[str, set[str]] = {}
    for _id, _key, front, _back, path in active_cards(collection):
        fronts.setdefault(Path(path).parent.name, set()).add(front)
    assert {"Capital of Kenya", "Cat", "Gato", "The [...] turns sound into nerve signals."} <= fronts["notes"]
    assert "Ohm's law" not in fronts["notes"] and "Ohm's law" in fronts["other"] and "Cat" not in fronts["other"]
    # The collection-wide value applies where no root sets one.
    assert srs("config", "set", "import_separator", "::").exit_code == 0
    assert report_of(srs("import", "--json"))["totals"]["new"] == 0
