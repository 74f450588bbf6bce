"""HTML (an Anki field) -> Markdown (a card's text). Pure: no I/O.

Converted: paragraphs and ``<div>`` lines, ``<br>``, bold, italic, strike-through, headings,
lists (nested), links, images, code and ``<pre>`` blocks, block quotes, tables (as GFM
tables), horizontal rules, ``<sub>``/``<sup>`` (kept as those tags), MathJax ``\\(...\\)`` /
``\\[...\\]`` (as ``$...$`` / ``$$...$$``), Anki sound tags ``[sound:x.mp3]`` (as links).
Everything else (``<span>``, ``<font>``, styles, classes) is dropped and only its text kept;
``<script>``/``<style>`` are dropped with their content. Text that would read as Markdown
(``*``, ``_``, ``[``, ``$``, a leading ``#``...) is escaped, so the card shows what Anki showed.
Cloze markup ``{{c1::...}}`` is text and passes through unchanged.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from html.parser import HTMLParser

MediaPath = Callable[[str], str | None]

_MATH = re.compile(r"\\\((.+?)\\\)|\\\[(.+?)\\\]", re.S)
_SOUND = re.compile(r"\[sound:([^\]]+)\]")
_WHITESPACE = re.compile(r"[ \t\r\n\f\v\u200b]+")
_LINE_START = re.compile(r"^(#|>|[-+](?=\s)|\d+[.)](?=\s))")
_HARD_BREAK = "\x01"
_DROP = frozenset({"script", "style", "head", "title"})
_BLOCKS = frozenset({"p", "div", "section", "article", "header", "footer", "center", "dl", "dt", "dd", "figure", "figcaption", "details", "summary"})
_HEADINGS = {f"h{n}": n for n in range(1, 7)}


def escape_markdown(text: str) -> str:
    """Escape the characters that would make plain text read as Markdown or math."""
    text = text.replace("\\", "\\\\")
    text = re.sub(r"([`*\[\]<$~])", r"\\\1", text)
    return re.sub(r"(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])", r"\\_", text)


def _link_target(target: str) -> str:
    return f"<{target}>" if re.search(r"[\s()<>]", target) else target


class _Converter(HTMLParser):
    def __init__(self, media_path: MediaPath) -> None:
        super().__init__(convert_charrefs=True)
        self.media_path = media_path
        self.buffers: list[list[str]] = [[]]
        self.captures: list[tuple[str, str]] = []  # (tag, data) of tags whose content is captured
        self.lists: list[list[int | str]] = []  # [kind ("ul"/"ol"), next number]
        self.tables: list[list[list[str]]] = []
        self.pre = 0
        self.fence: tuple[list[str], int] | None = None  # the opening fence of the <pre> being read
        self.code = 0
        self.drop = 0
        self.opened: tuple[list[str], int] | None = None  # the inline marker written last

    # -- output helpers
    @property
    def out(self) -> list[str]:
        return self.buffers[-1]

    def _tail(self) -> str:
        """The last two characters written to the current buffer."""
        tail = ""
        for piece in reversed(self.out):
            tail = piece[-2:] + tail
            if len(tail) >= 2:
                return tail[-2:]
        return tail

    def _at_line_start(self) -> bool:
        tail = self._tail()
        return tail == "" or tail.endswith("\n")

    def _indent(self) -> str:
        return "    " * len(self.lists)

    def _newline(self) -> None:
        if not self._at_line_start():
            self.out.append("\n")

    def _block(self) -> None:
        if self.lists:
            if not self._at_line_start():
                self.out.append(_HARD_BREAK + "\n" + self._indent())
            return
        tail = self._tail()
        if tail and tail != "\n\n":
            self.out.append("\n\n" if not tail.endswith("\n") else "\n")

    def _write_text(self, text: str) -> None:
        if self.opened is not None and self.opened[0] is self.out and self.opened[1] == len(self.out) - 1 and text.startswith(" "):
            # "** bold**" is not bold in Markdown: the space goes before the marker.
            marker = self.out.pop()
            text = text.lstrip(" ")
            if not (self._at_line_start() or self._tail().endswith(" ")):
                self.out.append(" ")
            self.out.append(marker)
            self.opened = (self.out, len(self.out) - 1)
        elif self._at_line_start() or self._tail().endswith(" "):
            text = text.lstrip(" ")
        self.opened = None
        if not text:
            return
        if self._at_line_start() and not self.code:
            text = _LINE_START.sub(r"\\\1", text)
        self.out.append(text)

    # -- parser callbacks
    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.opened = None
        attributes = {name: value or "" for name, value in attrs}
        if tag in _DROP:
            self.drop += 1
            return
        if self.drop:
            return
        if self.pre:
            self._start_in_pre(tag, attributes)
            return
        if tag == "br":
            self.out.append(_HARD_BREAK + "\n" + (self._indent() if self.lists else ""))
        elif tag in _BLOCKS:
            self._block()
        elif tag in _HEADINGS:
            self._block()
            self.out.append("#" * _HEADINGS[tag] + " ")
        elif tag in ("b", "strong"):
            self._open_inline("**")
        elif tag in ("i", "em"):
            self._open_inline("*")
        elif tag in ("s", "strike", "del"):
            self._open_inline("~~")
        elif tag in ("sub", "sup"):
            self.out.append(f"<{tag}>")
        elif tag == "hr":
            self._block()
            self.out.append("---")
            self._block()
        elif tag in ("ul", "ol"):
            if not self.lists:
                self._block()
            self.lists.append([tag, 1])
        elif tag == "li":
            self._list_item()
        elif tag == "pre":
            self._block()
            self.pre += 1
            self.fence = (self.out, len(self.out))
            self.out.append("```\n")
        elif tag == "code":
            self.code += 1
            self._capture("code")
        elif tag == "a":
            self._capture("a", attributes.get("href", ""))
        elif tag == "blockquote":
            self._block()
            self._capture("blockquote")
        elif tag == "img":
            self._image(attributes)
        elif tag == "table":
            self._block()
            self.tables.append([])
        elif tag == "tr" and self.tables:
            self.tables[-1].append([])
        elif tag in ("td", "th") and self.tables:
            if not self.tables[-1]:
                self.tables[-1].append([])
            self._capture("cell")

    def _start_in_pre(self, tag: str, attributes: dict[str, str]) -> None:
        """Inside ``<pre>`` only line breaks and the code block's language count."""
        if tag in ("br", "div", "p"):
            self.out.append("\n")
        elif tag == "code" and self.fence is not None:
            language = re.search(r"(?:^|\s)(?:language|lang)-([\w+#.-]+)", attributes.get("class", ""))
            if language:
                buffer, index = self.fence
                buffer[index] = f"```{language.group(1)}\n"

    def _list_item(self) -> None:
        """``- `` or ``N. `` at the list's depth (numbered lists count on)."""
        self._newline()
        kind, number = self.lists[-1] if self.lists else ("ul", 1)
        depth = max(len(self.lists) - 1, 0)
        if kind == "ol":
            marker = f"{number}. "
            if self.lists:
                self.lists[-1][1] = int(number) + 1
        else:
            marker = "- "
        self.out.append("    " * depth + marker)

    def _capture(self, kind: str, value: str = "") -> None:
        """Collect what follows into a buffer of its own until the end tag (code, link, quote, cell)."""
        self.captures.append((kind, value))
        self.buffers.append([])

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in ("br", "img", "hr"):
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        self.opened = None
        if tag in _DROP:
            self.drop = max(self.drop - 1, 0)
            return
        if self.drop:
            return
        if tag == "pre" and self.pre:
            self.pre -= 1
            if not "".join(self.out).endswith("\n"):
                self.out.append("\n")
            self.out.append("```")
            self._block()
            return
        if self.pre:
            return
        if tag in _BLOCKS or tag in _HEADINGS:
            self._block()
        elif tag in ("b", "strong"):
            self._close_inline("**")
        elif tag in ("i", "em"):
            self._close_inline("*")
        elif tag in ("s", "strike", "del"):
            self._close_inline("~~")
        elif tag in ("sub", "sup"):
            self.out.append(f"</{tag}>")
        elif tag in ("ul", "ol"):
            if self.lists:
                self.lists.pop()
            self._newline()
            if not self.lists:
                self._block()
        elif tag in ("code", "a", "blockquote") or (tag in ("td", "th") and self.tables):
            wanted = "cell" if tag in ("td", "th") else tag
            if any(kind == wanted for kind, _ in self.captures):
                while self.captures:
                    kind, _data = self.captures[-1]
                    self._finish_capture()
                    if kind == wanted:
                        break
        elif tag == "table" and self.tables:
            while self.captures and self.captures[-1][0] == "cell":
                self._finish_capture()
            self._emit_table(self.tables.pop())

    def _open_inline(self, marker: str) -> None:
        self.out.append(marker)
        self.opened = (self.out, len(self.out) - 1)

    def _close_inline(self, marker: str) -> None:
        # "**text **" is not bold in Markdown: move trailing spaces after the marker.
        text = "".join(self.out)
        stripped = text.rstrip(" ")
        self.out[:] = [stripped]
        if stripped.endswith(marker):  # an empty <b></b>
            self.out[:] = [stripped[: -len(marker)]]
            return
        self.out.append(marker + (" " if len(stripped) < len(text) else ""))

    def _finish_capture(self) -> None:
        kind, data = self.captures.pop()
        content = "".join(self.buffers.pop())
        if kind == "code":
            self.code -= 1
            raw = content
            fence = "``" if "`" in raw else "`"
            self.out.append(f"{fence}{raw}{fence}" if raw.strip() else raw)
        elif kind == "a":
            text = content.strip()
            if data and not data.lower().startswith("javascript:") and text and text != data:
                self.out.append(f"[{text}]({_link_target(data)})")
            elif data and not data.lower().startswith("javascript:"):
                self.out.append(f"<{data}>" if re.match(r"^[a-z]+://\S+$", data, re.I) else text or escape_markdown(data))
            else:
                self.out.append(text)
        elif kind == "blockquote":
            lines = _finish(content).splitlines() or [""]
            self.out.append("\n".join(f"> {line}".rstrip() for line in lines))
            self._block()
        elif kind == "cell" and self.tables:
            cell = _finish(content).replace("\n", " ").replace("|", "\\|")
            if not self.tables[-1]:
                self.tables[-1].append([])
            self.tables[-1][-1].append(cell)

    def _emit_table(self, rows: list[list[str]]) -> None:
        rows = [row for row in rows if row]
        if not rows:
            return
        width = max(len(row) for row in rows)
        padded = [row + [""] * (width - len(row)) for row in rows]
        lines = ["| " + " | ".join(padded[0]) + " |", "|" + "---|" * width]
        lines.extend("| " + " | ".join(row) + " |" for row in padded[1:])
        self._block()
        self.out.append("\n".join(lines))
        self._block()

    def _image(self, attributes: dict[str, str]) -> None:
        src = attributes.get("src", "").strip()
        if not src:
            return
        target = self.media_path(src) or src
        alt = escape_markdown(_WHITESPACE.sub(" ", attributes.get("alt", "")).strip())
        self.out.append(f"![{alt}]({_link_target(target)})")

    def handle_data(self, data: str) -> None:
        if self.drop:
            return
        data = data.replace("\xa0", " ")
        if self.pre:
            self.out.append(data)
            return
        data = _WHITESPACE.sub(" ", data)
        if self.code:
            self.out.append(data)
            return
        pieces: list[str] = []
        start = 0
        for match in _MATH.finditer(data):
            pieces.append(self._plain(data[start : match.start()]))
            if match.group(1) is not None:
                pieces.append(f"${match.group(1).strip()}$")
            else:
                pieces.append(f"$${match.group(2).strip()}$$")
            start = match.end()
        pieces.append(self._plain(data[start:]))
        self._write_text("".join(pieces))

    def _plain(self, text: str) -> str:
        out: list[str] = []
        start = 0
        for match in _SOUND.finditer(text):
            out.append(escape_markdown(text[start : match.start()]))
            name = match.group(1).strip()
            target = self.media_path(name) or name
            out.append(f"[\U0001f50a {escape_markdown(name)}]({_link_target(target)})")
            start = match.end()
        out.append(escape_markdown(text[start:]))
        return "".join(out)

    def result(self) -> str:
        while self.captures:
            self._finish_capture()
        while self.tables:
            self._emit_table(self.tables.pop())
        if self.pre:
            self.out.append("\n```")
        return _finish("".join(self.buffers[0]))


def _finish(text: str) -> str:
    lines = text.split("\n")
    in_fence = False
    cleaned = []
    for line in lines:
        if line.startswith("```"):
            in_fence = not in_fence
            cleaned.append(line)
            continue
        cleaned.append(line if in_fence else line.rstrip(" "))
    text = "\n".join(cleaned)
    # A line holding only a break is a blank line (<br><br> = a new paragraph); a hard break
    # at the end of a block (or of the field) breaks nothing.
    text = re.sub("^[ ]*" + _HARD_BREAK + "[ ]*$", "", text, flags=re.M)
    text = re.sub(_HARD_BREAK + r"[ ]*\n(?=[ ]*(\n|$))", "\n", text)
    text = re.sub(_HARD_BREAK + r"[ ]*$", "", text)
    text = text.replace(_HARD_BREAK, "  ")
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip("\n").strip()


def html_to_markdown(fragment: str, media_path: MediaPath | None = None) -> str:
    """The Markdown for an Anki field's HTML. ``media_path`` maps a media file name (an image
    ``src`` or a ``[sound:...]`` file) to the path to reference; None keeps the name."""
    converter = _Converter(media_path or (lambda name: None))
    converter.feed(fragment)
    converter.close()
    return converter.result()
