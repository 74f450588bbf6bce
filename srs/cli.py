"""The ``srs`` command line: a click group over the library.

Only click is imported at start-up; each command imports what it needs when it runs.
Errors a user can cause arrive as :class:`srs.errors.SrsError` and leave as one
``Error: ...`` line on stderr with exit status 1 (2 for usage errors), never a traceback.
"""

from __future__ import annotations

import importlib
import sys
from typing import Any

import click

from srs import __version__
from srs.commands.context import App
from srs.errors import SrsError


class SrsGroup(click.Group):
    """Turns our errors (and database errors) into one-line click errors."""

    def invoke(self, ctx: click.Context) -> Any:
        from srs.text import visible

        try:
            return super().invoke(ctx)
        except SrsError as error:
            # Messages quote paths and typed values: shown with their control characters visible.
            raise click.ClickException(visible(error.location_message)) from None
        except click.ClickException as error:  # click's own ("Path 'X' does not exist")
            error.message = visible(error.message)
            raise
        except Exception as error:
            sqlalchemy_exc = sys.modules.get("sqlalchemy.exc")
            if sqlalchemy_exc is not None and isinstance(error, sqlalchemy_exc.SQLAlchemyError):
                detail = str(getattr(error, "orig", None) or error).splitlines()[0]
                if "malformed" in detail:  # SQLite found a damaged page
                    detail += " (the collection is damaged: run srs check)"
                raise click.ClickException(visible(f"database error: {detail}")) from None
            raise
        finally:
            app = ctx.find_object(App)
            if app is not None:
                app.close()


@click.group(cls=SrsGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="srs")
@click.option(
    "--db",
    metavar="PATH|URL",
    envvar="SRS_DB",
    help="Collection: an SQLite file or an SQLAlchemy URL (env SRS_DB; default: collection.db in your data directory).",
)
@click.pass_context
def main(ctx: click.Context, db: str | None) -> None:
    """Spaced-repetition reviews of your own Markdown notes, scheduled by FSRS.

    \b
    Daily workflow:
      srs import        turn new notes and completed tasks into cards
      srs review        review what is due today
      srs stats         see what you remember and what you will forget
    """
    if db is not None and not db.strip() and ctx.get_parameter_source("db") == click.core.ParameterSource.ENVIRONMENT:
        db = None  # an empty SRS_DB counts as unset (an empty --db is an error)
    ctx.obj = App(db)


# One module per concept under srs/commands/, each with a COMMANDS list. These modules
# import only click at the top, so registering them costs nothing at start-up.
COMMAND_MODULES = (
    "basics",
    "importing",
    "maintenance",
    "export",
    "review",
    "anki",
    "optimize",
    "stats",
    "cards",
    "draft",
)

for _module in COMMAND_MODULES:
    for _command in importlib.import_module(f"srs.commands.{_module}").COMMANDS:
        main.add_command(_command)
