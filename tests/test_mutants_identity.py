"""Card identity's similarity and ranking rules pinned case by case (make mutate, area identity),
through the public matching on parsed notes: the text of a card weighs first, its heading path
second; each threshold with a pair exactly at its edge. Ratios are difflib's 2*M/T, counted by hand
(M matching characters, T the characters of both strings)."""

from __future__ import annotations

import pytest

from srs.domain.identity import Change, Incoming, Stored, incoming, match_cards, similarity
from srs.domain.parser import parse_markdown

FAR = "# Alpha chapter one\n\n"  # far from "Zeta": the headings share almost nothing
NEAR_NEW = "# Zeta\n\n"


def cards(path: str, text: str) -> list[Incoming]:
    return [incoming(path, card, deck="D", tags=card.tags) for card in parse_markdown(text, path).cards]


def stored(new: list[Incoming]) -> list[Stored]:
    return [
        Stored(id=index + 1, key=c.key, kind=c.kind, source_path=c.source_path, source_line=c.line, heading_path=c.heading_path,
               back=c.back, content_hash=c.content_hash, fingerprint=c.fingerprint, retired=False)
        for index, c in enumerate(new)
    ]


def matched(old_text: str, new_text: str) -> list[tuple[Change, int | None]]:
    result = match_cards(cards("/n/c.md", new_text), stored(cards("/n/c.md", old_text)))
    return [(m.change, m.stored.id if m.stored else None) for m in result.matches]


# --- similarity -----------------------------------------------------------------------------------


def test_similarity_of_equal_and_empty_strings() -> None:
    assert similarity("", "") == 1.0
    assert similarity("abc", "abc") == 1.0
    assert similarity("abc", "") == 0.0
    assert similarity("", "abc") == 0.0


def test_similarity_is_the_ratio_of_matching_characters() -> None:
    assert similarity("abcdefghij", "abcdefghXY") == pytest.approx(0.8)  # 2*8/20
    assert similarity("abcd", "abXY") == pytest.approx(0.5)


def test_similarity_below_the_quick_bound_is_the_quick_bound_and_at_it_the_true_ratio() -> None:
    # 3 of 5 letters shared in any order: quick ratio 2*3/10 = 0.6, exactly the lower bound, so the
    # true ratio is computed: one block ('a') matches in order, 2*1/10 = 0.2.
    assert similarity("abcde", "cbaxy") == pytest.approx(0.2)
    # 2 of 5 shared: quick ratio 0.4 < 0.6 is returned as it is
    assert similarity("abcde", "baxyz") == pytest.approx(0.4)
    # lengths 3 and 7: the length bound 2*3/10 = 0.6 is exactly the edge, so the quick ratio (0.6,
    # all three letters shared) and then the true ratio are computed: only 'c' matches in order, 0.2
    assert similarity("cba", "abcdefg") == pytest.approx(0.2)


def test_similarity_of_long_texts_counts_common_characters_too() -> None:
    # 240 digits (a long number in a note), one changed: 2*239/480. difflib's "autojunk" would drop
    # every digit (each is over 1% of a text over 200 characters) and call the two texts unalike.
    text = str(7**400)[:240]
    edited = text[:100] + ("1" if text[100] != "1" else "2") + text[101:]
    assert similarity(text, edited) == pytest.approx(478 / 480)


# --- the card's own text first, the heading path second ---------------------------------------------


def test_same_question_and_answer_under_a_renamed_heading_beats_a_near_question_under_the_same_heading() -> None:
    old = FAR + "What is the capital city of France::Paris\n\n" + NEAR_NEW + "What is the capital city of Franc::Paris\n"
    new = NEAR_NEW + "What is the capital city of France::Paris\n"
    assert matched(old, new) == [(Change.UPDATED, 1)]


def test_of_two_identical_cards_the_one_under_the_more_similar_heading_wins_over_the_nearer_line() -> None:
    old = "# Zeta notes\n\nWhat is the capital city of France::Paris\n\n" + FAR + "What is the capital city of France::Paris\n"
    new = "# Zeta note\n\nWhat is the capital city of France::Paris\n\n\n\n\n\n"
    # card 2 is under a far heading; the new card's line is nearer card 1 anyway, so put card 1 last
    old_swapped = FAR + "What is the capital city of France::Paris\n\n" + "# Zeta notes\n\nWhat is the capital city of France::Paris\n"
    new_far_down = "\n" * 3 + "# Zeta note\n\nWhat is the capital city of France::Paris\n"
    assert matched(old_swapped, new_far_down.lstrip("\n")) == [(Change.UPDATED, 2)]
    assert matched(old, new) == [(Change.UPDATED, 1)]


# --- headings changed a lot: the card's own text must carry the match ----------------------------------


def test_far_heading_same_answer_question_exactly_at_the_edge_is_the_same_card() -> None:
    old = FAR + "abcdefghij::Same answer\n"
    assert matched(old, NEAR_NEW + "abcdefghXY::Same answer\n") == [(Change.UPDATED, 1)]  # 0.8
    assert matched(old, NEAR_NEW + "abcdefgXYZ::Same answer\n") == [(Change.NEW, None)]  # 0.7


def test_far_heading_same_question_answer_exactly_at_the_edge_is_the_same_card() -> None:
    old = FAR + "What is X::abcdefghij\n"
    assert matched(old, NEAR_NEW + "What is X::abcdefghXY\n") == [(Change.UPDATED, 1)]  # 0.8
    assert matched(old, NEAR_NEW + "What is X::abcdefgXYZ\n") == [(Change.NEW, None)]  # 0.7


def test_far_heading_other_question_with_a_near_answer_is_a_new_card() -> None:
    old = FAR + "Who wrote the Iliad::The answer is forty two\n"
    assert matched(old, NEAR_NEW + "Completely other matter::The answer is forty two!\n") == [(Change.NEW, None)]


# --- interning of heading paths -----------------------------------------------------------------------


def test_shared_heading_dict_keeps_each_cards_own_heading() -> None:
    parsed = parse_markdown("# One\n\nQ1::A1\n\n# Two\n\nQ2::A2\n\n# One\n\nQ3::A3\n", "/n/h.md")
    shared: dict[str, str] = {}
    placed = [incoming("/n/h.md", card, deck="D", tags=(), headings=shared) for card in parsed.cards]
    alone = [incoming("/n/h.md", card, deck="D", tags=()) for card in parsed.cards]
    assert [c.heading_path for c in placed] == [c.heading_path for c in alone]
    assert placed[0].heading_path != placed[1].heading_path
    assert placed[0].heading_path is placed[2].heading_path  # one string per heading path of a file


# --- repeats of one card in a file, moves, new cards --------------------------------------------------


def plan(*notes: str) -> str:
    return "# Plan\n\n## Week 1\n\n" + "".join(f"- [x] Read a paper\n\n  {note}\n\n" for note in notes)


def stored_as(new: list[Incoming], ids: list[int], retired: set[int] = frozenset()) -> list[Stored]:  # type: ignore[assignment]
    return [
        Stored(id=i, key=c.key, kind=c.kind, source_path=c.source_path, source_line=c.line, heading_path=c.heading_path,
               back=c.back, content_hash=c.content_hash, fingerprint=c.fingerprint, retired=i in retired)
        for i, c in zip(ids, new)
    ]


def test_unchanged_repeats_keep_their_own_cards_whatever_their_ids() -> None:
    old = stored_as(cards("/n/p.md", plan("Same note.", "Same note.")), [2, 1])  # the second repeat is the older card
    result = match_cards(cards("/n/p.md", plan("Same note.", "Same note.")), old)
    assert [(m.change, m.stored.id, m.how) for m in result.matches] == [(Change.UNCHANGED, 2, "key"), (Change.UNCHANGED, 1, "key")]


def test_a_repeat_whose_content_moved_takes_an_active_twin_before_a_retired_one() -> None:
    old = stored_as(cards("/n/p.md", plan("Other.", "GPT: next token.", "GPT: next token.")), [1, 2, 3], retired={2})
    result = match_cards(cards("/n/p.md", plan("GPT: next token.", "Brand new B.", "Brand new C.")), old)
    assert (result.matches[0].stored.id, result.matches[0].how) == (3, "key")


def test_an_edited_answer_under_the_same_key_is_updated_by_key() -> None:
    old = stored(cards("/n/c.md", "Warp size::32\nCapital of Peru::Lima\n"))
    result = match_cards(cards("/n/c.md", "Warp size::32 threads\nCapital of Peru::Lima\n"), old)
    assert [(m.change, m.stored.id, m.how) for m in result.matches] == [(Change.UPDATED, 1, "key"), (Change.UNCHANGED, 2, "key")]


def test_similar_pairs_tie_on_score_go_to_the_nearest_line_counting_an_unknown_line_as_zero() -> None:
    new = cards("/n/c.md", "What is the capital of France?::Paris\n")  # line 1
    twin = cards("/n/c.md", "What is the capitol of France?::Paris\n")[0]
    lineless = Stored(id=1, key=twin.key + "x", kind=twin.kind, source_path=twin.source_path, source_line=None, heading_path=twin.heading_path,
                      back=twin.back, content_hash="a", fingerprint="a", retired=False)
    on_line_1 = Stored(id=2, key=twin.key + "y", kind=twin.kind, source_path=twin.source_path, source_line=1, heading_path=twin.heading_path,
                       back=twin.back, content_hash="b", fingerprint="b", retired=False)
    result = match_cards(new, [lineless, on_line_1])
    assert (result.matches[0].stored.id, result.matches[0].how) == (2, "similar")
    assert [s.id for s in result.retired] == [1]


def test_a_card_moved_from_another_file_after_an_unchanged_one_is_moved() -> None:
    here = cards("/n/a.md", "Warp size::32\n")
    elsewhere = stored_as(cards("/n/b.md", "Capital of Peru::Lima\n"), [7])
    result = match_cards(cards("/n/a.md", "Warp size::32\nCapital of Peru::Lima\n"), stored_as(here, [1]), elsewhere)
    assert [(m.change, m.stored.id if m.stored else None, m.how) for m in result.matches] == [(Change.UNCHANGED, 1, "key"), (Change.MOVED, 7, "content")]


def test_new_cards_are_new_with_no_stored_card_and_no_how() -> None:
    result = match_cards(cards("/n/a.md", "Warp size::32\n"), [])
    assert [(m.change, m.stored, m.how) for m in result.matches] == [(Change.NEW, None, "")]
    assert result.retired == []


def test_same_content_elsewhere_prefers_an_active_card_to_a_retired_one_of_lower_id() -> None:
    retired = stored_as(cards("/n/b.md", "Capital of Peru::Lima\n"), [3], retired={3})
    active = stored_as(cards("/n/c.md", "Capital of Peru::Lima\n"), [9])
    result = match_cards(cards("/n/a.md", "Capital of Peru::Lima\n"), [], retired + active)
    assert [(m.change, m.stored.id if m.stored else None, m.how) for m in result.matches] == [(Change.MOVED, 9, "content")]
    result = match_cards(cards("/n/a.md", "Capital of Peru::Lima\n"), [], retired)
    assert [(m.change, m.stored.id if m.stored else None) for m in result.matches] == [(Change.REVIVED, 3)]
