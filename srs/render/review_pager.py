"""A card taller than the terminal: the header and the question stay on screen, the answer
scrolls in the lines between them and the answer buttons.

:func:`fit` renders the three parts of the card screen (given by :mod:`srs.render.review`)
to lines at the screen's width; when they do not fit in the terminal's height, the answer
side is cut to a window of the lines left, starting at ``offset``, with a hint of where it is
and how to move (Down/Up or j/k a line, PgDn/PgUp or f/ a page, Home/End).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from rich.console import Console, Group, RenderableType
from rich.segment import Segment, Segments
from rich.text import Text

MIN_WINDOW = 3  # answer lines shown at the least, even on a tiny terminal


@dataclass(frozen=True)
class Fitted:
    renderable: RenderableType
    offset: int  # first answer line shown (clamped)
    page: int  # answer lines in the window (0 when everything fits)


def _lines(console: Console, parts: Iterable[RenderableType], width: int) -> list[list[Segment]]:
    return console.render_lines(Group(*parts), console.options.update(width=width, height=None), pad=False)


def _segments(lines: list[list[Segment]]) -> Segments:
    flat: list[Segment] = []
    for line in lines:
        flat.extend(line)
        flat.append(Segment.line())
    return Segments(flat)


Parts = tuple[Sequence[RenderableType], Sequence[RenderableType], Sequence[RenderableType]]


def fit(console: Console, parts: Parts, whole: Callable[[], RenderableType], *, revealed: bool, width: int, height: int, offset: int) -> Fitted:
    """The card screen for a terminal of ``height`` lines, the answer scrolled to ``offset``:
    ``parts`` are the top, the answer and the bottom, ``whole`` the screen when it all fits."""
    top, answer, bottom = parts
    if not revealed:
        return Fitted(whole(), 0, 0)
    top_lines = _lines(console, top, width)
    answer_lines = _lines(console, answer, width)
    bottom_lines = _lines(console, bottom, width)
    height -= 1  # the line the cursor rests on after the screen is printed
    if len(top_lines) + len(answer_lines) + len(bottom_lines) <= height:
        return Fitted(whole(), 0, 0)
    window = max(height - len(top_lines) - len(bottom_lines) - 1, MIN_WINDOW)  # 1: the position line
    offset = max(0, min(offset, len(answer_lines) - window))
    shown = answer_lines[offset : offset + window]
    end = offset + len(shown)
    where = Text(
        f"  answer lines {offset + 1}-{end} of {len(answer_lines)}   Down/Up j/k: a line   PgDn/PgUp f/space: a page",
        style="review.dim",
        no_wrap=True,
        overflow="ellipsis",
    )
    return Fitted(Group(_segments(top_lines), _segments(shown), where, _segments(bottom_lines)), offset, window)
