"""How ``srs cards`` and ``srs card`` look: the table of matches, action reports, one card.

Every text that came from a note (front, deck, tags, paths) reaches rich through
:func:`srs.render.console.literal` (the one sanitiser), so it is shown as written.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from rich import box
from rich.console import Console
from rich.padding import Padding
from rich.rule import Rule
from rich.table import Table
from rich.text import Text

from srs.render.console import literal
from srs.text import plural
from srs.timeutil import format_interval

if TYPE_CHECKING:
    from srs.app.browse import Browse
    from srs.app.cards import ActionResult, CardDetail, UndoResult
    from srs.store.cards import CardRow

STATE_NAMES = {0: "new", 1: "learning", 2: "review", 3: "relearning"}
STATE_STYLES = {"new": "blue", "learning": "red", "relearning": "red", "review": "green", "suspended": "yellow", "buried": "magenta", "retired": "dim"}
PAST = {
    "suspend": "Suspended", "unsuspend": "Unsuspended", "bury": "Buried", "unbury": "Unburied", "forget": "Reset to new",
    "set-due": "Moved the due date of", "tag-add": "Tagged", "tag-remove": "Untagged",
}
UNCHANGED = {
    "suspend": "already suspended", "unsuspend": "not suspended", "bury": "already buried", "unbury": "not buried",
    "forget": "already new", "set-due": "new (no schedule to move)", "tag-add": "already tagged", "tag-remove": "without the tag",
}


def status_of(row: CardRow, now: datetime) -> str:
    """The card's state, or what keeps it out of reviews (retired, suspended, buried)."""
    if row.retired_at is not None:
        return "retired"
    if row.suspended:
        return "suspended"
    if row.buried_until is not None and row.buried_until > now:
        return "buried"
    return STATE_NAMES.get(row.state, str(row.state))


def due_text(due: datetime | None, now: datetime, state: int) -> str:
    """``now``, ``in 3d``, ``2d ago`` (blank for a new card)."""
    if due is None or state == 0:
        return ""
    seconds = (due - now).total_seconds()
    if abs(seconds) < 60:
        return "now"
    return f"in {format_interval(seconds)}" if seconds > 0 else f"{format_interval(-seconds)} ago"


def first_line(text: str) -> str:
    return next((line.strip() for line in text.splitlines() if line.strip()), "")


def source(row: Any) -> str:
    if not row.source_path:
        return ""
    from srs.render.review import display_path  # only for a table wide enough to show sources

    return display_path(row.source_path) + (f":{row.source_line}" if row.source_line else "")


def _left_cut(text: str, width: int) -> str:
    """``text`` cut from the left (a path keeps its file name and line)."""
    return text if len(text) <= width else "…" + text[-(width - 1):]


def card_json(row: CardRow, now: datetime) -> dict[str, Any]:
    return {
        "id": row.id,
        "deck": row.deck,
        "front": row.front,
        "kind": row.kind,
        "state": STATE_NAMES.get(row.state, str(row.state)),
        "suspended": row.suspended,
        "buried": row.buried_until is not None and row.buried_until > now,
        "retired": row.retired_at is not None,
        "due": None if row.due is None else row.due.isoformat(),
        "interval_days": row.interval_days,
        "stability_days": row.stability,
        "difficulty": row.difficulty,
        "retrievability": row.retrievability,
        "reviews": row.reps,
        "lapses": row.lapses,
        "tags": row.tags.split(),
        "source_path": row.source_path,
        "source_line": row.source_line,
        "added": row.created_at.isoformat(),
    }


def browse_json(result: Browse) -> dict[str, Any]:
    return {
        "version": 1,
        "kind": "cards",
        "query": result.query,
        "generated_at": result.now.isoformat(),
        "total": result.total,
        "offset": result.offset,
        "cards": [card_json(row, result.now) for row in result.rows],
    }


def _columns(width: int) -> list[str]:
    columns = ["id", "front", "status", "due"]
    if width >= 80:
        columns[1:1] = ["deck"]
        columns += ["R", "lapses"]
    if width >= 110:
        columns[3:3] = ["kind"]
        columns[-2:-2] = ["ivl", "S"]
        columns.insert(-1, "reviews")
    if width >= 150:
        columns.append("source")
    return columns


def _cell(name: str, row: CardRow, now: datetime) -> Text:
    status = status_of(row, now)
    values: dict[str, Any] = {
        "id": Text(str(row.id), style="dim"),
        "deck": literal(row.deck),
        "front": literal(first_line(row.front)),
        "kind": Text(row.kind),
        "status": Text(status, style=STATE_STYLES.get(status, "")),
        "due": Text(due_text(row.due, now, row.state)),
        "ivl": Text("" if row.interval_days is None else f"{row.interval_days}d"),
        "S": Text("" if row.stability is None else format_interval(row.stability * 86_400)),
        "R": Text("" if row.retrievability is None else f"{100 * row.retrievability:.0f}%"),
        "reviews": Text(str(row.reps)),
        "lapses": Text(str(row.lapses)),
    }
    if name == "source":
        return literal(_left_cut(source(row), 30), style="dim")
    return values[name]  # type: ignore[no-any-return]


def render_browse(console: Console, result: Browse, *, sort: str, limit: int | None, page: int) -> None:
    if result.total == 0:
        console.print(Text.assemble("No card matches ", literal(result.query or "(everything)", "bold"), "."))
        return
    if not result.rows:
        pages = -(-result.total // limit) if limit else 1
        console.print(f"Page {page} is past the last: {plural(result.total, 'card')} match, {plural(pages, 'page')} of {limit or result.total}.")
        return
    columns = _columns(console.width)
    cells = [[_cell(name, row, result.now) for name in columns] for row in result.rows]
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, expand=True)
    for index, name in enumerate(columns):
        widest = max([len(name), *(cell.cell_len for cell in (row[index] for row in cells))])
        if name == "front":
            table.add_column(name, ratio=1, no_wrap=True, overflow="ellipsis", min_width=10)
        elif name in ("deck", "source"):
            table.add_column(name, no_wrap=True, overflow="ellipsis", width=min(widest, 16 if name == "deck" else 30))
        else:
            numeric = name in ("id", "ivl", "S", "R", "reviews", "lapses", "due")
            table.add_column(name, justify="right" if numeric else "left", no_wrap=True, width=widest)
    for row in cells:
        table.add_row(*row)
    console.print(table)
    first, last = result.offset + 1, result.offset + len(result.rows)
    footer = f"{first:,}-{last:,} of {plural(result.total, 'card')}, by {sort}"
    if limit is not None and last < result.total:
        footer += f"; next: --page {page + 1}"
    console.print(Text(footer, style="dim"))


def render_action(console: Console, result: ActionResult, query: str) -> None:
    noun = plural(result.matched, "card")
    if result.dry_run:
        console.print(Text.assemble(f"{result.action}: would act on {noun} matching ", literal(query or "(everything)", "bold"), " (dry run: nothing changed)."))
        return
    if result.matched == 0:
        console.print(Text.assemble("No card matches ", literal(query or "(everything)", "bold"), "; nothing changed."))
        return
    line = Text(f"{PAST[result.action]} {plural(result.changed, 'card')}")
    if result.detail:
        line.append(" ")
        line.append(literal(result.detail))
    unchanged = result.matched - result.changed
    if unchanged:
        line.append(f" ({unchanged:,} of {noun} matched {'was' if unchanged == 1 else 'were'} {UNCHANGED[result.action]})")
    line.append(".")
    console.print(line)
    if result.changed:
        console.print(Text("Undo with: srs cards undo", style="dim"))


def render_undo(console: Console, result: UndoResult) -> None:
    console.print(Text.assemble(f"Undid {result.action} of ", literal(result.query or "(everything)", "bold"), f": {plural(result.restored, 'card')} restored."))


def render_card(console: Console, detail: CardDetail, now: datetime) -> None:
    from srs.render.note import note

    row = detail.row
    status = status_of(row, now)
    console.print(Text.assemble(("Card ", "bold"), (str(detail.id), "bold"), "  ", literal(detail.deck), "  ", (detail.kind, "dim"), "  ", (status, STATE_STYLES.get(status, ""))))
    console.print(Rule(style="dim"))
    console.print(Padding(note(detail.front), (1, 2, 0, 2)))
    console.print()
    console.print(Rule(style="dim"))
    console.print(Padding(note(detail.back), (1, 2, 0, 2)))
    console.print()
    console.print(Rule(style="dim"))
    facts = Table.grid(padding=(0, 2))
    facts.add_column(style="dim", no_wrap=True)
    facts.add_column(overflow="fold")
    if detail.source_path:
        facts.add_row("source", literal(source(detail)))
    if detail.tags.split():
        facts.add_row("tags", literal(" ".join(detail.tags.split())))
    facts.add_row("added", Text(f"{detail.created_at:%Y-%m-%d %H:%M} UTC"))
    facts.add_row("state", Text(STATE_NAMES.get(row.state, str(row.state))))
    if row.due is not None and row.state != 0:
        facts.add_row("due", Text(f"{row.due:%Y-%m-%d %H:%M} UTC ({due_text(row.due, now, row.state)})"))
    if row.interval_days is not None:
        facts.add_row("interval", Text(f"{row.interval_days}d"))
    if row.stability is not None:
        facts.add_row("stability", Text(format_interval(row.stability * 86_400)))
    if row.difficulty is not None:
        facts.add_row("difficulty", Text(f"{row.difficulty:.2f} (1-10)"))
    if row.retrievability is not None:
        facts.add_row("retrievability now", Text(f"{100 * row.retrievability:.0f}%"))
    facts.add_row("reviews, lapses", Text(f"{row.reps}, {row.lapses}"))
    console.print(facts)
    for entry in detail.manual:
        what = "reset to new" if entry.forgot else f"due date set to {entry.due:%Y-%m-%d}"
        console.print(Text(f"{entry.at:%Y-%m-%d %H:%M} UTC  manual: {what}", style="dim"))
    console.print()
    if detail.curve is None:
        console.print(Text("No answers yet: the forgetting curve starts at the first review.", style="dim"))
        return
    from srs.render.stats import render_card_curve

    render_card_curve(console, detail.curve)


def render_json(console: Console, document: Any) -> None:
    from srs.text import json_text

    console.out(json_text(document), highlight=False)


def confirm_text(action: str, count: int, query: str) -> Text:
    return Text.assemble(f"{action} {plural(count, 'card')} matching ", literal(query or "(everything)", "bold"), "?")

