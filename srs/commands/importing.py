"""``srs import`` and ``srs sources``: turn Markdown notes into cards; list or forget roots."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from srs.commands.context import App, pass_app

PROGRESS_MIN_FILES = 50  # show a progress bar when at least this many files are read
INTERRUPTED = 130  # the exit status of a command stopped by Ctrl-C (128 + SIGINT), as shells report it


@click.command("import", short_help="Import Markdown notes: tasks, sections and flashcards.")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--deck", metavar="NAME", help="Put the cards of PATH in this deck (sub-folders become sub-decks).")
@click.option("--dry-run", is_flag=True, help="Show what would change; write nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@pass_app
def import_command(app: App, paths: tuple[Path, ...], deck: str | None, dry_run: bool, as_json: bool) -> None:
    """Import Markdown notes: completed tasks, heading sections and flashcards.

    \b
    Without PATH, rescan every file and folder imported before (or ./decks
    the first time). Unchanged files are skipped; edited cards keep their history.
    """
    from srs.app.importing import import_notes
    from srs.render.importing import ProgressBar, render_report

    collection = app.database()  # the import works through Core: no ORM
    bar = ProgressBar(app.err_console, minimum=PROGRESS_MIN_FILES) if sys.stderr.isatty() and not as_json else None
    try:
        report = import_notes(collection, paths, now=app.now(), deck=deck, dry_run=dry_run, progress=bar)
    except KeyboardInterrupt:
        # The import is one transaction, rolled back when interrupted: say so (click says only "Aborted!").
        if bar is not None:
            bar.close()
            bar = None
        click.echo("Interrupted: nothing was written; the collection is as it was before this import.", err=True)
        sys.exit(INTERRUPTED)
    except Exception as error:
        _internal_error(error)
        raise
    finally:
        if bar is not None:
            bar.close()
    if as_json:
        from srs.text import json_text

        click.echo(json_text(report.to_dict()))
    else:
        render_report(app.console, report)


def _internal_error(error: Exception) -> None:
    """An unexpected error inside the import (a file's own failures are report lines): one
    ``Error:`` line, never a traceback; the import's one transaction wrote nothing."""
    from srs.errors import SrsError

    sqlalchemy_exc = sys.modules.get("sqlalchemy.exc")
    if isinstance(error, SrsError) or (sqlalchemy_exc is not None and isinstance(error, sqlalchemy_exc.SQLAlchemyError)):
        return  # the command group words these
    from srs.text import plain

    detail = plain(str(error).splitlines()[0] if str(error) else "")
    raise click.ClickException(f"internal error during import ({type(error).__name__}: {detail}); nothing was written") from None


@click.group(invoke_without_command=True)
@click.pass_context
def sources(ctx: click.Context) -> None:
    """List the files and folders that srs import rescans."""
    if ctx.invoked_subcommand is None:
        from srs.app.sources import list_sources
        from srs.render.importing import render_sources

        app = ctx.find_object(App)
        assert app is not None
        render_sources(app.console, list_sources(app.collection()))


@sources.command("remove", short_help="Stop importing PATH (its cards are retired, history kept).")
@click.argument("path", type=click.Path(path_type=Path))
@pass_app
def sources_remove(app: App, path: Path) -> None:
    """Stop importing PATH; its cards are retired (history kept, back if imported again)."""
    from srs.app.sources import remove_source
    from srs.render.console import visible_text

    result = remove_source(app.collection(), path, now=app.now())
    app.console.print(visible_text(str(result)), highlight=False)


COMMANDS = [import_command, sources]
