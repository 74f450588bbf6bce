"""``srs optimize``, ``srs reschedule``, ``srs import-revlog``: personal FSRS parameters."""

from __future__ import annotations

from pathlib import Path

import click

from srs.commands.context import App, pass_app


@click.command(short_help="Fit your FSRS parameters to your review history.")
@click.option("--deck", metavar="NAME", help="Fit the preset of this deck to the reviews of this deck and its sub-decks.")
@click.option("--force", is_flag=True, help="Save the fitted parameters even if they do not predict the history better.")
@click.option("--dry-run", is_flag=True, help="Fit and show the evaluation, save nothing.")
@click.option("--retention", is_flag=True, help="Recommend a desired retention from a workload simulation instead.")
@click.option("--json", "as_json", is_flag=True, help="Print every figure as JSON (schema in the README).")
@pass_app
def optimize(app: App, deck: str | None, force: bool, dry_run: bool, retention: bool, as_json: bool) -> None:
    """Fit your FSRS parameters to your review history (as Anki's Optimize).

    Shows the current and the fitted parameters scored on the same reviews (unweighted log
    loss and RMSE over bins, as the srs-benchmark, on the whole history and on time-series
    splits) and saves the fitted ones to the preset only when they predict reviews they were
    not fitted on better (lower log loss on the splits; or with --force). Then run
    srs reschedule to move your cards' due dates accordingly.

    \b
    Examples:
      srs optimize                the Default preset, from every deck using it
      srs optimize --deck Papers  the preset of deck Papers, from its reviews
      srs optimize --retention    which desired retention costs the least time
      srs optimize --dry-run --json   the evaluation as JSON, nothing saved
    """
    from srs.render.optimize import StageProgress

    if retention and (force or dry_run):
        raise click.UsageError("--retention only recommends (it saves nothing): drop --force/--dry-run")
    if retention:
        from srs.app.optimize import retention_advice
        from srs.render.optimize import render_retention

        with StageProgress(app.err_console) as progress:
            advice = retention_advice(app.collection(), deck=deck, progress=progress)
        if as_json:
            from srs.render.optimize_json import retention_json

            _echo_json(retention_json(advice))
            return
        render_retention(app.console, advice)
        return
    from srs.app.optimize import optimize_preset
    from srs.render.optimize import render_optimize

    with StageProgress(app.err_console) as progress:
        report = optimize_preset(app.collection(), now=app.now(), deck=deck, force=force, dry_run=dry_run, progress=progress)
    if as_json:
        from srs.render.optimize_json import optimize_json

        _echo_json(optimize_json(report))
        return
    render_optimize(app.console, report)


def _echo_json(document: dict[str, object]) -> None:
    from srs.text import json_text

    click.echo(json_text(document))


def _interactive() -> bool:
    """Someone at a terminal can answer a question."""
    import sys

    return sys.stdin.isatty()


@click.command(short_help="Recompute every card's state and due date from its log.")
@click.option("--deck", metavar="NAME", help="Only the cards of this deck and its sub-decks.")
@click.option("--dry-run", is_flag=True, help="Show how many cards would move, change nothing.")
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation on a terminal.")
@click.option("--json", "as_json", is_flag=True, help="Print the counts as JSON (with --dry-run, or --yes on a terminal).")
@pass_app
def reschedule(app: App, deck: str | None, dry_run: bool, yes: bool, as_json: bool) -> None:
    """Recompute every card's memory state and due date from its review log.

    Use it after srs optimize saved new parameters or after changing desired_retention:
    each card's log is replayed with its preset's current settings. Shows how many
    cards move and how many fall due today before/after; on a terminal it asks before
    changing anything (--yes does not ask; piped input never asks).

    \b
    Examples:
      srs reschedule --dry-run          see what would change
      srs reschedule --dry-run --json   the same counts as JSON
      srs reschedule --deck Papers      apply to one deck
    """
    from srs.app.reschedule import reschedule as run
    from srs.render.optimize import render_reschedule

    if as_json:
        if not dry_run and not yes and _interactive():
            raise click.UsageError("--json does not ask for confirmation: add --dry-run to see the counts, or --yes to apply")
        from srs.render.optimize_json import reschedule_json

        _echo_json(reschedule_json(run(app.collection(), now=app.now(), deck=deck, dry_run=dry_run)))
        return
    collection = app.collection()
    if not dry_run and not yes and _interactive():
        preview = run(collection, now=app.now(), deck=deck, dry_run=True)
        render_reschedule(app.console, preview, outcome=False)
        if not preview.changed:
            app.console.print("Nothing to do: every card already matches its log.")
            return
        if not click.confirm(f"Update these {preview.changed:,} cards?", default=True):
            app.console.print("Nothing changed.")
            return
        report = run(collection, now=app.now(), deck=deck)
        app.console.print(f"Done: {report.changed:,} cards updated.")
        return
    render_reschedule(app.console, run(collection, now=app.now(), deck=deck, dry_run=dry_run))


@click.command("import-revlog", short_help="Import a review history from a CSV file.")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--deck", metavar="NAME", help="Deck for new placeholder cards (default: Imported).")
@click.option(
    "--map",
    "map_file",
    metavar="FILE",
    type=click.Path(path_type=Path),
    help="CSV with columns card_id,srs_card_id: attach these cards' reviews to existing cards.",
)
@click.option("--dry-run", is_flag=True, help="Check the file and count what would be imported, change nothing.")
@pass_app
def import_revlog(app: App, file: Path, deck: str | None, map_file: Path | None, dry_run: bool) -> None:
    """Import a review history CSV (card_id, review_rating, review_time, review_duration).

    Reviews attach to the card named in --map, else to a card whose external id is the
    CSV card_id (an earlier import, or an Anki import), else to a new placeholder card.
    Bad rows are reported with their line numbers and skipped; importing the same file
    again adds nothing. All in one transaction.

    \b
    Examples:
      srs import-revlog revlog.csv
      srs import-revlog revlog.csv --deck "Anki history" --dry-run
      srs import-revlog revlog.csv --map ids.csv
    """
    from srs.app.revlog_import import NothingToImport, RevlogImport
    from srs.app.revlog_import import import_revlog as run
    from srs.render.optimize import render_revlog_import, render_revlog_problems

    try:
        report = run(app.collection(), file, now=app.now(), deck=deck, map_path=map_file, dry_run=dry_run)
    except NothingToImport as error:
        if len(error.problems) > 1:  # the first one is the error line itself
            render_revlog_problems(app.err_console, RevlogImport(path=str(file), deck="", dry_run=dry_run, problems=error.problems[1:]))
        raise
    render_revlog_problems(app.err_console, report)
    render_revlog_import(app.console, report)


COMMANDS = [optimize, reschedule, import_revlog]
