"""``srs stats`` (overview) and ``srs stats curve`` (forgetting curve, or one card's)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from srs.commands.context import App, pass_app
from srs.text import visible

OUTPUT_HELP = "Write the report to FILE instead of the screen: .png or .svg (charts) or .html (charts and tables, self-contained)."


def _deliver(app: App, result: Any, as_json: bool, output: Path | None, render: Any) -> None:
    """Print JSON, write the report file, or render to the terminal (the default). With
    nothing to chart yet, no file is written: the terminal says so instead."""
    from srs.render.console import literal

    empty = output is not None and getattr(result, "is_empty", False)
    if output is not None and not empty:
        from srs.render.stats_report import write_report

        written = write_report(result, output)
        if not as_json:
            app.console.print(literal(f"Wrote {written}"), soft_wrap=True)
    if as_json:
        from srs.text import json_text

        click.echo(json_text(result.to_json()))
    elif output is None or empty:
        render(app.console, result)  # with nothing yet, the friendly message
    if empty:
        click.echo(visible(f"Nothing to chart yet: {output} not written."), err=as_json)


def _check_output(output: Path | None) -> None:
    if output is not None:
        from srs.render.stats_report import check_output

        check_output(output)


@click.group(invoke_without_command=True, short_help="Retention, streak, forecast, heatmap and cards at risk.")
@click.option("--deck", metavar="NAME", help="Only this deck and its sub-decks.")
@click.option("--json", "as_json", is_flag=True, help="Print every figure as JSON (schema in the README).")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE", help=OUTPUT_HELP)
@click.pass_context
def stats(ctx: click.Context, deck: str | None, as_json: bool, output: Path | None) -> None:
    """What you remember and what is coming: retention, streak, forecast, heatmap, risk.

    \b
    srs stats                       overview in the terminal
    srs stats --deck Papers --json  every figure as JSON
    srs stats --output stats.html   a report with the charts and tables
    srs stats curve                 the forgetting curve (it has its own --help)
    """
    if ctx.invoked_subcommand is not None:
        if deck is not None or as_json or output is not None:
            raise click.UsageError("put options after the subcommand, e.g. srs stats curve --deck NAME")
        return
    app = ctx.find_object(App)
    assert app is not None
    _check_output(output)
    from srs.app.stats import overview
    from srs.render.stats import render_overview

    report = overview(app.database(), now=app.now(), deck=deck)
    if output is not None and not report.is_empty:  # the report file has the forgetting curve too
        from dataclasses import replace

        from srs.app.stats import curve

        report = replace(report, curve=curve(app.database(), now=app.now(), deck=deck))
    _deliver(app, report, as_json, output, render_overview)


@stats.command("curve", short_help="The forgetting curve: recall against time, beside FSRS.")
@click.option("--deck", metavar="NAME", help="Only this deck and its sub-decks.")
@click.option("--card", "card_id", type=int, metavar="ID", help="One card's predicted curve across its reviews.")
@click.option("--json", "as_json", is_flag=True, help="Print every figure as JSON (schema in the README).")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE", help=OUTPUT_HELP)
@pass_app
def curve(app: App, deck: str | None, card_id: int | None, as_json: bool, output: Path | None) -> None:
    """The forgetting curve: recall rate against time since the previous review, beside what
    FSRS predicted for the same reviews, and how well the model is calibrated.

    With --card ID: that card's predicted retrievability across its history, reviews marked.
    """
    if card_id is not None and deck is not None:
        raise click.UsageError("--card and --deck cannot be combined")
    _check_output(output)
    if card_id is not None:
        from srs.app.stats import card_history
        from srs.render.stats import render_card_curve

        _deliver(app, card_history(app.database(), card_id, now=app.now()), as_json, output, render_card_curve)
        return
    from srs.app.stats import curve as forgetting_curve
    from srs.render.stats import render_curve

    _deliver(app, forgetting_curve(app.database(), now=app.now(), deck=deck), as_json, output, render_curve)


COMMANDS = [stats]
