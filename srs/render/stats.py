"""Rendering of ``srs stats`` and ``srs stats curve`` in the terminal: rich tables, plotext charts.

Charts follow the console: as wide as the terminal (at most :data:`MAX_CHART_WIDTH`), two
side by side when there is room, and without colours when the output is not a terminal
(the heatmap then shows its levels with shade characters). Text from notes (card fronts,
deck names) goes through :func:`srs.render.console.literal`.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich import box
from rich.console import Console, Group, RenderableType
from rich.table import Table
from rich.text import Text

from srs.domain.forgetting_curve import CardCurve, CurveReport
from srs.domain.retention import PassFail
from srs.domain.stats import Overview
from srs.render.console import literal
from srs.render.numbers import days_text, duration, percent, span_text
from srs.render.stats_plots import (
    MIN_CURVE_PLOT_REVIEWS,
    RATING_COLOURS,
    RATING_NAMES,
    _hex,
    card_caption,
    card_curve_chart,
    chart_width,
    curve_caption,
    curve_chart,
    forecast_caption,
    forecast_chart,
    heatmap_grid,
    retrievability_chart,
)
from srs.text import plural

SIDE_BY_SIDE_WIDTH = 150  # from this console width on, two charts share a row


# -- small formatting helpers ---------------------------------------------------------------


def _pass_fail(value: PassFail, wide: bool) -> Text:
    """``91.2% 1,234/1,353`` (passed/total); on two lines unless ``wide``."""
    if not value.total:
        return Text("—", style="dim")
    return Text.assemble((percent(value.rate), "bold"), (" " if wide else "\n"), (f"{value.passed:,}/{value.total:,}", "dim"))


# -- plotext ---------------------------------------------------------------------------------


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
    summary = Table.grid(padding=(0, 3))
    summary.add_column()
    summary.add_column()
    summary.add_row(_cards_table(overview), _today_table(overview))
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
    console.print(_retention_table(overview, wide=console.width >= 100))
    console.print()
    console.print(Text(heatmap_title(overview), style="bold"))
    console.print(heatmap_grid(overview.heatmap, console))
    console.print()
    width = chart_width(console, 2 if console.width >= SIDE_BY_SIDE_WIDTH else 1)
    charts: list[RenderableType] = [Group(forecast_chart(overview.forecast, console, width), forecast_caption(overview.forecast))]
    if overview.retrievability.cards:
        charts.append(retrievability_chart(overview.retrievability, console, width))
    _show(console, charts)
    if overview.at_risk:
        console.print(_risk_table(overview))


def _cards_table(overview: Overview) -> Table:
    """Cards by state."""
    cards = overview.cards
    table = Table(title="Cards", title_justify="left", show_header=False, box=None, padding=(0, 1))
    table.add_column()
    table.add_column(justify="right")
    for name, value in (
        ("New", cards.new),
        ("Learning", cards.learning),
        ("Review", cards.review),
        ("Relearning", cards.relearning),
        ("Suspended", cards.suspended),
        ("Retired", cards.retired),
        ("Total", cards.total),
    ):
        table.add_row(name, f"{value:,}", style="bold" if name == "Total" else None)
    return table


def _today_table(overview: Overview) -> Table:
    """Today's reviews and time, the streak, the days studied and the reviews of all time."""
    table = Table(title="Today", title_justify="left", show_header=False, box=None, padding=(0, 1))
    table.add_column()
    table.add_column(justify="right")
    table.add_row("Reviews", f"{overview.reviews_today:,}")
    table.add_row("Time", duration(overview.time_today_ms))
    streak = overview.streak
    table.add_row("Streak", plural(streak.current, "day") + ("" if streak.studied_today or not streak.current else " (review today to keep it)"))
    table.add_row("Longest streak", plural(streak.longest, "day"))
    table.add_row("Days studied", f"{streak.days_studied:,} of {streak.days:,}")
    table.add_row("Reviews, all time", f"{overview.total_reviews:,}")
    return table


def _retention_table(overview: Overview, *, wide: bool) -> Table:
    """True retention per period, young, mature and all (counts in columns of their own when ``wide``)."""
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
    return retention


def _risk_table(overview: Overview) -> Table:
    """The active cards of lowest retrievability now."""
    risk = Table(title="Cards at most risk (lowest retrievability now)", title_justify="left", box=box.SIMPLE_HEAD)
    risk.add_column("Card", justify="right")
    risk.add_column("Deck", overflow="fold", max_width=24)
    risk.add_column("Front", overflow="ellipsis", no_wrap=True, ratio=1)
    risk.add_column("Recall", justify="right")
    risk.add_column("Last review", justify="right")
    for card in overview.at_risk:
        front = card.front.splitlines()[0] if card.front else ""
        risk.add_row(str(card.card_id), literal(card.deck), literal(front), percent(card.retrievability, 0), f"{card.last_review:%Y-%m-%d}")
    return risk


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
