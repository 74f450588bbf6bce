"""``srs import-anki``: cards and review history from an Anki package."""

from __future__ import annotations

from pathlib import Path

import click

from srs.commands.context import App, pass_app


@click.command("import-anki", short_help="Import an Anki package (.apkg, .colpkg) with its history.")
@click.argument("package", type=click.Path(dir_okay=True, path_type=Path))
@click.option("--deck", metavar="PREFIX", help="Put the package's decks under this deck (PREFIX::Anki deck).")
@pass_app
def import_anki(app: App, package: Path, deck: str | None) -> None:
    """Import an Anki package (.apkg or .colpkg): notes as cards, decks, tags, media and
    the review history (so srs stats and srs optimize see it). Importing it again updates
    the cards and adds only new reviews; the package itself is never modified."""
    from srs.app.anki_import import import_anki as run_import
    from srs.render.console import literal

    summary = run_import(app.collection(), package, deck=deck, now=app.now())
    app.console.print(literal(str(summary)), soft_wrap=True)  # paths whole, never as markup


COMMANDS = [import_anki]
