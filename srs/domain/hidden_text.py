"""Bidirectional controls in a note: the import report's warning about text that can show in another
order than it is stored (:func:`bidi_notice`).

A right-to-left override (U+202E) makes ``T \\u202egnp.exe`` read as ``T exe.png``; embeddings,
isolates and their closing marks do the same to less of a line ("Trojan Source"). srs never sends
them to the terminal (:func:`srs.text.plain` removes them from every screen), so a card can read
differently in srs than in the editor that shows them: the import names the line, and the
characters as ``<U+202E>``, so that the writer can look.
"""

from __future__ import annotations

import re

from srs.domain.parsed import WARNING, ReportItem
from srs.text import visible

# Embeddings and overrides (U+202A-U+202E), isolates (U+2066-U+2069). The left-to-right and
# right-to-left marks (U+200E, U+200F, U+061C) only nudge neutral characters and are common in
# Arabic and Hebrew notes: no warning for them.
BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")


def bidi_notice(text: str) -> ReportItem | None:
    """A warning at the first line of ``text`` holding a bidi control, naming the characters of
    that line and how many other lines hold some; None when there are none."""
    first = BIDI_CONTROLS.search(text)
    if first is None:
        return None
    lines = text.splitlines()
    number = text.count("\n", 0, first.start())
    found = "".join(dict.fromkeys(BIDI_CONTROLS.findall(lines[number])))
    others = sum(1 for line in lines[number + 1 :] if BIDI_CONTROLS.search(line))
    more = f" (and {others} more line{'s' if others > 1 else ''})" if others else ""
    return ReportItem(
        WARNING,
        number + 1,
        f"bidirectional control {visible(found)} can show this text in another order than it is written{more}; srs shows it without them",
    )
