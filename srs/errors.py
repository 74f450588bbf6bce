"""The one exception domain code raises for anything a user can cause.

Only the CLI turns it into a ``click.ClickException`` (one ``Error: ...`` line, exit 1).
"""

from __future__ import annotations


class SrsError(Exception):
    """A problem the user can fix; ``str(error)`` is the user-facing message."""

    def __init__(self, message: str, *, path: str | None = None, line: int | None = None) -> None:
        self.message = message
        self.path = path
        self.line = line
        super().__init__(self.location_message)

    @property
    def location_message(self) -> str:
        """``path:line: message`` when a location is known, else the message."""
        if self.path is None:
            return self.message
        if self.line is None:
            return f"{self.path}: {self.message}"
        return f"{self.path}:{self.line}: {self.message}"


class CollectionError(SrsError):
    """The collection cannot be opened, read or upgraded."""


class DamagedError(CollectionError):
    """A stored value that cannot be read as what its column holds (a time stored as text):
    the collection is damaged; ``srs check`` names the row."""


class ConfigError(SrsError):
    """An invalid setting or value."""


class NotFoundError(SrsError):
    """An unknown deck, card, preset or file."""
