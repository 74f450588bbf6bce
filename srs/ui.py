"""Terminal output shared by every command: one rich ``Console``, and safe note text.

Text that comes from notes is shown literally: :func:`plain` removes terminal control
sequences and control characters, and every note string reaches rich as a ``Text`` (or
through :func:`rich.markup.escape`), so ``[bold red]`` in a note is shown as typed.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from rich.console import Console
    from rich.text import Text

# CSI / OSC / other ESC sequences, then any remaining C0/C1 control character but tab and newline.
_ESCAPE_SEQUENCE = re.compile(r"\x1b(\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)?|[PX^_][^\x1b]*(\x1b\\)?|[@-Z\\-_])")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def plain(text: str) -> str:
    """``text`` without terminal escape sequences or control characters (tabs, newlines kept)."""
    return _CONTROL.sub("", _ESCAPE_SEQUENCE.sub("", text.replace("\r\n", "\n")))


def literal(text: str, style: str = "") -> Text:
    """A rich ``Text`` showing ``text`` exactly as written (no markup, no escapes)."""
    from rich.text import Text

    return Text(plain(text), style=style)


def escape(text: str) -> str:
    """``text`` made safe to embed in rich markup."""
    from rich.markup import escape as rich_escape

    return rich_escape(plain(text))


def make_console(file: TextIO | None = None, *, stderr: bool = False, width: int | None = None) -> Console:
    """The one console a command renders to (tests pass a ``StringIO``)."""
    from rich.console import Console

    return Console(file=file, stderr=stderr, width=width, highlight=False, emoji=False)


def plural(count: int, one: str, many: str | None = None) -> str:
    """``"1 card"``, ``"2,380 cards"``, ``plural(3, "entry", "entries")`` -> ``"3 entries"``."""
    return f"{count:,} {one if count == 1 else (many or one + 's')}"
