"""Terminal output shared by every command: one rich ``Console``, and safe note text.

Text that comes from notes is shown literally: :func:`plain` removes terminal control
sequences and control characters, and every note string reaches rich as a ``Text`` (or
through :func:`rich.markup.escape`), so ``[bold red]`` in a note is shown as typed.

Chinese and Japanese are written without spaces, and rich breaks lines only at spaces, so
a run of Chinese moves whole to the next line and leaves the line before it half empty.
:func:`make_console` installs :func:`cjk_words` as rich's word splitter: a line may break
between any two CJK characters, except before closing punctuation (``，。）」``...) or after
opening punctuation (``（「``...), as in Chinese typesetting. Latin words are split as before.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from rich.console import Console
    from rich.text import Text

# CSI / OSC / other ESC sequences, then any remaining C0/C1 control character but tab and newline.
_ESCAPE_SEQUENCE = re.compile(r"\x1b(\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)?|[PX^_][^\x1b]*(\x1b\\)?|[@-Z\\-_])")
# Invisible format characters that reorder or hide text: the Arabic letter mark, zero-width
# space, left-to-right and right-to-left marks, bidi embeddings and overrides (U+202A-U+202E),
# word joiner and invisible operators, bidi isolates (U+2066-U+2069) and the deprecated format
# characters, the zero-width no-break space (BOM), interlinear annotation marks. A title
# "T \u202egnp.exe" displays as "T exe.png". The zero-width joiner and non-joiner (emoji,
# Persian, Indic scripts) shape text without hiding or reordering it and are kept.
_INVISIBLE = "\u061c\u200b\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb"
_CONTROL = re.compile(rf"[\x00-\x08\x0b-\x1f\x7f-\x9f{_INVISIBLE}]")
_SHOWN = re.compile(rf"[\x00-\x08\x0b-\x1f\x7f-\x9f{_INVISIBLE}]")


def plain(text: str) -> str:
    """``text`` without terminal escape sequences, control characters (tabs, newlines kept) or
    invisible format characters: note text as it is read."""
    return _CONTROL.sub("", _ESCAPE_SEQUENCE.sub("", text.replace("\r\n", "\n")))


ECHO_LIMIT = 60  # characters of a typed or read value quoted back in a message


def clipped(value: object, limit: int = ECHO_LIMIT) -> str:
    """``repr`` of ``value``, cut to about ``limit`` characters with its full length when
    longer: a message quotes what it refuses, never the whole of a 5 MB line."""
    shown = repr(value)
    if len(shown) <= limit + 2:
        return shown
    size = len(value) if isinstance(value, str) else len(shown)
    return f"{shown[: limit + 1]}… ({size:,} characters)"


def visible(text: str) -> str:
    """``text`` with every control and invisible format character shown as ``<U+001B>``
    (tabs, newlines kept): for a path or a value the user typed, quoted in a message, where
    the user must see what is there to find or retype it (a file name with a right-to-left
    override shows as ``T <U+202E>gnp.exe``, not reversed). Nothing reaches the terminal raw."""
    return _SHOWN.sub(lambda match: f"<U+{ord(match.group()):04X}>", text)


def literal(text: str, style: str = "") -> Text:
    """A rich ``Text`` showing ``text`` exactly as written (no markup, no escapes)."""
    from rich.text import Text

    return Text(plain(text), style=style)


def visible_text(text: str, style: str = "") -> Text:
    """A rich ``Text`` of a path or typed value with its control characters made
    :func:`visible` (no markup, no escapes)."""
    from rich.text import Text

    return Text(visible(text), style=style)


def json_text(data: object, *, indent: int | None = 2) -> str:
    """``data`` as JSON for stdout: non-ASCII text as written, but every control and invisible
    format character escaped (``\\u202e``), so the same value reaches a reader and no raw
    control reaches a terminal."""
    import json

    return _SHOWN.sub(lambda match: f"\\u{ord(match.group()):04x}", json.dumps(data, ensure_ascii=False, indent=indent))


def escape(text: str) -> str:
    """``text`` made safe to embed in rich markup."""
    from rich.markup import escape as rich_escape

    return rich_escape(plain(text))


# Han, kana, CJK symbols and punctuation, full-width forms (Hangul is written with spaces).
_CJK = "\u2e80-\u2fff\u3000-\u30ff\u3100-\u31ff\u3200-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef"
_OPENING = "（［｛〔〈《「『【〖〘〚“‘"
_CLOSING = "）］｝〕〉》」』】〗〙〛”’、。，．：；？！…～·"
_CJK_WORD = re.compile(
    rf"\s*(?:[{_OPENING}]*[{_CJK}\U00020000-\U0003ffff][{_CLOSING}]*|[^\s{_CJK}\U00020000-\U0003ffff]+[{_CLOSING}]*)\s*"
)


def cjk_words(text: str) -> Iterator[tuple[int, int, str]]:
    """rich's word splitter (``rich._wrap.words``: start, end and text of each word with the
    spaces after it), with each CJK character a word of its own (see the module docstring)."""
    for match in _CJK_WORD.finditer(text):
        yield match.start(), match.end(), match.group()


def make_console(file: TextIO | None = None, *, stderr: bool = False, width: int | None = None) -> Console:
    """The one console a command renders to (tests pass a ``StringIO``)."""
    import rich._wrap
    from rich.console import Console

    rich._wrap.words = cjk_words  # breaks between CJK characters (rich breaks only at spaces)
    return Console(file=file, stderr=stderr, width=width, highlight=False, emoji=False)


def plural(count: int, one: str, many: str | None = None) -> str:
    """``"1 card"``, ``"2,380 cards"``, ``plural(3, "entry", "entries")`` -> ``"3 entries"``."""
    return f"{count:,} {one if count == 1 else (many or one + 's')}"
