"""``srs draft``: atomic cards drafted from notes by the user's own language model."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from srs.commands.context import App, pass_app


@click.command(short_help="Draft atomic Q::A cards from notes with a language model.")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--query", metavar="TEXT", help="Only notes whose title or text holds TEXT (case-insensitive).")
@click.option("--model", "model_name", metavar="NAME", help="An llm model id or alias (default: the draft_model setting).")
@click.option("--jobs", type=click.IntRange(min=1, max=32), metavar="N", help="Requests at once (default: 1 for an in-process model, 4 for a server).")
@click.option("--accept-grounded", is_flag=True, help="Accept every grounded draft without asking.")
@click.option("--dry-run", is_flag=True, help="Show the diff of the notes; write nothing, suspend nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the drafts as JSON; write nothing.")
@pass_app
def draft(app: App, paths: tuple[Path, ...], query: str | None, model_name: str | None, jobs: int | None,
          accept_grounded: bool, dry_run: bool, as_json: bool) -> None:
    """Draft 1-5 atomic question/answer cards per note with a language model (through llm).

    \b
    Notes: the task and section cards under PATH (default: all imported) that
    hold no explicit card yet. Each draft is checked against its note
    (grounding); accepted ones are written into the note as Q::A lines, which
    the next srs import turns into cards. Replies are cached by note content.
    Keys: a accept, r reject, e edit, g accept all grounded, s suspend the
    note's card (nothing to recall), Enter next note, q quit. Without a
    terminal, stdin gives one choice per line (a, r, e, g, s, n, q).
    """
    from srs.app import draft_accept as accept
    from srs.app.draft import DraftCache, draft_dir, draft_notes, select_notes
    from srs.app.llm_model import describe, load_model
    from srs.render import draft as ui
    from srs.store.presets import get_setting

    collection = app.collection()
    if not model_name:
        with collection.read() as session:
            model_name = str(get_setting(session, "draft_model") or "")
    model = load_model(model_name)
    out = app.err_console if as_json else app.console
    out.print(describe(model), markup=False, highlight=False)
    selection = select_notes(collection, paths, query, Path.cwd())
    bar = None
    if sys.stderr.isatty() and not as_json:
        from srs.render.importing import ProgressBar

        bar = ProgressBar(app.err_console, minimum=1, label="Drafting")
    try:
        results = draft_notes(model, selection.notes, cache=DraftCache(draft_dir() / "cache"), jobs=jobs or model.default_jobs, progress=bar)
    finally:
        if bar is not None:
            bar.close()
    if as_json:
        from srs.text import json_text

        click.echo(json_text(ui.to_dict(results, model.model_id, selection.problems)))
        return
    interactive = sys.stdin.isatty() and not accept_grounded
    if not interactive:
        ui.render_drafting(app.console, results, selection.problems)
    if accept_grounded:
        decisions = accept.accept_grounded(results)
    elif interactive:
        decisions = _interactive(app, results)
        app.console.clear()
        ui.render_drafting(app.console, results, selection.problems)  # the screens cleared it
    else:
        decisions = accept.choose(results, accept.LineKeys(sys.stdin), ui.PlainScreen(app.console), _editor(app))
    applied = accept.apply(results, decisions, collection=collection, now=app.now(), dry_run=dry_run, backup_dir=draft_dir() / "backups")
    ui.render_applied(app.console, applied, dry_run=dry_run)


def _editor(app: App):  # type: ignore[no-untyped-def]
    import os

    from srs.app.draft_accept import edit_in_editor
    from srs.app.editor import editor_command
    from srs.store.presets import get_setting

    with app.collection().read() as session:
        command = editor_command(str(get_setting(session, "editor") or ""), os.environ)
    return lambda pair: edit_in_editor(command, pair)


def _interactive(app: App, results):  # type: ignore[no-untyped-def]
    from srs.app.draft_accept import TerminalKeys, choose
    from srs.render.draft import RichScreen

    return choose(results, TerminalKeys(click.getchar), RichScreen(app.console), _editor(app))


COMMANDS = [draft]
