"""``srs cards [QUERY]`` (browse and act on cards) and ``srs card ID`` (one card)."""

from __future__ import annotations

from typing import Any

import click

from srs.commands.context import App, pass_app

SORT_CHOICES = ("due", "r", "lapses", "reps", "added", "ivl", "s", "d", "deck", "id", "front", "file")
QUERY_SETTINGS = {"ignore_unknown_options": True, "help_option_names": ["-h", "--help"]}


def _query(words: tuple[str, ...]) -> str:
    """The search from the command line's words (``srs cards deck:Papers -is:new``)."""
    return " ".join(words)


class CardsGroup(click.Group):
    """``srs cards QUERY...`` lists; ``srs cards ACTION QUERY...`` acts (``list`` is implied)."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if not args or (args[0] not in self.commands and args[0] not in ("-h", "--help")):
            args = ["list", *args]
        return super().parse_args(ctx, args)


@click.group(cls=CardsGroup, context_settings={"help_option_names": ["-h", "--help"]}, short_help="Find cards with Anki's search language, and act on them.")
def cards() -> None:
    """Find cards with Anki's search language, and act on them.

    \b
    srs cards [QUERY]                      list the matches (sort, page, --json)
    srs cards suspend|unsuspend QUERY      stop / resume showing them in reviews
    srs cards bury|unbury QUERY            hide them until tomorrow / show them
    srs cards forget QUERY                 make them new cards again (logged)
    srs cards set-due DAYS QUERY           due in DAYS days (0: today; 3-7)
    srs cards tag add|remove TAGS QUERY    add or remove tags
    srs cards undo                         undo the last of these actions

    \b
    Queries (see the README for the whole table):
      deck:Papers -deck:Papers::Old  tag:nlp  is:due  is:leech  is:suspended
      prop:ivl>=10  prop:r<0.8  prop:lapses>3  rated:7:1  added:30  kind:task
      "exact phrase"  word*  (a or b)  -negated  file:notes/*.md  retired:yes
    Put -- before a query that starts with -, e.g. srs cards -- -is:new
    """


@cards.command("list", context_settings=QUERY_SETTINGS, short_help="List the cards a search matches (sort, page, JSON).")
@click.argument("query", nargs=-1, type=click.UNPROCESSED)
@click.option("--sort", type=click.Choice(SORT_CHOICES), default="due", show_default=True, help="Order of the cards.")
@click.option("--reverse", is_flag=True, help="Reverse the order.")
@click.option("--limit", type=click.IntRange(min=1), metavar="N", help="Cards per page (default: 50 in a table, all with --json).")
@click.option("--page", type=click.IntRange(min=1), default=1, show_default=True, help="Which page of --limit cards.")
@click.option("--json", "as_json", is_flag=True, help="The matches as JSON.")
@pass_app
def list_cards(app: App, query: tuple[str, ...], sort: str, reverse: bool, limit: int | None, page: int, as_json: bool) -> None:
    """List the cards QUERY matches (every active card without QUERY)."""
    from srs.app.browse import browse

    if limit is None and not as_json:
        limit = 50
    offset = (page - 1) * limit if limit else 0
    text = _query(query)
    result = browse(app.database(), text, now=app.now(), sort=sort, reverse=reverse, limit=limit, offset=offset)
    if as_json:
        from srs.render.cards import browse_json
        from srs.text import json_text

        click.echo(json_text(browse_json(result)))
        return
    from srs.render.cards import render_browse

    render_browse(app.console, result, sort=sort + (" (reversed)" if reverse else ""), limit=limit, page=page)


def _act(app: App, action: str, query: tuple[str, ...], yes: bool, dry_run: bool, **params: Any) -> None:
    from srs.app.cards import count_matches, run_action
    from srs.render.cards import confirm_text, render_action

    text = _query(query)
    collection = app.collection()
    if dry_run:
        render_action(app.console, run_action(collection, action, text, now=app.now(), dry_run=True, **params), text)
        return
    if not yes and _interactive():
        count = count_matches(collection, text, now=app.now())
        if count > 1:
            app.console.print(confirm_text(action.replace("-", " "), count, text))
            if not click.confirm("Go ahead?", default=False):
                app.console.print("Nothing changed.")
                return
    render_action(app.console, run_action(collection, action, text, now=app.now(), **params), text)


def _interactive() -> bool:
    import sys

    return sys.stdin.isatty()


def _action_command(name: str, summary: str) -> click.Command:
    @click.command(name, context_settings=QUERY_SETTINGS, short_help=summary)
    @click.argument("query", nargs=-1, type=click.UNPROCESSED)
    @click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation on a terminal.")
    @click.option("--dry-run", is_flag=True, help="Say how many cards match, change nothing.")
    @pass_app
    def command(app: App, query: tuple[str, ...], yes: bool, dry_run: bool) -> None:
        _act(app, name, query, yes, dry_run)

    command.help = f"{summary[:-1]} (every card QUERY matches; asks on a terminal when more than one)."
    return command


for _name, _summary in (
    ("suspend", "Suspend the cards: they stop coming in reviews."),
    ("unsuspend", "Unsuspend the cards: they come in reviews again."),
    ("bury", "Bury the cards until the next day starts."),
    ("unbury", "Unbury the cards."),
    ("forget", "Make the cards new again (logged, undoable)."),
):
    cards.add_command(_action_command(_name, _summary))


@cards.command("set-due", context_settings=QUERY_SETTINGS, short_help="Make the cards due in DAYS days (logged, undoable).")
@click.argument("days")
@click.argument("query", nargs=-1, type=click.UNPROCESSED)
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation on a terminal.")
@click.option("--dry-run", is_flag=True, help="Say how many cards match, change nothing.")
@pass_app
def set_due(app: App, days: str, query: tuple[str, ...], yes: bool, dry_run: bool) -> None:
    """Make the cards due DAYS days from today (0 today, 1 tomorrow, 3-7 a random day in that range).

    Recorded as a manual entry in each card's review log, as Anki records it; new cards are
    left as they are (they have no schedule yet).
    """
    from srs.app.cards import parse_days

    _act(app, "set-due", query, yes, dry_run, days=parse_days(days))


@cards.group("tag", short_help="Add or remove tags of the cards a search matches.")
def tag() -> None:
    """Add or remove tags: srs cards tag add TAGS QUERY, srs cards tag remove TAGS QUERY."""


def _tag_command(name: str) -> click.Command:
    @click.command(name, context_settings=QUERY_SETTINGS, short_help=f"{name.title()} TAGS {'to' if name == 'add' else 'from'} the cards QUERY matches.")
    @click.argument("tags")
    @click.argument("query", nargs=-1, type=click.UNPROCESSED)
    @click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation on a terminal.")
    @click.option("--dry-run", is_flag=True, help="Say how many cards match, change nothing.")
    @pass_app
    def command(app: App, tags: str, query: tuple[str, ...], yes: bool, dry_run: bool) -> None:
        from srs.app.cards import parse_tags

        _act(app, f"tag-{name}", query, yes, dry_run, tags=parse_tags(tags))

    command.help = f"{name.title()} TAGS (space- or comma-separated, quoted) {'to' if name == 'add' else 'from'} the cards QUERY matches."
    return command


tag.add_command(_tag_command("add"))
tag.add_command(_tag_command("remove"))


@cards.command("undo", short_help="Undo the last srs cards action.")
@pass_app
def undo(app: App) -> None:
    """Undo the last srs cards action (suspend, bury, forget, set-due, tag...)."""
    from srs.app.cards import undo as run
    from srs.render.cards import render_undo

    render_undo(app.console, run(app.collection(), now=app.now()))


@click.command("card", context_settings=QUERY_SETTINGS, short_help="One card: content, memory state, history, curve.")
@click.argument("reference", nargs=-1, required=True, type=click.UNPROCESSED)
@click.option("--json", "as_json", is_flag=True, help="The card and its memory state as JSON.")
@pass_app
def card(app: App, reference: tuple[str, ...], as_json: bool) -> None:
    """One card: front and back, source, memory state, review history, forgetting curve.

    REFERENCE is a card id (the first column of srs cards) or a search that matches one card.
    """
    from srs.app.cards import card_detail, find_one

    collection = app.collection()
    card_id = find_one(collection, _query(reference), now=app.now())
    detail = card_detail(collection, card_id, now=app.now())
    if as_json:
        from srs.render.cards import card_json
        from srs.text import json_text

        document = {"version": 1, "kind": "card", **card_json(detail.row, app.now()), "back": detail.back}
        document["reviews"] = [] if detail.curve is None else detail.curve.to_json()["reviews"]
        document["manual"] = [{"at": e.at.isoformat(), "action": "forget" if e.forgot else "set-due", "due": e.due.isoformat()} for e in detail.manual]
        click.echo(json_text(document))
        return
    from srs.render.cards import render_card

    render_card(app.console, detail, app.now())


COMMANDS = [cards, card]
