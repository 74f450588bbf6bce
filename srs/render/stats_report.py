"""``--output FILE`` of ``srs stats``: the charts as PNG or SVG (matplotlib), or a
self-contained HTML report (the charts as inline SVG, the tables, and the JSON figures).

matplotlib is imported only in :mod:`srs.render.stats_charts`, inside the functions, so no
other command pays for it. The figures are plain ``matplotlib.figure.Figure`` objects (no pyplot state, no GUI backend). The
file is written to a temporary name beside the target and renamed into place: an error never
leaves half a report.
"""

from __future__ import annotations

import html
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from srs.domain.forgetting_curve import CardCurve, CurveReport
from srs.domain.retention import PassFail
from srs.domain.stats import Overview
from srs.errors import SrsError
from srs.files import create_private, replaced_atomically
from srs.render.numbers import days_text, duration, percent

if TYPE_CHECKING:
    from matplotlib.figure import Figure
from srs.render.stats_charts import RATING_NAMES, Report, _scope, card_curve_figure, curve_figure, figure_bytes, figure_for, overview_figure

FORMATS = (".png", ".svg", ".html")



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
