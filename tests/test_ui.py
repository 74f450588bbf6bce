"""Shared terminal output: CJK text wraps between characters, not only at spaces."""

from __future__ import annotations

import importlib
from io import StringIO

from hypothesis import given
from hypothesis import strategies as st
from rich.cells import cell_len
from rich.markdown import Markdown

from srs.render.console import cjk_words, make_console

RICH_WORD = importlib.import_module("rich._wrap").re_word  # rich's own word pattern (its splitter is replaced)

PARAGRAPH = "KV cache 随生成的 token 逐个增长，如果按最大长度给每个请求预留一整块连续显存，会浪费在没生成的位置和碎片上。"


@given(st.text())
def test_words_cover_any_text_exactly(text: str) -> None:
    words = list(cjk_words(text))
    # As rich's own splitter: every character but a text of white space only (no words).
    assert "".join(word for _, _, word in words) == (text if text.strip() else "")
    assert all(text[start:end] == word for start, end, word in words)


@given(st.text(alphabet=st.characters(max_codepoint=0x2E7F)))
def test_text_without_cjk_splits_as_rich_splits_it(text: str) -> None:
    assert list(cjk_words(text)) == [(m.start(), m.end(), m.group()) for m in RICH_WORD.finditer(text)]


def test_a_chinese_paragraph_fills_each_line_before_it_wraps() -> None:
    out = StringIO()
    make_console(out, width=40).print(Markdown(PARAGRAPH))
    lines = [line.rstrip() for line in out.getvalue().splitlines() if line.strip()]
    assert "".join(lines).replace(" ", "") == PARAGRAPH.replace(" ", "")
    assert all(cell_len(line) >= 38 for line in lines[:-1])  # no half-empty line before a run of Chinese


def test_closing_punctuation_never_starts_a_line() -> None:
    for width in range(10, 41):
        out = StringIO()
        make_console(out, width=width).print(Markdown(PARAGRAPH))
        assert not any(line.lstrip().startswith(("，", "。")) for line in out.getvalue().splitlines())


def test_latin_words_still_break_at_spaces() -> None:
    out = StringIO()
    make_console(out, width=20).print("the quick brown fox jumps over the lazy dog")
    assert out.getvalue().splitlines()[0].rstrip() == "the quick brown fox"
