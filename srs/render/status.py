"""Rendering of ``srs status`` and ``srs config show``."""

from __future__ import annotations

from datetime import datetime

from rich.console import Console
from rich.table import Table

from srs.app.status import Status
from srs.domain import config
from srs.render.console import escape, literal
from srs.timeutil import format_interval


def describe_when(when: datetime, now: datetime) -> str:
    seconds = (when - now).total_seconds()
    if seconds <= 0:
        return "now"
    return f"in {format_interval(seconds)} ({when.astimezone().strftime('%Y-%m-%d %H:%M')})"


def render_status(console: Console, status: Status) -> None:
    if not status.decks:
        console.print(f"Collection {escape(status.collection)} is empty.")
        console.print("Write notes in Markdown, then run [bold]srs import PATH[/bold] to make cards from them.")
        return
    table = Table(title=f"Collection {escape(status.collection)}", title_justify="left")
    table.add_column("Deck")
    for name in ("Cards", "New", "Learning", "Due today", "Suspended"):
        table.add_column(name, justify="right")
    for deck in status.decks:
        table.add_row(literal(deck.deck), str(deck.total), str(deck.new), str(deck.learning), str(deck.due), str(deck.suspended))
    if len(status.decks) > 1:
        table.add_section()
        total = lambda attr: str(sum(getattr(d, attr) for d in status.decks))  # noqa: E731
        table.add_row("All", total("total"), total("new"), total("learning"), total("due"), total("suspended"), style="bold")
    console.print(table)
    new = sum(d.new for d in status.decks)
    if status.due_today or new:
        waiting = [f"{status.due_today} due today"] if status.due_today else []
        if new:
            waiting.append(f"{new} new (introduced up to the daily limit)")
        console.print(f"{' and '.join(waiting)}: run [bold]srs review[/bold].")
    next_due = status.next_due
    if next_due is not None:
        console.print(f"Next card due {describe_when(next_due, status.now)}.")
    elif not status.due_today and not new:
        console.print("Nothing scheduled yet.")


def render_settings(console: Console, preset: str, values: list[tuple[config.Setting, str]]) -> None:
    table = Table(title=f"Settings (preset {escape(preset)})", title_justify="left")
    table.add_column("Key", no_wrap=True)
    table.add_column("Value")
    table.add_column("Allowed")
    table.add_column("Meaning")
    for item, shown in values:
        scope = {config.PRESET: "", config.IMPORT: " (collection; --root PATH for one folder)"}.get(item.scope, " (collection)")
        table.add_row(item.key, literal(shown), item.allowed, item.help + scope)
    console.print(table)
