"""``--output FILE`` of ``srs stats``: the charts as PNG or SVG (matplotlib), or a
self-contained HTML report (the charts as inline SVG, the tables, and the JSON figures).

matplotlib is imported only here, inside the functions, so no other command pays for it. The
figures are plain ``matplotlib.figure.Figure`` objects (no pyplot state, no GUI backend). The
file is written to a temporary name beside the target and renamed into place: an error never
leaves half a report.
"""

from __future__ import annotations

import html
import io
import json
import math
import os
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

from srs.domain.stats import CardCurve, CurveReport, Overview, PassFail
from srs.errors import SrsError
from srs.files import create_private, replaced_atomically
from srs.render.numbers import days_text, duration, percent

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

FORMATS = (".png", ".svg", ".html")
BLUE, ORANGE, GREEN, RED, GREY = "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#7f7f7f"
RATING_COLOURS = {1: RED, 2: ORANGE, 3: GREEN, 4: BLUE}
RATING_NAMES = {1: "Again", 2: "Hard", 3: "Good", 4: "Easy"}
HEAT_COLOURS = ("#ebedf0", "#9be9a8", "#40c463", "#30a14e", "#216e39")
CJK_FONTS = ("Noto Sans CJK SC", "Noto Sans CJK JP", "Source Han Sans SC", "WenQuanYi Zen Hei", "WenQuanYi Micro Hei", "Microsoft YaHei", "PingFang SC", "SimHei")
TIME_MARKS = ((10 / 86_400, "10s"), (1 / 1440, "1m"), (10 / 1440, "10m"), (1 / 24, "1h"), (6 / 24, "6h"), (1.0, "1d"), (7.0, "1w"), (30.0, "1mo"), (91.0, "3mo"), (365.0, "1y"), (3650.0, "10y"))

Report = Overview | CurveReport | CardCurve


def check_output(path: Path) -> None:
    """Refuse a report name we cannot write, before any work is done."""
    if path.suffix.lower() not in FORMATS:
        raise SrsError(f"unsupported report format {path.suffix or '(none)'!r}: use .png, .svg or .html", path=str(path))
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise SrsError("the folder to write the report in does not exist", path=str(path))


def write_report(report: Report, path: Path) -> Path:
    """Write ``report`` to ``path`` (format from the extension); returns the path written."""
    check_output(path)
    suffix = path.suffix.lower()
    if suffix == ".html":
        data = html_report(report).encode("utf-8")
    else:
        data = figure_bytes(figure_for(report), suffix[1:])
    with replaced_atomically(path, what="the report") as temporary:
        # A new file with the usual permissions (0666 less the umask), renamed over the target.
        handle = create_private(temporary)  # 0600: a report holds card text
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
    return path


# -- matplotlib ------------------------------------------------------------------------------


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


# -- HTML ------------------------------------------------------------------------------------


STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", "Noto Sans", "PingFang SC", sans-serif; margin: 2rem auto; max-width: 1100px; color: #222; }
h1 { font-size: 1.5rem; } h2 { font-size: 1.15rem; margin-top: 2rem; }
table { border-collapse: collapse; margin: .5rem 0 1rem; }
th, td { padding: .25rem .7rem; border-bottom: 1px solid #e5e5e5; text-align: right; }
th:first-child, td:first-child, td.text { text-align: left; }
td.front { text-align: left; max-width: 32rem; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.dim { color: #777; } .bad { color: #c0392b; font-weight: bold; }
figure { margin: 0; } figure svg { max-width: 100%; height: auto; }
"""


def _svg(figure: Figure) -> str:
    text = figure_bytes(figure, "svg").decode("utf-8")
    return text[text.index("<svg") :]


def _table(headers: list[str], rows: list[list[str]], classes: list[str] | None = None) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = []
    for row in rows:
        cells = []
        for index, cell in enumerate(row):
            css = f' class="{classes[index]}"' if classes and classes[index] else ""
            cells.append(f"<td{css}>{cell}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _pf(value: PassFail) -> str:
    if not value.total:
        return '<span class="dim">—</span>'
    return f'{percent(value.rate)} <span class="dim">{value.passed:,}/{value.total:,}</span>'


def _page(title: str, body: str, data: dict[str, Any]) -> str:
    payload = json.dumps(data, ensure_ascii=False).replace("<", "\\u003c")  # no </script> or <!-- can close it
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{html.escape(title)}</title>"
        f"<style>{STYLE}</style></head><body>\n<h1>{html.escape(title)}</h1>\n{body}\n"
        f'<script type="application/json" id="srs-stats">{payload}</script>\n</body></html>\n'
    )


def html_report(report: Report) -> str:
    if isinstance(report, Overview):
        return _overview_html(report)
    if isinstance(report, CurveReport):
        return _curve_html(report)
    return _card_html(report)


def _overview_html(o: Overview) -> str:
    cards = o.cards
    parts = [f'<p class="dim">Study day {o.today:%A %Y-%m-%d} ({html.escape(o.timezone)}, day starts {o.day_start_hour:02d}:00); generated {o.generated_at:%Y-%m-%d %H:%M} UTC.</p>']
    if o.retrievability.mean is not None:
        parts.append(f"<p>You would recall about <b>{percent(o.retrievability.mean, 0)}</b> of your {o.retrievability.cards:,} reviewed cards now.</p>")
    parts.append(f"<figure>{_svg(overview_figure(o))}</figure>")
    parts.append("<h2>Cards and today</h2>")
    parts.append(
        _table(
            ["New", "Learning", "Review", "Relearning", "Suspended", "Retired", "Total"],
            [[f"{v:,}" for v in (cards.new, cards.learning, cards.review, cards.relearning, cards.suspended, cards.retired, cards.total)]],
        )
    )
    s = o.streak
    parts.append(
        _table(
            ["Reviews today", "Time today", "Streak", "Longest streak", "Days studied", "Reviews, all time"],
            [[f"{o.reviews_today:,}", duration(o.time_today_ms), f"{s.current:,} days", f"{s.longest:,} days", f"{s.days_studied:,} of {s.days:,}", f"{o.total_reviews:,}"]],
        )
    )
    parts.append("<h2>True retention</h2><p class=\"dim\">Answers other than Again, among reviews of cards in review state or whose last interval was at least a day; young: last interval under 21 days.</p>")
    parts.append(_table(["Period", "Young", "Mature", "All"], [[html.escape(r.label), _pf(r.young), _pf(r.mature), _pf(r.total)] for r in o.retention]))
    if o.curve is not None and not o.curve.is_empty:
        cal = o.curve.curve.calibration
        parts.append("<h2>Forgetting curve</h2>")
        parts.append(f'<p class="dim">Recall rate against the time since the previous review, beside what FSRS predicted; {cal.reviews:,} reviews, log loss {cal.log_loss:.4f}, RMSE over bins {percent(cal.rmse_bins, 2)} (srs stats curve has the table).</p>')
        parts.append(f"<figure>{_svg(curve_figure(o.curve))}</figure>")
    parts.append("<h2>Due forecast</h2>")
    parts.append(f'<p class="dim">{o.forecast.overdue:,} cards overdue.</p>')
    parts.append(_table(["Day", "Review", "(Re)learning", "Total"], [[f"{d.day:%a %Y-%m-%d}", f"{d.review:,}", f"{d.learning:,}", f"{d.total:,}"] for d in o.forecast.days]))
    if o.at_risk:
        parts.append("<h2>Cards at most risk</h2>")
        parts.append(
            _table(
                ["Card", "Deck", "Front", "Retrievability", "Stability", "Last review"],
                [
                    [str(c.card_id), html.escape(c.deck), html.escape((c.front.splitlines() or [""])[0]), percent(c.retrievability, 0), f"{c.stability:.1f} d", f"{c.last_review:%Y-%m-%d}"]
                    for c in o.at_risk
                ],
                ["", "text", "front", "", "", ""],
            )
        )
    return _page(f"srs statistics — {_scope(o.deck)}", "\n".join(parts), o.to_json())


def _curve_html(r: CurveReport) -> str:
    cal = r.curve.calibration
    parts = [f'<p class="dim">Generated {r.generated_at:%Y-%m-%d %H:%M} UTC. FSRS-6 forgetting curve R(t,S) = (1 + FACTOR·t/S)<sup>−DECAY</sup>, DECAY = {", ".join(f"{d:.4f}" for d in r.decay) or "—"}.</p>']
    if not r.curve.bins:
        parts.append("<p>No reviews after a card's first yet: no curve to draw.</p>")
    else:
        parts.append(f"<figure>{_svg(curve_figure(r))}</figure>")
        for name, c in (("all reviews", cal), ("reviews a study day or more apart", r.curve.long_term)):
            if c.reviews:
                parts.append(
                    f"<p>Calibration, {name}: {c.reviews:,} reviews, recalled {percent(c.recall_rate)}, predicted {percent(c.predicted)}; "
                    f"log loss <b>{c.log_loss:.4f}</b>; RMSE over bins <b>{percent(c.rmse_bins, 2)}</b>.</p>"
                )
        rows = []
        for b in r.curve.bins:
            z = (b.recall_rate - b.predicted) / b.standard_error if b.standard_error > 0 else 0.0
            css = "bad" if abs(z) > 3 and b.reviews >= 10 else ""
            rows.append(
                [
                    f"{days_text(b.low)}–{days_text(b.high)}",
                    f"{b.reviews:,}",
                    percent(b.recall_rate),
                    percent(b.predicted),
                    f'<span class="{css}">{100 * (b.recall_rate - b.predicted):+.1f} pts ({z:+.1f}σ)</span>',
                ]
            )
        parts.append(_table(["Since previous review", "Reviews", "Recalled", "Predicted", "Difference"], rows))
    return _page(f"srs forgetting curve — {_scope(r.deck)}", "\n".join(parts), r.to_json())


def _card_html(c: CardCurve) -> str:
    front = html.escape((c.front.splitlines() or [""])[0])
    parts = [f"<p>Card {c.card_id} in {html.escape(c.deck)}: {front}</p>"]
    if c.retrievability_now is not None:
        parts.append(f"<p>Predicted retrievability now: <b>{percent(c.retrievability_now, 0)}</b></p>")
    parts.append(f"<figure>{_svg(card_curve_figure(c))}</figure>")
    rows = [
        [
            str(i),
            f"{rv.reviewed_at:%Y-%m-%d %H:%M}",
            RATING_NAMES[rv.rating],
            "—" if rv.elapsed_days is None else days_text(rv.elapsed_days),
            percent(rv.retrievability, 0),
            "—" if rv.stability is None else f"{rv.stability:.2f} d",
            "—" if rv.difficulty is None else f"{rv.difficulty:.2f}",
            f"{rv.due:%Y-%m-%d}",
        ]
        for i, rv in enumerate(c.reviews, start=1)
    ]
    parts.append(_table(["#", "When (UTC)", "Answer", "After", "Predicted", "Stability", "Difficulty", "Next due"], rows, ["", "text", "text", "", "", "", "", ""]))
    return _page(f"srs card {c.card_id}", "\n".join(parts), c.to_json())
