"""The charts of ``srs stats --output`` drawn with matplotlib: the overview (heatmap, forecast,
retrievability, true retention), the forgetting curve and one card's curve, as PNG or SVG."""

from __future__ import annotations

import io
import math
import warnings
from typing import TYPE_CHECKING

from srs.domain.forgetting_curve import CardCurve, CurveReport
from srs.domain.stats import Overview

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

BLUE, ORANGE, GREEN, RED, GREY = "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#7f7f7f"

Report = Overview | CurveReport | CardCurve  # what srs stats --output writes



RATING_COLOURS = {1: RED, 2: ORANGE, 3: GREEN, 4: BLUE}


RATING_NAMES = {1: "Again", 2: "Hard", 3: "Good", 4: "Easy"}


HEAT_COLOURS = ("#ebedf0", "#9be9a8", "#40c463", "#30a14e", "#216e39")


CJK_FONTS = ("Noto Sans CJK SC", "Noto Sans CJK JP", "Source Han Sans SC", "WenQuanYi Zen Hei", "WenQuanYi Micro Hei", "Microsoft YaHei", "PingFang SC", "SimHei")


TIME_MARKS = ((10 / 86_400, "10s"), (1 / 1440, "1m"), (10 / 1440, "10m"), (1 / 24, "1h"), (6 / 24, "6h"), (1.0, "1d"), (7.0, "1w"), (30.0, "1mo"), (91.0, "3mo"), (365.0, "1y"), (3650.0, "10y"))


def _new_figure(width: float, height: float) -> Figure:
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib import font_manager
    from matplotlib.figure import Figure

    installed = {font.name for font in font_manager.fontManager.ttflist}
    families = ["DejaVu Sans", *(name for name in CJK_FONTS if name in installed)]
    matplotlib.rcParams["font.family"] = families
    return Figure(figsize=(width, height), layout="constrained")


def figure_bytes(figure: Figure, fmt: str) -> bytes:
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Glyph .* missing from")  # a CJK deck name without a CJK font
        figure.savefig(buffer, format=fmt, dpi=150, metadata={"Creator": "srs"} if fmt == "png" else {"Creator": "srs", "Date": None})
    return buffer.getvalue()


def figure_for(report: Report) -> Figure:
    if isinstance(report, Overview):
        return overview_figure(report)
    if isinstance(report, CurveReport):
        return curve_figure(report)
    return card_curve_figure(report)


def _scope(deck: str | None) -> str:
    return f"deck {deck}" if deck else "all decks"


def _heat_levels(counts: list[int]) -> list[int]:
    """Thresholds of levels 1-4: quartiles of the days with reviews (as the terminal heatmap)."""
    active = sorted(c for c in counts if c)
    return [active[min(len(active) - 1, (len(active) * q) // 4)] for q in (1, 2, 3)] if active else []


def heatmap_axes(ax: Axes, overview: Overview) -> None:
    import numpy as np
    from matplotlib.colors import ListedColormap

    heat = overview.heatmap
    counts = [c for row in heat.grid for c in row if c is not None]
    thresholds = _heat_levels(counts)
    levels = np.full((7, heat.weeks), np.nan)
    for weekday in range(7):
        for week in range(heat.weeks):
            count = heat.grid[weekday][week]
            if count is not None:
                levels[weekday, week] = 0 if count == 0 else 1 + sum(count > t for t in thresholds)
    ax.pcolormesh(np.ma.masked_invalid(levels), cmap=ListedColormap(HEAT_COLOURS), vmin=-0.5, vmax=4.5, edgecolors="white", linewidth=2)
    ax.set_ylim(7, 0)
    ax.set_aspect("equal")
    ax.set_yticks([0.5, 2.5, 4.5, 6.5], ["Mon", "Wed", "Fri", "Sun"])
    months, seen = [], None
    for week in range(heat.weeks):
        month = heat.day(0, week).month
        if month != seen:
            months.append((week + 0.5, f"{heat.day(0, week):%b}"))
            seen = month
    ax.set_xticks([m[0] for m in months], [m[1] for m in months])
    ax.tick_params(length=0)
    for side in ax.spines.values():
        side.set_visible(False)
    span = f"last {heat.weeks} weeks" if heat.today == overview.today else f"the last {heat.weeks} weeks with reviews, to {heat.today:%Y-%m-%d}"
    ax.set_title(f"Reviews per day, {span} (busiest day {heat.busiest:,})", loc="left")


def forecast_axes(ax: Axes, overview: Overview) -> None:
    days = overview.forecast.days
    late = overview.forecast.overdue
    shift = 1 if late else 0
    xs = [i + shift for i in range(len(days))]
    review = [d.review for d in days]
    learning = [d.learning for d in days]
    ax.bar(xs, review, color=BLUE, label="review")
    ax.bar(xs, learning, bottom=review, color=ORANGE, label="(re)learning")
    ticks = [p for p in (0, 7, 14, 21, 28) if p < len(days)]
    positions, labels = [p + shift for p in ticks], [f"{days[p].day:%b} {days[p].day.day}" for p in ticks]
    if late:  # the overdue cards: a first bar (a history that stopped has them all)
        ax.bar([0], [late], color=RED, label="overdue")
        positions, labels = [0] + positions[1:], ["late"] + labels[1:]
    ax.set_xticks(positions, labels)
    overdue = f" ({late:,} overdue)" if late else ""
    ax.set_title(f"Due per day, next {len(days)} days{overdue}", loc="left")
    ax.set_ylabel("cards")
    ax.set_ylim(0, max([d.total for d in days] + [late]) * 1.15 + 1)
    ax.legend(frameon=False, ncols=2, loc="upper right")
    ax.grid(axis="y", alpha=0.3)


def retrievability_axes(ax: Axes, overview: Overview) -> None:
    dist = overview.retrievability
    edges = dist.edges
    ax.bar([100 * e for e in edges[:-1]], dist.counts, width=100 / len(dist.counts), align="edge", color=GREEN, edgecolor="white")
    if dist.mean is not None:
        ax.axvline(100 * dist.mean, color=GREY, linestyle="--", label=f"mean {100 * dist.mean:.1f}%")
        ax.legend(frameon=False, loc="upper left")
    ax.set_xlim(0, 100)
    ax.set_xlabel("predicted retrievability now (%)")
    ax.set_ylabel("cards")
    ax.set_title(f"Retrievability of {dist.cards:,} reviewed cards", loc="left")
    ax.grid(axis="y", alpha=0.3)


def retention_axes(ax: Axes, overview: Overview) -> None:
    import numpy as np

    rows = overview.retention
    rates = [100 * pf.rate for r in rows for pf in (r.young, r.mature, r.total) if pf.rate is not None]
    low = max(0.0, math.floor(min(rates, default=50.0) / 10) * 10 - 10)
    ax.set_ylim(low, 100)
    xs = np.arange(len(rows))
    width = 0.27
    for offset, (name, colour, pick) in enumerate(
        (("young", "#9ecae1", lambda r: r.young), ("mature", BLUE, lambda r: r.mature), ("all", "#08306b", lambda r: r.total))
    ):
        values = [pick(r).rate for r in rows]
        bars = ax.bar(xs + (offset - 1) * width, [100 * v if v is not None else 0 for v in values], width, color=colour, label=name)
        for bar, value in zip(bars, values, strict=True):
            if value is None:  # no review in the period
                ax.annotate("—", (bar.get_x() + bar.get_width() / 2, low + 1), ha="center", fontsize=8, color=GREY)
    ax.set_xticks(xs, [r.label.replace("Last ", "") for r in rows])
    ax.set_ylabel("passed (%)")
    ax.set_title("True retention", loc="left")
    ax.legend(frameon=False, ncols=3, loc="lower right", bbox_to_anchor=(1.0, 1.0), borderaxespad=0.2)
    ax.grid(axis="y", alpha=0.3)


def overview_figure(overview: Overview) -> Figure:
    with_curve = overview.curve is not None and not overview.curve.is_empty
    layout = [["heat", "heat"], ["forecast", "recall"], ["retention", "recall"]] + ([["curve", "curve"]] if with_curve else [])
    figure = _new_figure(13, 11.5 if with_curve else 8.5)
    grid = figure.subplot_mosaic(layout, height_ratios=[1.1, 1, 1] + ([1.3] if with_curve else []))
    heatmap_axes(grid["heat"], overview)
    forecast_axes(grid["forecast"], overview)
    retrievability_axes(grid["recall"], overview)
    retention_axes(grid["retention"], overview)
    if with_curve:
        assert overview.curve is not None
        curve_axes(grid["curve"], overview.curve)
    streak = overview.streak
    figure.suptitle(
        f"srs statistics — {_scope(overview.deck)} — {overview.today:%Y-%m-%d}: {overview.reviews_today:,} reviews today, "
        f"streak {streak.current} day{'' if streak.current == 1 else 's'}, {overview.cards.total:,} cards",
        x=0.01,
        ha="left",
        fontsize=12,
    )
    return figure


def curve_axes(ax: Axes, report: CurveReport) -> None:
    """The forgetting curve in one panel of the overview: observed recall and FSRS's prediction
    against the time since the previous review (log scale)."""
    bins = report.curve.bins
    xs = [b.mean_elapsed for b in bins]
    ax.plot(xs, [100 * b.predicted for b in bins], color=ORANGE, linewidth=2, label="FSRS predicted")
    ax.plot(xs, [100 * b.recall_rate for b in bins], "o", color=BLUE, markersize=4, label="observed recall rate")
    ax.set_xscale("log")
    _time_axis(ax, min(b.low for b in bins), max(b.high for b in bins))
    low = min(min(100 * b.recall_rate for b in bins), min(100 * b.predicted for b in bins))
    ax.set_ylim(max(0.0, math.floor(low / 5) * 5 - 5), 101)
    ax.set_ylabel("recalled (%)")
    ax.grid(alpha=0.3)
    ax.legend(frameon=False, loc="lower left")
    cal = report.curve.calibration
    ax.set_title(f"Forgetting curve: {cal.reviews:,} reviews, log loss {cal.log_loss:.4f}, RMSE(bins) {100 * (cal.rmse_bins or 0):.2f}%", loc="left")


def _time_axis(ax: Axes, low: float, high: float) -> None:
    marks = [(x, label) for x, label in TIME_MARKS if low / 1.3 <= x <= high * 1.3]
    if marks:
        ax.set_xticks([m[0] for m in marks], [m[1] for m in marks])
        ax.minorticks_off()


def curve_figure(report: CurveReport) -> Figure:
    figure = _new_figure(10, 7)
    top, bottom = figure.subplots(2, 1, sharex=True, height_ratios=[3, 1])
    bins = report.curve.bins
    cal = report.curve.calibration
    if bins:
        xs = [b.mean_elapsed for b in bins]
        top.plot(xs, [100 * b.predicted for b in bins], color=ORANGE, linewidth=2, label="FSRS predicted (mean over the bin's reviews)")
        top.errorbar(
            xs,
            [100 * b.recall_rate for b in bins],
            yerr=[196 * b.standard_error for b in bins],
            fmt="o",
            color=BLUE,
            markersize=5,
            capsize=3,
            label="observed recall rate (±1.96 σ if FSRS were right)",
        )
        bottom.bar(
            [b.low for b in bins],
            [b.reviews for b in bins],
            width=[b.high - b.low for b in bins],
            align="edge",
            color=GREY,
            edgecolor="white",
        )
        top.set_xscale("log")
        _time_axis(bottom, min(b.low for b in bins), max(b.high for b in bins))
        low = min(min(100 * b.recall_rate for b in bins), min(100 * b.predicted for b in bins))
        top.set_ylim(max(0.0, math.floor(low / 5) * 5 - 5), 101)
        top.legend(frameon=False, loc="lower left")
        long = report.curve.long_term
        summary = f"all {cal.reviews:,} reviews: log loss {cal.log_loss:.4f}, RMSE(bins) {100 * (cal.rmse_bins or 0):.2f}%"
        if long.reviews:
            summary += f"\n{long.reviews:,} reviews ≥ 1 study day apart: log loss {long.log_loss:.4f}, RMSE(bins) {100 * (long.rmse_bins or 0):.2f}%"
        top.text(
            0.99,
            0.97,
            summary,
            transform=top.transAxes,
            ha="right",
            va="top",
            fontsize=9,
            bbox={"facecolor": "white", "edgecolor": "#cccccc"},
        )
    else:
        top.text(0.5, 0.5, "no reviews after a card's first yet", transform=top.transAxes, ha="center")
    top.set_ylabel("recalled (%)")
    top.grid(alpha=0.3)
    top.set_title(f"Forgetting curve — {_scope(report.deck)}", loc="left")
    bottom.set_ylabel("reviews")
    bottom.set_xlabel("time since the previous review (log scale)")
    bottom.grid(axis="y", alpha=0.3)
    return figure


def card_curve_figure(curve: CardCurve) -> Figure:
    figure = _new_figure(10, 5)
    ax = figure.subplots()
    ax.plot([at for at, _ in curve.samples], [100 * r for _, r in curve.samples], color=GREY, linewidth=1.5, label="predicted retrievability")
    for rating in (1, 2, 3, 4):
        points = [(r.reviewed_at, 100 * (r.retrievability if r.retrievability is not None else 1.0)) for r in curve.reviews if r.rating == rating]
        if points:
            ax.scatter([p[0] for p in points], [p[1] for p in points], color=RATING_COLOURS[rating], zorder=3, s=30, label=RATING_NAMES[rating])
    ax.axvline(curve.generated_at, color=GREY, linestyle=":", linewidth=1)
    ax.annotate("now", (curve.generated_at, 2), xytext=(3, 0), textcoords="offset points", color=GREY, fontsize=8)
    ax.set_ylim(0, 103)
    ax.set_ylabel("retrievability (%)")
    ax.grid(alpha=0.3)
    ax.legend(frameon=False, loc="lower left", ncols=5)
    front = (curve.front.splitlines()[0] if curve.front else "")[:70]
    ax.set_title(f"Card {curve.card_id} ({curve.deck}): {front}", loc="left")
    figure.autofmt_xdate()
    return figure
