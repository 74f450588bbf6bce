"""``srs review`` and ``srs cram``: the daily review session (see srs.app.review)."""

from __future__ import annotations

import sys

import click

from srs.commands.context import App, pass_app


def _run(app: App, *, deck: str | None, new_limit: int | None, review_limit: int | None, mode: str) -> None:
    from srs.app.review import Mode, SessionOptions, run_review
    from srs.render.keys import TerminalKeys
    from srs.render.lines import LineKeys, LineScreen

    stdin = sys.stdin
    options = SessionOptions(deck=deck, new_limit=new_limit, review_limit=review_limit, mode=Mode(mode))
    if stdin.isatty():
        from srs.render.review import RichScreen

        with TerminalKeys(fd=stdin.fileno(), fallback=click.getchar) as keys:
            run_review(app.collection(), options, keys=keys, screen=RichScreen(app.console), clock=app.now)
    else:
        run_review(app.collection(), options, keys=LineKeys(stdin), screen=LineScreen(click.echo), clock=app.now)


@click.command(short_help="Review the cards due today (learning, due, then new).")
@click.option("--deck", metavar="NAME", help="Only this deck and its sub-decks.")
@click.option("--new", "new_limit", type=click.IntRange(min=0), metavar="N", help="Today's new-card limit instead of the preset's new_per_day (cards introduced earlier today count).")
@click.option("--limit", "review_limit", type=click.IntRange(min=0), metavar="N", help="Today's review limit instead of the preset's reviews_per_day (reviews done earlier today count).")
@click.option("--preview", is_flag=True, help="Go through today's cards without changing any schedule.")
@pass_app
def review(app: App, deck: str | None, new_limit: int | None, review_limit: int | None, preview: bool) -> None:
    """Review the cards due today: learning steps, due reviews, and new cards.

    \b
    Keys: Space/Enter show the answer; 1 Again, 2 Hard, 3 Good, 4 Easy;
    u undo, s suspend, b bury until tomorrow, e edit the note, ? help, q quit.
    Without a terminal, stdin gives one action per line (1-4, u, s, b, e, q).
    Every answer is saved the moment it is given.
    """
    _run(app, deck=deck, new_limit=new_limit, review_limit=review_limit, mode="preview" if preview else "review")


@click.command(short_help="Go through a deck's cards without changing any schedule.")
@click.option("--deck", metavar="NAME", help="Only this deck and its sub-decks.")
@click.option("--limit", type=click.IntRange(min=1), metavar="N", help="At most N cards.")
@pass_app
def cram(app: App, deck: str | None, limit: int | None) -> None:
    """Go through every card of a deck, due or not, without changing any schedule.

    Studied cards come first (soonest due first), then new cards; Again shows a card
    once more a minute later. Same keys as srs review (suspend and bury are off).
    """
    _run(app, deck=deck, new_limit=None, review_limit=limit, mode="cram")


COMMANDS = [review, cram]
