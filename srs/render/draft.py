"""How ``srs draft`` looks: the note-and-drafts screen, the report, the JSON.

Every string from a note or a model reaches rich as literal text (:func:`srs.render.console.literal`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from srs.app.draft import Draft, NoteDrafts
from srs.app.draft_accept import KEY_HELP, Applied
from srs.render.console import literal
from srs.text import plural

if TYPE_CHECKING:
    from rich.console import Console, RenderableType

NOTE_LINES = 14  # lines of the note shown above its drafts
MAX_WIDTH = 110  # as the review screen: a wide terminal keeps lines readable


def _draft_text(number: int, draft: Draft, state: str, current: bool) -> Any:
    from rich.text import Text

    mark = ("✓ grounded", "green") if draft.acceptable else ("✗ " + "; ".join(draft.problems), "red")
    text = Text("> " if current else "  ", style="bold")
    text.append(f"{number}. ")
    text.append_text(literal(draft.pair.question, "bold"))
    text.append("\n     ")
    text.append_text(literal(draft.pair.answer))
    text.append("\n     ")
    text.append_text(literal(mark[0], mark[1]))
    if state:
        text.append(f"  [{state}]", style="cyan")
    return text


def note_screen(index: int, total: int, item: NoteDrafts, state: list[str], current: int | None) -> RenderableType:
    from rich.console import Group
    from rich.rule import Rule
    from rich.text import Text

    note = item.note
    body = note.card.back.splitlines()
    shown = "\n".join(body[:NOTE_LINES]) + (f"\n… ({len(body) - NOTE_LINES} more lines)" if len(body) > NOTE_LINES else "")
    parts: list[Any] = [
        Text(f"Note {index}/{total}  ", style="bold").append_text(literal(f"{note.display}:{note.line}", "dim")),
        literal(note.card.front.split("\n")[0], "bold"),
        Text(""),
        literal(shown),
        Rule(),
    ]
    if not item.drafts:
        parts.append(Text("Nothing to recall in this note (the model drafted no card). s suspends its card.", style="yellow"))
    for number, draft in enumerate(item.drafts, 1):
        parts.append(_draft_text(number, draft, state[number - 1], current == number - 1))
    parts.append(Text(""))
    parts.append(Text(KEY_HELP, style="dim"))
    return Group(*parts)


class RichScreen:
    """The accept flow on a terminal: the screen is redrawn for each choice."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self._notice = ""

    def show(self, index: int, total: int, item: NoteDrafts, state: list[str], current: int | None) -> None:
        self.console.clear()
        self.console.print(note_screen(index, total, item, state, current), width=min(self.console.width, MAX_WIDTH))
        if self._notice:
            self.console.print(literal(self._notice, "yellow"))
            self._notice = ""

    def notice(self, text: str) -> None:
        self._notice = text


class PlainScreen:
    """The accept flow on a pipe: nothing drawn but notices (the choices come from stdin)."""

    def __init__(self, console: Console) -> None:
        self.console = console

    def show(self, index: int, total: int, item: NoteDrafts, state: list[str], current: int | None) -> None:
        return None

    def notice(self, text: str) -> None:
        self.console.print(literal(text))


def to_dict(results: list[NoteDrafts], model_id: str, problems: list[str]) -> dict[str, Any]:
    return {
        "model": model_id,
        "notes": [
            {
                "path": r.note.display,
                "line": r.note.line,
                "card_id": r.note.card_id,
                "kind": r.note.card.kind,
                "front": r.note.card.front,
                "status": "failed" if r.failure else ("nothing_to_recall" if r.nothing_to_recall else "drafted"),
                "failure": r.failure,
                "cached": r.cached,
                "requests": r.requests,
                "drafts": [
                    {"question": d.pair.question, "answer": d.pair.answer, "acceptable": d.acceptable, "problems": d.problems, **d.grounding.to_dict()}
                    for d in r.drafts
                ],
            }
            for r in results
        ],
        "problems": problems,
    }


def _where(item: NoteDrafts) -> str:
    return f"{item.note.display}:{item.note.line}: {item.note.card.front.splitlines()[0]}"


def render_drafting(console: Console, results: list[NoteDrafts], problems: list[str]) -> None:
    """What the model gave: counts, the notes with nothing to recall, the failures."""
    if not results and not problems:
        console.print("No task or section card to draft (import notes first with srs import; notes that hold explicit cards are left out).")
        return
    drafted = [r for r in results if r.drafts]
    empty = [r for r in results if r.nothing_to_recall]
    failed = [r for r in results if r.failure]
    drafts = [d for r in results for d in r.drafts]
    console.print(
        f"{plural(len(results), 'note')}: {len(drafted)} drafted, {len(empty)} with nothing to recall, {len(failed)} failed "
        f"({sum(1 for r in results if r.cached)} from the cache, {plural(sum(r.requests for r in results), 'request')}); "
        f"{plural(len(drafts), 'draft')}, {sum(1 for d in drafts if d.acceptable)} grounded"
    )
    if empty:
        console.print("Nothing to recall:")
        for item in empty:
            console.print(literal(f"  {_where(item)}"))
    for item in failed:
        console.print(literal(f"{item.note.display}:{item.note.line}: skipped: {item.failure}", "red"))
    for line in problems:
        console.print(literal(line, "yellow"))


def render_applied(console: Console, applied: Applied, *, dry_run: bool) -> None:
    if dry_run:
        for diff in applied.diffs:
            console.print(literal(diff.rstrip("\n")))
        cards = sum(d.count("\n+") - d.count("\n+++") for d in applied.diffs)
        console.print(f"dry run: {plural(len(applied.diffs), 'file')} would change ({plural(cards, 'line')} added); nothing written")
    for display, count, backup in applied.written:
        console.print(literal(f"{display}: {plural(count, 'card')} written (backup: {backup})"))
    for item in applied.suspended:
        console.print(literal(f"{'would suspend' if dry_run else 'suspended'} card {item.note.card_id}: {_where(item)}"))
    for line in applied.problems:
        console.print(literal(line, "red"))
    if applied.written:
        console.print("Run srs import to turn the written lines into cards (each replaces its note's card; history is kept).")
    elif not applied.diffs and not applied.suspended and not applied.problems:
        console.print("No card accepted; no file changed.")
