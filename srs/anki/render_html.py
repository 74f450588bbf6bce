"""Card Markdown -> HTML for Anki. Pure: no I/O.

What Anki needs that a plain Markdown renderer does not give:

* **Math** in Anki's MathJax delimiters: ``$...$`` -> ``\\(...\\)``, ``$$...$$`` -> ``\\[...\\]``.
  Math is parsed as its own token (mdit-py-plugins' dollarmath, with pandoc's rules: no space
  after the opening or before the closing ``$``, no digit after the closing one, so
  ``$5 and $10`` stays text), so Markdown emphasis never mangles ``a_1 * b_2``. ``}}`` inside
  math becomes ``} }`` (same LaTeX), because Anki reads ``}}`` as the end of a cloze.
* **Code blocks** highlighted by Pygments with inline styles (no note-type CSS needed).
* **Images** as ``<img src="NAME">``: Anki's media folder is flat, so a local image is named
  by ``media_name(src)`` (by default its file name); remote ``http(s):``/``data:`` sources
  are kept. Obsidian embeds ``![[pic.png]]`` / ``![[pic.png|300]]`` are images too.
* **Raw HTML** in notes: a short allow-list of attribute-free formatting tags (``<b>``,
  ``<sub>``, ``<br>``, ...) and ``<img>`` (``src``, ``alt``, ``width``, ``height``) pass;
  every other tag is escaped and shows as text (no scripts, styles or event handlers from
  notes reach Anki). HTML comments are dropped.
* ``==text==`` is a highlight (``<mark>``); in a cloze note (``cloze=True``) each one becomes
  the next Anki cloze ``{{cN::text}}``, numbered after any ``{{cN::...}}`` already present.
"""

from __future__ import annotations

import html
import posixpath
import re
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import unquote

from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from mdit_py_plugins.dollarmath import dollarmath_plugin

MediaName = Callable[[str], str]

ALLOWED_TAGS = frozenset(
    {"b", "i", "u", "s", "em", "strong", "sub", "sup", "br", "kbd", "mark", "del", "ins", "small", "code", "hr", "p", "div", "span"}
)
VOID_TAGS = frozenset({"br", "hr", "img"})
IMG_ATTRIBUTES = ("src", "alt", "width", "height")

_TAG = re.compile(r"<!--.*?-->|<(/?)([A-Za-z][A-Za-z0-9-]*)((?:[^>\"']|\"[^\"]*\"|'[^']*')*)>", re.S)
_ATTRIBUTE = re.compile(r"([A-Za-z_:][-A-Za-z0-9_:.]*)\s*(?:=\s*(\"[^\"]*\"|'[^']*'|[^\s\"'=<>`]+))?")
_WIKI_EMBED = re.compile(r"!\[\[([^\]|\n]+?)(?:\|([^\]\n]*))?\]\]")
_CLOZE_NUMBER = re.compile(r"\{\{c(\d+)::")
_REMOTE = re.compile(r"^(?:[a-z][a-z0-9+.-]*:|//)", re.I)
_TASK_BOX = re.compile(r"^\[([ xX])\]\s+")


def is_local_source(src: str) -> bool:
    """True for a file path (relative or absolute), False for ``http:``, ``data:``, ``//host``..."""
    if not src or src.startswith("#"):
        return False
    if re.match(r"^[A-Za-z]:[\\/]", src):  # a Windows drive path
        return True
    return _REMOTE.match(src) is None


def default_media_name(src: str) -> str:
    """The file name of a local source (Anki's media folder is flat)."""
    return posixpath.basename(src.replace("\\", "/")) or src


def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": True, "highlight": _highlight})
    md.enable(["table", "strikethrough"])
    md.use(dollarmath_plugin, allow_space=False, allow_digits=False, double_inline=True)
    md.core.ruler.push("srs_marks_and_embeds", _marks_and_embeds)
    return md


def _split_marks(children: list[Token]) -> list[Token]:
    """``==text==`` in text tokens -> mark_open/mark_close tokens (balanced pairs only)."""
    positions = sum(child.content.count("==") for child in children if child.type == "text")
    usable = positions - positions % 2
    if usable == 0:
        return children
    result: list[Token] = []
    used = 0
    is_open = False
    for child in children:
        if child.type != "text" or "==" not in child.content:
            result.append(child)
            continue
        pieces = child.content.split("==")
        for index, piece in enumerate(pieces):
            if index > 0:
                if used < usable:
                    used += 1
                    is_open = not is_open
                    mark = Token("mark_open" if is_open else "mark_close", "mark", 1 if is_open else -1)
                    mark.markup = "=="
                    result.append(mark)
                else:
                    piece = "==" + piece
            if piece:
                text = Token("text", "", 0)
                text.content = piece
                result.append(text)
    return result


def _split_embeds(children: list[Token]) -> list[Token]:
    """Obsidian ``![[file|size]]`` in text tokens -> image tokens."""
    result: list[Token] = []
    for child in children:
        if child.type != "text" or "![[" not in child.content:
            result.append(child)
            continue
        start = 0
        for match in _WIKI_EMBED.finditer(child.content):
            if match.start() > start:
                text = Token("text", "", 0)
                text.content = child.content[start : match.start()]
                result.append(text)
            image = Token("image", "img", 0)
            target = match.group(1).strip()
            image.attrs = {"src": target, "alt": ""}
            size = (match.group(2) or "").strip()
            if re.fullmatch(r"\d+(?:x\d+)?", size):
                width, _, height = size.partition("x")
                image.attrs["width"] = width
                if height:
                    image.attrs["height"] = height
            image.children = []
            image.content = ""
            result.append(image)
            start = match.end()
        if start < len(child.content):
            text = Token("text", "", 0)
            text.content = child.content[start:]
            result.append(text)
    return result


def _marks_and_embeds(state: Any) -> None:
    tokens: list[Token] = state.tokens
    for index, token in enumerate(tokens):
        if token.type != "inline" or not token.children:
            continue
        children = _split_embeds(_split_marks(token.children))
        # A task-list item: "[x] text" -> a check box character.
        if index >= 2 and tokens[index - 1].type == "paragraph_open" and tokens[index - 2].type == "list_item_open":
            first = children[0] if children else None
            if first is not None and first.type == "text":
                match = _TASK_BOX.match(first.content)
                if match:
                    first.content = ("\u2611 " if match.group(1) in "xX" else "\u2610 ") + first.content[match.end() :]
        token.children = children


def parse(text: str) -> list[Token]:
    """The token stream of ``text`` (with our marks, embeds and task boxes)."""
    return _MD.parse(text, {})


def _walk(tokens: Sequence[Token]) -> list[Token]:
    flat: list[Token] = []
    for token in tokens:
        flat.append(token)
        if token.children:
            flat.extend(_walk(token.children))
    return flat


def _html_img_sources(fragment: str) -> list[str]:
    sources = []
    for match in _TAG.finditer(fragment):
        if match.group(2) and match.group(2).lower() == "img" and not match.group(1):
            attrs = _attributes(match.group(3) or "")
            if attrs.get("src"):
                sources.append(unquote(attrs["src"]))
    return sources


def image_sources(text: str) -> list[str]:
    """Local image paths that ``text`` shows (Markdown, Obsidian embeds and ``<img>``), in order."""
    sources: list[str] = []
    for token in _walk(parse(text)):
        if token.type == "image":
            sources.append(unquote(str(token.attrs.get("src", ""))))
        elif token.type in ("html_inline", "html_block"):
            sources.extend(_html_img_sources(token.content))
    seen: set[str] = set()
    result = []
    for src in sources:
        if is_local_source(src) and src not in seen:
            seen.add(src)
            result.append(src)
    return result


def _attributes(text: str) -> dict[str, str]:
    attrs: dict[str, str] = {}
    for match in _ATTRIBUTE.finditer(text):
        value = match.group(2) or ""
        if value[:1] in ("'", '"'):
            value = value[1:-1]
        attrs.setdefault(match.group(1).lower(), html.unescape(value))
    return attrs


def _img_tag(attrs: dict[str, str], media_name: MediaName) -> str:
    src = attrs.get("src", "")
    if is_local_source(src):
        src = media_name(unquote(src))
    parts = [f'src="{html.escape(src, quote=True)}"']
    for name in IMG_ATTRIBUTES[1:]:
        value = attrs.get(name)
        if value is not None and (name == "alt" or re.fullmatch(r"\d+%?", value)):
            parts.append(f'{name}="{html.escape(value, quote=True)}"')
    return f"<img {' '.join(parts)}>"


def sanitize_html(fragment: str, media_name: MediaName = default_media_name) -> str:
    """Raw HTML from a note: allowed tags kept (attributes dropped), others escaped."""
    out: list[str] = []
    start = 0
    for match in _TAG.finditer(fragment):
        out.append(fragment[start : match.start()].replace("<", "&lt;"))
        start = match.end()
        whole = match.group(0)
        if whole.startswith("<!--"):
            continue
        closing, name = match.group(1), (match.group(2) or "").lower()
        if name == "img" and not closing:
            out.append(_img_tag(_attributes(match.group(3) or ""), media_name))
        elif name in ALLOWED_TAGS and not (closing and name in VOID_TAGS):
            out.append(f"</{name}>" if closing else f"<{name}>")
        else:
            out.append(html.escape(whole, quote=False))
    out.append(fragment[start:].replace("<", "&lt;"))
    return "".join(out)


def _math_text(content: str) -> str:
    return html.escape(content.strip().replace("}}", "} }"), quote=False)


def _highlight(code: str, lang: str, _attrs: str) -> str:
    from pygments import highlight
    from pygments.formatters import HtmlFormatter
    from pygments.lexers import get_lexer_by_name
    from pygments.util import ClassNotFound

    if not lang:
        return ""
    try:
        lexer = get_lexer_by_name(lang)
    except ClassNotFound:
        return ""
    formatter = HtmlFormatter(noclasses=True, nowrap=True, style="default")
    body = highlight(code, lexer, formatter)
    return (
        '<pre style="background:#f8f8f8;color:#000;padding:0.5em;text-align:left;overflow-x:auto">'
        f'<code class="language-{html.escape(lang, quote=True)}">{body}</code></pre>'
    )


_MD = _parser()


class _Renderer:
    """Render rules bound to one call's media naming and cloze numbering."""

    def __init__(self, media_name: MediaName, cloze: bool, first_cloze: int) -> None:
        self.media_name = media_name
        self.cloze = cloze
        self.next_cloze = first_cloze

    def render(self, tokens: list[Token]) -> str:
        renderer = RendererHTML()
        rules = {
            "math_inline": lambda t, i, o, e: f"\\({_math_text(t[i].content)}\\)",
            "math_inline_double": lambda t, i, o, e: f"\\[{_math_text(t[i].content)}\\]",
            "math_block": lambda t, i, o, e: f"<div>\\[{_math_text(t[i].content)}\\]</div>\n",
            "math_block_label": lambda t, i, o, e: f"<div>\\[{_math_text(t[i].content)}\\tag{{{html.escape(t[i].info)}}}\\]</div>\n",
            "image": self._image,
            "html_inline": lambda t, i, o, e: sanitize_html(t[i].content, self.media_name),
            "html_block": lambda t, i, o, e: sanitize_html(t[i].content, self.media_name),
            "mark_open": self._mark_open,
            "mark_close": lambda t, i, o, e: "}}" if self.cloze else "</mark>",
        }
        renderer.rules.update(rules)
        return renderer.render(tokens, _MD.options, {}).strip()

    def _image(self, tokens: Sequence[Token], index: int, options: Any, env: Any) -> str:
        token = tokens[index]
        attrs = {key: str(value) for key, value in token.attrs.items()}
        attrs["alt"] = _MD.renderer.renderInlineAsText(token.children or [], options, env) if token.children else attrs.get("alt", "")
        return _img_tag(attrs, self.media_name)

    def _mark_open(self, tokens: Sequence[Token], index: int, options: Any, env: Any) -> str:
        if not self.cloze:
            return "<mark>"
        number = self.next_cloze
        self.next_cloze += 1
        return f"{{{{c{number}::"


def cloze_numbers(text: str) -> list[int]:
    """The Anki cloze numbers ``{{cN::...}}`` written in ``text``, sorted, without repeats."""
    return sorted({int(n) for n in _CLOZE_NUMBER.findall(text)})


def markdown_to_html(text: str, *, media_name: MediaName = default_media_name, cloze: bool = False) -> str:
    """``text`` (a card's Markdown) as HTML for an Anki field.

    ``media_name`` names a local image in the package; with ``cloze=True``, each
    ``==text==`` becomes the next ``{{cN::text}}``.
    """
    existing = cloze_numbers(text)
    renderer = _Renderer(media_name, cloze, (existing[-1] if existing else 0) + 1)
    return renderer.render(parse(text))
