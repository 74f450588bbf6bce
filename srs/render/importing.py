"""How ``srs import`` and ``srs sources`` look in the terminal (rich).

Every string that comes from notes or paths reaches rich as literal text (:func:`srs.render.console.literal`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from srs.render.console import literal, visible_text
from srs.text import plural

if TYPE_CHECKING:
    from rich.console import Console

    from srs.app.import_report import ImportReport
    from srs.app.sources import SourceInfo

MAX_LISTED = 15

_COLUMNS = (
    ("new", "New", True),
    ("updated", "Updated", True),
    ("moved", "Moved", True),
    ("revived", "Revived", False),
    ("unchanged", "Unchanged", True),
    ("retired", "Retired", True),
    ("skipped", "Skipped", True),
    ("pending", "Pending", True),
    ("nothing_to_recall", "No notes", False),
)


class ProgressBar:
    """A progress callback for the import: a rich bar on stderr, once there is enough to read."""

    def __init__(self, console: Console, *, minimum: int, label: str = "Reading notes") -> None:
        self.console = console
        self.label = label
        self.minimum = minimum
        self._progress: Any = None
        self._task: Any = None

    def __call__(self, done: int, total: int) -> None:
        if total < self.minimum:
            return
        if self._progress is None:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

            self._progress = Progress(
                TextColumn(self.label), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(), console=self.console, transient=True
            )
            self._progress.start()
            self._task = self._progress.add_task("read", total=total)
        self._progress.update(self._task, completed=done, total=total)

    def close(self) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None


def render_report(console: Console, report: ImportReport) -> None:
    from rich.table import Table
    from rich.text import Text

    totals = report.totals
    if report.decks:
        shown = [(name, label) for name, label, always in _COLUMNS if always or getattr(totals, name)]
        title = "Import (dry run: nothing written)" if report.dry_run else "Import"
        from rich import box

        table = Table(
            title=title, title_justify="left", show_footer=len(report.decks) > 1, box=box.SIMPLE_HEAD, pad_edge=False, padding=(0, 1, 0, 0)
        )
        numbers = sum(max(len(label), len(str(getattr(totals, name)))) + 2 for name, label in shown)  # padding, divider
        width = max(12, console.width - numbers - 2)
        longest = max(len(name) for name in report.decks)
        table.add_column("Deck", footer="Total", overflow="fold", min_width=min(max(longest, 5), width))
        for name, label in shown:
            table.add_column(label, justify="right", footer=str(getattr(totals, name)))
        for deck, counts in sorted(report.decks.items()):
            cells = []
            for name, _label in shown:
                value = getattr(counts, name)
                style = "dim" if value == 0 else ("green" if name == "new" else "yellow" if name in ("skipped", "retired") else "")
                cells.append(Text(str(value), style=style))
            table.add_row(_deck_cell(deck, width), *cells)
        console.print(table)
    for problem in report.problems:
        label = "skipped" if problem.kind == "skipped" else "warning"
        line = Text(f"{label}: ", style="yellow" if label == "skipped" else "dim")
        line.append_text(literal(str(problem)))
        console.print(line)
    _render_import_notes(console, report)
    if report.pending:
        console.print(Text(f"Pending tasks ({len(report.pending)}):", style="bold"))
        for item in report.pending[:MAX_LISTED]:
            line = Text("  ")
            line.append_text(visible_text(f"{item.path}:{item.line}", style="dim"))
            line.append("  [ ] ")
            line.append_text(literal(item.task))
            console.print(line, no_wrap=True, overflow="ellipsis")
        if len(report.pending) > MAX_LISTED:
            console.print(Text(f"  ... and {len(report.pending) - MAX_LISTED} more", style="dim"))
    if report.dry_run and report.changes:
        console.print(Text("Would change:", style="bold"))
        for change in report.changes[:MAX_LISTED]:
            front = change.front.strip().splitlines()[0] if change.front.strip() else ""
            where = f"{change.path}:{change.line}" if change.line else (change.path or "")
            line = Text(f"  {change.change:<8} ")
            line.append_text(literal(where, style="dim"))
            line.append("  ")
            line.append_text(literal(front))
            console.print(line, no_wrap=True, overflow="ellipsis")
        if len(report.changes) > MAX_LISTED:
            console.print(Text(f"  ... and {len(report.changes) - MAX_LISTED} more", style="dim"))
    console.print(literal(_summary(report)), style="dim" if report.decks else "")


def _render_import_notes(console: Console, report: ImportReport) -> None:
    """The vaults whose settings were used, sections too long to recall (one line each:
    ``path:line: section of N characters: ...``), the number of reference-only sections and
    the decks renamed or merged; ``--json`` lists them all."""
    from rich.text import Text

    for vault in report.vaults:
        console.print(literal(vault), style="dim")
    for change in report.deck_changes[:MAX_LISTED]:
        console.print(literal(str(change)), style="dim")
    if len(report.deck_changes) > MAX_LISTED:
        console.print(Text(f"  ... and {len(report.deck_changes) - MAX_LISTED} more deck changes (srs import --json lists them)", style="dim"))

    too_long = [item for item in report.not_cards if item.kind == "too_long"]
    for item in too_long[:MAX_LISTED]:
        line = Text("not a card: ", style="yellow")
        line.append_text(literal(str(item)))
        console.print(line)
    if len(too_long) > MAX_LISTED:
        console.print(Text(f"  ... and {len(too_long) - MAX_LISTED} more too long (srs import --json lists them)", style="dim"))
    references = sum(1 for item in report.not_cards if item.kind == "reference_only")
    if references:
        text = f"{plural(references, 'section')} of links, images or citations only: not cards (srs import --json lists them)"
        console.print(Text(text, style="dim"))


def _deck_cell(name: str, width: int) -> Any:
    """A deck name, broken between its levels (``papers::`` / `` vision``) when too wide."""
    if len(name) <= width or "::" not in name:
        return literal(name)
    parts = name.split("::")
    lines = [parts[0]]
    for part in parts[1:]:
        if len(lines[-1]) + 2 + len(part) <= width:
            lines[-1] += "::" + part
        else:
            lines[-1] += "::"
            lines.append(" " + part)
    return literal("\n".join(lines))


def _summary(report: ImportReport) -> str:
    if not report.files_found and not report.files_removed:
        where = ", ".join(report.roots) or "the import roots"
        return f"No Markdown files found in {where}."
    parts = [f"{plural(report.files_found, 'file')}"]
    detail = []
    if report.files_read:
        detail.append(f"{report.files_read} read")
    if report.files_unchanged:
        detail.append(f"{report.files_unchanged} unchanged")
    if report.files_removed:
        detail.append(f"{report.files_removed} removed")
    text = parts[0] + (f" ({', '.join(detail)})" if detail else "") + "."
    if report.dry_run:
        text += " Dry run: nothing was written."
    elif not report.changed:
        text += " Nothing changed."
    return text


def render_sources(console: Console, sources: list[SourceInfo]) -> None:
    from rich.table import Table
    from rich.text import Text

    if not sources:
        console.print("No imported files or folders yet: srs import PATH (a bare srs import takes ./decks).")
        return
    table = Table(title="Imported files and folders (srs import rescans them)", title_justify="left")
    table.add_column("Path", overflow="fold")
    table.add_column("Deck", overflow="fold")
    table.add_column("Files", justify="right")
    table.add_column("Cards", justify="right")
    table.add_column("Last change")
    for source in sources:
        path = visible_text(source.path)
        if not source.exists:
            path.append(" (missing)", style="yellow")
        last = source.last_import_at.astimezone().strftime("%Y-%m-%d %H:%M") if source.last_import_at else "-"
        table.add_row(path, literal(source.deck) if source.deck else Text("from folders", style="dim"), str(source.files), str(source.cards), last)
    console.print(table)
