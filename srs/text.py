"""Text helpers with no terminal in them, for every layer: the one sanitiser of user text
(:func:`plain`) and counted nouns (:func:`plural`)."""

from __future__ import annotations

import re

# CSI / OSC / other ESC sequences, then any remaining C0/C1 control character but tab and newline.
_ESCAPE_SEQUENCE = re.compile(r"\x1b(\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)?|[PX^_][^\x1b]*(\x1b\\)?|[@-Z\\-_])")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def plain(text: str) -> str:
    """``text`` without terminal escape sequences or control characters (tabs, newlines kept)."""
    return _CONTROL.sub("", _ESCAPE_SEQUENCE.sub("", text.replace("\r\n", "\n")))


def plural(count: int, one: str, many: str | None = None) -> str:
    """``"1 card"``, ``"2,380 cards"``, ``plural(3, "entry", "entries")`` -> ``"3 entries"``."""
    return f"{count:,} {one if count == 1 else (many or one + 's')}"
