"""A card's Markdown as the review screen draws it with rich: LaTeX made readable (``\\frac{a}{b}``
as ``a/b``), framed code blocks, left-aligned headings, image references, and no trailing blank lines."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import ClassVar

from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.dollarmath import dollarmath_plugin
from rich import box
from rich.console import Console, ConsoleOptions, JustifyMethod, RenderableType, RenderResult
from rich.markdown import CodeBlock, Heading, ImageItem, Markdown, MarkdownElement, TextElement
from rich.padding import Padding
from rich.panel import Panel
from rich.segment import Segment
from rich.syntax import Syntax
from rich.text import Text

from srs.text import plain

CODE_THEME = "ansi_dark"


_FRACTION = re.compile(r"\\(d|t)?(frac|binom)(?![A-Za-z])")


# What needs no parentheses: a word or number (a fraction's side, a subscript such as max),
# and in a superscript only one letter, a number or one command (x^{2n} is x^(2n)).
_SIMPLE = re.compile(r"\s*(?:[A-Za-z0-9.]+|\\[A-Za-z]+(?:\{[^{}]*\})?)\s*")


_SIMPLE_EXPONENT = re.compile(r"\s*(?:[A-Za-z]|[0-9.]+|\\[A-Za-z]+(?:\{[^{}]*\})?)\s*")


def _argument(latex: str, start: int) -> tuple[str, int] | None:
    """The TeX argument at ``start`` (a braced group's content, a command or one character)
    and where it ends; None when there is none."""
    index = start
    while index < len(latex) and latex[index] == " ":
        index += 1
    if index >= len(latex) or latex[index] in "}^_":
        return None
    if latex[index] == "{":
        depth = 0
        for end in range(index, len(latex)):
            char = latex[end]
            if char == "\\":
                continue
            if char == "{" and latex[end - 1] != "\\":
                depth += 1
            elif char == "}" and latex[end - 1] != "\\":
                depth -= 1
                if depth == 0:
                    return latex[index + 1 : end], end + 1
        return None  # unbalanced
    if latex[index] == "\\":
        match = re.match(r"\\(?:[A-Za-z]+|.)", latex[index:])
        assert match is not None
        return match.group(), index + match.end()
    return latex[index], index + 1


def explicit_grouping(latex: str) -> str:
    """LaTeX whose grouping survives conversion to plain text: ``\\frac{a+b}{c}`` ->
    ``(a+b)/c``, ``\\binom{n}{k}`` -> ``C(n, k)``, ``x^{2n}`` -> ``x^(2n)`` (a braced group of
    more than one symbol gets parentheses; pylatexenc would drop the braces and change what
    the formula says)."""
    out: list[str] = []
    index = 0
    while index < len(latex):
        fraction = _FRACTION.match(latex, index)
        if fraction is not None:
            first = _argument(latex, fraction.end())
            second = _argument(latex, first[1]) if first is not None else None
            if first is not None and second is not None:
                top, bottom = explicit_grouping(first[0]), explicit_grouping(second[0])
                if fraction.group(2) == "binom":
                    out.append(f"C({top}, {bottom})")
                else:
                    out.append(f"{_parenthesised(top)}/{_parenthesised(bottom)}")
                index = second[1]
                continue
        char = latex[index]
        if char in "^_" and latex[index + 1 : index + 2] == "{":
            group = _argument(latex, index + 1)
            if group is not None:
                out.append(char + _parenthesised(explicit_grouping(group[0]), _SIMPLE_EXPONENT if char == "^" else _SIMPLE))
                index = group[1]
                continue
        if char == "\\" and index + 1 < len(latex):
            out.append(latex[index : index + 2])  # an escaped character or a command's first letter
            index += 2
            continue
        out.append(char)
        index += 1
    return "".join(out)


def _parenthesised(text: str, simple: re.Pattern[str] = _SIMPLE) -> str:
    return text if simple.fullmatch(text) else f"({text})"


def readable_math(latex: str) -> str:
    """LaTeX as Unicode text for the terminal (``\\frac{a+b}{c}`` -> ``(a+b)/c``, ``\\sum`` ->
    ``∑``, ``\\alpha`` -> ``α``) by pylatexenc after :func:`explicit_grouping`; the source
    itself where it cannot be converted."""
    import logging

    from pylatexenc.latex2text import LatexNodes2Text

    logger = logging.getLogger("pylatexenc")
    level, logger.level = logger.level, logging.CRITICAL  # a broken macro is not the reader's concern
    try:
        text = LatexNodes2Text(math_mode="text", strict_latex_spaces="based-on-source").latex_to_text(explicit_grouping(latex))
    except Exception:  # any parse failure: show what was written
        return latex
    finally:
        logger.setLevel(level)
    text = " ".join(line.strip() for line in text.splitlines() if line.strip()) if "\n" not in latex.strip() else text
    return latex if "%s" in text or not text.strip() else text


class MathBlock(TextElement):
    """``$$ ... $$`` on its own lines: the formula in Unicode (see :func:`readable_math`),
    indented, in the math style."""
    style_name = "markdown.math_block"

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        shown = readable_math(self.text.plain.strip("\n")).strip("\n")
        yield Padding(Text(shown, style=console.get_style(self.style_name, default="none")), (0, 0, 0, 4))


class FramedCodeBlock(CodeBlock):
    """A code block highlighted in the terminal's colours inside a light frame (titled
    with its language), so it stands apart from the text without a background block."""
    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        code = str(self.text).rstrip()
        syntax = Syntax(code, self.lexer_name, theme=self.theme, word_wrap=True, padding=0, background_color="default")
        border = console.get_style("review.code.border", default="dim")
        title = None if self.lexer_name == "text" else Text(self.lexer_name, style=border)
        yield Panel(syntax, box=box.ROUNDED, border_style=border, title=title, title_align="right", expand=False, padding=(0, 1))


class LeftHeading(Heading):
    """Headings aligned with the text (rich centres level 1, which reads oddly on a card)."""
    LEVEL_ALIGN: ClassVar[dict[str, JustifyMethod]] = dict.fromkeys(("h1", "h2", "h3", "h4", "h5", "h6"), "left")


class ImageReference(ImageItem):
    """An image shown as its path (and alt text), never as a link to follow."""
    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        alt = self.text.plain.strip()
        label = f"[image: {self.destination}" + (f" \u2014 {alt}" if alt and alt != self.destination else "") + "]"
        yield Text(label, style=console.get_style("markdown.image", default="none"), end="")


class NoteMarkdown(Markdown):
    """rich's Markdown with LaTeX kept as visible source, raw HTML shown as text, images as
    paths, links followed by their address, and code blocks in the terminal's colours."""
    elements: ClassVar[dict[str, type[MarkdownElement]]] = {
        **Markdown.elements,
        "math_block": MathBlock,
        "image": ImageReference,
        "fence": FramedCodeBlock,
        "code_block": FramedCodeBlock,
        "heading_open": LeftHeading,
    }
    inlines = {*Markdown.inlines, "math"}

    def __init__(self, markup: str) -> None:
        super().__init__("", code_theme=CODE_THEME, hyperlinks=False)
        parser = (
            MarkdownIt("commonmark", {"html": False})
            .enable("strikethrough")
            .enable("table")
            .use(dollarmath_plugin, double_inline=True, allow_space=True, allow_digits=False)
        )
        self.markup = markup
        self.parsed = list(_visible_math(parser.parse(markup)))


def _visible_math(tokens: Iterable[Token]) -> Iterable[Token]:
    for token in tokens:
        if token.type in ("math_inline", "math_inline_double"):
            token.content = readable_math(token.content)
        elif token.type in ("math_block", "math_block_label"):
            token.type = "math_block"
            token.tag = "math_block"
            token.content = token.content.strip("\n")
        if token.children:
            token.children = list(_visible_math(token.children))
        yield token


class Trimmed:
    """A renderable without the blank lines rich puts before some blocks (a list that
    opens a note), so every card's text starts right under its rule."""
    def __init__(self, renderable: RenderableType) -> None:
        self.renderable = renderable

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        lines = console.render_lines(self.renderable, options, pad=False)
        blank = lambda line: not "".join(segment.text for segment in line).strip()  # noqa: E731
        while lines and blank(lines[0]):
            lines.pop(0)
        while lines and blank(lines[-1]):
            lines.pop()
        newline = Segment.line()
        for line in lines:
            yield from line
            yield newline


def note(text: str) -> RenderableType:
    """Note text (front or back of a card) as a renderable, shown literally."""
    cleaned = plain(text).strip("\n")
    if not cleaned.strip():
        return Text("(empty)", style="review.dim")
    return Trimmed(NoteMarkdown(cleaned))
