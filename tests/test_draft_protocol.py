"""srs draft: the prompt and the strict reading of a model's reply (every malformed case)."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from srs.domain.draft_protocol import MAX_CARDS, MalformedReply, Pair, build_prompt, note_language, read_reply

ZH_NOTE = "FlashAttention 把注意力矩阵分块计算，每一块放进片上 SRAM，减少对显存的读写。"
EN_NOTE = "FlashAttention splits the attention matrix into tiles that fit in on-chip SRAM."


def reply(*pairs: tuple[str, str]) -> str:
    return json.dumps({"cards": [{"q": q, "a": a} for q, a in pairs]}, ensure_ascii=False)


def test_language_is_the_notes_script() -> None:
    assert note_language(ZH_NOTE).script == "cjk"
    assert note_language(EN_NOTE).script == "latin"
    # A Chinese note full of English terms is still Chinese.
    mixed = "关键是形状变换：(batch, seq, d_model) → (batch, heads, seq, d_head)，用 view 再 transpose。"
    assert note_language(mixed).script == "cjk"
    assert note_language("これは日本語のノートです").name == "Japanese"


def test_prompt_holds_the_note_its_language_and_the_rules() -> None:
    system, prompt = build_prompt("研一 学习计划 › 第一周 › FlashAttention\n\n学到了什么？", ZH_NOTE)
    assert ZH_NOTE in prompt and "第一周" in prompt
    assert "Chinese" in system and "1 to 5 cards" in system
    assert '{"cards": []}' in system  # nothing to recall
    assert "stated in the note" in system  # answerable from the note alone
    system_en, _ = build_prompt("Notes › Attention", EN_NOTE)
    assert "Chinese" not in system_en and "the language the note is written in" in system_en


def test_a_valid_reply_and_an_empty_one() -> None:
    assert read_reply(reply(("FlashAttention 减少什么？", "显存的读写")), ZH_NOTE) == [Pair("FlashAttention 减少什么？", "显存的读写")]
    assert read_reply('{"cards": []}', ZH_NOTE) == []
    # One Markdown code fence around the object is how chat models answer: accepted.
    fenced = "```json\n" + reply(("Where do the tiles fit?", "In on-chip SRAM")) + "\n```"
    assert read_reply(fenced, EN_NOTE) == [Pair("Where do the tiles fit?", "In on-chip SRAM")]
    # Newlines inside a side are folded (a card is one line); repeated questions kept once.
    twice = reply(("What fits in SRAM?", "the\ntiles"), ("What fits in SRAM?", "tiles"))
    assert read_reply(twice, EN_NOTE) == [Pair("What fits in SRAM?", "the tiles")]


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "empty reply"),
        ("I cannot help with that.", "no JSON object"),
        ('Here are your cards: {"cards": []}', "extra prose before"),
        ('{"cards": []}\nHope this helps!', "extra prose after"),
        ('{"cards": [{"q": "What fits in SRAM?", "a": "the til', "truncated"),
        ('{"cards": [{"q": "What fits in SRAM?", "a": "tiles"}', "truncated"),
        ("```json\n{\"cards\": []}", "truncated"),
        ('```json\n{"cards": []}\n```\nThese are the cards.', "extra prose"),
        ('[{"q": "a", "a": "b"}]', "not the asked structure"),
        ('{"flashcards": []}', "not the asked structure"),
        ('{"cards": [], "note": "x"}', "not the asked structure"),
        ('{"cards": {"q": "x", "a": "y"}}', "not the asked structure"),
        ('{"cards": ["What fits in SRAM? tiles"]}', "card 1 is not an object"),
        ('{"cards": [{"q": "What fits?"}]}', "no 'a' string"),
        ('{"cards": [{"q": "What fits?", "a": 3}]}', "no 'a' string"),
        ('{"cards": [{"q": "  ", "a": "tiles"}]}', "empty 'q'"),
        ('{"cards": [{"q": "What fits?", "a": "tiles", "hint": "x"}]}', "not an object"),
        ('{"cards": [{"q": "x", "a": "y"}] trailing', "not valid JSON"),
        ("{'cards': []}", "not valid JSON"),
    ],
)
def test_malformed_replies_say_why(text: str, reason: str) -> None:
    with pytest.raises(MalformedReply, match=reason):
        read_reply(text, EN_NOTE)


def test_too_many_cards_is_malformed() -> None:
    many = reply(*[(f"Question {i} about SRAM?", "tiles") for i in range(MAX_CARDS + 1)])
    with pytest.raises(MalformedReply, match="at most 5"):
        read_reply(many, EN_NOTE)


def test_wrong_language_both_ways() -> None:
    with pytest.raises(MalformedReply, match="wrong language"):
        read_reply(reply(("What does FlashAttention reduce?", "显存的读写")), ZH_NOTE)
    with pytest.raises(MalformedReply, match="wrong language"):
        read_reply(reply(("这些块放在哪里？", "SRAM")), EN_NOTE)
    # English terms in a Chinese question, or an English answer, are fine.
    assert read_reply(reply(("FlashAttention 把什么放进 SRAM？", "tiles")), ZH_NOTE)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_any_text_is_cards_or_one_malformed_reason(text: str) -> None:
    try:
        pairs = read_reply(text, EN_NOTE)
    except MalformedReply as error:
        assert str(error) and "\n" not in str(error)
    else:
        assert len(pairs) <= MAX_CARDS
