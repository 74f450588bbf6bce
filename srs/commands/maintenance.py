"""``srs check``, ``srs backup``, ``srs restore``, ``srs import-json``: keeping a collection safe."""

from __future__ import annotations

from pathlib import Path

import click

from srs.commands.context import App, pass_app


@click.command(short_help="Find damage and repair it (like Anki's Check Database).")
@click.option("--fix", is_flag=True, help="Repair what can be repaired (in one transaction) and say what was done.")
@pass_app
def check(app: App, fix: bool) -> None:
    """Check the collection for damage (like Anki's Check Database).

    Looks at the database's integrity, card states against their review logs, reviews
    without a card, cards whose note file is gone, decks without a preset and invalid
    settings. Exit status 1 while problems remain.
    """
    from srs.app.check import check_collection
    from srs.render.console import literal

    report = check_collection(app.collection(), now=app.now(), fix=fix)
    for line in report.lines():
        app.console.print(literal(line), soft_wrap=True)
    if report.problems_left:
        raise SystemExit(1)


@click.command()
@click.argument("path", required=False, type=click.Path())
@click.option("--list", "list_", is_flag=True, help="List the backups beside the collection instead.")
@pass_app
def backup(app: App, path: str | None, list_: bool) -> None:
    """Copy the collection to PATH (default: backups/ beside it).

    PATH is a new file, or a folder to put the copy in: an existing folder, or a path
    ending in / (created if needed). A consistent copy even while srs runs elsewhere; the
    file is private (mode 0600). srs also makes one automatically each day before the
    first change (collection setting backup_keep, default 7 kept).
    """
    import os

    from srs.app.backups import backup as make_backup
    from srs.app.backups import list_backups
    from srs.render.console import literal

    collection = app.collection()
    if list_:
        if path is not None:
            raise click.UsageError("--list takes no PATH")
        infos = list_backups(collection)
        if not infos:
            app.console.print(literal(f"No backups of {collection.name} yet."))
        for info in infos:
            when = info.modified.astimezone().strftime("%Y-%m-%d %H:%M")
            app.console.print(literal(f"{when}  {info.size / 1024:>9.1f} KiB  {info.path}"), soft_wrap=True)
        return
    destination = None if path is None else Path(path)
    into_folder = path is not None and path.endswith(("/", os.sep))  # Path() drops the slash
    app.console.print(literal(str(make_backup(collection, destination, now=app.now(), into_folder=into_folder))), soft_wrap=True)


@click.command()
@click.argument("path", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--yes", is_flag=True, help="Replace the existing collection (a copy of it is kept in backups/).")
@pass_app
def restore(app: App, path: Path, yes: bool) -> None:
    """Replace the collection with the backup PATH.

    Refuses to overwrite an existing collection without --yes, and keeps a copy of what it
    replaces in backups/ beside the collection.
    """
    from srs.app.backups import restore as restore_backup
    from srs.render.console import literal
    from srs.store.collection import resolve_url

    result = restore_backup(path, resolve_url(app.db), now=app.now(), overwrite=yes)
    app.console.print(literal(str(result)), soft_wrap=True)


@click.command("import-json", short_help="Restore a JSON export into an empty collection.")
@click.argument("path", type=click.Path(path_type=Path, dir_okay=False))
@pass_app
def import_json_command(app: App, path: Path) -> None:
    """Restore a collection written by srs export --json FILE into an EMPTY collection.

    Every id is kept, so the result is identical to the exported collection: the way to
    move a collection from SQLite to a PostgreSQL server (srs --db URL import-json FILE).
    """
    from srs.app.transfer import import_json
    from srs.render.console import literal

    summary = import_json(app.collection(), path, now=app.now())
    app.console.print(literal(str(summary)), soft_wrap=True)


COMMANDS = [check, backup, restore, import_json_command]
