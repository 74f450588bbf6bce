"""Rendering of ``srs stats`` and ``srs stats curve`` in the terminal: rich tables, plotext charts.

Charts follow the console: as wide as the terminal (at most :data:`MAX_CHART_WIDTH`), two
side by side when there is room, and without colours when the output is not a terminal
(the heatmap then shows its levels with shade characters). Text from notes (card fronts,
deck names) goes through :func:`srs.render.console.literal`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date, datetime

from rich import box
from rich.console import Console, Group, RenderableType
from rich.table import Table
from rich.text import Text

from srs.domain.forgetting_curve import CardCurve, CurveReport
from srs.domain.retention import PassFail
from srs.domain.stats import Distribution, Forecast, Heatmap, Overview
from srs.render.console import literal
from srs.render.numbers import days_text, duration, percent, span_text
from srs.text import plural

MAX_CHART_WIDTH = 110
SIDE_BY_SIDE_WIDTH = 150  # from this console width on, two charts share a row
MIN_CURVE_PLOT_REVIEWS = 10  # curve bins with fewer reviews are listed but not drawn

# Colours: review / learning in the forecast, observed / predicted in the curve, one per rating.
BLUE, ORANGE, GREEN, RED, GREY = (31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40), (127, 127, 127)
RATING_COLOURS = {1: RED, 2: ORANGE, 3: GREEN, 4: BLUE}
RATING_NAMES = {1: "Again", 2: "Hard", 3: "Good", 4: "Easy"}
# Darker to brighter green with denser shades: readable on dark terminals, and without colour.
HEAT_COLOURS = ("grey35", "#0e6b35", "#1f9e4a", "#2fc95c", "#5ef08a")
HEAT_SHADES = ("··", "░░", "▒▒", "▓▓", "██")


# -- small formatting helpers ---------------------------------------------------------------


def _pass_fail(value: PassFail, wide: bool) -> Text:
    """``91.2% 1,234/1,353`` (passed/total); on two lines unless ``wide``."""
    if not value.total:
        return Text("—", style="dim")
    return Text.assemble((percent(value.rate), "bold"), (" " if wide else "\n"), (f"{value.passed:,}/{value.total:,}", "dim"))


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


# -- plotext ---------------------------------------------------------------------------------


def chart_width(console: Console, share: int = 1) -> int:
    width = min(console.width, MAX_CHART_WIDTH * share)
    return max(30, width // share - (2 if share > 1 else 0))


def _figure(width: int, height: int):  # type: ignore[no-untyped-def]
    """The plotext figure, cleared, sized, in a theme without background colours."""
    import plotext

    figure = plotext.figure
    figure.clear()
    figure.plot_size(width, height)
    figure.theme("simple")
    return figure


def _pixel(colour: tuple[int, int, int]):  # type: ignore[no-untyped-def]
    import plotext

    return plotext.pixel(foreground=colour)


def _marker(symbol: str, colour: tuple[int, int, int]):  # type: ignore[no-untyped-def]
    import plotext

    return plotext.marker(symbol, _pixel(colour))


def _built(figure, console: Console) -> Text:  # type: ignore[no-untyped-def]
    text = figure.build().string(colorless=console.color_system is None)
    rendered = Text.from_ansi(text, no_wrap=True)
    rendered.overflow = "crop"
    return rendered


def _show(console: Console, charts: Sequence[RenderableType]) -> None:
    """Charts one under the other, or side by side on a wide console."""
    if len(charts) > 1 and console.width >= SIDE_BY_SIDE_WIDTH:
        grid = Table.grid(padding=(0, 2))
        for _ in charts:
            grid.add_column()
        grid.add_row(*charts)
        console.print(grid)
    else:
        for chart in charts:
            console.print(chart)
            console.print()
        return
    console.print()


# The retention rows of a history that ended: its periods end on its last day with reviews.
ENDED_LABELS = {"today": "That last day", "yesterday": "The day before", "last_7_days": "Its last 7 days", "last_30_days": "Its last 30 days", "last_365_days": "Its last 365 days"}


def heatmap_title(overview: Overview) -> str:
    """"last 26 weeks", or, for a history that ended before them, the 26 weeks up to its end."""
    heat = overview.heatmap
    if heat.today == overview.today:
        return f"Reviews per day, last {heat.weeks} weeks"
    return f"Reviews per day, the last {heat.weeks} weeks with reviews (to {heat.today.isoformat()}; none since)"


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


# -- screens ---------------------------------------------------------------------------------


def _scope(deck: str | None) -> Text:
    return Text.assemble("deck ", literal(deck, "bold")) if deck else Text("all decks")


def render_empty(console: Console, deck: str | None) -> None:
    where = Text.assemble("in ", _scope(deck)) if deck else Text("in this collection")
    console.print(Text.assemble("No cards or reviews yet ", where, "."))
    console.print("Import notes with [bold]srs import PATH[/bold] and review them with [bold]srs review[/bold]; statistics appear after your first reviews.")


def render_overview(console: Console, overview: Overview) -> None:
    if overview.is_empty:
        render_empty(console, overview.deck)
        return
    title = Text.assemble("Statistics of ", _scope(overview.deck), (f"  study day {overview.today:%a %Y-%m-%d} ({overview.timezone}, day starts {overview.day_start_hour:02d}:00)", "dim"))
    console.print(title)
    console.print()

    cards = overview.cards
    summary = Table.grid(padding=(0, 3))
    summary.add_column()
    summary.add_column()
    left = Table(title="Cards", title_justify="left", show_header=False, box=None, padding=(0, 1))
    left.add_column()
    left.add_column(justify="right")
    for name, value in (
        ("New", cards.new),
        ("Learning", cards.learning),
        ("Review", cards.review),
        ("Relearning", cards.relearning),
        ("Suspended", cards.suspended),
        ("Retired", cards.retired),
        ("Total", cards.total),
    ):
        left.add_row(name, f"{value:,}", style="bold" if name == "Total" else None)
    right = Table(title="Today", title_justify="left", show_header=False, box=None, padding=(0, 1))
    right.add_column()
    right.add_column(justify="right")
    right.add_row("Reviews", f"{overview.reviews_today:,}")
    right.add_row("Time", duration(overview.time_today_ms))
    streak = overview.streak
    right.add_row("Streak", plural(streak.current, "day") + ("" if streak.studied_today or not streak.current else " (review today to keep it)"))
    right.add_row("Longest streak", plural(streak.longest, "day"))
    right.add_row("Days studied", f"{streak.days_studied:,} of {streak.days:,}")
    right.add_row("Reviews, all time", f"{overview.total_reviews:,}")
    summary.add_row(left, right)
    console.print(summary)
    console.print()

    mean = overview.retrievability.mean
    if mean is not None:
        console.print(
            Text.assemble(
                "You would recall about ",
                (percent(mean, 0), "bold"),
                f" of your {overview.retrievability.cards:,} reviewed cards now (mean predicted retrievability).",
            )
        )
        console.print()

    wide = console.width >= 100
    ended = overview.heatmap.today if overview.heatmap.today != overview.today else None
    title = "True retention (passed/reviews; young: last interval < 21 days)"
    if ended is not None:
        title = f"True retention up to {ended.isoformat()}, the last day with reviews (passed/reviews; young: last interval < 21 days)"
    retention = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD)
    retention.add_column("Period")
    for name in ("Young", "Mature", "All"):
        retention.add_column(name, justify="right")
        if wide:  # the counts in a column of their own, so the percentages line up
            retention.add_column("", justify="right", style="dim")
    for row in overview.retention:
        cells: list[Text] = []
        for value in (row.young, row.mature, row.total):
            if wide:
                cells += [Text(percent(value.rate) if value.total else "—", style="bold" if value.total else "dim"), Text(f"{value.passed:,}/{value.total:,}" if value.total else "")]
            else:
                cells.append(_pass_fail(value, wide=False))
        retention.add_row(ENDED_LABELS.get(row.key, row.label) if ended is not None else row.label, *cells)
    console.print(retention)
    console.print()

    console.print(Text(heatmap_title(overview), style="bold"))
    console.print(heatmap_grid(overview.heatmap, console))
    console.print()

    share = 2 if console.width >= SIDE_BY_SIDE_WIDTH else 1
    width = chart_width(console, share)
    charts: list[RenderableType] = [Group(forecast_chart(overview.forecast, console, width), forecast_caption(overview.forecast))]
    if overview.retrievability.cards:
        charts.append(retrievability_chart(overview.retrievability, console, width))
    _show(console, charts)

    if overview.at_risk:
        risk = Table(title="Cards at most risk (lowest retrievability now)", title_justify="left", box=box.SIMPLE_HEAD)
        risk.add_column("Card", justify="right")
        risk.add_column("Deck", overflow="fold", max_width=24)
        risk.add_column("Front", overflow="ellipsis", no_wrap=True, ratio=1)
        risk.add_column("Recall", justify="right")
        risk.add_column("Last review", justify="right")
        for card in overview.at_risk:
            front = card.front.splitlines()[0] if card.front else ""
            risk.add_row(str(card.card_id), literal(card.deck), literal(front), percent(card.retrievability, 0), f"{card.last_review:%Y-%m-%d}")
        console.print(risk)


def render_curve(console: Console, report: CurveReport) -> None:
    curve = report.curve
    if report.is_empty:
        where = Text.assemble(" in ", _scope(report.deck)) if report.deck else Text("")
        console.print(Text.assemble("No reviews to draw a forgetting curve from yet", where, "."))
        console.print("The curve needs cards answered at least twice: keep reviewing with [bold]srs review[/bold], or bring in a history with [bold]srs import-revlog FILE[/bold].")
        return
    console.print(curve_chart(report, console, chart_width(console)))
    console.print(curve_caption())
    console.print()
    table = Table(title="Recall by time since the previous review", title_justify="left", box=box.SIMPLE_HEAD)
    table.add_column("Interval", no_wrap=True)
    table.add_column("Reviews", justify="right")
    table.add_column("Recalled", justify="right")
    table.add_column("Predicted", justify="right")
    table.add_column("Difference", justify="right")
    for b in curve.bins:
        z = (b.recall_rate - b.predicted) / b.standard_error if b.standard_error > 0 else 0.0
        flagged = abs(z) > 3 and b.reviews >= MIN_CURVE_PLOT_REVIEWS
        table.add_row(
            f"{span_text(b.low)}–{span_text(b.high)}",
            f"{b.reviews:,}",
            percent(b.recall_rate),
            percent(b.predicted),
            Text(f"{100 * (b.recall_rate - b.predicted):+.1f} pts ({z:+.1f}σ){' !' if flagged else ''}", style="bold red" if flagged else ""),
        )
    console.print(table)
    for name, cal in (("all reviews", curve.calibration), ("reviews a study day or more apart", curve.long_term)):
        if not cal.reviews:
            continue
        console.print(
            Text.assemble(
                (f"Calibration, {name}: ", "bold"),
                f"{plural(cal.reviews, 'review')}, recalled {percent(cal.recall_rate)}, predicted {percent(cal.predicted)}; log loss ",
                (f"{cal.log_loss:.4f}", "bold"),
                ", RMSE over bins ",
                (percent(cal.rmse_bins, 2), "bold"),
            )
        )
    console.print(Text("σ: the bin's standard error if FSRS were right; |difference| > 3σ is marked ! (and in red).", style="dim"))


def render_card_curve(console: Console, curve: CardCurve) -> None:
    console.print(Text.assemble(("Card ", "bold"), (str(curve.card_id), "bold"), "  ", literal(curve.deck, "dim"), "  ", literal(curve.front.splitlines()[0] if curve.front else "")))
    if curve.retrievability_now is not None:
        console.print(Text.assemble("Predicted retrievability now: ", (percent(curve.retrievability_now, 0), "bold")))
    console.print()
    console.print(card_curve_chart(curve, console, chart_width(console)))
    console.print(card_caption())
    if curve.cut is not None and curve.reviews:
        since = (curve.generated_at - curve.reviews[-1].reviewed_at).total_seconds() / 86_400
        console.print(Text(f"The curve stops at {curve.cut:%Y-%m-%d}; now is {days_text(since)} after the last review"
                           f" (predicted retrievability {percent(curve.retrievability_now, 0)}).", style="dim"))
    console.print()
    wide = console.width >= 100
    table = Table(title="Reviews", title_justify="left", box=box.SIMPLE_HEAD)
    table.add_column("#", justify="right")
    table.add_column("When (UTC)" if wide else "Date")
    table.add_column("Answer")
    table.add_column("After", justify="right")
    table.add_column("Predicted" if wide else "R", justify="right")
    table.add_column("Stability" if wide else "S", justify="right")
    table.add_column("Difficulty" if wide else "D", justify="right")
    table.add_column("Next due", justify="right")
    for number, review in enumerate(curve.reviews, start=1):
        table.add_row(
            str(number),
            f"{review.reviewed_at:%Y-%m-%d %H:%M}" if wide else f"{review.reviewed_at:%Y-%m-%d}",
            Text(RATING_NAMES[review.rating], style=_hex(RATING_COLOURS[review.rating])),
            "—" if review.elapsed_days is None else days_text(review.elapsed_days),
            percent(review.retrievability, 0),
            "—" if review.stability is None else days_text(review.stability),
            "—" if review.difficulty is None else f"{review.difficulty:.1f}",
            f"{review.due:%Y-%m-%d}",
        )
    console.print(table)
