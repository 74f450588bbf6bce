"""``srs export``: the collection (or a deck) to a file another program or srs can read.

``--json`` writes everything srs holds (srs.app.transfer), ``--apkg`` an Anki package
(srs.app.anki_export). Each format's library module is imported only when asked for.
"""

from __future__ import annotations

from pathlib import Path

import click

from srs.commands.context import App, pass_app


@click.command(short_help="Export the collection as JSON (a full backup) or .apkg.")
@click.option("--json", "json_path", type=click.Path(dir_okay=False, path_type=Path), help="Write every card, review and preset as JSON.")
@click.option("--apkg", "apkg_path", type=click.Path(dir_okay=False, path_type=Path), help="Write an Anki package (.apkg).")
@click.option("--deck", metavar="NAME", help="Only this deck and its sub-decks (--apkg).")
@click.option(
    "--with-scheduling/--without-scheduling",
    default=None,
    help="--apkg: include due dates, memory states, review history and deck options (the default; without: Anki sees new cards, for sharing).",
)
@pass_app
def export(app: App, json_path: Path | None, apkg_path: Path | None, deck: str | None, with_scheduling: bool | None) -> None:
    """Export the collection as JSON (a full backup) or as an Anki package.

    The package carries the scheduling by default, so that Anki (AnkiDroid, AnkiMobile)
    continues srs's schedule; srs import-anki brings the reviews done there back."""
    if (json_path is None) == (apkg_path is None):
        raise click.UsageError("give exactly one of --json FILE or --apkg FILE")
    if json_path is not None:
        if deck is not None:
            raise click.UsageError("--deck goes with --apkg; --json exports the whole collection")
        if with_scheduling is not None:
            option = "--with-scheduling" if with_scheduling else "--without-scheduling"
            raise click.UsageError(f"{option} goes with --apkg; --json always holds the whole history")
        from srs.app.transfer import export_json

        summary = export_json(app.collection(), json_path, now=app.now())
    else:
        assert apkg_path is not None
        from srs.app.anki_export import export_apkg

        summary = export_apkg(app.collection(), apkg_path, deck=deck, now=app.now(), with_scheduling=with_scheduling is not False)
    from srs.render.console import literal

    app.console.print(literal(str(summary)), soft_wrap=True)  # paths and names shown as typed, never as markup


COMMANDS = [export]
