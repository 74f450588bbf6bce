"""srs draft: the grounding rule (srs/domain/grounding.py) on Chinese, English, mixed and LaTeX notes."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from srs.domain.grounding import ground, tokens

ZH = "FlashAttention 把注意力矩阵分块计算，每一块放进片上 SRAM，从而减少对显存 HBM 的读写次数。它不近似注意力，结果和标准注意力完全相同。"
EN = "FlashAttention splits the attention matrix into tiles that fit in on-chip SRAM, which cuts the reads and writes to HBM. It is exact: the result equals standard attention."
MIXED = "推理分为 prefill 和 decode 两个阶段：prefill 一次处理整个提示词并填充 KV cache，decode 每步只生成一个 token，受显存带宽限制。"
LATEX = "The scores are divided by $\\sqrt{d_k}$ so that their variance stays 1; the cost is $O(n^2)$ in the sequence length $n$."


def test_tokens_cut_chinese_into_characters_and_drop_function_words() -> None:
    assert tokens("把注意力矩阵分块") == ["注", "意", "力", "矩", "阵", "分", "块"]  # 把 is a function character
    assert tokens("The tiles fit in SRAM") == ["tile", "fit", "sram"]
    assert tokens("用view再transpose") == ["用", "view", "再", "transpose"]
    assert tokens("$\\sqrt{d_k}$") == ["\\sqrt", "d", "k"]
    assert tokens("ＳＲＡＭ") == ["sram"]  # full width (NFKC)


@pytest.mark.parametrize(
    ("answer", "note"),
    [
        ("把注意力矩阵分块计算，每块放进 SRAM", ZH),
        ("通过分块减少显存读写", ZH),  # a paraphrase: 通过 is not in the note, the rest is
        ("不是，结果和标准注意力完全相同", ZH),
        ("It splits the attention matrix into tiles that fit in SRAM", EN),
        ("The reads and writes to HBM", EN),
        ("一次处理整个提示词并填充 KV cache", MIXED),
        ("受显存带宽限制", MIXED),
        ("So that their variance stays 1", LATEX),
        ("$O(n^2)$", LATEX),
        ("by $\\sqrt{d_k}$", LATEX),
    ],
)
def test_supported_answers_are_grounded(answer: str, note: str) -> None:
    result = ground(answer, note)
    assert result.grounded, result


@pytest.mark.parametrize(
    ("answer", "note"),
    [
        ("使用稀疏注意力和低秩近似", ZH),  # invented method
        ("把矩阵放进 CPU 内存", ZH),  # invented place
        ("It approximates attention with random features", EN),
        ("It needs 8 GPUs", EN),  # invented number
        ("受 GPU 算力限制，需要 8 张卡", MIXED),
        ("decode 每步生成 4 个 token", MIXED),  # the number is not in the note
        ("So that the variance stays 10", LATEX),  # a changed number
        ("$O(n^3)$", LATEX),
        ("力分注块计", ZH),  # the note's characters recombined: no adjacent pair is in the note
        ("的了是", ZH),  # nothing but function characters
        ("", EN),
    ],
)
def test_unsupported_answers_are_not(answer: str, note: str) -> None:
    result = ground(answer, note)
    assert not result.grounded, result


def test_the_missing_tokens_are_named() -> None:
    result = ground("It approximates attention with random features", EN)
    assert "approximate" in result.missing and "random" in result.missing
    assert 0 < result.coverage < 0.75


@given(st.text(max_size=120))
def test_a_note_grounds_itself(text: str) -> None:
    if tokens(text):
        assert ground(text, text).grounded
