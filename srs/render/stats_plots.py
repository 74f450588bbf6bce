"""The terminal charts of ``srs stats`` drawn with plotext (forecast bars, retrievability
histogram, forgetting curve, a card's curve) and the review heatmap, as rich ``Text`` that
follows the terminal's width and colours."""

from __future__ import annotations

import math
import sys
import types
from datetime import date, datetime
from typing import Any

from rich.console import Console
from rich.text import Text

from srs.domain.forgetting_curve import CardCurve, CurveReport
from srs.domain.stats import Distribution, Forecast, Heatmap
from srs.render.numbers import percent

MAX_CHART_WIDTH = 110


MIN_CURVE_PLOT_REVIEWS = 10  # curve bins with fewer reviews are listed but not drawn


# Colours: review / learning in the forecast, observed / predicted in the curve, one per rating.
BLUE, ORANGE, GREEN, RED, GREY = (31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40), (127, 127, 127)


RATING_COLOURS = {1: RED, 2: ORANGE, 3: GREEN, 4: BLUE}


RATING_NAMES = {1: "Again", 2: "Hard", 3: "Good", 4: "Easy"}


# Darker to brighter green with denser shades: readable on dark terminals, and without colour.
HEAT_COLOURS = ("grey35", "#0e6b35", "#1f9e4a", "#2fc95c", "#5ef08a")


HEAT_SHADES = ("··", "░░", "▒▒", "▓▓", "██")


def _nice_ticks(top: float, count: int = 4) -> list[float]:
    """Round tick values from 0 to at least ``top``."""
    if top <= 0:
        return [0.0, 1.0]
    raw = top / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    return [step * i for i in range(int(math.ceil(top / step)) + 1)]


def _tick_label(value: float) -> str:
    return f"{value:,.0f}" if value == int(value) else f"{value:,.1f}"


def chart_width(console: Console, share: int = 1) -> int:
    width = min(console.width, MAX_CHART_WIDTH * share)
    return max(30, width // share - (2 if share > 1 else 0))


def _plotext() -> Any:
    """plotext, imported without its documentation module: ``plotext/__init__`` imports
    ``plotext._doc.doc``, which builds the text of ``plotext.doc`` at import (0.1 s of CPU, a
    sixth of ``srs stats``); srs never shows it. The stub goes in only before plotext's first
    import, so a process that imported plotext itself keeps the real one."""
    if "plotext" not in sys.modules:
        sys.modules.setdefault(_NO_DOC.__name__, _NO_DOC)
    import plotext

    return plotext


_NO_DOC = types.ModuleType("plotext._doc.doc", "plotext's documentation, not loaded by srs (render.stats_plots._plotext)")
_NO_DOC.docs = None  # type: ignore[attr-defined]  # the one name plotext/__init__ takes from it


def _figure(width: int, height: int):
    """The plotext figure, cleared, sized, in a theme without background colours."""
    figure = _plotext().figure
    figure.clear()
    figure.plot_size(width, height)
    figure.theme("simple")
    return figure


def _pixel(colour: tuple[int, int, int]):
    return _plotext().pixel(foreground=colour)


def _marker(symbol: str, colour: tuple[int, int, int]):
    return _plotext().marker(symbol, _pixel(colour))


def _built(figure, console: Console) -> Text:
    text = figure.build().string(colorless=console.color_system is None)
    rendered = Text.from_ansi(text, no_wrap=True)
    rendered.overflow = "crop"
    return rendered


def forecast_chart(forecast: Forecast, console: Console, width: int, height: int = 14) -> Text:
    """Due per day, with the overdue cards as a first bar (a history that stopped has them all)."""
    figure = _figure(width, height)
    shift = 1 if forecast.overdue else 0
    days = [i + shift for i in range(len(forecast.days))]
    review = [d.review for d in forecast.days]
    learning = [d.learning for d in forecast.days]
    bars = figure.bar(days, [review, learning], stacked=True, marker=[_marker("full", BLUE), _marker("full", ORANGE)])
    figure.draw(bars)
    if forecast.overdue:
        figure.draw(figure.bar([0], [forecast.overdue], marker=_marker("full", RED)))
    top = max([d.total for d in forecast.days] + [forecast.overdue])
    ticks = _nice_ticks(top)
    figure.ruler("y").ticks(ticks, [_tick_label(t) for t in ticks])
    positions = [p for p in (0, 7, 14, 21, 28) if p < len(forecast.days)]
    labels = [_short_date(forecast.days[p].day) for p in positions]
    if forecast.overdue:
        positions, labels = [0] + [p + 1 for p in positions[1:]], ["late"] + labels[1:]
    figure.ruler("x").ticks(positions, labels)
    figure.title(f"Cards due per day, next {len(forecast.days)} days" + (f" ({forecast.overdue:,} overdue)" if forecast.overdue else ""))
    return _built(figure, console)


def forecast_caption(forecast: Forecast) -> Text:
    text = Text.assemble(("█", _hex(BLUE)), " review  ", ("█", _hex(ORANGE)), " (re)learning")
    if forecast.overdue:
        text.append("  ")
        text.append("█", style=_hex(RED))
        text.append(f" overdue ({forecast.overdue:,}, first bar)")
    return text


def _hex(colour: tuple[int, int, int]) -> str:
    return "#{:02x}{:02x}{:02x}".format(*colour)


def _short_date(day: date) -> str:
    return f"{day:%b} {day.day}"


def retrievability_chart(values: Distribution, console: Console, width: int, height: int = 14) -> Text:
    figure = _figure(width, height)
    bins = len(values.counts)
    centres = [(i + 0.5) * 100 / bins for i in range(bins)]
    figure.draw(figure.bar(centres, values.counts, width=0.9, marker=_marker("full", GREEN)))
    ticks = _nice_ticks(max(values.counts, default=0))
    figure.ruler("y").ticks(ticks, [_tick_label(t) for t in ticks])
    figure.ruler("x").ticks([0, 25, 50, 75, 100], ["0%", "25%", "50%", "75%", "100%"])
    figure.ruler("x").lim(0, 100)
    figure.title(f"Retrievability of {values.cards:,} cards now (mean {percent(values.mean)})")
    return _built(figure, console)


def heatmap_grid(heatmap: Heatmap, console: Console) -> Text:
    """A calendar of study days, a week per column (Monday on top): shade and colour by level."""
    counts = sorted(c for row in heatmap.grid for c in row if c)
    # Levels 1-4 at the quartiles of the days that had reviews (as GitHub does).
    thresholds = [counts[min(len(counts) - 1, (len(counts) * q) // 4)] for q in (1, 2, 3)] if counts else []

    def level(count: int) -> int:
        if count <= 0:
            return 0
        return 1 + sum(count > t for t in thresholds)

    text = Text(no_wrap=True)
    # Month labels over the first week starting in each month.
    header = [" "] * (heatmap.weeks * 2)
    previous_month = None
    for week in range(heatmap.weeks):
        month = heatmap.day(0, week).month
        if month != previous_month:
            label = f"{heatmap.day(0, week):%b}"
            if week * 2 + len(label) <= len(header):
                header[week * 2 : week * 2 + len(label)] = list(label)
            previous_month = month
    text.append("    " + "".join(header).rstrip() + "\n", style="dim")
    names = ("Mon", "", "Wed", "", "Fri", "", "Sun")
    for weekday in range(7):
        text.append(f"{names[weekday]:<4}", style="dim")
        for week in range(heatmap.weeks):
            count = heatmap.grid[weekday][week]
            if count is None:
                text.append("  ")
            else:
                lvl = level(count)
                text.append(HEAT_SHADES[lvl], style=HEAT_COLOURS[lvl])
        text.append("\n")
    text.append("    less ", style="dim")
    for lvl in range(5):
        text.append(HEAT_SHADES[lvl], style=HEAT_COLOURS[lvl])
        text.append(" ")
    text.append(f"more   busiest day {heatmap.busiest:,} reviews", style="dim")
    return text


def curve_chart(report: CurveReport, console: Console, width: int, height: int = 20) -> Text:
    """Recall rate against days since the previous review (log scale), observed and predicted.

    The x axis is log10(days), drawn linear with ticks at round durations (1m, 1h, 1d, 1w...).
    """
    figure = _figure(width, height)
    shown = [b for b in report.curve.bins if b.reviews >= MIN_CURVE_PLOT_REVIEWS] or report.curve.bins
    xs = [math.log10(b.mean_elapsed) for b in shown]
    predicted = figure.signal(xs, [100 * b.predicted for b in shown], marker=_marker("braille", ORANGE))
    predicted.lines()
    figure.draw(predicted)
    figure.draw(figure.signal(xs, [100 * b.recall_rate for b in shown], marker=_marker("●", BLUE)))
    low, high = min(xs), max(xs)
    marks = [(10 / 86_400, "10s"), (1 / 1440, "1m"), (10 / 1440, "10m"), (1 / 24, "1h"), (1.0, "1d"), (7.0, "1w"), (30.0, "1mo"), (365.0, "1y"), (3650.0, "10y")]
    inside = [(math.log10(x), label) for x, label in marks if low - 0.2 <= math.log10(x) <= high + 0.2]
    if inside:
        figure.ruler("x").ticks([x for x, _ in inside], [label for _, label in inside])
    # The data may lie between two marks, far from both (every repeat under a minute): the
    # range is that of the data and of the marks inside, whichever is wider.
    figure.ruler("x").lim(min([low, *(x for x, _ in inside)]) - 0.05, max([high, *(x for x, _ in inside)]) + 0.05)
    bottom = min(min(100 * b.recall_rate for b in shown), min(100 * b.predicted for b in shown))
    bottom = max(0.0, math.floor(bottom / 5) * 5 - 5)
    figure.ruler("y").lim(bottom, 100)
    ticks = list(range(int(bottom), 101, 5 if 100 - bottom <= 30 else 10))
    figure.ruler("y").ticks(ticks, [f"{t}%" for t in ticks])
    figure.label("time since the previous review (log scale)", "x")
    figure.title("Forgetting curve: recall rate vs time since the previous review")
    return _built(figure, console)


def curve_caption() -> Text:
    return Text.assemble(("●", _hex(BLUE)), " observed recall rate   ", ("──", _hex(ORANGE)), " FSRS predicted (mean over the same reviews)")


def card_curve_chart(curve: CardCurve, console: Console, width: int, height: int = 18) -> Text:
    figure = _figure(width, height)
    origin = curve.reviews[0].reviewed_at

    def days_since(at: datetime) -> float:
        return (at - origin).total_seconds() / 86_400

    values = [100 * r for _, r in curve.samples]
    line = figure.signal([days_since(at) for at, _ in curve.samples], values, marker=_marker("braille", GREY))
    line.lines()
    figure.draw(line)
    for rating in (1, 2, 3, 4):
        points = [(days_since(r.reviewed_at), 100 * (r.retrievability if r.retrievability is not None else 1.0)) for r in curve.reviews if r.rating == rating]
        if points:
            figure.draw(figure.signal([p[0] for p in points], [p[1] for p in points], marker=_marker("●", RATING_COLOURS[rating])))
    end = days_since(curve.samples[-1][0]) if curve.samples else 1.0
    ticks = _nice_ticks(end, 5)
    figure.ruler("x").ticks(ticks, [f"{t:g}d" for t in ticks])
    bottom = max(0, math.floor(min(values, default=0.0) / 10) * 10 - 10)
    now = days_since(curve.generated_at)
    if 0 < now <= end:  # a dotted vertical line at now (the end itself when the card is overdue)
        figure.draw(figure.signal([now] * 12, [bottom + (100 - bottom) * i / 11 for i in range(12)], marker=_marker("┊", GREY)))
    figure.ruler("x").lim(0, end)
    figure.ruler("y").lim(bottom, 100)
    step = 10 if 100 - bottom <= 50 else 25
    y_ticks = list(range(100, bottom - 1, -step))[::-1]
    figure.ruler("y").ticks(y_ticks, [f"{t}%" for t in y_ticks])
    figure.label(f"days since the first review ({origin:%Y-%m-%d})", "x")
    figure.title("Predicted retrievability between reviews")
    return _built(figure, console)


def card_caption() -> Text:
    text = Text.assemble(("──", _hex(GREY)), " predicted retrievability  ", ("┊", _hex(GREY)), " now   reviews: ")
    for rating in (1, 2, 3, 4):
        text.append("●", style=_hex(RATING_COLOURS[rating]))
        text.append(f" {RATING_NAMES[rating]}  ")
    return text
