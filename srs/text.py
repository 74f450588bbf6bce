"""Text helpers with no terminal in them, for every layer: the one sanitiser of user text
(:func:`plain`), values quoted back in messages (:func:`clipped`, :func:`visible`) and
counted nouns (:func:`plural`)."""

from __future__ import annotations

import json
import re

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


def json_text(data: object, *, indent: int | None = 2) -> str:
    """``data`` as JSON for stdout: non-ASCII text as written, but every control and invisible
    format character escaped (``\\u202e``), so the same value reaches a reader and no raw
    control reaches a terminal."""
    return _SHOWN.sub(lambda match: f"\\u{ord(match.group()):04x}", json.dumps(data, ensure_ascii=False, indent=indent))


def plural(count: int, one: str, many: str | None = None) -> str:
    """``"1 card"``, ``"2,380 cards"``, ``plural(3, "entry", "entries")`` -> ``"3 entries"``."""
    return f"{count:,} {one if count == 1 else (many or one + 's')}"
