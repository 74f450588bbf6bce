"""Terminal output shared by every command: one rich ``Console``, and safe note text.

Text that comes from notes is shown literally: :func:`srs.text.plain` removes terminal control
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

from srs.text import plain, visible

if TYPE_CHECKING:
    from rich.console import Console
    from rich.text import Text

def literal(text: str, style: str = "") -> Text:
    """A rich ``Text`` showing ``text`` exactly as written (no markup, no escapes)."""
    from rich.text import Text

    return Text(plain(text), style=style)


def visible_text(text: str, style: str = "") -> Text:
    """A rich ``Text`` of a path or typed value with its control characters made
    :func:`visible` (no markup, no escapes)."""
    from rich.text import Text

    return Text(visible(text), style=style)


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
