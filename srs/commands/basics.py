"""``srs init``, ``srs status``, ``srs config``, ``srs db``: the collection itself."""

from __future__ import annotations

import click

from srs.commands.context import App, pass_app
from srs.render.console import visible_text


@click.command()
@pass_app
def init(app: App) -> None:
    """Create the collection (if needed) and say where it is."""
    from srs.store.migrations import current_revision

    collection = app.collection()
    app.console.print(visible_text(f"Collection ready at {collection.name} (schema {current_revision(collection)})."))


@click.command()
@click.option("--deck", metavar="NAME", help="Only this deck and its sub-decks.")
@pass_app
def status(app: App, deck: str | None) -> None:
    """Cards per deck: total, new, learning, due today, suspended."""
    from srs.app.status import collection_status
    from srs.render.status import render_status

    render_status(app.console, collection_status(app.database(), now=app.now(), deck=deck))


@click.group(short_help="Show or change settings (retention, daily limits...).")
def config() -> None:
    """Show or change settings (desired retention, daily limits, day start...)."""


@config.command("show")
@click.option("--preset", default="Default", show_default=True, help="Preset to show.")
@pass_app
def config_show(app: App, preset: str) -> None:
    """Show every setting with its value."""
    from srs.app.settings import show_settings
    from srs.render.status import render_settings

    render_settings(app.console, preset, show_settings(app.collection(), preset))


@config.command("set")
@click.argument("key")
@click.argument("value")
@click.option("--preset", default="Default", show_default=True, help="Preset to change.")
@click.option("--root", metavar="PATH", help="For an import_* setting: only the notes imported from PATH.")
@pass_app
def config_set(app: App, key: str, value: str, preset: str, root: str | None) -> None:
    """Set KEY to VALUE (e.g. srs config set new_per_day 30)."""
    from srs.app.settings import change_setting
    from srs.domain.config import RESCHEDULING_KEYS
    from srs.render.console import literal

    item, shown = change_setting(app.collection(), key, value, preset=preset, now=app.now(), root=root)
    app.console.print(literal(f"{item.key} = {shown}" + (f" (notes under {root})" if root else "")))
    if item.key in RESCHEDULING_KEYS:
        app.console.print("New answers use it now; run srs reschedule to apply it to the cards already scheduled (it shows how many move first).")


@click.group()
def db() -> None:
    """Schema migrations of the collection."""


@db.command("upgrade", short_help="Upgrade the schema to the newest (an SQLite file is backed up).")
@pass_app
def db_upgrade(app: App) -> None:
    """Upgrade the collection's schema to the newest (backing up an SQLite file first)."""
    from srs.app.backups import daily_backup_hook
    from srs.store.collection import Collection
    from srs.store.migrations import current_revision, upgrade_if_needed

    collection = Collection.open(app.db, now=app.now(), migrate=False)
    collection.before_first_write = daily_backup_hook(app.now())
    try:
        before = current_revision(collection)
        backup = upgrade_if_needed(collection, now=app.now())
        collection.ensure_defaults(app.now())
        after = current_revision(collection)
    finally:
        collection.close()
    if before == after:
        app.console.print(f"Already at the newest schema ({after}).")
    else:
        app.console.print(f"Upgraded schema {before or '(empty)'} -> {after}.")
        if backup:
            app.console.print(visible_text(f"Backup: {backup}"))


@db.command("current")
@pass_app
def db_current(app: App) -> None:
    """Show the collection's schema revision and the newest one."""
    from srs.store.collection import Collection
    from srs.store.migrations import current_revision, head_revision, script_directory

    collection = Collection.open(app.db, now=app.now(), migrate=False)
    try:
        current = current_revision(collection)
    finally:
        collection.close()
    head = head_revision()
    if current == head:
        note = "up to date"
    elif current is not None and current not in {script.revision for script in script_directory().walk_revisions()}:
        note = "made by a newer version of srs: upgrade srs to use it"
    else:
        note = "behind: run srs db upgrade (or any command)"
    app.console.print(visible_text(f"{collection.name}: schema {current or '(empty)'}; newest {head} ({note})"))


COMMANDS = [init, status, config, db]
